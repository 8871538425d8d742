import CCBridge
import Foundation
import XCTest

/// The Swift bindings over the simulator: an agent's life through both event models, the
/// generic call, and bad input giving typed errors. Mirrors the Kotlin tests.
final class CCBridgeTests: XCTestCase {
    private var sim: SimFixture!
    private var client: ViaClient!

    override func setUpWithError() throws {
        sim = try SimFixture.start()
        client = try sim.client()
    }

    override func tearDown() {
        client = nil
        sim?.stop()
        sim = nil
    }

    private let login = [
        "engagementCenter.Connecting",
        "engagementCenter.ConnectConfirm",
        "engagementCenter.Connected",
        "engagementCenter.Idle",
    ]

    // MARK: - Events

    func testListenerReceivesEveryCommandsEventsInOrder() async throws {
        let user = "sw-agent-push"
        let listener = Collector()
        let stream = try await client.startStream(options: StreamOptions(), listener: listener)
        let sid = stream.sessionId()
        let started = try await listener.awaitStatus("started")
        XCTAssertEqual(started.sessionId, sid)

        let ec = client.engagementCenter()
        try await ec.connect(sessionId: sid, userId: user, body: ConnectParams(initialState: .idle, attach: false))
        let events = try await listener.expectTypes(login)
        let ehub = try XCTUnwrap(events[1].innerString("ehubSessionId"), "ConnectConfirm carries the ehubSessionId")
        XCTAssertEqual(events[1].innerString("userId"), user)
        // The raw payload is the service's own text; the decoded one is the same document.
        XCTAssertEqual(try canonicalJSON(events[1].rawPayload), try canonicalJSON(events[1].payloadJson))
        XCTAssertEqual(Set(events.map { $0.correlationId }).count, 1, "one command, one correlation id")

        try await ec.notReady(sessionId: sid, userId: user,
                              body: NotReadyParams(ehubSessionId: ehub, reasonId: "12", notReadyType: .park))
        let park = try await listener.expectTypes(["engagementCenter.Park"])
        XCTAssertEqual(park[0].innerString("reasonIdRev"), "12")

        try await ec.ready(sessionId: sid, userId: user, body: ReadyParams(ehubSessionId: ehub))
        _ = try await listener.expectTypes(["engagementCenter.Idle"])

        let stamp = "2024-05-01T12:00:00Z"
        try await ec.keepAlive(sessionId: sid, userId: user,
                               body: KeepAliveParams(ehubSessionId: ehub, sessionTimeout: 120, requestTimestamp: stamp))
        let keepAlive = try await listener.expectTypes(["engagementCenter.ClientSessionKeepAlive"])
        XCTAssertEqual(keepAlive[0].innerString("requestTimestamp"), stamp)

        try sim.screenPop(user)
        _ = try await listener.expectTypes(["engagementCenter.ScreenPop"])

        try await ec.disconnect(sessionId: sid, userId: user, body: DisconnectParams(ehubSessionId: ehub, reasonId: "0"))
        _ = try await listener.expectTypes(["engagementCenter.Disconnected"])

        try await stream.stop()
        _ = try await listener.awaitStatus("stopped")
        let stats = stream.stats()
        XCTAssertEqual(stats.eventsDelivered, 9)
        XCTAssertEqual(stats.eventsAcknowledged, 9, "stop flushes the acknowledgements")
        XCTAssertEqual(stats.listenerErrors, 0)
        XCTAssertTrue(stream.isStopping())
        XCTAssertFalse(try sim.sessionExists(sid), "stop deletes the streaming session")
        XCTAssertTrue(client.rateLimits().contains { $0.window == "second" && $0.limit != nil })
        XCTAssertEqual(intValue(try sim.stats()["maxConcurrentPolls"]), 1, "one poll in flight per session")
    }

