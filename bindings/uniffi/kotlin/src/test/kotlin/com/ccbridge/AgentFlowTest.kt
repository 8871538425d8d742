package com.ccbridge

import com.ccbridge.api.ConnectParams
import com.ccbridge.api.DisconnectParams
import com.ccbridge.api.InitialState
import com.ccbridge.api.KeepAliveParams
import com.ccbridge.api.NotReadyParams
import com.ccbridge.api.NotReadyType
import com.ccbridge.api.ReadyParams
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** An agent's life over the simulator, through both event models. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentFlowTest {
    private lateinit var sim: SimFixture
    private lateinit var client: ViaClient
    private lateinit var ec: EngagementCenter

    @BeforeAll
    fun startSimulator() {
        sim = SimFixture.start()
        client = sim.client()
        ec = client.engagementCenter()
    }

    @AfterAll
    fun stopSimulator() {
        ec.close()
        client.close()
        sim.close()
    }

    @Test
    fun `listener receives every command's events in order`() = runBlocking {
        val user = "kt-agent-push"
        val listener = Collector()
        val stream = client.startStream(StreamOptions(), listener)
        val sid = stream.sessionId()
        assertEquals(sid, listener.awaitStatus("started").sessionId)

        ec.connect(sid, user, ConnectParams(initialState = InitialState.Idle, attach = false))
        val login = listener.expectTypes(
            "engagementCenter.Connecting",
            "engagementCenter.ConnectConfirm",
            "engagementCenter.Connected",
            "engagementCenter.Idle",
        )
        val ehub = assertNotNull(login[1].innerString("ehubSessionId"), "ConnectConfirm carries the ehubSessionId")
        assertEquals(user, login[1].innerString("userId"))
        // The raw payload is the service's own text; the decoded one is the same document.
        assertEquals(Json.parseToJsonElement(login[1].rawPayload), login[1].payload())
        assertTrue(login.all { it.eventId.isNotEmpty() && it.publishedTime.isNotEmpty() })
        assertEquals(1, login.map { it.correlationId }.toSet().size, "one command, one correlation id")

        ec.notReady(sid, user, NotReadyParams(ehubSessionId = ehub, reasonId = "12", notReadyType = NotReadyType.Park))
        val park = listener.expectTypes("engagementCenter.Park").single()
        assertEquals("12", park.innerString("reasonIdRev"))

        ec.ready(sid, user, ReadyParams(ehubSessionId = ehub))
        listener.expectTypes("engagementCenter.Idle")

        val stamp = "2024-05-01T12:00:00Z"
        ec.keepAlive(sid, user, KeepAliveParams(ehubSessionId = ehub, sessionTimeout = 120.0, requestTimestamp = stamp))
        val keepAlive = listener.expectTypes("engagementCenter.ClientSessionKeepAlive").single()
        assertEquals(stamp, keepAlive.innerString("requestTimestamp"))

        sim.screenPop(user)
        listener.expectTypes("engagementCenter.ScreenPop")

        ec.disconnect(sid, user, DisconnectParams(ehubSessionId = ehub, reasonId = "0"))
        listener.expectTypes("engagementCenter.Disconnected")

        // Listener calls run on the stream's dispatcher thread, never on the caller's.
        assertFalse(Thread.currentThread().name in listener.threads, "${listener.threads}")

        stream.stop()
        listener.awaitStatus("stopped")
        val stats = stream.stats()
        assertEquals(9uL, stats.eventsDelivered)
        assertEquals(9uL, stats.eventsAcknowledged, "stop flushes the acknowledgements")
        assertEquals(0uL, stats.listenerErrors)
        assertTrue(stream.isStopping())
        assertFalse(sim.sessionExists(sid), "stop deletes the streaming session")
        assertTrue(client.rateLimits().any { it.window == "second" && it.limit != null })
        assertEquals(1, sim.stats()["maxConcurrentPolls"]!!.jsonPrimitive.content.toInt(), "one poll in flight per session")
        stream.close()
    }

    @Test
    fun `suspending nextEvent pulls events and statuses`() = runBlocking {
        val user = "kt-agent-pull"
        client.startStream().use { stream ->
            val sid = stream.sessionId()
            assertNull(stream.nextEvent(300u), "nothing is queued yet: timeout gives null")
            assertEquals(listOf("started"), stream.drainStatuses().map { it.name })

            ec.connect(sid, user, ConnectParams(initialState = InitialState.NotReady, attach = false))
            val types = List(4) { assertNotNull(stream.nextEvent(10_000u)).eventType }
            assertEquals(
                listOf(
                    "engagementCenter.Connecting",
                    "engagementCenter.ConnectConfirm",
                    "engagementCenter.Connected",
                    "engagementCenter.NotReady",
                ),
                types,
            )

            // Cancelling a waiting nextEvent loses nothing: the event published afterwards
            // is still there for the next call.
            val cancelled = withTimeoutOrNull(300) { stream.nextEvent(10_000u) }
            assertNull(cancelled)
            sim.screenPop(user)
            assertEquals("engagementCenter.ScreenPop", assertNotNull(stream.nextEvent(10_000u)).eventType)

            // A waiting nextEvent and a command from another coroutine at the same time.
            val waiting = async { stream.nextEvent(10_000u) }
            delay(200)
            sim.screenPop(user)
            assertEquals("engagementCenter.ScreenPop", assertNotNull(waiting.await()).eventType)

            stream.stop()
            assertFailsWith<CcbException.Closed> { stream.nextEvent(1_000u) }
            assertFalse(sim.sessionExists(sid))
        }
    }

    @Test
    fun `generic call reaches the operation table`() = runBlocking {
        val names = operationNames()
        assertEquals(72, names.size)
        assertTrue("engagementCenter.notReady" in names && "streaming.getEvents" in names)

        // A whole session through the generic call alone.
        val created = Json.parseToJsonElement(
            client.call("streaming.createSession", """{"body": {"inactivityDelay": 120, "requireAcknowledgement": false}}"""),
        ).jsonObject
        val sid = assertNotNull(created["sessionId"]?.jsonPrimitive?.content)
        val user = "kt-agent-generic"
        val connected = client.call(
            "engagementCenter.connect",
            """{"userId": "$user", "sessionId": "$sid", "body": {"initialState": "Idle", "attach": false}}""",
        )
        assertEquals("null", connected, "202 Accepted has no body")
        val polled = Json.parseToJsonElement(
            client.call("streaming.getEvents", """{"sessionId": "$sid", "query": {"maxEvents": 10}}"""),
        ).jsonObject
        val events = polled["events"].toString()
        assertTrue("engagementCenter.ConnectConfirm" in events, events)
        client.call("streaming.deleteSession", """{"sessionId": "$sid"}""")
        assertFalse(sim.sessionExists(sid))

        // The core checks the whole call against the API description before sending it.
        val unknown = assertFailsWith<CcbException.InvalidArgument> { client.call("engagementCenter.dance", "{}") }
        assertEquals("op", unknown.field)
        val notJson = assertFailsWith<CcbException.InvalidArgument> { client.call("streaming.getEvents", "{oops") }
        assertEquals("params_json", notJson.field)
        val noSession = assertFailsWith<CcbException.InvalidArgument> {
            client.call("engagementCenter.ready", """{"userId": "$user", "body": {"ehubSessionId": "1"}}""")
        }
        assertEquals("sessionId", noSession.field)
        client.startStream().use { stream ->
            val badEnum = assertFailsWith<CcbException.InvalidArgument> {
                client.call(
                    "engagementCenter.connect",
                    """{"userId": "$user-2", "sessionId": "${stream.sessionId()}", "body": {"initialState": "Sleeping"}}""",
                )
            }
            assertEquals("initialState", badEnum.field)
            stream.stop()
        }
    }

    @Test
    fun `a throwing listener does not stop the stream`() = runBlocking {
        val user = "kt-agent-throws"
        val calls = AtomicInteger()
        val listener = Collector { event ->
            calls.incrementAndGet()
            when (event.eventType) {
                "engagementCenter.Connecting" -> IllegalStateException("listener bug")
                "engagementCenter.ScreenPop" -> ListenerException.Failed("declined")
                else -> null
            }
        }
        client.startStream(StreamOptions(), listener).use { stream ->
            val sid = stream.sessionId()
            ec.connect(sid, user, ConnectParams(initialState = InitialState.Idle, attach = false))
            listener.expectTypes(
                "engagementCenter.Connecting",
                "engagementCenter.ConnectConfirm",
                "engagementCenter.Connected",
                "engagementCenter.Idle",
            )
            sim.screenPop(user)
            listener.expectTypes("engagementCenter.ScreenPop")
            sim.screenPop(user)
            listener.expectTypes("engagementCenter.ScreenPop")
            eventually(what = "the three failures counted") { stream.stats().listenerErrors == 3uL }
            // Thrown-on events count as handled: acknowledged, not redelivered.
            eventually(what = "all six acknowledged") { stream.stats().eventsAcknowledged == 6uL }
            assertEquals(6, calls.get(), "each event reached the listener exactly once")
            stream.stop()
        }
    }

    @Test
    fun `session recreation is reported with both session ids`() = runBlocking {
        val listener = Collector()
        client.startStream(StreamOptions(), listener).use { stream ->
            val first = stream.sessionId()
            val (status, body) = sim.post("/sim/sessions/$first/expire")
            assertEquals(200, status, body)
            val recreated = listener.awaitStatus("session_recreated")
            assertEquals(first, recreated.oldSessionId)
            assertEquals(stream.sessionId(), recreated.sessionId)
            assertTrue(recreated.sessionId != first)
            assertEquals(1uL, stream.stats().sessionsRecreated)
            // The new session carries events: log an agent in on it.
            ec.connect(stream.sessionId(), "kt-agent-recreated", ConnectParams(initialState = InitialState.Park, attach = false))
            listener.expectTypes(
                "engagementCenter.Connecting",
                "engagementCenter.ConnectConfirm",
                "engagementCenter.Connected",
                "engagementCenter.Park",
            )
            stream.stop()
        }
    }

    @Test
    fun `a listener may cancel its own stream`() = runBlocking {
        val handle = AtomicReference<EventStreamHandle>()
        val listener = Collector { _ ->
            handle.get().cancel()
            null
        }
        val stream = client.startStream(StreamOptions(), listener)
        handle.set(stream)
        ec.connect(stream.sessionId(), "kt-agent-self-cancel", ConnectParams(initialState = InitialState.Idle, attach = false))
        listener.expectTypes("engagementCenter.Connecting")
        listener.awaitStatus("stopped")
        assertTrue(stream.isStopping())
        eventually(what = "session deleted") { !sim.sessionExists(stream.sessionId()) }
        stream.close()
    }

    @Test
    fun `expired tokens are fetched again transparently`() = runBlocking {
        client.startStream().use { stream ->
            val (status, body) = sim.post("/sim/tokens/expire")
            assertEquals(200, status, body)
            ec.connect(
                stream.sessionId(),
                "kt-agent-token",
                ConnectParams(initialState = InitialState.Idle, station = "9785551212", attach = false),
            )
            assertEquals("engagementCenter.Connecting", assertNotNull(stream.nextEvent(10_000u)).eventType)
            stream.stop()
        }
    }

    @Test
    fun `closing the handle cancels the subscription`() = runBlocking {
        val user = "kt-agent-close"
        val listener = Collector()
        val stream = client.startStream(StreamOptions(), listener)
        val sid = stream.sessionId()
        ec.connect(sid, user, ConnectParams(initialState = InitialState.Idle, attach = false))
        listener.expectTypes(
            "engagementCenter.Connecting",
            "engagementCenter.ConnectConfirm",
            "engagementCenter.Connected",
            "engagementCenter.Idle",
        )
        stream.close()
        listener.awaitStatus("stopped")
        eventually(what = "session $sid deleted after close") { !sim.sessionExists(sid) }
        sim.screenPop(user)
        delay(1_000)
        assertTrue(listener.events.isEmpty(), "no event after close: ${listener.events}")
    }

    @Test
    fun `cancel wakes a waiting nextEvent`() = runBlocking {
        val stream = client.startStream()
        val sid = stream.sessionId()
        val waiting = async { runCatching { stream.nextEvent(60_000u) } }
        delay(300)
        assertTrue(waiting.isActive, "nextEvent is waiting")
        stream.cancel()
        val outcome = withTimeout(10_000) { waiting.await() }
        assertTrue(outcome.exceptionOrNull() is CcbException.Closed, "got $outcome")
        eventually(what = "session $sid deleted after cancel") { !sim.sessionExists(sid) }
        stream.close()
    }
}
