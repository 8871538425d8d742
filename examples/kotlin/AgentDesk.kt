// An agent desk on the simulator embedded in the library: logs agent-1 in, prints every
// change of its state, accepts the calls the simulator offers and wraps them up, then logs
// out. Against the real service, build the ViaClient with your organization and
// credentials (no baseUrl) and leave the Simulator out.
//
// It compiles with the Kotlin binding's tests, and AgentDeskExampleTest runs it and checks
// what it printed (see README.md beside it):
//   make bindings && bash bindings/uniffi/kotlin/run-tests.sh -Dtest=AgentDeskExampleTest
package com.ccbridge.examples

import com.ccbridge.AgentChange
import com.ccbridge.AgentListener
import com.ccbridge.AgentOptions
import com.ccbridge.AgentSessionHandle
import com.ccbridge.Simulator
import com.ccbridge.ViaClient
import com.ccbridge.api.AgentChangeKind
import com.ccbridge.api.AgentState
import com.ccbridge.api.ClientOptions
import com.ccbridge.api.DisposeParams
import com.ccbridge.api.InitialState
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull

/** What the desk did: the calls it wrapped up and the state it ended in. */
data class DeskReport(val wrappedUp: List<String>, val finalState: AgentState)

/**
 * Logs `userId` in on a fresh embedded simulator, handles `calls` offered calls, logs out.
 * Every line goes to `say`. The first call is ended by the agent (`terminate`); the others
 * by the caller (the simulator hangs up), so both roads to wrap-up show.
 */
suspend fun runAgentDesk(userId: String = "agent-1", calls: Int = 2, say: (String) -> Unit = ::println): DeskReport =
    Simulator(pollWaitMs = 200uL).use { sim ->
        ViaClient(sim.orgId(), sim.clientId(), sim.clientSecret(), sim.apiKey(), ClientOptions(baseUrl = sim.url())).use { client ->
            // keepAliveMs: the session keeps the login alive on its own.
            val options = AgentOptions(initialState = InitialState.Idle, keepAliveMs = 30_000uL)
            AgentSessionHandle.login(client, userId, options).use { agent ->
                say("logged in as ${agent.userId()}: ${agent.snapshot().state} (ehubSessionId ${agent.ehubSessionId()})")

                // The listener runs on the session's stream thread: it prints, and hands the
                // changes to this coroutine, which sends the commands. (Waiting for a
                // command inside the listener would wait for an event that this very
                // thread has to deliver.)
                val changes = Channel<AgentChange>(Channel.UNLIMITED)
                agent.setListener(object : AgentListener {
                    override fun onChange(change: AgentChange) {
                        val about = change.interactionId?.let { " [interaction $it]" } ?: ""
                        // An Error change says why in its message (the failReason).
                        val cause = if (change.kind == AgentChangeKind.ERROR) change.message else change.event?.eventType
                        say("  ${change.kind}: ${change.oldState} -> ${change.newState}$about ${cause ?: ""}")
                        changes.trySend(change)
                    }
                })
                suspend fun await(what: String, pred: (AgentChange) -> Boolean): AgentChange =
                    withTimeoutOrNull(10_000) {
                        var c = changes.receive()
                        while (!pred(c)) c = changes.receive()
                        c
                    } ?: error("no $what within 10 s")

                val wrapped = mutableListOf<String>()
                repeat(calls) { n ->
                    sim.offer(userId) // the simulator plays the ACD: an inbound call
                    val offered = await("an offered call") { it.kind == AgentChangeKind.INTERACTION_OFFERED }
                    val call = offered.interactionId!!
                    val caller = agent.snapshot().interactions.first { it.interactionId == call }
                        .screenPop?.payload?.interactionInfo?.screenData
                    say("call $call from ${caller?.firstName} ${caller?.lastName} (${caller?.ani})")

                    agent.accept(call)
                    if (n == 0) {
                        agent.terminate(call)
                    } else {
                        sim.hangUp(userId, call)
                        await("wrap") { it.newState == AgentState.WRAP }
                    }
                    // ehubSessionId stays empty: the session fills it.
                    agent.dispose(
                        call,
                        DisposeParams(
                            ehubSessionId = "", dispositionId = "1", wrapRequired = false, salesFlag = false,
                            callbackFlag = false, interactionDataCollection = emptyList(),
                        ),
                    )
                    await("the call gone") { it.kind == AgentChangeKind.INTERACTION_REMOVED && it.interactionId == call }
                    say("wrapped up call $call")
                    wrapped += call
                }

                val out = agent.logout("0", 10_000uL)
                say("logged out (${out.event?.eventType})")
                val report = DeskReport(wrapped, agent.snapshot().state)
                agent.stop()
                report
            }
        }
    }

fun main() = runBlocking {
    val report = runAgentDesk()
    println("wrapped up ${report.wrappedUp.size} calls; final state ${report.finalState}")
}