    func testNextEventPullsEventsAndStatuses() async throws {
        let user = "sw-agent-pull"
        let stream = try await client.startStream(options: nil, listener: nil)
        let sid = stream.sessionId()
        let nothing = try await stream.nextEvent(timeoutMs: 300)
        XCTAssertNil(nothing, "nothing is queued yet: timeout gives nil")
        XCTAssertEqual(stream.drainStatuses().map { $0.name }, ["started"])

        try await client.engagementCenter().connect(sessionId: sid, userId: user,
                                                    body: ConnectParams(initialState: .notReady, attach: false))
        var types: [String] = []
        for _ in 0..<4 {
            let event = try await stream.nextEvent(timeoutMs: 10_000)
            types.append(try XCTUnwrap(event).eventType)
        }
        XCTAssertEqual(types, [
            "engagementCenter.Connecting",
            "engagementCenter.ConnectConfirm",
            "engagementCenter.Connected",
            "engagementCenter.NotReady",
        ])

        // A waiting nextEvent while the event is produced elsewhere.
        async let waiting = stream.nextEvent(timeoutMs: 10_000)
        try await Task.sleep(nanoseconds: 200_000_000)
        try sim.screenPop(user)
        let popped = try await waiting
        XCTAssertEqual(popped?.eventType, "engagementCenter.ScreenPop")

        try await stream.stop()
        do {
            _ = try await stream.nextEvent(timeoutMs: 1_000)
            XCTFail("nextEvent after stop must fail")
        } catch CcbError.Closed {
        }
        XCTAssertFalse(try sim.sessionExists(sid))
    }

