package com.ccbridge

import com.ccbridge.api.AgentState
import com.ccbridge.examples.runAgentDesk
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** Runs the agent desk example (examples/kotlin/AgentDesk.kt) and checks what it printed. */
class AgentDeskExampleTest {
    @Test
    fun `the agent desk example wraps up two calls and logs out`() = runBlocking {
        val lines = java.util.Collections.synchronizedList(mutableListOf<String>())
        val report = runAgentDesk(userId = "agent-1", calls = 2) { line ->
            println(line)
            lines += line
        }
        assertEquals(2, report.wrappedUp.size, "$lines")
        assertEquals(AgentState.DISCONNECTED, report.finalState)
        val text = lines.joinToString("\n")
        assertTrue(lines.first().startsWith("logged in as agent-1: IDLE"), text)
        for (call in report.wrappedUp) {
            assertTrue(lines.any { it.startsWith("call $call from ELLEN FROST") }, text)
            assertTrue("wrapped up call $call" in lines, text)
            assertTrue(lines.any { it.contains("INTERACTION_OFFERED: IDLE -> BUSY [interaction $call]") }, text)
            assertTrue(lines.any { it.contains("INTERACTION_REMOVED: WRAP -> IDLE [interaction $call]") }, text)
        }
        assertTrue(lines.any { it.contains("-> WRAP") }, text)
        assertTrue(lines.any { it.startsWith("logged out (engagementCenter.Disconnected)") }, text)
    }
}
