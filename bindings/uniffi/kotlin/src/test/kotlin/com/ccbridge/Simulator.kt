package com.ccbridge

import com.ccbridge.api.ClientOptions
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration

/**
 * The tests' simulator: the one the library embeds ([Simulator], in this process on a free
 * loopback port), with a short long-poll wait so that tests do not sit through the
 * documented 15 s, plus helpers for its control API (`/sim/...`, plain HTTP).
 */
class SimFixture(val simulator: Simulator) : AutoCloseable {
    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    /** `http://127.0.0.1:PORT`. */
    val baseUrl: String = simulator.url()

    /** A client of this simulator with the credentials it accepts. */
    fun client(secret: String = simulator.clientSecret(), apiKey: String = simulator.apiKey(), maxAttempts: UInt? = null): ViaClient =
        ViaClient(
            simulator.orgId(), simulator.clientId(), secret, apiKey,
            ClientOptions(baseUrl = baseUrl, maxAttempts = maxAttempts),
        )

    /** POST to the control API; returns the status and the body. */
    fun post(path: String, body: String = "{}"): Pair<Int, String> = send(
        HttpRequest.newBuilder(URI.create(baseUrl.trimEnd('/') + path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)),
    )

    /** GET on the control API; returns the status and the body. */
    fun get(path: String): Pair<Int, String> =
        send(HttpRequest.newBuilder(URI.create(baseUrl.trimEnd('/') + path)).GET())

    /** DELETE on the control API; returns the status and the body. */
    fun delete(path: String): Pair<Int, String> =
        send(HttpRequest.newBuilder(URI.create(baseUrl.trimEnd('/') + path)).DELETE())

    /** Pushes an engagementCenter.ScreenPop event to every session of `userId`. */
    fun screenPop(userId: String) {
        val (status, body) = post("/sim/users/$userId/screenPop")
        check(status == 200) { "screenPop answered $status: $body" }
    }

    /** Whether the simulator still knows the streaming session. */
    fun sessionExists(sessionId: String): Boolean {
        val (status, body) = get("/sim/sessions/$sessionId")
        return when (status) {
            200 -> true
            404 -> false
            else -> error("session lookup answered $status: $body")
        }
    }

    /** `GET /sim/stats` as JSON. */
    fun stats(): JsonObject {
        val (status, body) = get("/sim/stats")
        check(status == 200) { "stats answered $status: $body" }
        return Json.parseToJsonElement(body).jsonObject
    }

    /** Requests the simulator counted whose `"<METHOD> <route>"` key satisfies `pred`. */
    fun requestCount(pred: (String) -> Boolean): Long =
        stats()["requests"]!!.jsonObject.filterKeys(pred).values.sumOf { it.jsonPrimitive.content.toLong() }

    /** Session creations so far. */
    fun sessionsCreated(): Long = requestCount { it.startsWith("POST ") && it.endsWith("/streaming/session") }

    private fun send(builder: HttpRequest.Builder): Pair<Int, String> {
        val resp = http.send(builder.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString())
        return resp.statusCode() to resp.body()
    }

    /** Stops the simulator (and frees it). */
    override fun close() {
        simulator.close()
    }

    companion object {
        const val ORG = "simorg"
        const val CLIENT_ID = "sim-client"
        const val SECRET = "sim-secret"
        const val API_KEY = "sim-api-key"

        /** Long-poll wait of the tests' simulator. */
        const val POLL_WAIT_MS = 300uL

        /** Starts a simulator in this process. */
        fun start(): SimFixture = SimFixture(Simulator(pollWaitMs = POLL_WAIT_MS))
    }
}

/** The decoded payload of an event. */
fun Event.payload(): JsonElement = Json.parseToJsonElement(payloadJson)

/** `payload.payload.<name>` as a string, where the Engagement Center puts command details. */
fun Event.innerString(name: String): String? =
    (payload().jsonObject["payload"] as? JsonObject)?.get(name)?.jsonPrimitive?.content
