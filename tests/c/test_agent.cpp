// Tests of the agent session through the C++ wrapper (ccb::AgentSession over ccb_agent_*)
// against the simulator the library embeds: a whole agent day, the typed errors, and what
// the session does when the network or the service misbehaves.

#include "ccbridge.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

constexpr auto kWait = 20s;

std::unique_ptr<ccb::Simulator> g_sim;

class AgentTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        g_sim = std::make_unique<ccb::Simulator>(ccb::SimulatorOptions().poll_wait(200ms));
    }
    static void TearDownTestSuite() { g_sim.reset(); }

    static const ccb::Simulator &sim() {
        if (!g_sim) {
            throw std::runtime_error("the simulator did not start");
        }
        return *g_sim;
    }

    static ccb::Client client() {
        ccb::ClientOptions o = sim().client_options();
        o.request_timeout = 10s;
        return ccb::Client(o);
    }

    static ccb::AgentOptions options() {
        return ccb::AgentOptions().station("9785551212").command_timeout(10s);
    }
};

/// Runs `f`, which must throw ccb::Error; returns it.
template <class F> ccb::Error expect_error(F &&f) {
    try {
        f();
    } catch (const ccb::Error &e) {
        return e;
    }
    ADD_FAILURE() << "no ccb::Error was thrown";
    return ccb::Error(CCB_OK, 0, "", "");
}

/// A listener that keeps a copy of every change and lets the test wait for one.
struct Recorder {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<ccb::AgentChange> changes;
    size_t cursor = 0;

    void operator()(const ccb::AgentChange &c) {
        EXPECT_FALSE(c.owned());
        ccb::AgentChange copy = c.clone();
        std::lock_guard<std::mutex> lock(mu);
        changes.push_back(std::move(copy));
        cv.notify_all();
    }

    /// The next change of `kind` after the last one waited for (a copy), or nullopt.
    std::optional<ccb::AgentChange> wait_for(ccb_agent_change_kind_t kind) {
        std::unique_lock<std::mutex> lock(mu);
        std::optional<ccb::AgentChange> found;
        cv.wait_for(lock, kWait, [&] {
            for (; cursor < changes.size(); cursor++) {
                if (changes[cursor].kind() == kind) {
                    found = changes[cursor++].clone();
                    return true;
                }
            }
            return false;
        });
        return found;
    }

    /// Whether a change matching `pred` arrives within kWait. Listeners hear a change
    /// after the snapshot shows it, so a test that waited for a state waits here too.
    bool saw(const std::function<bool(const ccb::AgentChange &)> &pred) {
        std::unique_lock<std::mutex> lock(mu);
        return cv.wait_for(lock, kWait, [&] {
            for (const auto &c : changes) {
                if (pred(c)) {
                    return true;
                }
            }
            return false;
        });
    }
};

/// Pulls changes until one of `kind` arrives.
ccb::AgentChange pull_until(const ccb::AgentSession &agent, ccb_agent_change_kind_t kind) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
        std::optional<ccb::AgentChange> c = agent.next_change(1s);
        if (c && c->kind() == kind) {
            return std::move(*c);
        }
    }
    throw std::runtime_error(std::string("no ") + ccb::to_string(kind) + " change in time");
}

/// Polls the agent's state until it is `state`.
bool wait_state(const ccb::AgentSession &agent, ccb_agent_state_t state) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
        if (agent.state() == state) {
            return true;
        }
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

bool contains(const std::string &haystack, const std::string &needle) {
    return haystack.find(needle) != std::string::npos;
}

std::string confirmed_by(const ccb::CommandOutcome &o) { return o.event_type.value_or("(202 only)"); }

/// dispose with disposition "1" and no flags or data.
ccb::CommandOutcome dispose(const ccb::AgentSession &agent, const std::string &interaction_id) {
    return agent.dispose(interaction_id, "1", false, false, false, "[]");
}

