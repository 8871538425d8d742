import CCBridge
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The tests' simulator: the one the library embeds (`Simulator`, in this process on a free
/// loopback port), with a short long-poll wait so that tests do not sit through the
/// documented 15 s, plus helpers for its control API (`/sim/...`, plain HTTP).
final class SimFixture {
    static let org = "simorg"
    static let clientId = "sim-client"
    static let secret = "sim-secret"
    static let apiKey = "sim-api-key"
    /// Long-poll wait of the tests' simulator.
    static let pollWaitMs: UInt64 = 300

    let simulator: Simulator
    let baseUrl: String

    init(_ simulator: Simulator) {
        self.simulator = simulator
        self.baseUrl = simulator.url()
    }

    static func start() throws -> SimFixture {
        try SimFixture(Simulator(pollWaitMs: pollWaitMs))
    }

    /// Stops the simulator (releasing the last reference would too).
    func stop() {
        simulator.stop()
    }

    /// A client of this simulator with the credentials it accepts.
    func client(secret: String? = nil, apiKey: String? = nil, maxAttempts: UInt32? = nil) throws -> ViaClient {
        try ViaClient(
            orgId: simulator.orgId(), clientId: simulator.clientId(),
            clientSecret: secret ?? simulator.clientSecret(), apiKey: apiKey ?? simulator.apiKey(),
            options: ClientOptions(baseUrl: baseUrl, maxAttempts: maxAttempts)
        )
    }

    /// One request to the control API; returns the status and the body.
    func request(_ method: String, _ path: String, body: String? = nil) throws -> (Int, String) {
        guard let url = URL(string: baseUrl + path) else { throw TestFailure("bad path \(path)") }
        var req = URLRequest(url: url)
        req.httpMethod = method
        req.timeoutInterval = 10
        if let body = body {
            req.httpBody = Data(body.utf8)
            req.setValue("application/json", forHTTPHeaderField: "content-type")
        }
        final class ResponseBox: @unchecked Sendable {
            var status = 0
            var body = ""
            var error: Error?
        }
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: req) { data, response, error in
            box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            box.body = data.map { String(decoding: $0, as: UTF8.self) } ?? ""
            box.error = error
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 15) == .success else { throw TestFailure("\(method) \(path) timed out") }
        if let error = box.error { throw error }
        return (box.status, box.body)
    }

    /// Pushes an engagementCenter.ScreenPop event to every session of `userId`.
    func screenPop(_ userId: String) throws {
        let (status, body) = try request("POST", "/sim/users/\(userId)/screenPop", body: "{}")
        guard status == 200 else { throw TestFailure("screenPop answered \(status): \(body)") }
    }

    /// Whether the simulator still knows the streaming session.
    func sessionExists(_ sessionId: String) throws -> Bool {
        let (status, body) = try request("GET", "/sim/sessions/\(sessionId)")
        switch status {
        case 200: return true
        case 404: return false
        default: throw TestFailure("session lookup answered \(status): \(body)")
        }
    }

    /// `GET /sim/stats`.
    func stats() throws -> [String: Any] {
        let (status, body) = try request("GET", "/sim/stats")
        guard status == 200, let obj = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            throw TestFailure("stats answered \(status): \(body)")
        }
        return obj
    }

    /// Session creations so far.
    func sessionsCreated() throws -> Int {
        let requests = try stats()["requests"] as? [String: Any] ?? [:]
        return requests
            .filter { $0.key.hasPrefix("POST ") && $0.key.hasSuffix("/streaming/session") }
            .compactMap { intValue($0.value) }
            .reduce(0, +)
    }
}

/// Decodes a JSON object.
func jsonObject(_ text: String) throws -> [String: Any] {
    guard let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw TestFailure("not a JSON object: \(text)")
    }
    return obj
}

/// A JSON document re-serialized with sorted keys, to compare documents regardless of layout.
func canonicalJSON(_ text: String) throws -> String {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

/// A JSON number as an Int, however the platform's Foundation boxed it.
func intValue(_ value: Any?) -> Int? {
    if let i = value as? Int { return i }
    if let n = value as? NSNumber { return n.intValue }
    if let d = value as? Double { return Int(d) }
    return nil
}

extension Event {
    /// `payload.payload.<name>` as a string, where the Engagement Center puts command details.
    func innerString(_ name: String) -> String? {
        guard let payload = try? jsonObject(payloadJson),
              let inner = payload["payload"] as? [String: Any]
        else { return nil }
        return inner[name] as? String
    }
}

/// An `EventListener` that keeps what it receives, so a test can wait for it. `failWith`
/// decides, per event, whether the listener throws after keeping it.
final class Collector: EventListener, @unchecked Sendable {
    private let lock = NSLock()
    private var events: [Event] = []
    private var statuses: [StreamStatusRecord] = []
    private var eventCalls = 0
    private let failWith: (Event) -> Error?

    init(failWith: @escaping (Event) -> Error? = { _ in nil }) {
        self.failWith = failWith
    }

    func onEvent(event: Event) throws {
        lock.lock()
        events.append(event)
        eventCalls += 1
        lock.unlock()
        if let error = failWith(event) { throw error }
    }

    func onStatus(status: StreamStatusRecord) throws {
        lock.lock()
        statuses.append(status)
        lock.unlock()
    }

    var calls: Int {
        lock.lock()
        defer { lock.unlock() }
        return eventCalls
    }

    var pendingEvents: Int {
        lock.lock()
        defer { lock.unlock() }
        return events.count
    }

    private func popEvent() -> Event? {
        lock.lock()
        defer { lock.unlock() }
        return events.isEmpty ? nil : events.removeFirst()
    }

    private func popStatus() -> StreamStatusRecord? {
        lock.lock()
        defer { lock.unlock() }
        return statuses.isEmpty ? nil : statuses.removeFirst()
    }

    /// The next events, which must have exactly these types, in this order.
    func expectTypes(_ types: [String], timeout: TimeInterval = 10) async throws -> [Event] {
        var out: [Event] = []
        for type in types {
            let deadline = Date().addingTimeInterval(timeout)
            var next = popEvent()
            while next == nil && Date() < deadline {
                try await Task.sleep(nanoseconds: 20_000_000)
                next = popEvent()
            }
            guard let event = next else { throw TestFailure("no event within \(timeout) s; expected \(type)") }
            guard event.eventType == type else {
                throw TestFailure("event order: \(event.eventType) came where \(type) was expected")
            }
            out.append(event)
        }
        return out
    }

    /// Waits for a status of this name, skipping others.
    func awaitStatus(_ name: String, timeout: TimeInterval = 10) async throws -> StreamStatusRecord {
        let deadline = Date().addingTimeInterval(timeout)
        var seen: [String] = []
        while Date() < deadline {
            if let s = popStatus() {
                if s.name == name { return s }
                seen.append(s.name)
            } else {
                try await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        throw TestFailure("no status \(name) within \(timeout) s; saw \(seen)")
    }
}

/// Retries `condition` until it holds or `timeout` passes.
func eventually(_ what: String, timeout: TimeInterval = 10, _ condition: () throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        if Date() > deadline { throw TestFailure("timed out: \(what)") }
        try await Task.sleep(nanoseconds: 50_000_000)
    }
}
