import CCBridge
import Foundation
import XCTest

/// The agent session (`AgentSessionHandle`) against the simulator's agent state machine.
/// Mirrors the Kotlin AgentSessionTest.
final class AgentTests: XCTestCase {
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

    func testAFullAgentDay() async throws {
        let user = "sw-agent-day"
        var options = testAgentOptions()
        options.initialState = .notReady
        let agent = try await AgentSessionHandle.login(client: client, userId: user, options: options)
        let login = agent.snapshot()
        XCTAssertEqual(login.state, .notReady)
        XCTAssertEqual(agent.userId(), user)
        XCTAssertNotNil(login.ehubSessionId, "ConnectConfirm gave the ehubSessionId")
        XCTAssertEqual(agent.ehubSessionId(), login.ehubSessionId)
        XCTAssertEqual(try sim.simulator.agentInfo(userId: user).ehubSessionId, login.ehubSessionId)
        XCTAssertTrue(login.inSync)
        let ready = try await agent.ready()
        XCTAssertEqual(confirmedBy(ready), "engagementCenter.Idle")
        XCTAssertEqual(agent.snapshot().state, .idle)

        // An inbound call: screen pop (pulled with nextChange), accept, hold, retrieve,
        // consult, conference, transfer.
        let call = try sim.simulator.offer(userId: user, mediaType: "InboundACD")
        let popped = try await awaitChange(agent, .interactionOffered)
        XCTAssertEqual(popped.interactionId, call)
        XCTAssertEqual(popped.oldState, .idle)
        XCTAssertEqual(popped.newState, .busy)
        XCTAssertEqual(popped.event?.eventType, "engagementCenter.ScreenPop")
        let offered = try XCTUnwrap(agent.snapshot().interactions.first)
        XCTAssertEqual(offered.state, .offered)
        XCTAssertEqual(offered.mediaType, "InboundACD")
        let screen = try XCTUnwrap(offered.screenPop?.payload?.interactionInfo?.screenData, "screen data of the screen pop")
        XCTAssertNotNil(screen.ani)

        let accepted = try await agent.accept(interactionId: call)
        XCTAssertEqual(confirmedBy(accepted), "engagementCenter.Active")
        let held = try await agent.hold(interactionId: call)
        XCTAssertEqual(confirmedBy(held), "engagementCenter.Held")
        XCTAssertEqual(held.command, "engagementCenter.hold")
        XCTAssertEqual(held.correlationId, held.event?.correlationId)
        XCTAssertEqual(agent.snapshot().interactions.first?.state, .held)
        let retrieved = try await agent.retrieve(interactionId: call)
        XCTAssertEqual(confirmedBy(retrieved), "engagementCenter.Active")
        let consult = try await agent.consult(
            interactionId: call, body: ConsultParams(consultType: .user, ehubSessionId: "", userId: "supervisor"))
        XCTAssertTrue(confirmedBy(consult).hasPrefix("engagementCenter.Consult"), confirmedBy(consult))
        XCTAssertEqual(agent.snapshot().interactions.first(where: { $0.interactionId == call })?.consulting, true)
        // The consultation leg is listed with its link to the call (Consult names it).
        let legs = try await awaitSnapshot(agent, "the consultation leg") { s in
            s.interactions.contains(where: { $0.originalInteractionId == call })
        }
        let leg = try XCTUnwrap(legs.interactions.first(where: { $0.originalInteractionId == call }))
        XCTAssertEqual(legs.interactions.first(where: { $0.interactionId == call })?.consultInteractionId, leg.interactionId)
        let conference = try await agent.conference(
            interactionId: call, body: ConferenceParams(ehubSessionId: "", consultationInteractionId: leg.interactionId))
        XCTAssertEqual(confirmedBy(conference), "engagementCenter.Conference")
        XCTAssertEqual(agent.snapshot().interactions.map { $0.interactionId }, [call], "the leg joined the call")
        XCTAssertEqual(agent.snapshot().interactions.first?.conference, true)
        let transfer = try await agent.transfer(
            interactionId: call, body: TransferParams(transferType: .workType, ehubSessionId: "", workTypeId: "191"))
        XCTAssertEqual(confirmedBy(transfer), "engagementCenter.CallReRouted")
        _ = try await awaitSnapshot(agent, "the transferred call in wrap") { $0.state == .wrap }
        let disposed = try await agent.dispose(interactionId: call, body: disposeBody())
        XCTAssertEqual(confirmedBy(disposed), "engagementCenter.DispositionInitiated")

        // A chat, terminated by the agent: not ready while busy is pending until the wrap is
        // disposed. Through the generic command this time.
        _ = try await awaitSnapshot(agent, "the call disposed") { $0.interactions.isEmpty && $0.state == .idle }
        let chat = try sim.simulator.offer(userId: user, mediaType: "InboundChat")
        let chatPopped = try await awaitChange(agent, .interactionOffered)
        XCTAssertEqual(chatPopped.interactionId, chat)
        let chatAccepted = try await agent.command(op: "accept", interactionId: chat)
        XCTAssertEqual(confirmedBy(chatAccepted), "engagementCenter.Active")
        let notReady = try await agent.notReady(
            body: NotReadyParams(ehubSessionId: "", reasonId: "15", notReadyType: .notReady))
        XCTAssertEqual(confirmedBy(notReady), "engagementCenter.NotReadyPending")
        XCTAssertEqual(agent.snapshot().pending, .notReady)
        XCTAssertEqual(agent.snapshot().state, .busy)
        let terminated = try await agent.terminate(interactionId: chat)
        XCTAssertEqual(confirmedBy(terminated), "engagementCenter.InteractionClear")
        _ = try await agent.command(
            op: "engagementCenter.dispose", interactionId: chat,
            bodyJson: #"{"dispositionId": "1", "wrapRequired": false, "salesFlag": false, "callbackFlag": false, "interactionDataCollection": []}"#)
        let notReadyNow = try await awaitSnapshot(agent, "NotReady after the wrap") { $0.state == .notReady }
        XCTAssertEqual(notReadyNow.reasonId, "15")
        XCTAssertNil(notReadyNow.pending)

        // Logout while busy goes through DisconnectPending to Disconnected.
        _ = try await agent.ready()
        let last = try sim.simulator.offer(userId: user)
        _ = try await awaitChange(agent, .interactionOffered)
        _ = try await agent.accept(interactionId: last)
        let logout = Task { try await agent.logout(reasonId: "0", timeoutMs: 10_000) }
        _ = try await awaitSnapshot(agent, "DisconnectPending") { $0.pending == .disconnect }
        _ = try await agent.terminate(interactionId: last)
        // Its DispositionInitiated and the Disconnected it brings may arrive before its 202:
        // the dispose still ends with its own event.
        let lastDisposed = try await agent.dispose(interactionId: last, body: disposeBody())
        XCTAssertEqual(confirmedBy(lastDisposed), "engagementCenter.DispositionInitiated")
        let loggedOut = try await logout.value
        XCTAssertEqual(confirmedBy(loggedOut), "engagementCenter.Disconnected")
        XCTAssertEqual(agent.snapshot().state, .disconnected)
        _ = try await awaitChange(agent, .loggedOut)
        XCTAssertFalse(try sim.simulator.agentInfo(userId: user).connected)

        let sid = try XCTUnwrap(agent.streamSessionId())
        await agent.stop()
        XCTAssertTrue(agent.isStopped())
        XCTAssertNil(agent.streamSessionId())
        XCTAssertFalse(try sim.sessionExists(sid), "stop deletes the streaming session")
        XCTAssertEqual(agent.droppedChanges(), 0)
    }

    func testInvalidTransitionsFailWithTheServicesFailCodeAndFailReason() async throws {
        let user = "sw-agent-err"
        let agent = try await AgentSessionHandle.login(client: client, userId: user, options: testAgentOptions())
        let call = try sim.simulator.offer(userId: user)
        _ = try await awaitChange(agent, .interactionOffered)
        let hold = await failure { _ = try await agent.hold(interactionId: call) }
        guard case let .CommandFailed(detail, command, failCode, interactionId)? = hold as? CcbError else {
            return XCTFail("expected CommandFailed, got \(String(describing: hold))")
        }
        XCTAssertEqual(command, "engagementCenter.hold")
        XCTAssertEqual(failCode, 31)
        XCTAssertTrue(detail.contains("Hold failure"), detail)
        XCTAssertEqual(interactionId, call)
        let retrieve = await failure { _ = try await agent.retrieve(interactionId: "424242") }
        guard case let .CommandFailed(_, _, retrieveCode, _)? = retrieve as? CcbError else {
            return XCTFail("expected CommandFailed, got \(String(describing: retrieve))")
        }
        XCTAssertEqual(retrieveCode, 11)
        // The agent is fine: the call is there to accept.
        let accepted = try await agent.accept(interactionId: call)
        XCTAssertEqual(confirmedBy(accepted), "engagementCenter.Active")
        let nothingPending = await invalidField { _ = try await agent.cancel() }
        XCTAssertEqual(nothingPending, "pending")

        // Bad input never reaches the service.
        let before = try engagementCenterCommands()
        let emptyId = await invalidField { _ = try await agent.hold(interactionId: "") }
        XCTAssertNotEqual(emptyId, "no error")
        XCTAssertFalse(emptyId?.hasPrefix("unexpected") ?? true, "\(String(describing: emptyId))")
        let unknown = await invalidField { _ = try await agent.command(op: "nope") }
        XCTAssertEqual(unknown, "op")
        let typo = await invalidField { _ = try await agent.command(op: "ready", bodyJson: #"{"typo": 1}"#) }
        XCTAssertNotEqual(typo, "no error")
        XCTAssertFalse(typo?.hasPrefix("unexpected") ?? true, "\(String(describing: typo))")
        let notJson = await invalidField { _ = try await agent.command(op: "ready", bodyJson: "{oops") }
        XCTAssertEqual(notJson, "body_json")
        let connect = await invalidField { _ = try await agent.command(op: "connect") }
        XCTAssertEqual(connect, "op", "connect is what login and attach send")
        XCTAssertEqual(try engagementCenterCommands(), before)
        await agent.stop()
    }

    func testARefusedLoginIsCommandFailedAndLeavesNoSessionBehind() async throws {
        let user = "sw-agent-refused"
        try sim.simulator.failNextLogin(userId: user, failCode: 219, failReason: "(219) Agent is already logged in at station")
        XCTAssertEqual(try sim.simulator.agentInfo(userId: user).failNextLogin, 219)
        let refused = await failure {
            _ = try await AgentSessionHandle.login(client: self.client, userId: user, options: testAgentOptions())
        }
        guard case let .CommandFailed(detail, command, failCode, _)? = refused as? CcbError else {
            return XCTFail("expected CommandFailed, got \(String(describing: refused))")
        }
        XCTAssertEqual(command, "engagementCenter.connect")
        XCTAssertEqual(failCode, 219)
        XCTAssertTrue(detail.contains("already logged in"), detail)
        // setUp gave this test a simulator of its own: no session may be left.
        try await eventually("the login's streaming session deleted") { intValue(try self.sim.stats()["sessions"]) == 0 }
        let next = try await AgentSessionHandle.login(client: client, userId: user, options: testAgentOptions())
        await next.stop()
    }

    func testACommandWhoseEventCannotArriveTimesOutWithAnUnknownOutcome() async throws {
        var options = testAgentOptions()
        options.commandTimeoutMs = 400
        let agent = try await AgentSessionHandle.login(client: client, userId: "sw-agent-slow", options: options)
        // Polls fail from now on: the command is accepted, its event cannot arrive.
        let (status, body) = try sim.request(
            "POST", "/sim/faults",
            body: #"{"method": "GET", "pathContains": "/events", "kind": "status", "status": 503, "count": 0}"#)
        XCTAssertEqual(status, 200, body)
        try await Task.sleep(nanoseconds: 300_000_000)
        let timeout = await failure { _ = try await agent.agentStatistics() }
        _ = try sim.request("DELETE", "/sim/faults")
        guard case let .Timeout(detail)? = timeout as? CcbError else {
            return XCTFail("expected Timeout, got \(String(describing: timeout))")
        }
        XCTAssertTrue(detail.contains("unknown"), detail)
        await agent.stop()
    }

    func testARecreatedStreamIsReAttachedAndReportedAsAGap() async throws {
        let user = "sw-agent-gap"
        let agent = try await AgentSessionHandle.login(client: client, userId: user, options: testAgentOptions())
        let old = try XCTUnwrap(agent.streamSessionId())
        let (status, body) = try sim.request("POST", "/sim/sessions/\(old)/expire", body: "{}")
        XCTAssertEqual(status, 200, body)
        let gap = try await awaitChange(agent, .gap)
        XCTAssertNil(gap.event)
        XCTAssertNotNil(gap.message)
        XCTAssertFalse(agent.snapshot().inSync)
        let new = try XCTUnwrap(agent.streamSessionId())
        XCTAssertNotEqual(old, new)
        // The re-attached session receives the agent's events again.
        try await eventually("the new session attached") {
            try self.sim.simulator.agentInfo(userId: user).sessions.contains(new)
        }
        _ = try await agent.notReady(body: NotReadyParams(ehubSessionId: "", reasonId: "2", notReadyType: .park))
        let snap = agent.snapshot()
        XCTAssertEqual(snap.state, .park)
        XCTAssertEqual(snap.reasonId, "2")
        XCTAssertTrue(snap.inSync, "a state event brings the state back in sync")
        await agent.stop()
    }

    func testAStreamRecreatedMidCallIsAGapThenTheCallIsReconciled() async throws {
        let user = "sw-agent-mid-call"
        let agent = try await AgentSessionHandle.login(client: client, userId: user, options: testAgentOptions())
        let call = try sim.simulator.offer(userId: user, mediaType: "InboundACD")
        _ = try await awaitChange(agent, .interactionOffered)
        _ = try await agent.accept(interactionId: call)
        let old = try XCTUnwrap(agent.streamSessionId())
        let (status, body) = try sim.request("POST", "/sim/sessions/\(old)/expire", body: "{}")
        XCTAssertEqual(status, 200, body)
        _ = try await awaitChange(agent, .gap)
        let gap = agent.snapshot()
        XCTAssertFalse(gap.inSync)
        // Nothing is dropped on a guess: the call is there, marked unconfirmed.
        XCTAssertEqual(gap.interactions.map { $0.interactionId }, [call])
        XCTAssertEqual(gap.interactions.first?.inSync, false)
        let new = try XCTUnwrap(agent.streamSessionId())
        try await eventually("the new session attached") {
            try self.sim.simulator.agentInfo(userId: user).sessions.contains(new)
        }
        XCTAssertEqual(confirmedBy(try await agent.hold(interactionId: call)), "engagementCenter.Held")
        let snap = agent.snapshot()
        XCTAssertTrue(snap.inSync)
        XCTAssertEqual(snap.interactions.first?.inSync, true)
        XCTAssertEqual(snap.interactions.first?.state, .held)
        _ = try await agent.retrieve(interactionId: call)
        _ = try await agent.terminate(interactionId: call)
        _ = try await awaitSnapshot(agent, "wrap") { $0.state == .wrap }
        _ = try await agent.dispose(interactionId: call, body: disposeBody())
        _ = try await awaitSnapshot(agent, "idle") { $0.state == .idle && $0.interactions.isEmpty }
        await agent.stop()
    }

    func testCancelWithdrawsAPendingLogout() async throws {
        let user = "sw-agent-cancel-logout"
        let agent = try await AgentSessionHandle.login(client: client, userId: user, options: testAgentOptions())
        let call = try sim.simulator.offer(userId: user, mediaType: "InboundACD")
        _ = try await awaitChange(agent, .interactionOffered)
        _ = try await agent.accept(interactionId: call)
        let logout = Task { await failure { _ = try await agent.logout(reasonId: "0", timeoutMs: 10_000) } }
        _ = try await awaitSnapshot(agent, "DisconnectPending") { $0.pending == .disconnect }
        XCTAssertEqual(try await agent.cancel().command, "engagementCenter.cancel")
        let ended = await logout.value
        guard case .Closed? = ended as? CcbError else {
            return XCTFail("the waiting logout ends with Closed, got \(String(describing: ended))")
        }
        try await eventually("cancelled at the service") {
            try self.sim.simulator.agentInfo(userId: user).pending == nil
        }
        let snap = agent.snapshot()
        XCTAssertEqual(snap.state, .busy)
        XCTAssertNil(snap.pending)
        XCTAssertEqual(confirmedBy(try await agent.hold(interactionId: call)), "engagementCenter.Held")
        await agent.stop()
    }

    func testMissedKeepAlivesLogTheAgentOutAndSaySo() async throws {
        let user = "sw-agent-ka"
        let agent = try await AgentSessionHandle.login(client: client, userId: user, options: testAgentOptions())
        let listener = ChangeCollector()
        agent.setListener(listener: listener)
        _ = try await agent.keepAlive(body: KeepAliveParams(ehubSessionId: "", sessionTimeout: 1))
        // No further keepAlive: the service logs the agent out.
        let out = try await listener.next(.loggedOut)
        XCTAssertEqual(out.newState, .disconnected)
        XCTAssertEqual(out.event?.eventType, "engagementCenter.Disconnected")
        XCTAssertFalse(try sim.simulator.agentInfo(userId: user).connected)
        XCTAssertNil(agent.ehubSessionId())
        await agent.stop()
    }

    func testKeepAlivesSentByTheSessionKeepTheAgentLoggedIn() async throws {
        let user = "sw-agent-ka2"
        let (status, body) = try sim.request("POST", "/sim/config", body: #"{"keepaliveTimeoutMs": 600}"#)
        XCTAssertEqual(status, 200, body)
        var options = testAgentOptions()
        options.keepAliveMs = 150
        let agent = try await AgentSessionHandle.login(client: client, userId: user, options: options)
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let info = try sim.simulator.agentInfo(userId: user)
        XCTAssertTrue(info.connected, "\(info)")
        XCTAssertNotNil(info.keepAliveTimeoutMs, "keepAlive was sent")
        XCTAssertEqual(agent.snapshot().state, .idle)
        await agent.stop()
    }

    func testTheListenerGetsTheChangesAndMayThrow() async throws {
        struct ListenerBug: Error {}
        let user = "sw-agent-listener"
        let agent = try await AgentSessionHandle.login(client: client, userId: user, options: testAgentOptions())
        // The login's changes were queued before any listener: they stay for nextChange.
        var login: [AgentChange] = []
        while let change = try await agent.nextChange(timeoutMs: 300) { login.append(change) }
        XCTAssertEqual(login.last?.newState, .idle)
        XCTAssertTrue(login.allSatisfy { $0.kind == .state }, "\(login)")
        let listener = ChangeCollector { change in
            switch change.kind {
            case .interactionOffered: return ListenerBug()
            case .interactionRemoved: return ListenerError.Failed(detail: "declined")
            default: return nil
            }
        }
        agent.setListener(listener: listener)
        let call = try sim.simulator.offer(userId: user)
        let offered = try await listener.next(.interactionOffered)
        XCTAssertEqual(offered.interactionId, call)
        // The session went on after the throw: commands work, changes keep coming.
        _ = try await agent.accept(interactionId: call)
        let changed = try await listener.next(.interactionChanged)
        XCTAssertEqual(changed.interactionId, call)
        // The far end hangs up: an informational Error, the clear, then wrap.
        try sim.simulator.hangUp(userId: user, interactionId: call)
        _ = try await awaitSnapshot(agent, "wrap after the hang-up") { $0.state == .wrap }
        _ = try await agent.dispose(interactionId: call, body: disposeBody())
        _ = try await listener.next(.interactionRemoved)
        try await eventually("two listener failures counted") { agent.listenerErrors() == 2 }
        // Back to pulling.
        agent.setListener(listener: nil)
        _ = try await agent.notReady(body: NotReadyParams(ehubSessionId: "", reasonId: "3", notReadyType: .notReady))
        let pulled = try await awaitChange(agent, .state)
        XCTAssertEqual(pulled.newState, .notReady)
        await agent.stop()
    }

    func testAttachJoinsAnExistingLogin() async throws {
        let user = "sw-agent-attach"
        let desk = try await AgentSessionHandle.login(client: client, userId: user, options: testAgentOptions())
        let second = try await AgentSessionHandle.attach(client: client, userId: user, options: testAgentOptions())
        XCTAssertEqual(second.snapshot().state, .unknown)
        XCTAssertFalse(second.snapshot().inSync)
        let attachments = try sim.simulator.agentInfo(userId: user).attachments
        XCTAssertTrue(attachments.contains { $0.sessionId == second.streamSessionId() }, "\(attachments)")
        _ = try await desk.notReady(body: NotReadyParams(ehubSessionId: "", reasonId: "7", notReadyType: .notReady))
        let seen = try await awaitSnapshot(second, "the desk's state seen by the attachment") { $0.state == .notReady }
        XCTAssertEqual(seen.reasonId, "7")
        XCTAssertTrue(seen.inSync)
        await second.stop()
        XCTAssertTrue(try sim.simulator.agentInfo(userId: user).connected, "stopping an attachment does not log out")
        await desk.stop()
    }

    func testOptionsAreCheckedBeforeAnyRequestAndStopEndsEverything() async throws {
        let created = try sim.sessionsCreated()
        let cases: [(AgentOptions, String)] = [
            (AgentOptions(commandTimeoutMs: 0), "command_timeout"),
            (AgentOptions(loginTimeoutMs: 0), "login_timeout"),
            (AgentOptions(keepAliveMs: 0), "keep_alive"),
            (AgentOptions(changeCapacity: 0), "change_capacity"),
            (AgentOptions(stream: StreamOptions(maxEvents: 0)), "max_events"),
        ]
        for (options, field) in cases {
            let got = await invalidField {
                _ = try await AgentSessionHandle.login(client: self.client, userId: "sw-agent-opts", options: options)
            }
            XCTAssertEqual(got, field)
        }
        let empty = await invalidField { _ = try await AgentSessionHandle.login(client: self.client, userId: "") }
        XCTAssertEqual(empty, "user_id")
        XCTAssertEqual(try sim.sessionsCreated(), created, "rejected options must not reach the service")
        let d = AgentOptions()
        XCTAssertEqual([d.commandTimeoutMs, d.loginTimeoutMs, d.attachRenewalMs, d.changeCapacity],
                       [10_000, 30_000, 1_500_000, 10_000])

        let agent = try await AgentSessionHandle.login(client: client, userId: "sw-agent-stop")
        while try await agent.nextChange(timeoutMs: 200) != nil {}
        let waiting = Task { () -> Error? in
            do {
                _ = try await agent.nextChange(timeoutMs: 60_000)
                return nil
            } catch {
                return error
            }
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        await agent.stop()
        let woken = await waiting.value
        guard case .Closed? = woken as? CcbError else {
            return XCTFail("expected Closed, got \(String(describing: woken))")
        }
        let ready = await failure { _ = try await agent.ready() }
        guard case .Closed? = ready as? CcbError else { return XCTFail("expected Closed, got \(String(describing: ready))") }
        await agent.stop()
        XCTAssertTrue(try sim.simulator.agentInfo(userId: "sw-agent-stop").connected, "stop does not log the agent out")
    }

    // MARK: - Helpers

    /// The simulator's count of Engagement Center commands it received.
    private func engagementCenterCommands() throws -> Int {
        let operations = try sim.stats()["operations"] as? [String: Any] ?? [:]
        return operations
            .filter { $0.key.hasPrefix("engagementCenter.") }
            .compactMap { intValue($0.value) }
            .reduce(0, +)
    }
}

/// Agent options of the tests: a station, and commands that give up quickly.
func testAgentOptions() -> AgentOptions {
    AgentOptions(station: "9785551212", commandTimeoutMs: 5_000)
}

/// A dispose body: the session fills the `ehubSessionId` left empty.
func disposeBody() -> DisposeParams {
    DisposeParams(ehubSessionId: "", dispositionId: "1", wrapRequired: false, salesFlag: false,
                  callbackFlag: false, interactionDataCollection: [])
}

/// The type of the event that confirmed a command, or `(202 only)`.
func confirmedBy(_ outcome: CommandOutcome) -> String {
    outcome.event?.eventType ?? "(202 only)"
}

/// What `body` threw, or nil.
func failure(_ body: () async throws -> Void) async -> Error? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

/// The field of the `InvalidArgument` error `body` throws, or a description of what
/// happened instead.
func invalidField(_ body: () async throws -> Void) async -> String? {
    let error = await failure(body)
    guard let error = error else { return "no error" }
    guard case let .InvalidArgument(field, _)? = error as? CcbError else { return "unexpected \(error)" }
    return field
}

/// Pull mode: reads changes until one of `kind` arrives (the others are skipped).
func awaitChange(_ agent: AgentSessionHandle, _ kind: AgentChangeKind, timeout: TimeInterval = 10) async throws -> AgentChange {
    let deadline = Date().addingTimeInterval(timeout)
    var seen: [AgentChangeKind] = []
    while Date() < deadline {
        let left = UInt64(max(1, deadline.timeIntervalSinceNow * 1000))
        guard let change = try await agent.nextChange(timeoutMs: left) else { continue }
        if change.kind == kind { return change }
        seen.append(change.kind)
    }
    throw TestFailure("no \(kind) change within \(timeout) s; saw \(seen)")
}

/// Polls the snapshot until `condition` holds.
func awaitSnapshot(_ agent: AgentSessionHandle, _ what: String, timeout: TimeInterval = 10,
                   _ condition: (AgentSnapshot) -> Bool) async throws -> AgentSnapshot {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        let snap = agent.snapshot()
        if condition(snap) { return snap }
        if Date() > deadline { throw TestFailure("timed out waiting for \(what); last snapshot \(snap)") }
        try await Task.sleep(nanoseconds: 20_000_000)
    }
}

/// An `AgentListener` that keeps the changes it receives, so a test can wait for them.
/// `failWith` decides, per change, whether the listener throws after keeping it.
final class ChangeCollector: AgentListener, @unchecked Sendable {
    private let lock = NSLock()
    private var changes: [AgentChange] = []
    private let failWith: (AgentChange) -> Error?

    init(failWith: @escaping (AgentChange) -> Error? = { _ in nil }) {
        self.failWith = failWith
    }

    func onChange(change: AgentChange) throws {
        lock.lock()
        changes.append(change)
        lock.unlock()
        if let error = failWith(change) { throw error }
    }

    private func pop() -> AgentChange? {
        lock.lock()
        defer { lock.unlock() }
        return changes.isEmpty ? nil : changes.removeFirst()
    }

    /// Waits for a change of `kind`, skipping others.
    func next(_ kind: AgentChangeKind, timeout: TimeInterval = 10) async throws -> AgentChange {
        let deadline = Date().addingTimeInterval(timeout)
        var seen: [AgentChangeKind] = []
        while Date() < deadline {
            if let change = pop() {
                if change.kind == kind { return change }
                seen.append(change.kind)
            } else {
                try await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        throw TestFailure("no change \(kind) within \(timeout) s; saw \(seen)")
    }
}