/// Starts a logout on its own thread and waits until the service holds it pending.
std::future<ccb::CommandOutcome> pending_logout(const ccb::AgentSession &agent) {
    std::future<ccb::CommandOutcome> logout =
        std::async(std::launch::async, [&agent] { return agent.logout("0", 15s); });
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (agent.pending() != CCB_AGENT_PENDING_DISCONNECT && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    return logout;
}

TEST_F(AgentTest, AFullAgentDay) {
    ccb::Client c = client();
    const std::string user = "cpp-agent-day";
    ccb::AgentSession agent =
        ccb::AgentSession::login(c, user, options().initial_state("NotReady"));
    EXPECT_EQ(agent.user_id(), user);
    EXPECT_EQ(agent.state(), CCB_AGENT_STATE_NOT_READY);
    EXPECT_STREQ(ccb::to_string(agent.state()), "NotReady");
    ASSERT_TRUE(agent.ehub_session_id().has_value()) << "ConnectConfirm gave the ehubSessionId";
    EXPECT_TRUE(agent.in_sync());

    Recorder rec;
    agent.set_listener([&](const ccb::AgentChange &ch) { rec(ch); });

    ccb::CommandOutcome ready = agent.ready();
    EXPECT_EQ(ready.command, "engagementCenter.ready");
    EXPECT_EQ(confirmed_by(ready), "engagementCenter.Idle");
    ASSERT_TRUE(ready.event.has_value());
    EXPECT_TRUE(ready.event->owned());
    EXPECT_TRUE(contains(ready.json, "\"command\":\"engagementCenter.ready\"")) << ready.json;
    EXPECT_EQ(agent.state(), CCB_AGENT_STATE_IDLE);

    // An inbound call: the screen pop reaches the listener with the caller's data.
    const std::string call =
        sim().offer(user, "InboundACD", std::string("{\"ani\":\"6035550101\",\"firstName\":\"ADA\"}"));
    std::optional<ccb::AgentChange> popped = rec.wait_for(CCB_AGENT_CHANGE_INTERACTION_OFFERED);
    ASSERT_TRUE(popped.has_value());
    EXPECT_EQ(popped->interaction_id().value_or(""), call);
    EXPECT_EQ(popped->old_state(), CCB_AGENT_STATE_IDLE);
    EXPECT_EQ(popped->new_state(), CCB_AGENT_STATE_BUSY);
    std::optional<ccb::Event> screen_pop = popped->event();
    ASSERT_TRUE(screen_pop.has_value());
    EXPECT_EQ(screen_pop->type(), "engagementCenter.ScreenPop");
    EXPECT_EQ(screen_pop->payload_get("/payload/interactionInfo/screenData/ani").value_or(""),
              "6035550101");
    const std::string snap = agent.snapshot_json();
    EXPECT_TRUE(contains(snap, "\"interactionId\":\"" + call + "\"")) << snap;
    EXPECT_TRUE(contains(snap, "\"state\":\"Offered\"")) << snap;
    EXPECT_TRUE(contains(snap, "\"ani\":\"6035550101\"")) << snap;

    EXPECT_EQ(confirmed_by(agent.accept(call)), "engagementCenter.Active");
    EXPECT_EQ(confirmed_by(agent.hold(call)), "engagementCenter.Held");
    EXPECT_TRUE(contains(agent.snapshot_json(), "\"state\":\"Held\""));
    EXPECT_EQ(confirmed_by(agent.retrieve(call)), "engagementCenter.Active");
    // Consult a supervisor (optional fields left out), conference the consultation leg the
    // Consult event names, transfer the call to a work type.
    const ccb::CommandOutcome consult =
        agent.consult(call, "User", std::nullopt, std::nullopt, std::nullopt, "supervisor");
    EXPECT_EQ(consult.command, "engagementCenter.consult");
    EXPECT_EQ(confirmed_by(consult).rfind("engagementCenter.Consult", 0), 0u) << confirmed_by(consult);
    EXPECT_TRUE(contains(agent.snapshot_json(), "\"consulting\":true"));
    ASSERT_TRUE(rec.saw([](const ccb::AgentChange &ch) {
        return ch.event() && ch.event()->type() == "engagementCenter.Consult";
    }));
    std::string leg;
    {
        std::lock_guard<std::mutex> lock(rec.mu);
        for (const auto &ch : rec.changes) {
            if (ch.event() && ch.event()->type() == "engagementCenter.Consult") {
                leg = ch.event()->payload_get("/payload/consultInteractionId").value_or("");
            }
        }
    }
    ASSERT_FALSE(leg.empty());
    EXPECT_NE(leg, call);
    const ccb::CommandOutcome conference = agent.conference(call, leg);
    EXPECT_EQ(confirmed_by(conference), "engagementCenter.Conference");
    EXPECT_TRUE(contains(agent.snapshot_json(), "\"conference\":true"));
    const ccb::CommandOutcome transfer =
        agent.transfer(call, "WorkType", std::nullopt, std::nullopt, std::nullopt, "191");
    EXPECT_EQ(confirmed_by(transfer), "engagementCenter.CallReRouted");
    ASSERT_TRUE(wait_state(agent, CCB_AGENT_STATE_WRAP)) << agent.snapshot_json();
    EXPECT_EQ(confirmed_by(agent.dispose(call, "1", true, false, false,
                                         "[{\"key\":\"Name\",\"value\":\"ADA\"}]")),
              "engagementCenter.DispositionInitiated");
    ASSERT_TRUE(wait_state(agent, CCB_AGENT_STATE_IDLE));

    // A chat, then not ready while busy: pending until the work is disposed.
    const std::string chat = sim().offer(user, "InboundChat");
    ASSERT_TRUE(rec.wait_for(CCB_AGENT_CHANGE_INTERACTION_OFFERED).has_value());
    agent.accept(chat);
    EXPECT_EQ(confirmed_by(agent.not_ready("15", "NotReady")), "engagementCenter.NotReadyPending");
    EXPECT_EQ(agent.pending(), CCB_AGENT_PENDING_NOT_READY);
    EXPECT_EQ(agent.state(), CCB_AGENT_STATE_BUSY);
    EXPECT_EQ(confirmed_by(agent.terminate(chat)), "engagementCenter.InteractionClear");
    dispose(agent, chat);
    ASSERT_TRUE(wait_state(agent, CCB_AGENT_STATE_NOT_READY)) << agent.snapshot_json();
    EXPECT_EQ(agent.reason_id().value_or(""), "15");
    EXPECT_EQ(agent.pending(), CCB_AGENT_PENDING_NONE);
    EXPECT_TRUE(rec.saw([](const ccb::AgentChange &ch) {
        return ch.new_state() == CCB_AGENT_STATE_NOT_READY && ch.old_state() != CCB_AGENT_STATE_NOT_READY;
    }));

    // Logout while busy: DisconnectPending until the work is disposed, then Disconnected.
    agent.ready();
    const std::string last = sim().offer(user);
    ASSERT_TRUE(rec.wait_for(CCB_AGENT_CHANGE_INTERACTION_OFFERED).has_value());
    agent.accept(last);
    std::future<ccb::CommandOutcome> logout = pending_logout(agent);
    ASSERT_EQ(agent.pending(), CCB_AGENT_PENDING_DISCONNECT);
    EXPECT_EQ(logout.wait_for(0ms), std::future_status::timeout) << "the logout waits for the work";
    // The work ends through the async forms: a callback, then a future.
    std::promise<std::string> terminated;
    agent.terminate_async(last, [&](const ccb::CommandOutcome *o, const ccb::Error *e) {
        terminated.set_value(o != nullptr ? confirmed_by(*o) : std::string("error: ") + e->what());
    });
    EXPECT_EQ(terminated.get_future().get(), "engagementCenter.InteractionClear");
    std::future<ccb::CommandOutcome> disposed = agent.dispose_future(last, "1", false, false, false, "[]");
    EXPECT_EQ(confirmed_by(disposed.get()), "engagementCenter.DispositionInitiated");
    EXPECT_EQ(confirmed_by(logout.get()), "engagementCenter.Disconnected");
    EXPECT_EQ(agent.state(), CCB_AGENT_STATE_DISCONNECTED);
    EXPECT_FALSE(agent.ehub_session_id().has_value());
    std::optional<ccb::AgentChange> out = rec.wait_for(CCB_AGENT_CHANGE_LOGGED_OUT);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->new_state(), CCB_AGENT_STATE_DISCONNECTED);
    EXPECT_TRUE(contains(sim().agent_json(user), "\"connected\":false"));
    EXPECT_EQ(agent.callback_exceptions(), 0u);
}

