package com.ccbridge

import com.ccbridge.api.ClientOptions
import com.ccbridge.api.ConnectParams
import com.ccbridge.api.DisconnectParams
import com.ccbridge.api.InitialState
import com.ccbridge.api.KeepAliveParams
import com.ccbridge.api.NotReadyParams
import com.ccbridge.api.NotReadyType
import com.ccbridge.api.ReadyParams
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** Bad input gives a typed exception naming the field; failures from the service are typed too. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ValidationTest {
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

    private fun invalidField(block: () -> Unit): String =
        assertFailsWith<CcbException.InvalidArgument> { block() }.field

    private suspend fun invalidFieldAsync(block: suspend () -> Unit): String {
        try {
            block()
        } catch (e: CcbException.InvalidArgument) {
            assertTrue(e.detail.isNotBlank())
            return e.field
        }
        throw AssertionError("expected CcbException.InvalidArgument")
    }

    @Test
    fun `worker threads out of range are refused and a setting after first use does not apply`() {
        // The runtime already runs here: the simulator of this class started it.
        assertEquals("workers", invalidField { configureWorkerThreads(0u) })
        assertEquals("workers", invalidField { configureWorkerThreads(257u) })
        assertFalse(configureWorkerThreads(1u))
    }

    @Test
    fun `stream options out of range are rejected before any request`() = runBlocking {
        val createdBefore = sim.sessionsCreated()
        for ((options, field) in listOf(
            StreamOptions(inactivityDelay = 30u) to "inactivity_delay",
            StreamOptions(inactivityDelay = 700u) to "inactivity_delay",
            StreamOptions(maxEvents = 0u) to "max_events",
            StreamOptions(maxEvents = 500u) to "max_events",
            StreamOptions(bufferCapacity = 0uL) to "buffer_capacity",
        )) {
            assertEquals(field, invalidFieldAsync { client.startStream(options) }, "for $options")
            assertEquals(field, invalidFieldAsync { client.startStream(options, Collector()) }, "for $options with a listener")
        }
        assertEquals(createdBefore, sim.sessionsCreated(), "rejected options must not reach the service")
        // The bounds themselves are accepted.
        client.startStream(StreamOptions(inactivityDelay = 600u, maxEvents = 200u)).use { it.stop() }
        client.startStream(StreamOptions(inactivityDelay = 60u, maxEvents = 1u)).use { it.stop() }
        assertEquals(createdBefore + 2, sim.sessionsCreated())
    }

    @Test
    fun `bad client configuration names the field`() {
        fun make(
            org: String = SimFixture.ORG,
            id: String = SimFixture.CLIENT_ID,
            secret: String = SimFixture.SECRET,
            key: String = SimFixture.API_KEY,
            options: ClientOptions = ClientOptions(baseUrl = sim.baseUrl),
        ) = ViaClient(org, id, secret, key, options).close()

        assertEquals("org_id", invalidField { make(org = "") })
        assertEquals("org_id", invalidField { make(org = "a/b") })
        assertEquals("client_id", invalidField { make(id = " ") })
        assertEquals("client_secret", invalidField { make(secret = "") })
        assertEquals("api_key", invalidField { make(key = "") })
        assertEquals("base_url", invalidField { make(options = ClientOptions(baseUrl = "not a url")) })
        assertEquals("base_url", invalidField { make(options = ClientOptions(baseUrl = "http://example.com")) })
        assertEquals("token_url", invalidField { make(options = ClientOptions(baseUrl = sim.baseUrl, tokenUrl = "ftp://x/")) })
        assertEquals("scopes", invalidField { make(options = ClientOptions(baseUrl = sim.baseUrl, scopes = listOf(""))) })
        assertEquals(
            "request_timeout",
            invalidField { make(options = ClientOptions(baseUrl = sim.baseUrl, requestTimeoutMs = 0uL)) },
        )
        assertEquals(
            "retry.max_attempts",
            invalidField { make(options = ClientOptions(baseUrl = sim.baseUrl, maxAttempts = 0u)) },
        )
        assertEquals(
            "max_response_bytes",
            invalidField { make(options = ClientOptions(baseUrl = sim.baseUrl, maxResponseBytes = 0uL)) },
        )
        // Clear text to a remote host only when asked for explicitly.
        make(options = ClientOptions(baseUrl = "http://example.com", allowInsecureHttp = true))
        ViaClient(SimFixture.ORG, SimFixture.CLIENT_ID, SimFixture.SECRET, SimFixture.API_KEY).use {
            assertEquals("https://simorg.via.aspect-cloud.net/", it.baseUrl())
            assertEquals("simorg", it.orgId())
        }
    }

    @Test
    fun `command arguments are checked before sending`() = runBlocking {
        client.startStream().use { stream ->
            val sid = stream.sessionId()
            val ec = client.engagementCenter()
            val idle = ConnectParams(initialState = InitialState.Idle, attach = false)
            assertEquals("userId", invalidFieldAsync { ec.connect(sid, "", idle) })
            assertEquals("sessionId", invalidFieldAsync { ec.connect(" ", "kt-v", idle) })
            assertEquals("station", invalidFieldAsync { ec.connect(sid, "kt-v", ConnectParams(station = "", attach = false)) })
            assertEquals("ehubSessionId", invalidFieldAsync { ec.ready(sid, "kt-v", ReadyParams(ehubSessionId = "")) })
            assertEquals(
                "reasonId",
                invalidFieldAsync {
                    ec.notReady(sid, "kt-v", NotReadyParams(ehubSessionId = "1", reasonId = "", notReadyType = NotReadyType.NotReady))
                },
            )
            assertEquals("reasonId", invalidFieldAsync { ec.disconnect(sid, "kt-v", DisconnectParams(ehubSessionId = "1", reasonId = "")) })
            assertEquals(
                "sessionTimeout",
                invalidFieldAsync { ec.keepAlive(sid, "kt-v", KeepAliveParams(ehubSessionId = "1", sessionTimeout = 0.0)) },
            )
            assertEquals(
                "requestTimestamp",
                invalidFieldAsync { ec.keepAlive(sid, "kt-v", KeepAliveParams(ehubSessionId = "1", requestTimestamp = "yesterday")) },
            )
            // A listener stream is not pulled.
            client.startStream(StreamOptions(), Collector()).use { pushed ->
                assertEquals("stream", invalidFieldAsync { pushed.nextEvent(10u) })
                pushed.stop()
            }
            // Well-formed but refused by the service: the agent is not logged in.
            val refused = assertFailsWith<CcbException.Api> {
                ec.ready(sid, "kt-not-connected", ReadyParams(ehubSessionId = "1"))
            }
            assertEquals(422.toUShort(), refused.httpStatus)
            assertTrue(refused.errors.any { it.reason == "userNotConnected" }, "${refused.errors}")
            stream.stop()
        }
    }

    @Test
    fun `wrong credentials fail with Auth and never show the secret`() = runBlocking {
        val wrongSecret = "kt-wrong-secret-value"
        sim.client(secret = wrongSecret, maxAttempts = 1u).use { bad ->
            val e = assertFailsWith<CcbException.Auth> { bad.startStream() }
            assertEquals(401.toUShort(), e.httpStatus)
            assertFalse(wrongSecret in e.toString() || wrongSecret in e.message.orEmpty(), e.toString())
            val viaCall = assertFailsWith<CcbException.Auth> { bad.call("streaming.createSession", "") }
            assertFalse(wrongSecret in viaCall.toString())
        }
        val wrongKey = "kt-wrong-api-key"
        sim.client(apiKey = wrongKey, maxAttempts = 1u).use { bad ->
            val e = assertFailsWith<CcbException.Auth> { bad.startStream() }
            assertEquals(401.toUShort(), e.httpStatus)
            assertFalse(wrongKey in e.toString())
        }
        // Options are a plain data class without secrets, so printing them is harmless.
        val printed = ClientOptions(baseUrl = sim.baseUrl).toString()
        assertFalse(SimFixture.SECRET in printed || SimFixture.API_KEY in printed)
    }

    @Test
    fun `an answer over maxResponseBytes is a Decode error naming the option`() = runBlocking {
        // Shorter than the token endpoint's answer.
        val options = ClientOptions(baseUrl = sim.baseUrl, maxResponseBytes = 32uL)
        ViaClient(sim.simulator.orgId(), sim.simulator.clientId(), sim.simulator.clientSecret(), sim.simulator.apiKey(), options).use { small ->
            val e = assertFailsWith<CcbException.Decode> { small.call("streaming.createSession", "") }
            assertTrue("max_response_bytes" in e.detail, e.detail)
        }
        val roomy = ClientOptions(baseUrl = sim.baseUrl, maxResponseBytes = 65536uL)
        ViaClient(sim.simulator.orgId(), sim.simulator.clientId(), sim.simulator.clientSecret(), sim.simulator.apiKey(), roomy).use { client ->
            assertTrue("sessionId" in client.call("streaming.createSession", ""))
        }
    }
}
