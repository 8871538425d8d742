package com.ccbridge

import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.fail

/**
 * An [EventListener] that queues what it receives, so a test can wait for it.
 * `failWith` decides, per event, whether the listener throws after queueing it.
 */
class Collector(private val failWith: (Event) -> Exception? = { null }) : EventListener {
    val events = LinkedBlockingQueue<Event>()
    val statuses = LinkedBlockingQueue<StreamStatusRecord>()
    val threads: MutableSet<String> = java.util.concurrent.ConcurrentHashMap.newKeySet()

    override fun onEvent(event: Event) {
        threads += Thread.currentThread().name
        events.put(event)
        failWith(event)?.let { throw it }
    }

    override fun onStatus(status: StreamStatusRecord) {
        statuses.put(status)
    }

    /** The next events, which must have exactly these types, in this order. */
    fun expectTypes(vararg types: String, timeoutMs: Long = 10_000): List<Event> =
        types.map { type ->
            val e = events.poll(timeoutMs, TimeUnit.MILLISECONDS) ?: fail("no event within $timeoutMs ms; expected $type")
            assertEquals(type, e.eventType, "event order: ${e.eventType} came where $type was expected")
            e
        }

    /** Waits for a status of this name, skipping others. */
    fun awaitStatus(name: String, timeoutMs: Long = 10_000): StreamStatusRecord =
        statuses.awaitFirst(timeoutMs, "status $name") { it.name == name }
}

/** Takes items until one matches; fails with what was seen after `timeoutMs`. */
fun <T> LinkedBlockingQueue<T>.awaitFirst(timeoutMs: Long, what: String, pred: (T) -> Boolean): T {
    val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs)
    val seen = mutableListOf<T>()
    while (true) {
        val left = deadline - System.nanoTime()
        val item = poll(left.coerceAtLeast(0), TimeUnit.NANOSECONDS) ?: fail("timed out waiting for $what; saw $seen")
        if (pred(item)) return item
        seen += item
    }
}

/** Retries `cond` until it holds or `timeoutMs` passes. */
fun eventually(timeoutMs: Long = 10_000, what: String, cond: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs)
    while (!cond()) {
        if (System.nanoTime() > deadline) fail("timed out: $what")
        Thread.sleep(50)
    }
}