TEST_F(AgentTest, InvalidTransitionsAreCommandFailedWithTheFailReason) {
    ccb::Client c = client();
    ccb::AgentSession agent = ccb::AgentSession::login(c, "cpp-agent-err", options());
    const std::string call = sim().offer("cpp-agent-err");
    pull_until(agent, CCB_AGENT_CHANGE_INTERACTION_OFFERED);

    ccb::Error e = expect_error([&] { agent.hold(call); });
    EXPECT_EQ(e.code(), CCB_ERR_COMMAND_FAILED);
    EXPECT_STREQ(e.code_name(), "command_failed");
    EXPECT_EQ(e.fail_code(), 31);
    EXPECT_TRUE(contains(e.fail_reason(), "Hold failure")) << e.fail_reason();
    EXPECT_TRUE(contains(e.what(), "engagementCenter.hold")) << e.what();
    EXPECT_TRUE(contains(e.what(), "Hold failure")) << e.what();

    e = expect_error([&] { agent.retrieve("424242"); });
    EXPECT_EQ(e.code(), CCB_ERR_COMMAND_FAILED);
    EXPECT_EQ(e.fail_code(), 11);

    // The agent is still fine: the call is there to accept.
    EXPECT_EQ(confirmed_by(agent.accept(call)), "engagementCenter.Active");
    // Disposing of a call still active: another failure the service reports.
    e = expect_error([&] { dispose(agent, call); });
    EXPECT_EQ(e.code(), CCB_ERR_COMMAND_FAILED);
    EXPECT_GT(e.fail_code(), 0);

    // Bad input never reaches the service; it names the argument or the wire field.
    e = expect_error([&] { agent.hold(""); });
    EXPECT_EQ(e.code(), CCB_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(e.field(), "interaction_id");
    e = expect_error([&] { agent.command("nope"); });
    EXPECT_EQ(e.code(), CCB_ERR_INVALID_ARGUMENT);
    e = expect_error([&] { agent.command("ready", std::nullopt, std::string("{\"typo\":1}")); });
    EXPECT_EQ(e.code(), CCB_ERR_INVALID_ARGUMENT);
    e = expect_error([&] { agent.command("ready", std::nullopt, std::string("{oops")); });
    EXPECT_EQ(e.field(), "body_json");
    e = expect_error([&] { agent.command("connect"); });
    EXPECT_EQ(e.field(), "op");
    e = expect_error([&] { agent.not_ready("", "NotReady"); });
    EXPECT_EQ(e.field(), "reasonId");
    e = expect_error([&] { agent.not_ready("1", "Busy"); });
    EXPECT_EQ(e.field(), "notReadyType");
    e = expect_error([&] { agent.dispose(call, "1", false, false, false, "{oops"); });
    EXPECT_EQ(e.field(), "interaction_data_collection_json");
    e = expect_error([&] { agent.keep_alive(0.0); });
    EXPECT_EQ(e.field(), "sessionTimeout");
    e = expect_error([&] { agent.cancel(); });
    EXPECT_EQ(e.field(), "pending");
}

TEST_F(AgentTest, ACommandWithoutItsEventTimesOut) {
    ccb::Client c = client();
    ccb::AgentSession agent =
        ccb::AgentSession::login(c, "cpp-agent-slow", options().command_timeout(400ms));
    // Polls fail from now on: the command is accepted, its event cannot arrive.
    sim().add_fault(
        "{\"method\":\"GET\",\"pathContains\":\"/events\",\"kind\":\"status\",\"status\":503,\"count\":0}");
    std::this_thread::sleep_for(300ms);
    ccb::Error e = expect_error([&] { agent.agent_statistics(); });
    EXPECT_EQ(e.code(), CCB_ERR_TIMEOUT);
    std::future<ccb::CommandOutcome> slow = agent.agent_statistics_future();
    ccb::Error later = expect_error([&] { slow.get(); });
    sim().clear_faults();
    EXPECT_EQ(later.code(), CCB_ERR_TIMEOUT);
    EXPECT_TRUE(contains(e.what(), "unknown")) << e.what();
    EXPECT_EQ(e.fail_code(), 0);
}

TEST_F(AgentTest, ARecreatedStreamIsReAttachedAndReportedAsAGap) {
    ccb::Client c = client();
    const std::string user = "cpp-agent-gap";
    ccb::AgentSession agent = ccb::AgentSession::login(c, user, options());
    const std::string old_sid = agent.stream_session_id().value_or("");
    ASSERT_FALSE(old_sid.empty());
    sim().expire_session(old_sid);
    ccb::AgentChange gap = pull_until(agent, CCB_AGENT_CHANGE_GAP);
    EXPECT_FALSE(gap.event().has_value());
    EXPECT_TRUE(gap.message().has_value());
    EXPECT_EQ(gap.old_state(), gap.new_state());
    EXPECT_FALSE(agent.in_sync());
    const std::string new_sid = agent.stream_session_id().value_or("");
    EXPECT_NE(new_sid, old_sid);

    // The re-attached session receives the agent's events again.
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!contains(sim().agent_json(user), "\"" + new_sid + "\"") &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(confirmed_by(agent.not_ready("2", "Park")), "engagementCenter.Park");
    EXPECT_EQ(agent.state(), CCB_AGENT_STATE_PARK);
    EXPECT_TRUE(agent.in_sync()) << "a state event brings the state back in sync";
    EXPECT_EQ(agent.reason_id().value_or(""), "2");
}

TEST_F(AgentTest, MissedKeepAlivesLogTheAgentOut) {
    ccb::Client c = client();
    ccb::AgentSession agent = ccb::AgentSession::login(c, "cpp-agent-ka", options());
    EXPECT_EQ(confirmed_by(agent.keep_alive(1.0)), "engagementCenter.ClientSessionKeepAlive");
    // No further keepAlive: the service logs the agent out.
    ccb::AgentChange out = pull_until(agent, CCB_AGENT_CHANGE_LOGGED_OUT);
    EXPECT_EQ(out.new_state(), CCB_AGENT_STATE_DISCONNECTED);
    ASSERT_TRUE(out.event().has_value());
    EXPECT_EQ(out.event()->type(), "engagementCenter.Disconnected");
    EXPECT_TRUE(contains(sim().agent_json("cpp-agent-ka"), "\"connected\":false"));
}

TEST_F(AgentTest, KeepAlivesSentByTheSessionKeepTheAgentIn) {
    ccb::Client c = client();
    ccb::AgentSession agent = ccb::AgentSession::login(
        c, "cpp-agent-ka2", options().keep_alive(300ms).session_timeout(2s));
    std::this_thread::sleep_for(3s);
    EXPECT_TRUE(contains(sim().agent_json("cpp-agent-ka2"), "\"connected\":true"));
    EXPECT_EQ(agent.state(), CCB_AGENT_STATE_IDLE);
}

TEST_F(AgentTest, ARefusedLoginIsATypedError) {
    ccb::Client c = client();
    sim().fail_next_login("cpp-agent-refused", 219,
                          std::string("(219) Agent is already logged in at station"));
    ccb::Error e = expect_error([&] { ccb::AgentSession::login(c, "cpp-agent-refused", options()); });
    EXPECT_EQ(e.code(), CCB_ERR_COMMAND_FAILED);
    EXPECT_EQ(e.fail_code(), 219);
    EXPECT_TRUE(contains(e.fail_reason(), "already logged in")) << e.fail_reason();
    EXPECT_TRUE(contains(e.what(), "engagementCenter.connect")) << e.what();
    // Only the next login fails.
    ccb::AgentSession again = ccb::AgentSession::login(c, "cpp-agent-refused", options());
    EXPECT_EQ(again.state(), CCB_AGENT_STATE_IDLE);
}

TEST_F(AgentTest, BadOptionsAndArgumentsNameTheField) {
    ccb::Client c = client();
    ccb::Error e = expect_error([&] { ccb::AgentSession::login(c, "", options()); });
    EXPECT_EQ(e.field(), "user_id");
    e = expect_error([&] { ccb::AgentSession::login(c, "u", options().initial_state("Busy")); });
    EXPECT_EQ(e.field(), "initial_state");
    e = expect_error([&] { ccb::AgentSession::login(c, "u", options().command_timeout(0ms)); });
    EXPECT_EQ(e.field(), "command_timeout");
    e = expect_error([&] { ccb::AgentSession::login(c, "u", options().change_capacity(0)); });
    EXPECT_EQ(e.field(), "change_capacity");
    e = expect_error([&] {
        ccb::AgentSession::login(c, "u", options().stream(ccb::StreamOptions().max_events(0)));
    });
    EXPECT_EQ(e.field(), "max_events");
    // Attaching needs an existing login.
    e = expect_error([&] { ccb::AgentSession::attach(c, "cpp-nobody-logged-in", options()); });
    EXPECT_NE(e.code(), CCB_OK);
    // The simulator's controls check theirs.
    e = expect_error([&] { sim().offer("cpp-nobody-logged-in"); });
    EXPECT_EQ(e.code(), CCB_ERR_CONFLICT);
    e = expect_error([&] { sim().hang_up("cpp-nobody-logged-in", "x"); });
    EXPECT_EQ(e.field(), "interaction_id");
    e = expect_error([&] { sim().add_fault("{\"kind\":\"explode\"}"); });
    EXPECT_EQ(e.field(), "fault_json");
}

TEST_F(AgentTest, ListenerRulesAsyncCommandsAndFutures) {
    ccb::Client c = client();
    const std::string user = "cpp-agent-listener";
    ccb::AgentSession agent = ccb::AgentSession::login(c, user, options());

    std::mutex mu;
    std::condition_variable cv;
    std::string refused_field;
    std::optional<std::string> accepted;
    std::optional<std::string> async_error;
    agent.set_listener([&](const ccb::AgentChange &ch) {
        if (ch.kind() != CCB_AGENT_CHANGE_INTERACTION_OFFERED) {
            return;
        }
        const std::string id = ch.interaction_id().value_or("");
        // Blocking for a command here would wait for an outcome only this thread can
        // deliver: refused at once.
        try {
            agent.accept(id);
        } catch (const ccb::Error &e) {
            std::lock_guard<std::mutex> lock(mu);
            refused_field = e.field();
        }
        agent.accept_async(id, [&](const ccb::CommandOutcome *o, const ccb::Error *e) {
            std::lock_guard<std::mutex> lock(mu);
            if (o != nullptr) {
                accepted = o->event_type.value_or("");
            } else {
                async_error = e->what();
            }
            cv.notify_all();
        });
    });
    const std::string call = sim().offer(user);
    {
        std::unique_lock<std::mutex> lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, kWait, [&] { return accepted || async_error; }));
        EXPECT_EQ(accepted.value_or(async_error.value_or("")), "engagementCenter.Active");
        EXPECT_EQ(refused_field, "agent");
    }

    // A listener that throws: the session goes on, the exception is counted. Replacing the
    // listener from the test thread waits for the running call.
    agent.set_listener([](const ccb::AgentChange &) { throw std::runtime_error("plugin bug"); });
    EXPECT_EQ(confirmed_by(agent.hold(call)), "engagementCenter.Held");
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (agent.callback_exceptions() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_GE(agent.callback_exceptions(), 1u);

    // Back to queueing; futures for async commands; async failures arrive as errors.
    agent.clear_listener();
    std::future<ccb::CommandOutcome> f = agent.command_future("retrieve", call);
    EXPECT_EQ(confirmed_by(f.get()), "engagementCenter.Active");
    std::future<ccb::CommandOutcome> bad = agent.command_future("retrieve", std::string("424242"));
    try {
        bad.get();
        ADD_FAILURE() << "expected a failure";
    } catch (const ccb::Error &e) {
        EXPECT_EQ(e.code(), CCB_ERR_COMMAND_FAILED);
        EXPECT_EQ(e.fail_code(), 11);
    }
    ccb::Error e = expect_error([&] { agent.command_async("hold", std::string(""), std::nullopt, {}); });
    EXPECT_EQ(e.field(), "interaction_id");
    e = expect_error([&] { agent.hold_async("", {}); });
    EXPECT_EQ(e.field(), "interaction_id");
    // The description's checks of an async command go to its callback (or future).
    std::future<ccb::CommandOutcome> refused = agent.not_ready_future("", "NotReady");
    e = expect_error([&] { refused.get(); });
    EXPECT_EQ(e.field(), "reasonId");

    // Moving the session keeps it working; the moved-from one is empty.
    ccb::AgentSession moved = std::move(agent);
    EXPECT_EQ(agent.get(), nullptr);
    EXPECT_EQ(moved.state(), CCB_AGENT_STATE_BUSY);
    EXPECT_EQ(confirmed_by(moved.terminate(call)), "engagementCenter.InteractionClear");
    dispose(moved, call);
}

