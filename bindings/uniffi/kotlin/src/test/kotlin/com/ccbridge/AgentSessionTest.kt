package com.ccbridge

import com.ccbridge.api.AgentChangeKind
import com.ccbridge.api.AgentState
import com.ccbridge.api.ConferenceParams
import com.ccbridge.api.ConsultParams
import com.ccbridge.api.ConsultType
import com.ccbridge.api.InitialState
import com.ccbridge.api.InteractionState
import com.ccbridge.api.KeepAliveParams
import com.ccbridge.api.NotReadyParams
import com.ccbridge.api.NotReadyType
import com.ccbridge.api.PendingRequest
import com.ccbridge.api.TransferParams
import com.ccbridge.api.TransferType
import kotlinx.coroutines.async
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The agent session (`AgentSessionHandle`) against the simulator's agent state machine. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentSessionTest {
    private lateinit var sim: SimFixture
    private lateinit var client: ViaClient

    @BeforeAll
    fun startSimulator() {
        sim = SimFixture.start()
        client = sim.client()
    }

    @AfterAll
    fun stopSimulator() {
        client.close()
        sim.close()
    }

    @Test
    fun `a full agent day`() = runBlocking {
        val user = "kt-agent-day"
        val agent = AgentSessionHandle.login(client, user, testAgentOptions().copy(initialState = InitialState.NotReady))
        val login = agent.snapshot()
        assertEquals(AgentState.NOT_READY, login.state)
        assertEquals(user, agent.userId())
        assertNotNull(login.ehubSessionId, "ConnectConfirm gave the ehubSessionId")
        assertEquals(login.ehubSessionId, agent.ehubSessionId())
        assertEquals(login.ehubSessionId, sim.simulator.agentInfo(user).ehubSessionId)
        assertTrue(login.inSync)
        assertEquals("engagementCenter.Idle", agent.ready().confirmedBy)
        assertEquals(AgentState.IDLE, agent.snapshot().state)

        // An inbound call: screen pop (pulled with nextChange), accept, hold, retrieve,
        // consult, conference, transfer.
        val call = sim.simulator.offer(user, mediaType = "InboundACD")
        val popped = agent.awaitChange(AgentChangeKind.INTERACTION_OFFERED)
        assertEquals(call, popped.interactionId)
        assertEquals(AgentState.IDLE to AgentState.BUSY, popped.oldState to popped.newState)
        assertEquals("engagementCenter.ScreenPop", popped.event?.eventType)
        val offered = agent.snapshot().interactions.single()
        assertEquals(InteractionState.OFFERED, offered.state)
        assertEquals("InboundACD", offered.mediaType)
        val screen = assertNotNull(offered.screenPop?.payload?.interactionInfo?.screenData, "screen data of the screen pop")
        assertNotNull(screen.ani)

        assertEquals("engagementCenter.Active", agent.accept(call).confirmedBy)
        val held = agent.hold(call)
        assertEquals("engagementCenter.Held", held.confirmedBy)
        assertEquals("engagementCenter.hold", held.command)
        assertEquals(held.correlationId, held.event?.correlationId, "the simulator's x-correlation-id matched the event")
        assertEquals(InteractionState.HELD, agent.snapshot().interactions.single().state)
        assertEquals("engagementCenter.Active", agent.retrieve(call).confirmedBy)
        val consult = agent.consult(call, ConsultParams(consultType = ConsultType.User, ehubSessionId = "", userId = "supervisor"))
        assertTrue(consult.confirmedBy.startsWith("engagementCenter.Consult"), consult.confirmedBy)
        assertTrue(agent.snapshot().interactions.first { it.interactionId == call }.consulting)
        // The consultation leg is listed with its link to the call (Consult names it).
        val legs = agent.awaitSnapshot("the consultation leg") { s -> s.interactions.any { it.originalInteractionId == call } }
        val leg = legs.interactions.single { it.originalInteractionId == call }
        assertEquals(leg.interactionId, legs.interactions.first { it.interactionId == call }.consultInteractionId)
        val conference = agent.conference(call, ConferenceParams(ehubSessionId = "", consultationInteractionId = leg.interactionId))
        assertEquals("engagementCenter.Conference", conference.confirmedBy)
        val merged = agent.snapshot().interactions.single()
        assertTrue(merged.conference)
        assertEquals(call, merged.interactionId, "the leg joined the call")
        val transfer = agent.transfer(
            call,
            TransferParams(transferType = TransferType.WorkType, ehubSessionId = "", workTypeId = "191"),
        )
        assertEquals("engagementCenter.CallReRouted", transfer.confirmedBy)
        agent.awaitSnapshot("the transferred call in wrap") { it.state == AgentState.WRAP }
        assertEquals("engagementCenter.DispositionInitiated", agent.dispose(call, disposeBody()).confirmedBy)

        // A chat, terminated by the agent: not ready while busy is pending until the wrap is
        // disposed. Through the generic command this time.
        agent.awaitSnapshot("the call disposed") { it.interactions.isEmpty() && it.state == AgentState.IDLE }
        val chat = sim.simulator.offer(user, mediaType = "InboundChat")
        assertEquals(chat, agent.awaitChange(AgentChangeKind.INTERACTION_OFFERED).interactionId)
        assertEquals("engagementCenter.Active", agent.command("accept", chat).confirmedBy)
        val notReady = agent.notReady(NotReadyParams(ehubSessionId = "", reasonId = "15", notReadyType = NotReadyType.NotReady))
        assertEquals("engagementCenter.NotReadyPending", notReady.confirmedBy)
        assertEquals(PendingRequest.NOT_READY, agent.snapshot().pending)
        assertEquals(AgentState.BUSY, agent.snapshot().state)
        assertEquals("engagementCenter.InteractionClear", agent.terminate(chat).confirmedBy)
        agent.command(
            "engagementCenter.dispose",
            chat,
            """{"dispositionId": "1", "wrapRequired": false, "salesFlag": false, "callbackFlag": false, "interactionDataCollection": []}""",
        )
        val notReadyNow = agent.awaitSnapshot("NotReady after the wrap") { it.state == AgentState.NOT_READY }
        assertEquals("15", notReadyNow.reasonId)
        assertNull(notReadyNow.pending)

        // Logout while busy goes through DisconnectPending to Disconnected.
        agent.ready()
        val last = sim.simulator.offer(user)
        agent.awaitChange(AgentChangeKind.INTERACTION_OFFERED)
        agent.accept(last)
        val logout = async { agent.logout("0", 10_000uL) }
        agent.awaitSnapshot("DisconnectPending") { it.pending == PendingRequest.DISCONNECT }
        assertTrue(logout.isActive, "the service holds the logout until the work is disposed")
        agent.terminate(last)
        // Its DispositionInitiated and the Disconnected it brings may arrive before its 202:
        // the dispose still ends with its own event.
        assertEquals("engagementCenter.DispositionInitiated", agent.dispose(last, disposeBody()).confirmedBy)
        assertEquals("engagementCenter.Disconnected", logout.await().confirmedBy)
        assertEquals(AgentState.DISCONNECTED, agent.snapshot().state)
        assertEquals(AgentChangeKind.LOGGED_OUT, agent.awaitChange(AgentChangeKind.LOGGED_OUT).kind)
        assertFalse(sim.simulator.agentInfo(user).connected)

        val sid = assertNotNull(agent.streamSessionId())
        agent.stop()
        assertTrue(agent.isStopped())
        assertNull(agent.streamSessionId())
        assertFalse(sim.sessionExists(sid), "stop deletes the streaming session")
        assertEquals(0uL, agent.droppedChanges())
        agent.close()
    }

    @Test
    fun `invalid transitions fail with the service's failCode and failReason`() = runBlocking {
        val user = "kt-agent-err"
        AgentSessionHandle.login(client, user, testAgentOptions()).use { agent ->
            val call = sim.simulator.offer(user)
            agent.awaitChange(AgentChangeKind.INTERACTION_OFFERED)
            val hold = assertFailsWith<CcbException.CommandFailed> { agent.hold(call) }
            assertEquals("engagementCenter.hold", hold.command)
            assertEquals(31L, hold.failCode)
            assertTrue("Hold failure" in hold.detail, hold.detail)
            assertEquals(call, hold.interactionId)
            val retrieve = assertFailsWith<CcbException.CommandFailed> { agent.retrieve("424242") }
            assertEquals(11L, retrieve.failCode)
            // The agent is fine: the call is there to accept.
            assertEquals("engagementCenter.Active", agent.accept(call).confirmedBy)
            // Nothing pending to cancel.
            assertEquals("pending", assertFailsWith<CcbException.InvalidArgument> { agent.cancel() }.field)

            // Bad input never reaches the service.
            val before = sim.engagementCenterCommands()
            assertFailsWith<CcbException.InvalidArgument> { agent.hold("") }
            assertEquals("op", assertFailsWith<CcbException.InvalidArgument> { agent.command("nope") }.field)
            assertFailsWith<CcbException.InvalidArgument> { agent.command("ready", null, """{"typo": 1}""") }
            assertEquals("body_json", assertFailsWith<CcbException.InvalidArgument> { agent.command("ready", null, "{oops") }.field)
            assertEquals(
                "op",
                assertFailsWith<CcbException.InvalidArgument> { agent.command("connect") }.field,
                "connect is what login and attach send",
            )
            assertEquals(before, sim.engagementCenterCommands())
            agent.stop()
        }
    }

    @Test
    fun `a refused login is CommandFailed and leaves no session behind`() = runBlocking {
        SimFixture.start().use { own ->
            own.client().use { client ->
                own.simulator.failNextLogin("kt-agent-refused", 219L, "(219) Agent is already logged in at station")
                assertEquals(219L, own.simulator.agentInfo("kt-agent-refused").failNextLogin)
                val refused = assertFailsWith<CcbException.CommandFailed> {
                    AgentSessionHandle.login(client, "kt-agent-refused", testAgentOptions())
                }
                assertEquals("engagementCenter.connect", refused.command)
                assertEquals(219L, refused.failCode)
                assertTrue("already logged in" in refused.detail, refused.detail)
                eventually(what = "the login's streaming session deleted") {
                    own.stats()["sessions"]!!.jsonPrimitive.content.toInt() == 0
                }
                // The next login goes through.
                AgentSessionHandle.login(client, "kt-agent-refused", testAgentOptions()).use { it.stop() }
            }
        }
    }

    @Test
    fun `a command whose event cannot arrive times out with an unknown outcome`() = runBlocking {
        val user = "kt-agent-slow"
        val agent = AgentSessionHandle.login(client, user, testAgentOptions().copy(commandTimeoutMs = 400uL))
        try {
            // Polls fail from now on: the command is accepted, its event cannot arrive.
            val (status, body) = sim.post(
                "/sim/faults",
                """{"method": "GET", "pathContains": "/events", "kind": "status", "status": 503, "count": 0}""",
            )
            assertEquals(200, status, body)
            Thread.sleep(300)
            val timeout = assertFailsWith<CcbException.Timeout> { agent.agentStatistics() }
            assertTrue("unknown" in timeout.detail, timeout.detail)
        } finally {
            sim.clearFaults()
        }
        agent.stop()
        agent.close()
    }

    @Test
    fun `a recreated stream is re-attached and reported as a gap`() = runBlocking {
        val user = "kt-agent-gap"
        AgentSessionHandle.login(client, user, testAgentOptions()).use { agent ->
            val old = assertNotNull(agent.streamSessionId())
            val (status, body) = sim.post("/sim/sessions/$old/expire")
            assertEquals(200, status, body)
            val gap = agent.awaitChange(AgentChangeKind.GAP)
            assertNull(gap.event)
            assertNotNull(gap.message)
            assertFalse(agent.snapshot().inSync)
            val new = assertNotNull(agent.streamSessionId())
            assertNotEquals(old, new)
            // The re-attached session receives the agent's events again.
            eventuallySuspending(what = "the new session attached") { new in sim.simulator.agentInfo(user).sessions }
            agent.notReady(NotReadyParams(ehubSessionId = "", reasonId = "2", notReadyType = NotReadyType.Park))
            val snap = agent.snapshot()
            assertEquals(AgentState.PARK, snap.state)
            assertEquals("2", snap.reasonId)
            assertTrue(snap.inSync, "a state event brings the state back in sync")
            agent.stop()
        }
    }

    @Test
    fun `a stream recreated mid-call is a gap, then the call is reconciled`() = runBlocking {
        val user = "kt-agent-mid-call"
        AgentSessionHandle.login(client, user, testAgentOptions()).use { agent ->
            val call = sim.simulator.offer(user, mediaType = "InboundACD")
            agent.awaitChange(AgentChangeKind.INTERACTION_OFFERED)
            agent.accept(call)
            val old = assertNotNull(agent.streamSessionId())
            assertEquals(200, sim.post("/sim/sessions/$old/expire").first)
            agent.awaitChange(AgentChangeKind.GAP)
            val gap = agent.snapshot()
            assertFalse(gap.inSync)
            // Nothing is dropped on a guess: the call is there, marked unconfirmed.
            assertEquals(listOf(call to false), gap.interactions.map { it.interactionId to it.inSync })
            val new = assertNotNull(agent.streamSessionId())
            eventuallySuspending(what = "the new session attached") { new in sim.simulator.agentInfo(user).sessions }
            assertEquals("engagementCenter.Held", agent.hold(call).confirmedBy)
            val snap = agent.snapshot()
            assertTrue(snap.inSync && snap.interactions.single().inSync)
            assertEquals(InteractionState.HELD, snap.interactions.single().state)
            agent.retrieve(call)
            agent.terminate(call)
            agent.awaitSnapshot("wrap") { it.state == AgentState.WRAP }
            agent.dispose(call, disposeBody())
            agent.awaitSnapshot("idle") { it.state == AgentState.IDLE && it.interactions.isEmpty() }
            agent.stop()
        }
    }

    @Test
    fun `cancel withdraws a pending logout`() = runBlocking {
        val user = "kt-agent-cancel-logout"
        AgentSessionHandle.login(client, user, testAgentOptions()).use { agent ->
            val call = sim.simulator.offer(user, mediaType = "InboundACD")
            agent.awaitChange(AgentChangeKind.INTERACTION_OFFERED)
            agent.accept(call)
            val logout = async { runCatching { agent.logout("0", 10_000uL) } }
            agent.awaitSnapshot("DisconnectPending") { it.pending == PendingRequest.DISCONNECT }
            assertEquals("engagementCenter.cancel", agent.cancel().command)
            val ended = logout.await().exceptionOrNull()
            assertTrue(ended is CcbException.Closed, "the waiting logout ends with Closed: $ended")
            eventuallySuspending(what = "cancelled at the service") { sim.simulator.agentInfo(user).pending == null }
            val snap = agent.snapshot()
            assertEquals(AgentState.BUSY, snap.state)
            assertNull(snap.pending)
            assertEquals("engagementCenter.Held", agent.hold(call).confirmedBy)
            agent.stop()
        }
    }

    @Test
    fun `missed keep-alives log the agent out and say so`() = runBlocking {
        val user = "kt-agent-ka"
        AgentSessionHandle.login(client, user, testAgentOptions()).use { agent ->
            val listener = ChangeCollector()
            agent.setListener(listener)
            agent.keepAlive(KeepAliveParams(ehubSessionId = "", sessionTimeout = 1.0))
            // No further keepAlive: the service logs the agent out.
            val out = listener.await(AgentChangeKind.LOGGED_OUT)
            assertEquals(AgentState.DISCONNECTED, out.newState)
            assertEquals("engagementCenter.Disconnected", out.event?.eventType)
            assertFalse(sim.simulator.agentInfo(user).connected)
            assertNull(agent.ehubSessionId())
            agent.stop()
        }
    }

    @Test
    fun `keep-alives sent by the session keep the agent logged in`() = runBlocking {
        val user = "kt-agent-ka2"
        val before = kotlinx.serialization.json.Json.parseToJsonElement(sim.post("/sim/config", "{}").second)
        val restore = (before as kotlinx.serialization.json.JsonObject)["keepaliveTimeoutMs"]!!.jsonPrimitive.content
        val (status, body) = sim.post("/sim/config", """{"keepaliveTimeoutMs": 600}""")
        assertEquals(200, status, body)
        try {
            AgentSessionHandle.login(client, user, testAgentOptions().copy(keepAliveMs = 150uL)).use { agent ->
                kotlinx.coroutines.delay(1_500)
                val info = sim.simulator.agentInfo(user)
                assertTrue(info.connected, "$info")
                assertNotNull(info.keepAliveTimeoutMs, "keepAlive was sent")
                assertEquals(AgentState.IDLE, agent.snapshot().state)
                agent.stop()
            }
        } finally {
            sim.post("/sim/config", """{"keepaliveTimeoutMs": $restore}""")
        }
    }

    @Test
    fun `the listener gets the changes on the stream's thread and may throw`() = runBlocking {
        val user = "kt-agent-listener"
        AgentSessionHandle.login(client, user, testAgentOptions()).use { agent ->
            // The login's changes were queued before any listener: they stay for nextChange.
            val login = mutableListOf<AgentChange>()
            while (true) login += agent.nextChange(300uL) ?: break
            assertEquals(AgentState.IDLE, login.last().newState, "$login")
            assertTrue(login.all { it.kind == AgentChangeKind.STATE }, "$login")
            val listener = ChangeCollector { change ->
                when (change.kind) {
                    AgentChangeKind.INTERACTION_OFFERED -> IllegalStateException("listener bug")
                    AgentChangeKind.INTERACTION_REMOVED -> ListenerException.Failed("declined")
                    else -> null
                }
            }
            agent.setListener(listener)
            val call = sim.simulator.offer(user)
            assertEquals(call, listener.await(AgentChangeKind.INTERACTION_OFFERED).interactionId)
            // The session went on after the throw: commands work, changes keep coming.
            agent.accept(call)
            assertEquals(call, listener.await(AgentChangeKind.INTERACTION_CHANGED).interactionId)
            // The far end hangs up: an informational Error, the clear, then wrap.
            sim.simulator.hangUp(user, call)
            agent.awaitSnapshot("wrap after the hang-up") { it.state == AgentState.WRAP }
            agent.dispose(call, disposeBody())
            listener.await(AgentChangeKind.INTERACTION_REMOVED)
            eventually(what = "two listener failures counted") { agent.listenerErrors() == 2uL }
            assertFalse(Thread.currentThread().name in listener.threads, "${listener.threads}")
            // Back to pulling.
            agent.setListener(null)
            agent.notReady(NotReadyParams(ehubSessionId = "", reasonId = "3", notReadyType = NotReadyType.NotReady))
            assertEquals(AgentState.NOT_READY, agent.awaitChange(AgentChangeKind.STATE).newState)
            agent.stop()
        }
    }

    @Test
    fun `a listener hands offered work to a coroutine`() = runBlocking {
        val user = "kt-agent-desk"
        AgentSessionHandle.login(client, user, testAgentOptions()).use { agent ->
            val offers = Channel<String>(Channel.UNLIMITED)
            agent.setListener(object : AgentListener {
                override fun onChange(change: AgentChange) {
                    // Never wait for a command here: its outcome arrives on this thread.
                    if (change.kind == AgentChangeKind.INTERACTION_OFFERED) offers.trySend(change.interactionId!!)
                }
            })
            val handled = Channel<String>(Channel.UNLIMITED)
            val worker = launch {
                for (id in offers) {
                    agent.accept(id)
                    agent.terminate(id)
                    agent.dispose(id, disposeBody())
                    handled.send(id)
                }
            }
            repeat(2) {
                val call = sim.simulator.offer(user)
                assertEquals(call, withTimeout(10_000) { handled.receive() })
                val info = sim.simulator.agentInfo(user)
                assertTrue(info.interactions.isEmpty(), "the simulator agrees on $call: $info")
                agent.awaitSnapshot("call $call gone") { s -> s.interactions.isEmpty() && s.state == AgentState.IDLE }
            }
            offers.close()
            withTimeout(10_000) { worker.join() }
            agent.stop()
        }
    }

    @Test
    fun `attach joins an existing login`() = runBlocking {
        val user = "kt-agent-attach"
        AgentSessionHandle.login(client, user, testAgentOptions()).use { desk ->
            AgentSessionHandle.attach(client, user, testAgentOptions()).use { second ->
                assertEquals(AgentState.UNKNOWN, second.snapshot().state)
                assertFalse(second.snapshot().inSync)
                val attachments = sim.simulator.agentInfo(user).attachments
                assertTrue(attachments.any { it.sessionId == second.streamSessionId() }, "$attachments")
                desk.notReady(NotReadyParams(ehubSessionId = "", reasonId = "7", notReadyType = NotReadyType.NotReady))
                val seen = second.awaitSnapshot("the desk's state seen by the attachment") { it.state == AgentState.NOT_READY }
                assertEquals("7", seen.reasonId)
                assertTrue(seen.inSync)
                second.stop()
            }
            assertTrue(sim.simulator.agentInfo(user).connected, "stopping an attachment does not log out")
            desk.stop()
        }
    }

    @Test
    fun `options are checked before any request and stop ends everything`() = runBlocking {
        val created = sim.sessionsCreated()
        for ((options, field) in listOf(
            AgentOptions(commandTimeoutMs = 0uL) to "command_timeout",
            AgentOptions(loginTimeoutMs = 0uL) to "login_timeout",
            AgentOptions(keepAliveMs = 0uL) to "keep_alive",
            AgentOptions(changeCapacity = 0uL) to "change_capacity",
            AgentOptions(stream = StreamOptions(maxEvents = 0u)) to "max_events",
        )) {
            val e = assertFailsWith<CcbException.InvalidArgument>("$options") { AgentSessionHandle.login(client, "kt-agent-opts", options) }
            assertEquals(field, e.field)
        }
        assertEquals("user_id", assertFailsWith<CcbException.InvalidArgument> { AgentSessionHandle.login(client, "") }.field)
        assertEquals(created, sim.sessionsCreated(), "rejected options must not reach the service")
        // Defaults are the core's.
        val d = AgentOptions()
        assertEquals(listOf(10_000uL, 30_000uL, 1_500_000uL, 10_000uL), listOf(d.commandTimeoutMs, d.loginTimeoutMs, d.attachRenewalMs, d.changeCapacity))

        val agent = AgentSessionHandle.login(client, "kt-agent-stop")
        // A waiting nextChange cancelled with its coroutine loses nothing.
        while (agent.nextChange(200uL) != null) { /* the login's changes */ }
        assertNull(withTimeoutOrNull(200) { agent.nextChange(10_000uL) })
        val waiting = async { runCatching { agent.nextChange(60_000uL) } }
        kotlinx.coroutines.delay(200)
        agent.stop()
        assertTrue(withTimeout(10_000) { waiting.await() }.exceptionOrNull() is CcbException.Closed)
        assertFailsWith<CcbException.Closed> { agent.ready() }
        assertFailsWith<CcbException.Closed> { agent.nextChange(100uL) }
        agent.stop()
        assertTrue(sim.simulator.agentInfo("kt-agent-stop").connected, "stop does not log the agent out")
        agent.close()
    }
}
