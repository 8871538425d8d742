package com.ccbridge

import com.ccbridge.api.EventPayload
import com.ccbridge.api.ReadyParams
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.io.File
import java.util.UUID
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * Table-driven tests over every operation and event type of the API description, from the
 * vectors `make codegen` writes (`tests/vectors/api.json`) from the same description as the
 * code: each valid call succeeds against the simulator, each invalid variant is refused
 * before anything is sent, and each event type decodes from its documented example.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TableTest {
    private lateinit var sim: SimFixture
    private lateinit var client: ViaClient
    private val vectors: JsonObject = Json.parseToJsonElement(
        File(System.getProperty("ccbridge.repo", "../../..") + "/tests/vectors/api.json").readText(),
    ).jsonObject

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

    private fun operations(): List<JsonObject> = vectors["operations"]!!.jsonArray.map { it.jsonObject }

    /** Replaces each "$NAME" string with what a setup step saved under NAME. */
    private fun substitute(value: JsonElement, saved: Map<String, JsonElement>): JsonElement = when (value) {
        is JsonPrimitive ->
            if (value.isString && value.content.startsWith("$")) saved.getValue(value.content.drop(1)) else value
        is JsonArray -> JsonArray(value.map { substitute(it, saved) })
        is JsonObject -> JsonObject(value.mapValues { substitute(it.value, saved) })
    }

    private suspend fun awaitEvent(session: JsonElement, eventType: String): JsonObject {
        repeat(50) {
            val params = buildJsonObject {
                put("sessionId", session)
                put("query", buildJsonObject { put("maxEvents", 200) })
            }
            val batch = Json.parseToJsonElement(client.call("streaming.getEvents", params.toString())).jsonObject
            for (e in batch["events"]!!.jsonArray) {
                val event = e.jsonObject
                if (event["eventType"]!!.jsonPrimitive.content == eventType) {
                    return Json.parseToJsonElement(event["payload"]!!.jsonPrimitive.content).jsonObject
                }
            }
        }
        error("no $eventType")
    }

    private suspend fun setup(case: JsonObject): Map<String, JsonElement> {
        val saved = mutableMapOf<String, JsonElement>("USER" to JsonPrimitive("kt-agent-${UUID.randomUUID()}"))
        for (step in case["setup"]!!.jsonArray.map { it.jsonObject }) {
            val save = step["save"]!!.jsonObject
            val wait = step["await"]?.jsonObject
            if (wait != null) {
                val payload = awaitEvent(saved.getValue("SESSION"), wait["eventType"]!!.jsonPrimitive.content)
                for ((name, path) in save) {
                    saved[name] = path.jsonPrimitive.content.split('.')
                        .fold<String, JsonElement>(payload) { v, k -> v.jsonObject[k]!! }
                }
                continue
            }
            val params = substitute(step["params"]!!, saved).toString()
            val out = Json.parseToJsonElement(client.call(step["op"]!!.jsonPrimitive.content, params))
            for ((name, field) in save) {
                saved[name] = out.jsonObject[field.jsonPrimitive.content]!!
            }
        }
        return saved
    }

    private fun requestsSeen(): Long = sim.stats()["totalRequests"]!!.jsonPrimitive.content.toLong()

    @Test
    fun `the vectors cover every operation`() {
        assertEquals(operationNames().sorted(), operations().map { it["op"]!!.jsonPrimitive.content }.sorted())
        assertEquals(72, operations().size)
    }

    @Test
    fun `every operation succeeds with its documented example`() = runBlocking {
        for (case in operations()) {
            val op = case["op"]!!.jsonPrimitive.content
            val saved = setup(case)
            try {
                client.call(op, substitute(case["valid"]!!, saved).toString())
            } catch (e: CcbException) {
                throw AssertionError("$op: $e", e)
            }
        }
    }

    @Test
    fun `every invalid variant is refused before anything is sent`() = runBlocking {
        val placeholders = listOf("SESSION", "SUBSCRIPTION", "EHUB", "USER").associateWith { JsonPrimitive("x") }
        var checked = 0
        for (case in operations()) {
            val op = case["op"]!!.jsonPrimitive.content
            for (bad in case["invalid"]!!.jsonArray.map { it.jsonObject }) {
                val before = requestsSeen()
                val error = assertFailsWith<CcbException.InvalidArgument>(op) {
                    client.call(op, substitute(bad["params"]!!, placeholders).toString())
                }
                assertEquals(bad["field"]!!.jsonPrimitive.content, error.field, "$op: ${bad["why"]}")
                assertEquals(before, requestsSeen(), "$op: something was sent")
                checked++
            }
        }
        assertTrue(checked > 100, "only $checked variants")
    }

    @Test
    fun `typed service methods take the core's records`() = runBlocking {
        val ec = client.engagementCenter()
        val error = assertFailsWith<CcbException.InvalidArgument> {
            ec.ready("session", "user", ReadyParams(ehubSessionId = ""))
        }
        assertEquals("ehubSessionId", error.field)
        val session = client.streaming().createSession(com.ccbridge.api.NewSessionV3(inactivityDelay = 120L, requireAcknowledgement = null))
        assertTrue(session.sessionId.isNotEmpty())
        client.streaming().deleteSession(session.sessionId)
    }

    @Test
    fun `raw requests take the same transport`() = runBlocking {
        val session = client.streaming().createSession(com.ccbridge.api.NewSessionV3(inactivityDelay = 60L, requireAcknowledgement = null))
        val answer = Json.parseToJsonElement(
            client.raw("GET", "streaming/events", version = "v3", query = mapOf("maxEvents" to "1"), sessionId = session.sessionId),
        ).jsonObject
        assertEquals(0, answer["totalItems"]!!.jsonPrimitive.content.toInt())
        assertFailsWith<CcbException.NotFound> { client.raw("GET", "provisioning/users") }
        val before = requestsSeen()
        assertEquals("path", assertFailsWith<CcbException.InvalidArgument> { client.raw("GET", "../../oauth2/token") }.field)
        assertEquals("version", assertFailsWith<CcbException.InvalidArgument> { client.raw("GET", "provisioning/users", version = "2") }.field)
        assertEquals(before, requestsSeen())
    }

    @Test
    fun `every event type decodes from its documented example`() {
        val events = vectors["events"]!!.jsonArray.map { it.jsonObject }
        assertEquals(67, events.size)
        for (e in events) {
            val type = e["type"]!!.jsonPrimitive.content
            val payload = typedPayload(type, e["payload"]!!.toString())
            assertTrue(payload !is EventPayload.Unknown, "$type did not decode")
            assertEquals(e["variant"]!!.jsonPrimitive.content, payload::class.simpleName, type)
        }
        assertIs<EventPayload.Unknown>(typedPayload("engagementCenter.SomethingNew", "{}"))
        assertIs<EventPayload.Unknown>(typedPayload("engagementCenter.Held", "\"not an object\""))
        val held = typedPayload("engagementCenter.Held", """{"ehubSessionId": 14, "payload": {"interactionIdRev": "151"}}""")
        assertIs<EventPayload.EcHeld>(held)
        assertEquals("14", held.v1.ehubSessionId)
        assertEquals("151", held.v1.payload?.interactionId)
    }
}