TEST_F(AgentTest, AttachCancelAndClose) {
    ccb::Client c = client();
    const std::string user = "cpp-agent-attach";
    ccb::AgentSession desk = ccb::AgentSession::login(c, user, options());
    ccb::AgentSession second = ccb::AgentSession::attach(c, user, options());
    EXPECT_EQ(second.state(), CCB_AGENT_STATE_UNKNOWN);
    EXPECT_FALSE(second.in_sync());
    EXPECT_EQ(second.ehub_session_id(), desk.ehub_session_id());
    // A command from the attached session moves the one agent; both see it.
    EXPECT_EQ(confirmed_by(second.not_ready("7", "NotReady")), "engagementCenter.NotReady");
    EXPECT_TRUE(second.in_sync());
    EXPECT_TRUE(wait_state(desk, CCB_AGENT_STATE_NOT_READY));

    // NotReady requested while busy, then cancelled.
    desk.ready();
    const std::string call = sim().offer(user);
    pull_until(desk, CCB_AGENT_CHANGE_INTERACTION_OFFERED);
    desk.accept(call);
    desk.not_ready("9", "NotReady");
    EXPECT_EQ(desk.pending(), CCB_AGENT_PENDING_NOT_READY);
    const ccb::CommandOutcome cancelled = desk.cancel();
    EXPECT_FALSE(cancelled.event_type.has_value()) << "cancel is confirmed by its 202 only";
    EXPECT_EQ(desk.pending(), CCB_AGENT_PENDING_NONE);

    // The far end hangs up: an Error notice, then the wrap-up.
    sim().hang_up(user, call);
    EXPECT_TRUE(wait_state(desk, CCB_AGENT_STATE_WRAP)) << desk.snapshot_json();
    dispose(desk, call);

    // Declining an offer: reject is confirmed by its 202 only; the agent is idle again.
    ASSERT_TRUE(wait_state(desk, CCB_AGENT_STATE_IDLE)) << desk.snapshot_json();
    const std::string declined = sim().offer(user, "InboundChat");
    EXPECT_EQ(pull_until(desk, CCB_AGENT_CHANGE_INTERACTION_OFFERED).interaction_id().value_or(""),
              declined);
    const ccb::CommandOutcome rejected = desk.reject(declined, "agent busy");
    EXPECT_EQ(rejected.command, "engagementCenter.reject");
    EXPECT_FALSE(rejected.event.has_value());
    EXPECT_TRUE(wait_state(desk, CCB_AGENT_STATE_IDLE)) << desk.snapshot_json();

    // close() from another thread ends a blocked next_change with CCB_ERR_CLOSED.
    while (second.next_change(0ms)) {
    }
    std::thread closer([&] {
        std::this_thread::sleep_for(200ms);
        second.close();
    });
    ccb::Error e = expect_error([&] {
        while (true) {
            second.next_change(kWait);
        }
    });
    closer.join();
    EXPECT_EQ(e.code(), CCB_ERR_CLOSED);
    e = expect_error([&] { second.ready(); });
    EXPECT_EQ(e.code(), CCB_ERR_CLOSED);
    EXPECT_FALSE(second.stream_session_id().has_value());
    // Closing one session leaves the agent logged in for the other.
    EXPECT_TRUE(contains(sim().agent_json(user), "\"connected\":true"));
    EXPECT_EQ(confirmed_by(desk.logout()), "engagementCenter.Disconnected");
}