    func testGenericCallReachesTheOperationTable() async throws {
        let names = operationNames()
        XCTAssertEqual(names.count, 72)
        XCTAssertTrue(names.contains("engagementCenter.notReady") && names.contains("streaming.getEvents"))

        let created = try jsonObject(try await client.call(
            op: "streaming.createSession",
            paramsJson: #"{"body": {"inactivityDelay": 120, "requireAcknowledgement": false}}"#
        ))
        let sid = try XCTUnwrap(created["sessionId"] as? String)
        let user = "sw-agent-generic"
        let connected = try await client.call(
            op: "engagementCenter.connect",
            paramsJson: #"{"userId": "\#(user)", "sessionId": "\#(sid)", "body": {"initialState": "Idle", "attach": false}}"#
        )
        XCTAssertEqual(connected, "null", "202 Accepted has no body")
        let polled = try await client.call(
            op: "streaming.getEvents", paramsJson: #"{"sessionId": "\#(sid)", "query": {"maxEvents": 10}}"#
        )
        XCTAssertTrue(polled.contains("engagementCenter.ConnectConfirm"), polled)
        _ = try await client.call(op: "streaming.deleteSession", paramsJson: #"{"sessionId": "\#(sid)"}"#)
        XCTAssertFalse(try sim.sessionExists(sid))

        let unknown = await invalidField { _ = try await self.client.call(op: "engagementCenter.dance", paramsJson: "{}") }
        XCTAssertEqual(unknown, "op")
        let notJson = await invalidField { _ = try await self.client.call(op: "streaming.getEvents", paramsJson: "{oops") }
        XCTAssertEqual(notJson, "params_json")

        // The core checks the whole call against the API description before sending it.
        let stream = try await client.startStream(options: nil, listener: nil)
        let badEnum = await invalidField {
            _ = try await self.client.call(
                op: "engagementCenter.connect",
                paramsJson: #"{"userId": "\#(user)-2", "sessionId": "\#(stream.sessionId())", "body": {"initialState": "Sleeping"}}"#
            )
        }
        XCTAssertEqual(badEnum, "initialState")
        try await stream.stop()
    }

    func testThrowingListenerDoesNotStopTheStream() async throws {
        struct ListenerBug: Error {}
        let user = "sw-agent-throws"
        let listener = Collector { event in
            switch event.eventType {
            case "engagementCenter.Connecting": return ListenerBug()
            case "engagementCenter.ScreenPop": return ListenerError.Failed(detail: "declined")
            default: return nil
            }
        }
        let stream = try await client.startStream(options: StreamOptions(), listener: listener)
        try await client.engagementCenter().connect(sessionId: stream.sessionId(), userId: user,
                                                    body: ConnectParams(initialState: .idle, attach: false))
        _ = try await listener.expectTypes(login)
        try sim.screenPop(user)
        _ = try await listener.expectTypes(["engagementCenter.ScreenPop"])
        try sim.screenPop(user)
        _ = try await listener.expectTypes(["engagementCenter.ScreenPop"])
        try await eventually("the three failures counted") { stream.stats().listenerErrors == 3 }
        // Thrown-on events count as handled: acknowledged, not redelivered.
        try await eventually("all six acknowledged") { stream.stats().eventsAcknowledged == 6 }
        XCTAssertEqual(listener.calls, 6, "each event reached the listener exactly once")
        try await stream.stop()
    }

    func testSessionRecreationIsReportedWithBothSessionIds() async throws {
        let listener = Collector()
        let stream = try await client.startStream(options: StreamOptions(), listener: listener)
        let first = stream.sessionId()
        let (status, body) = try sim.request("POST", "/sim/sessions/\(first)/expire", body: "{}")
        XCTAssertEqual(status, 200, body)
        let recreated = try await listener.awaitStatus("session_recreated")
        XCTAssertEqual(recreated.oldSessionId, first)
        XCTAssertEqual(recreated.sessionId, stream.sessionId())
        XCTAssertNotEqual(recreated.sessionId, first)
        XCTAssertEqual(stream.stats().sessionsRecreated, 1)
        try await client.engagementCenter().connect(sessionId: stream.sessionId(), userId: "sw-agent-recreated",
                                                    body: ConnectParams(initialState: .park, attach: false))
        _ = try await listener.expectTypes([
            "engagementCenter.Connecting",
            "engagementCenter.ConnectConfirm",
            "engagementCenter.Connected",
            "engagementCenter.Park",
        ])
        try await stream.stop()
    }

    func testListenerMayCancelItsOwnStream() async throws {
        final class HandleBox: @unchecked Sendable {
            private let lock = NSLock()
            private var value: EventStreamHandle?
            func set(_ handle: EventStreamHandle) { lock.lock(); value = handle; lock.unlock() }
            func cancel() { lock.lock(); let h = value; lock.unlock(); h?.cancel() }
        }
        let box = HandleBox()
        let listener = Collector { _ in
            box.cancel()
            return nil
        }
        let stream = try await client.startStream(options: StreamOptions(), listener: listener)
        box.set(stream)
        try await client.engagementCenter().connect(sessionId: stream.sessionId(), userId: "sw-agent-self-cancel",
                                                    body: ConnectParams(initialState: .idle, attach: false))
        _ = try await listener.expectTypes(["engagementCenter.Connecting"])
        _ = try await listener.awaitStatus("stopped")
        XCTAssertTrue(stream.isStopping())
        let sid = stream.sessionId()
        try await eventually("session deleted") { try !self.sim.sessionExists(sid) }
    }

    func testExpiredTokensAreFetchedAgainTransparently() async throws {
        let stream = try await client.startStream(options: nil, listener: nil)
        let (status, body) = try sim.request("POST", "/sim/tokens/expire", body: "{}")
        XCTAssertEqual(status, 200, body)
        try await client.engagementCenter().connect(
            sessionId: stream.sessionId(), userId: "sw-agent-token",
            body: ConnectParams(initialState: .idle, station: "9785551212", attach: false))
        let first = try await stream.nextEvent(timeoutMs: 10_000)
        XCTAssertEqual(first?.eventType, "engagementCenter.Connecting")
        try await stream.stop()
    }

    func testReleasingTheHandleCancelsTheSubscription() async throws {
        let user = "sw-agent-release"
        let listener = Collector()
        var stream: EventStreamHandle? = try await client.startStream(options: StreamOptions(), listener: listener)
        let sid = try XCTUnwrap(stream?.sessionId())
        try await client.engagementCenter().connect(sessionId: sid, userId: user,
                                                    body: ConnectParams(initialState: .idle, attach: false))
        _ = try await listener.expectTypes(login)
        stream = nil
        _ = try await listener.awaitStatus("stopped")
        try await eventually("session \(sid) deleted after release") { try !self.sim.sessionExists(sid) }
        try sim.screenPop(user)
        try await Task.sleep(nanoseconds: 1_000_000_000)
        XCTAssertEqual(listener.pendingEvents, 0, "no event after release")
    }

    func testCancelWakesAWaitingNextEvent() async throws {
        let stream = try await client.startStream(options: nil, listener: nil)
        let sid = stream.sessionId()
        let waiting = Task { () -> Error? in
            do {
                _ = try await stream.nextEvent(timeoutMs: 60_000)
                return nil
            } catch {
                return error
            }
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        let started = Date()
        stream.cancel()
        let outcome = await waiting.value
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        guard let failure = outcome as? CcbError, case .Closed = failure else {
            return XCTFail("expected CcbError.Closed, got \(String(describing: outcome))")
        }
        try await eventually("session \(sid) deleted after cancel") { try !self.sim.sessionExists(sid) }
    }

    // MARK: - Bad input

    func testStreamOptionsOutOfRangeAreRejectedBeforeAnyRequest() async throws {
        let createdBefore = try sim.sessionsCreated()
        let cases: [(StreamOptions, String)] = [
            (StreamOptions(inactivityDelay: 30), "inactivity_delay"),
            (StreamOptions(inactivityDelay: 700), "inactivity_delay"),
            (StreamOptions(maxEvents: 0), "max_events"),
            (StreamOptions(maxEvents: 500), "max_events"),
            (StreamOptions(bufferCapacity: 0), "buffer_capacity"),
        ]
        for (options, field) in cases {
            let pulled = await invalidField { _ = try await self.client.startStream(options: options, listener: nil) }
            XCTAssertEqual(pulled, field)
            let pushed = await invalidField { _ = try await self.client.startStream(options: options, listener: Collector()) }
            XCTAssertEqual(pushed, field)
        }
        XCTAssertEqual(try sim.sessionsCreated(), createdBefore, "rejected options must not reach the service")
        let widest = try await client.startStream(options: StreamOptions(inactivityDelay: 600, maxEvents: 200), listener: nil)
        try await widest.stop()
        let narrowest = try await client.startStream(options: StreamOptions(inactivityDelay: 60, maxEvents: 1), listener: nil)
        try await narrowest.stop()
        XCTAssertEqual(try sim.sessionsCreated(), createdBefore + 2)
    }

    func testHttp2IsSpokenOverPlainHttpOnlyWithPriorKnowledge() async throws {
        for http2 in [nil, Http2.negotiate, Http2.off, Http2.priorKnowledge] as [Http2?] {
            let before = intValue(try sim.stats()["http2Requests"]) ?? 0
            let options = ClientOptions(baseUrl: sim.baseUrl, http2: http2)
            let c = try ViaClient(orgId: SimFixture.org, clientId: SimFixture.clientId, clientSecret: SimFixture.secret,
                                  apiKey: SimFixture.apiKey, options: options)
            _ = try await c.call(op: "streaming.createSession", paramsJson: "{}")
            let spoken = (intValue(try sim.stats()["http2Requests"]) ?? 0) - before
            if http2 == .priorKnowledge {
                XCTAssertGreaterThanOrEqual(spoken, 1, "the session over HTTP/2")
            } else {
                XCTAssertEqual(spoken, 0, "\(String(describing: http2)): HTTP/1.1 over plain http://")
            }
        }
    }

    func testTheAcknowledgementAndThePollBehindItShareAWriteUnlessPipeliningIsOff() async throws {
        func counts() throws -> (Int, Int) {
            let s = try sim.stats()
            return (try XCTUnwrap(intValue(s["acknowledged"])), try XCTUnwrap(intValue(s["pipelinedRequests"])))
        }
        for pipelining in [nil, true, false] as [Bool?] {
            let before = try counts()
            let options = ClientOptions(baseUrl: sim.baseUrl, http1Pipelining: pipelining)
            let c = try ViaClient(orgId: SimFixture.org, clientId: SimFixture.clientId, clientSecret: SimFixture.secret,
                                  apiKey: SimFixture.apiKey, options: options)
            let stream = try await c.startStream(options: nil, listener: nil)
            let sid = stream.sessionId()
            for _ in 0..<5 {
                let (status, body) = try sim.request(
                    "POST", "/sim/events",
                    body: "{\"sessionId\":\"\(sid)\",\"eventType\":\"engagementCenter.Idle\",\"count\":3}")
                XCTAssertEqual(status, 200, body)
                for _ in 0..<3 {
                    let event = try await stream.nextEvent(timeoutMs: 10_000)
                    XCTAssertNotNil(event)
                }
            }
            // Coming back once more hands over the last event: its acknowledgement goes
            // with the next poll.
            let none = try await stream.nextEvent(timeoutMs: 300)
            XCTAssertNil(none)
            try await stream.stop()
            let now = try counts()
            let label = String(describing: pipelining)
            XCTAssertEqual(now.0 - before.0, 15, "every event acknowledged, pipelining \(label)")
            if pipelining == false {
                XCTAssertEqual(now.1 - before.1, 0, "nothing pipelined when it is off")
            } else {
                // At least one, not one per batch: the acknowledgement interval (50 ms, not
                // an option here) may send an acknowledgement on its own before the poll.
                XCTAssertGreaterThanOrEqual(now.1 - before.1, 1, "polls behind their acknowledgements, pipelining \(label)")
            }
        }
    }

    func testWorkerThreadsOutOfRangeAreRefusedAndALateSettingDoesNotApply() throws {
        // The runtime already runs here: the simulator of this test started it.
        for bad: UInt32 in [0, 257] {
            do {
                _ = try configureWorkerThreads(workers: bad)
                XCTFail("\(bad) workers accepted")
            } catch CcbError.InvalidArgument(let field, _) {
                XCTAssertEqual(field, "workers")
            }
        }
        XCTAssertFalse(try configureWorkerThreads(workers: 1))
    }

    func testBadClientConfigurationNamesTheField() throws {
        let base = sim.baseUrl
        func field(org: String = SimFixture.org, id: String = SimFixture.clientId, secret: String = SimFixture.secret,
                   key: String = SimFixture.apiKey, options: ClientOptions? = nil) -> String? {
            do {
                _ = try ViaClient(orgId: org, clientId: id, clientSecret: secret, apiKey: key,
                                  options: options ?? ClientOptions(baseUrl: base))
                return nil
            } catch CcbError.InvalidArgument(let field, _) {
                return field
            } catch {
                return "unexpected \(error)"
            }
        }
        XCTAssertEqual(field(org: ""), "org_id")
        XCTAssertEqual(field(org: "a/b"), "org_id")
        XCTAssertEqual(field(id: " "), "client_id")
        XCTAssertEqual(field(secret: ""), "client_secret")
        XCTAssertEqual(field(key: ""), "api_key")
        XCTAssertEqual(field(options: ClientOptions(baseUrl: "not a url")), "base_url")
        XCTAssertEqual(field(options: ClientOptions(baseUrl: "http://example.com")), "base_url")
        XCTAssertEqual(field(options: ClientOptions(baseUrl: base, tokenUrl: "ftp://x/")), "token_url")
        XCTAssertEqual(field(options: ClientOptions(scopes: [""], baseUrl: base)), "scopes")
        XCTAssertEqual(field(options: ClientOptions(baseUrl: base, requestTimeoutMs: 0)), "request_timeout")
        XCTAssertEqual(field(options: ClientOptions(baseUrl: base, maxAttempts: 0)), "retry.max_attempts")
        XCTAssertEqual(field(options: ClientOptions(baseUrl: base, maxResponseBytes: 0)), "max_response_bytes")
        XCTAssertNil(field(options: ClientOptions(baseUrl: "http://example.com", allowInsecureHttp: true)))
        let remote = try ViaClient(orgId: SimFixture.org, clientId: SimFixture.clientId, clientSecret: SimFixture.secret,
                                   apiKey: SimFixture.apiKey, options: nil)
        XCTAssertEqual(remote.baseUrl(), "https://simorg.via.aspect-cloud.net/")
        XCTAssertEqual(remote.orgId(), "simorg")
    }

    func testCommandArgumentsAreCheckedBeforeSending() async throws {
        let stream = try await client.startStream(options: nil, listener: nil)
        let sid = stream.sessionId()
        let c = client!
        let ec = c.engagementCenter()
        let idle = ConnectParams(initialState: .idle, attach: false)
        var f = await invalidField { try await ec.connect(sessionId: sid, userId: "", body: idle) }
        XCTAssertEqual(f, "userId")
        f = await invalidField { try await ec.connect(sessionId: " ", userId: "sw-v", body: idle) }
        XCTAssertEqual(f, "sessionId")
        f = await invalidField {
            try await ec.connect(sessionId: sid, userId: "sw-v", body: ConnectParams(station: "", attach: false))
        }
        XCTAssertEqual(f, "station")
        f = await invalidField { try await ec.ready(sessionId: sid, userId: "sw-v", body: ReadyParams(ehubSessionId: "")) }
        XCTAssertEqual(f, "ehubSessionId")
        f = await invalidField {
            try await ec.notReady(sessionId: sid, userId: "sw-v",
                                  body: NotReadyParams(ehubSessionId: "1", reasonId: "", notReadyType: .notReady))
        }
        XCTAssertEqual(f, "reasonId")
        f = await invalidField {
            try await ec.disconnect(sessionId: sid, userId: "sw-v", body: DisconnectParams(ehubSessionId: "1", reasonId: ""))
        }
        XCTAssertEqual(f, "reasonId")
        f = await invalidField {
            try await ec.keepAlive(sessionId: sid, userId: "sw-v", body: KeepAliveParams(ehubSessionId: "1", sessionTimeout: 0))
        }
        XCTAssertEqual(f, "sessionTimeout")
        f = await invalidField {
            try await ec.keepAlive(sessionId: sid, userId: "sw-v",
                                   body: KeepAliveParams(ehubSessionId: "1", requestTimestamp: "yesterday"))
        }
        XCTAssertEqual(f, "requestTimestamp")

        // A listener stream is not pulled.
        let pushed = try await c.startStream(options: nil, listener: Collector())
        f = await invalidField { _ = try await pushed.nextEvent(timeoutMs: 10) }
        XCTAssertEqual(f, "stream")
        try await pushed.stop()

        // Well-formed but refused by the service: the agent is not logged in.
        do {
            try await ec.ready(sessionId: sid, userId: "sw-not-connected", body: ReadyParams(ehubSessionId: "1"))
            XCTFail("ready for a user who is not logged in must fail")
        } catch let CcbError.Api(_, httpStatus, _, errors) {
            XCTAssertEqual(httpStatus, 422)
            XCTAssertTrue(errors.contains { $0.reason == "userNotConnected" }, "\(errors)")
        }
        try await stream.stop()
    }

    func testWrongCredentialsFailWithAuthAndNeverShowTheSecret() async throws {
        let wrongSecret = "sw-wrong-secret-value"
        let bad = try sim.client(secret: wrongSecret, maxAttempts: 1)
        do {
            _ = try await bad.startStream(options: nil, listener: nil)
            XCTFail("a wrong secret must fail")
        } catch let error as CcbError {
            guard case let .Auth(_, httpStatus) = error else { return XCTFail("expected Auth, got \(error)") }
            XCTAssertEqual(httpStatus, 401)
            XCTAssertFalse(String(describing: error).contains(wrongSecret))
            XCTAssertFalse(error.localizedDescription.contains(wrongSecret))
        }
        let wrongKey = "sw-wrong-api-key"
        let badKey = try sim.client(apiKey: wrongKey, maxAttempts: 1)
        do {
            _ = try await badKey.startStream(options: nil, listener: nil)
            XCTFail("a wrong API key must fail")
        } catch let error as CcbError {
            guard case let .Auth(_, httpStatus) = error else { return XCTFail("expected Auth, got \(error)") }
            XCTAssertEqual(httpStatus, 401)
            XCTAssertFalse(String(describing: error).contains(wrongKey))
        }
        // Options hold no secret, so printing them is harmless.
        let printed = String(describing: ClientOptions(baseUrl: sim.baseUrl))
        XCTAssertFalse(printed.contains(SimFixture.secret) || printed.contains(SimFixture.apiKey))
    }

    // MARK: - Helpers

    /// The field of the `InvalidArgument` error `body` throws, or a description of what
    /// happened instead.
    private func invalidField(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return "no error"
        } catch CcbError.InvalidArgument(let field, let detail) {
            XCTAssertFalse(detail.isEmpty)
            return field
        } catch {
            return "unexpected \(error)"
        }
    }
}
