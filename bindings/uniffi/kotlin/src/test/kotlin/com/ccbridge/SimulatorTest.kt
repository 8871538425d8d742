package com.ccbridge

import com.ccbridge.api.ClientOptions
import com.ccbridge.api.Http2
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The simulator the library embeds: settings, credentials, clients of it, stopping. */
class SimulatorTest {
    @Test
    fun `serves a client with the credentials it reports`() = runBlocking {
        Simulator(pollWaitMs = 100uL, tokenTtlSecs = 60uL, webTokenTtlSecs = 60uL, rateLimitPerSecond = 0u).use { sim ->
            assertTrue(sim.url().startsWith("http://127.0.0.1:"), sim.url())
            assertEquals(
                listOf(SimFixture.ORG, SimFixture.CLIENT_ID, SimFixture.SECRET, SimFixture.API_KEY),
                listOf(sim.orgId(), sim.clientId(), sim.clientSecret(), sim.apiKey()),
            )
            assertTrue(sim.isRunning())
            ViaClient(sim.orgId(), sim.clientId(), sim.clientSecret(), sim.apiKey(), ClientOptions(baseUrl = sim.url())).use { client ->
                val created = client.call("streaming.createSession", "{}")
                assertTrue("sessionId" in created, created)
            }
            // The settings are in force (the control API answers with them).
            val (status, body) = SimFixture(sim).post("/sim/config")
            assertEquals(200, status, body)
            for (setting in listOf("\"pollWaitMs\":100", "\"tokenTtlSecs\":60", "\"webTokenTtlSecs\":60", "\"rateLimitPerSecond\":0")) {
                assertTrue(setting in body, body)
            }
        }
    }

    @Test
    fun `HTTP2 is spoken over plain http only with prior knowledge`() = runBlocking {
        Simulator().use { sim ->
            val fixture = SimFixture(sim)
            for (http2 in listOf(null, Http2.NEGOTIATE, Http2.OFF, Http2.PRIOR_KNOWLEDGE)) {
                val before = fixture.stats()["http2Requests"]!!.jsonPrimitive.content.toLong()
                val options = ClientOptions(baseUrl = sim.url(), http2 = http2)
                ViaClient(sim.orgId(), sim.clientId(), sim.clientSecret(), sim.apiKey(), options).use { client ->
                    client.call("streaming.createSession", "{}")
                }
                val spoken = fixture.stats()["http2Requests"]!!.jsonPrimitive.content.toLong() - before
                if (http2 == Http2.PRIOR_KNOWLEDGE) {
                    assertTrue(spoken >= 1, "the session over HTTP/2: $spoken")
                } else {
                    assertEquals(0L, spoken, "$http2: HTTP/1.1 over plain http://")
                }
            }
        }
    }

    @Test
    fun `an acknowledgement and the poll behind it share a write unless pipelining is off`() = runBlocking {
        Simulator().use { sim ->
            val fixture = SimFixture(sim)
            fun counts() = fixture.stats().let { s ->
                listOf("acknowledged", "pipelinedRequests").map { s[it]!!.jsonPrimitive.content.toLong() }
            }
            for (pipelining in listOf(null, true, false)) {
                val before = counts()
                val options = ClientOptions(baseUrl = sim.url(), http1Pipelining = pipelining)
                ViaClient(sim.orgId(), sim.clientId(), sim.clientSecret(), sim.apiKey(), options).use { client ->
                    client.startStream().use { stream ->
                        val sid = stream.sessionId()
                        repeat(5) {
                            val (status, body) = fixture.post(
                                "/sim/events",
                                "{\"sessionId\":\"$sid\",\"eventType\":\"engagementCenter.Idle\",\"count\":3}",
                            )
                            assertEquals(200, status, body)
                            repeat(3) { assertNotNull(stream.nextEvent(10_000u)) }
                        }
                        // Coming back once more hands over the last event: its
                        // acknowledgement goes with the next poll.
                        assertNull(stream.nextEvent(300u))
                    }
                }
                val (acknowledged, pipelined) = counts().zip(before) { now, then -> now - then }
                assertEquals(15L, acknowledged, "every event acknowledged, pipelining $pipelining")
                if (pipelining == false) {
                    assertEquals(0L, pipelined, "nothing pipelined when it is off")
                } else {
                    // At least one, not one per batch: the acknowledgement interval (50 ms,
                    // not an option here) may send an acknowledgement on its own first.
                    assertTrue(pipelined >= 1, "polls behind their acknowledgements, pipelining $pipelining: $pipelined")
                }
            }
        }
    }

    @Test
    fun `stop is idempotent and ends the service`() = runBlocking {
        val sim = Simulator()
        val client = ViaClient(sim.orgId(), sim.clientId(), sim.clientSecret(), sim.apiKey(), ClientOptions(baseUrl = sim.url(), maxAttempts = 1u))
        client.call("streaming.createSession", "{}")
        sim.stop()
        sim.stop()
        assertFalse(sim.isRunning())
        assertEquals("simorg", sim.orgId())
        assertFailsWith<CcbException.Transport> { client.call("streaming.createSession", "{}") }
        client.close()
        sim.close()
    }

    @Test
    fun `two run side by side and a taken port is a transport error`() {
        Simulator().use { one ->
            Simulator().use { two -> assertNotEquals(one.url(), two.url()) }
            val port = one.url().substringAfterLast(':').toUShort()
            assertFailsWith<CcbException.Transport> { Simulator(port = port) }
        }
    }
}
