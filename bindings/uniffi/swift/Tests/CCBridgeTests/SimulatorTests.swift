import CCBridge
import Foundation
import XCTest

/// The simulator the library embeds: settings, credentials, clients of it, stopping.
/// Mirrors the Kotlin SimulatorTest.
final class SimulatorTests: XCTestCase {
    func testServesAClientWithTheCredentialsItReports() async throws {
        let sim = try Simulator(pollWaitMs: 100, tokenTtlSecs: 60, webTokenTtlSecs: 60, rateLimitPerSecond: 0)
        defer { sim.stop() }
        XCTAssertTrue(sim.url().hasPrefix("http://127.0.0.1:"), sim.url())
        XCTAssertEqual(
            [sim.orgId(), sim.clientId(), sim.clientSecret(), sim.apiKey()],
            [SimFixture.org, SimFixture.clientId, SimFixture.secret, SimFixture.apiKey]
        )
        XCTAssertTrue(sim.isRunning())
        let client = try ViaClient(orgId: sim.orgId(), clientId: sim.clientId(), clientSecret: sim.clientSecret(),
                                   apiKey: sim.apiKey(), options: ClientOptions(baseUrl: sim.url()))
        let created = try await client.call(op: "streaming.createSession", paramsJson: "{}")
        XCTAssertTrue(created.contains("sessionId"), created)
        // The settings are in force (the control API answers with them).
        let (status, body) = try SimFixture(sim).request("POST", "/sim/config", body: "{}")
        XCTAssertEqual(status, 200, body)
        for setting in ["\"pollWaitMs\":100", "\"tokenTtlSecs\":60", "\"webTokenTtlSecs\":60", "\"rateLimitPerSecond\":0"] {
            XCTAssertTrue(body.contains(setting), body)
        }
    }

    func testStopIsIdempotentAndEndsTheService() async throws {
        let sim = try Simulator()
        let client = try ViaClient(orgId: sim.orgId(), clientId: sim.clientId(), clientSecret: sim.clientSecret(),
                                   apiKey: sim.apiKey(), options: ClientOptions(baseUrl: sim.url(), maxAttempts: 1))
        _ = try await client.call(op: "streaming.createSession", paramsJson: "{}")
        sim.stop()
        sim.stop()
        XCTAssertFalse(sim.isRunning())
        XCTAssertEqual(sim.orgId(), "simorg")
        do {
            _ = try await client.call(op: "streaming.createSession", paramsJson: "{}")
            XCTFail("a stopped simulator answered")
        } catch CcbError.Transport {
        }
    }

    func testTwoRunSideBySideAndATakenPortIsATransportError() throws {
        let one = try Simulator()
        defer { one.stop() }
        let two = try Simulator()
        XCTAssertNotEqual(one.url(), two.url())
        two.stop()
        let port = try XCTUnwrap(UInt16(one.url().split(separator: ":").last.map(String.init) ?? ""))
        do {
            _ = try Simulator(port: port)
            XCTFail("a second simulator listened on a taken port")
        } catch CcbError.Transport {
        }
    }
}