TEST_F(AgentTest, CancellingAPendingLogoutKeepsTheAgentLoggedIn) {
    ccb::Client c = client();
    const std::string user = "cpp-agent-cancel-logout";
    ccb::AgentSession agent = ccb::AgentSession::login(c, user, options());
    const std::string call = sim().offer(user);
    pull_until(agent, CCB_AGENT_CHANGE_INTERACTION_OFFERED);
    agent.accept(call);

    std::future<ccb::CommandOutcome> logout = pending_logout(agent);
    ASSERT_EQ(agent.pending(), CCB_AGENT_PENDING_DISCONNECT);
    const ccb::CommandOutcome cancelled = agent.cancel();
    EXPECT_EQ(cancelled.command, "engagementCenter.cancel");
    EXPECT_FALSE(cancelled.event_type.has_value()) << "cancel is confirmed by its 202 only";
    ccb::Error e = expect_error([&] { logout.get(); });
    EXPECT_EQ(e.code(), CCB_ERR_CLOSED);
    EXPECT_EQ(agent.pending(), CCB_AGENT_PENDING_NONE);
    EXPECT_EQ(agent.state(), CCB_AGENT_STATE_BUSY);
    EXPECT_TRUE(contains(sim().agent_json(user), "\"connected\":true"));
    EXPECT_TRUE(contains(sim().agent_json(user), "\"pending\":null")) << sim().agent_json(user);

    // Disposing of the call no longer logs the agent out.
    agent.terminate(call);
    dispose(agent, call);
    ASSERT_TRUE(wait_state(agent, CCB_AGENT_STATE_IDLE)) << agent.snapshot_json();
    EXPECT_TRUE(contains(sim().agent_json(user), "\"connected\":true"));
    e = expect_error([&] { agent.cancel(); });
    EXPECT_EQ(e.field(), "pending") << "nothing is pending any more";
    EXPECT_EQ(confirmed_by(agent.logout()), "engagementCenter.Disconnected");
}

