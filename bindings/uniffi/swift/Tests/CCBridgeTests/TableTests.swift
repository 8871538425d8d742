import CCBridge
import Foundation
import XCTest

/// Table-driven tests over every operation and event type of the API description, from the
/// vectors `make codegen` writes (tests/vectors/api.json). Mirrors the Kotlin TableTest.
final class TableTests: XCTestCase {
    private var sim: SimFixture!
    private var client: ViaClient!
    private var vectors: [String: Any] = [:]

    override func setUpWithError() throws {
        sim = try SimFixture.start()
        client = try sim.client()
        let repo = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().appendingPathComponent("../../../../..").standardized
        let data = try Data(contentsOf: repo.appendingPathComponent("tests/vectors/api.json"))
        vectors = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    override func tearDown() {
        client = nil
        sim?.stop()
        sim = nil
    }

    private var operations: [[String: Any]] { vectors["operations"] as! [[String: Any]] }

    /// Replaces each "$NAME" string with what a setup step saved under NAME.
    private func substitute(_ value: Any, _ saved: [String: Any]) -> Any {
        if let s = value as? String, s.hasPrefix("$") { return saved[String(s.dropFirst())]! }
        if let a = value as? [Any] { return a.map { substitute($0, saved) } }
        if let o = value as? [String: Any] { return o.mapValues { substitute($0, saved) } }
        return value
    }

    private func text(_ value: Any) throws -> String {
        String(data: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]), encoding: .utf8)!
    }

    private func awaitEvent(_ session: Any, _ eventType: String) async throws -> [String: Any] {
        for _ in 0..<50 {
            let params = try text(["sessionId": session, "query": ["maxEvents": 200]])
            let batch = try jsonObject(try await client.call(op: "streaming.getEvents", paramsJson: params))
            for case let event as [String: Any] in batch["events"] as? [Any] ?? []
            where event["eventType"] as? String == eventType {
                return try jsonObject(event["payload"] as! String)
            }
        }
        throw TestFailure("no \(eventType)")
    }

    private func setup(_ testCase: [String: Any]) async throws -> [String: Any] {
        var saved: [String: Any] = ["USER": "sw-agent-\(UUID().uuidString)"]
        for step in testCase["setup"] as! [[String: Any]] {
            let save = step["save"] as! [String: String]
            if let wait = step["await"] as? [String: Any] {
                let payload = try await awaitEvent(saved["SESSION"]!, wait["eventType"] as! String)
                for (name, path) in save {
                    var value: Any = payload
                    for key in path.split(separator: ".") { value = (value as! [String: Any])[String(key)]! }
                    saved[name] = value
                }
                continue
            }
            let params = try text(substitute(step["params"]!, saved))
            let out = try jsonObject(try await client.call(op: step["op"] as! String, paramsJson: params))
            for (name, field) in save { saved[name] = out[field] }
        }
        return saved
    }

    func testTheVectorsCoverEveryOperation() {
        XCTAssertEqual(operationNames().sorted(), operations.map { $0["op"] as! String }.sorted())
        XCTAssertEqual(operations.count, 72)
    }

    func testEveryOperationSucceedsWithItsDocumentedExample() async throws {
        for testCase in operations {
            let saved = try await setup(testCase)
            let op = testCase["op"] as! String
            _ = try await client.call(op: op, paramsJson: try text(substitute(testCase["valid"]!, saved)))
        }
    }

    func testEveryInvalidVariantIsRefusedBeforeAnythingIsSent() async throws {
        let placeholders: [String: Any] = ["SESSION": "x", "SUBSCRIPTION": "x", "EHUB": "x", "USER": "x"]
        var checked = 0
        for testCase in operations {
            let op = testCase["op"] as! String
            for bad in testCase["invalid"] as! [[String: Any]] {
                let before = intValue(try sim.stats()["totalRequests"])
                do {
                    _ = try await client.call(op: op, paramsJson: try text(substitute(bad["params"]!, placeholders)))
                    XCTFail("\(op): \(bad["why"]!) \(bad["field"]!) was accepted")
                } catch CcbError.InvalidArgument(let field, _) {
                    XCTAssertEqual(field, bad["field"] as? String, op)
                }
                XCTAssertEqual(before, intValue(try sim.stats()["totalRequests"]), "\(op): something was sent")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 100)
    }

    func testRawRequestsTakeTheSameTransport() async throws {
        let session = try await client.streaming().createSession(body: NewSessionV3(inactivityDelay: 60, requireAcknowledgement: nil))
        let answer = try jsonObject(try await client.raw(
            method: "GET", path: "streaming/events", version: "v3", query: ["maxEvents": "1"],
            sessionId: session.sessionId, bodyJson: nil))
        XCTAssertEqual(intValue(answer["totalItems"]), 0)
        do {
            _ = try await client.raw(method: "GET", path: "../../oauth2/token", version: "v2", query: nil, sessionId: nil, bodyJson: nil)
            XCTFail("a path out of the organization's APIs was accepted")
        } catch CcbError.InvalidArgument(let field, _) {
            XCTAssertEqual(field, "path")
        }
    }

    func testEveryEventTypeDecodesFromItsDocumentedExample() throws {
        let events = vectors["events"] as! [[String: Any]]
        XCTAssertEqual(events.count, 67)
        for e in events {
            let type = e["type"] as! String
            let payload = typedPayload(eventType: type, payloadJson: try text(e["payload"]!))
            if case .unknown = payload { XCTFail("\(type) did not decode") }
        }
        if case .unknown = typedPayload(eventType: "engagementCenter.SomethingNew", payloadJson: "{}") {} else {
            XCTFail("an undocumented type must stay unknown")
        }
        guard case let .ecHeld(held) = typedPayload(
            eventType: "engagementCenter.Held",
            payloadJson: #"{"ehubSessionId": 14, "payload": {"interactionIdRev": "151"}}"#
        ) else { return XCTFail("Held did not decode") }
        XCTAssertEqual(held.ehubSessionId, "14")
        XCTAssertEqual(held.payload?.interactionId, "151")
    }
}
