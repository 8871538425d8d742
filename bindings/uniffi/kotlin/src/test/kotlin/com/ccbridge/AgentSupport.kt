package com.ccbridge

import com.ccbridge.api.AgentChangeKind
import com.ccbridge.api.AgentSnapshot
import com.ccbridge.api.DisposeParams
import kotlinx.coroutines.delay
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.test.fail

/** Agent options of the tests: a station, and commands that give up quickly. */
fun testAgentOptions(): AgentOptions = AgentOptions(station = "9785551212", commandTimeoutMs = 5_000uL)

/** A dispose body: the session fills the `ehubSessionId` left empty. */
fun disposeBody(dispositionId: String = "1"): DisposeParams = DisposeParams(
    ehubSessionId = "", dispositionId = dispositionId, wrapRequired = false, salesFlag = false,
    callbackFlag = false, interactionDataCollection = emptyList(),
)

/** The type of the event that confirmed a command, or `(202 only)`. */
val CommandOutcome.confirmedBy: String get() = event?.eventType ?: "(202 only)"

/** Pull mode: reads changes until one of `kind` arrives (the others are skipped). */
suspend fun AgentSessionHandle.awaitChange(kind: AgentChangeKind, timeoutMs: Long = 10_000): AgentChange {
    val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs)
    val seen = mutableListOf<AgentChangeKind>()
    while (true) {
        val left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())
        if (left <= 0) fail("no $kind change within $timeoutMs ms; saw $seen")
        val change = nextChange(left.toULong()) ?: continue
        if (change.kind == kind) return change
        seen += change.kind
    }
}

/** Polls the snapshot, without blocking the coroutine's thread, until `cond` holds. */
suspend fun AgentSessionHandle.awaitSnapshot(
    what: String,
    timeoutMs: Long = 10_000,
    cond: (AgentSnapshot) -> Boolean,
): AgentSnapshot {
    val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs)
    while (true) {
        val snap = snapshot()
        if (cond(snap)) return snap
        if (System.nanoTime() > deadline) fail("timed out waiting for $what; last snapshot $snap")
        delay(20)
    }
}

/** Like [eventually], suspending instead of blocking the coroutine's thread. */
suspend fun eventuallySuspending(timeoutMs: Long = 10_000, what: String, cond: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs)
    while (!cond()) {
        if (System.nanoTime() > deadline) fail("timed out: $what")
        delay(20)
    }
}

/**
 * An [AgentListener] that queues the changes it receives, so a test can wait for them.
 * `failWith` decides, per change, whether the listener throws after queueing it.
 */
class ChangeCollector(private val failWith: (AgentChange) -> Exception? = { null }) : AgentListener {
    val changes = LinkedBlockingQueue<AgentChange>()
    val threads: MutableSet<String> = java.util.concurrent.ConcurrentHashMap.newKeySet()

    override fun onChange(change: AgentChange) {
        threads += Thread.currentThread().name
        changes.put(change)
        failWith(change)?.let { throw it }
    }

    /** Waits for a change of `kind`, skipping others. */
    fun await(kind: AgentChangeKind, timeoutMs: Long = 10_000): AgentChange =
        changes.awaitFirst(timeoutMs, "change $kind") { it.kind == kind }
}

/** The simulator's count of Engagement Center commands it received. */
fun SimFixture.engagementCenterCommands(): Long =
    stats()["operations"]!!.let { ops ->
        (ops as kotlinx.serialization.json.JsonObject)
            .filterKeys { it.startsWith("engagementCenter.") }
            .values.sumOf { (it as kotlinx.serialization.json.JsonPrimitive).content.toLong() }
    }

/** `DELETE` on the control API; returns the status. */
fun SimFixture.clearFaults(): Int = delete("/sim/faults").first
