package com.ccbridge

import com.ccbridge.api.ClientOptions
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/**
 * The ccbridge simulator as a child process, on a free loopback port, with a short long-poll
 * wait so that tests do not sit through the documented 15 s.
 */
class Simulator private constructor(private val process: Process, val baseUrl: String) : AutoCloseable {
    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    /** A client of this simulator with the credentials it accepts. */
    fun client(secret: String = SECRET, apiKey: String = API_KEY, maxAttempts: UInt? = null): ViaClient =
        ViaClient(ORG, CLIENT_ID, secret, apiKey, ClientOptions(baseUrl = baseUrl, maxAttempts = maxAttempts))

    /** POST to the control API; returns the status and the body. */
    fun post(path: String, body: String = "{}"): Pair<Int, String> = send(
        HttpRequest.newBuilder(URI.create(baseUrl.trimEnd('/') + path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)),
    )

    /** GET on the control API; returns the status and the body. */
    fun get(path: String): Pair<Int, String> =
        send(HttpRequest.newBuilder(URI.create(baseUrl.trimEnd('/') + path)).GET())

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

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly()
            process.waitFor(5, TimeUnit.SECONDS)
        }
    }

    companion object {
        const val ORG = "simorg"
        const val CLIENT_ID = "sim-client"
        const val SECRET = "sim-secret"
        const val API_KEY = "sim-api-key"
        private const val BANNER = "ccbridge-sim listening on "

        /** The simulator binary: `$CCBRIDGE_SIM`, else the workspace's debug build. */
        fun binary(): File {
            System.getenv("CCBRIDGE_SIM")?.takeIf { it.isNotBlank() }?.let { return File(it) }
            val root = File(System.getProperty("ccbridge.root") ?: "../../..").canonicalFile
            val target = System.getenv("CARGO_TARGET_DIR")?.takeIf { it.isNotBlank() }?.let { File(it) }
                ?: File(root, "target")
            return File(target, "debug/ccbridge-sim")
        }

        /** Starts a simulator and waits for its banner line. */
        fun start(logName: String): Simulator {
            val bin = binary()
            check(bin.canExecute()) { "simulator not found at $bin: run `cargo build -p ccbridge-sim`" }
            val log = File("target/$logName-sim.log").apply { parentFile.mkdirs() }
            val process = ProcessBuilder(
                bin.path, "--port", "0", "--poll-wait-ms", "300", "--exit-on-stdin-close",
            )
                .redirectError(ProcessBuilder.Redirect.to(log))
                .start()
            val reader = BufferedReader(InputStreamReader(process.inputStream))
            // The read blocks; run it on a thread so that a silent simulator fails the test
            // after a bounded wait instead of hanging it.
            val exec = Executors.newSingleThreadExecutor()
            val line = try {
                exec.submit<String?> { reader.readLine() }.get(30, TimeUnit.SECONDS)
            } catch (e: Exception) {
                process.destroyForcibly()
                throw IllegalStateException("simulator did not start (see $log)", e)
            } finally {
                exec.shutdownNow()
            }
            if (line == null || !line.startsWith(BANNER)) {
                process.destroyForcibly()
                error("unexpected simulator banner: $line (see $log)")
            }
            return Simulator(process, line.removePrefix(BANNER).trim())
        }
    }
}

/** The decoded payload of an event. */
fun Event.payload(): JsonElement = Json.parseToJsonElement(payloadJson)

/** `payload.payload.<name>` as a string, where the Engagement Center puts command details. */
fun Event.innerString(name: String): String? =
    (payload().jsonObject["payload"] as? JsonObject)?.get(name)?.jsonPrimitive?.content