TEST_F(AgentTest, AStreamRecreatedMidCallIsReAttachedAndReconciled) {
    ccb::Client c = client();
    const std::string user = "cpp-agent-gap-call";
    ccb::AgentSession agent = ccb::AgentSession::login(c, user, options());
    const std::string call = sim().offer(user, "InboundACD", std::string("{\"ani\":\"6035550177\"}"));
    pull_until(agent, CCB_AGENT_CHANGE_INTERACTION_OFFERED);
    agent.accept(call);

    const std::string old_sid = agent.stream_session_id().value_or("");
    ASSERT_FALSE(old_sid.empty());
    sim().expire_session(old_sid);
    ccb::AgentChange gap = pull_until(agent, CCB_AGENT_CHANGE_GAP);
    EXPECT_FALSE(gap.event().has_value());
    EXPECT_EQ(gap.old_state(), CCB_AGENT_STATE_BUSY);
    EXPECT_EQ(gap.new_state(), CCB_AGENT_STATE_BUSY);
    EXPECT_FALSE(agent.in_sync());
    const std::string new_sid = agent.stream_session_id().value_or("");
    EXPECT_NE(new_sid, old_sid);
    // The call is still there, as it was before the gap.
    const std::string snap = agent.snapshot_json();
    EXPECT_TRUE(contains(snap, "\"interactionId\":\"" + call + "\"")) << snap;
    EXPECT_TRUE(contains(snap, "\"state\":\"Active\"")) << snap;
    EXPECT_TRUE(contains(snap, "\"ani\":\"6035550177\"")) << snap;

    // Re-attached: the next events reach the new stream and reconcile the state.
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!contains(sim().agent_json(user), "\"" + new_sid + "\"") &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(confirmed_by(agent.hold(call)), "engagementCenter.Held");
    EXPECT_TRUE(agent.in_sync());
    EXPECT_TRUE(contains(agent.snapshot_json(), "\"state\":\"Held\""));
    EXPECT_EQ(confirmed_by(agent.retrieve(call)), "engagementCenter.Active");
    EXPECT_EQ(confirmed_by(agent.terminate(call)), "engagementCenter.InteractionClear");
    dispose(agent, call);
    EXPECT_TRUE(wait_state(agent, CCB_AGENT_STATE_IDLE)) << agent.snapshot_json();
}

} // namespace
