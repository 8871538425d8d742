// Tests of the C++ RAII wrapper (include/ccbridge.hpp) against the simulator.

#include "ccbridge.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

constexpr auto kWait = 20s;

/// Threads of this process named as the library's runtime names its workers.
int runtime_workers() {
    int n = 0;
    for (const auto &task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string name;
        std::getline(comm, name);
        n += name == "ccbridge-rt" ? 1 : 0;
    }
    return n;
}

// First in the file, so that it is the first use of the runtime in its process both as
// CTest runs it (each test in a process of its own) and in a run of the whole binary.
TEST(WorkerThreads, TheFirstSettingBeforeFirstUseApplies) {
    try {
        ccb::configure_worker_threads(0);
        ADD_FAILURE() << "0 workers accepted";
    } catch (const ccb::Error &e) {
        EXPECT_EQ(e.code(), CCB_ERR_INVALID_ARGUMENT);
        EXPECT_EQ(e.field(), "workers");
    }
    ASSERT_TRUE(ccb::configure_worker_threads(1));
    EXPECT_FALSE(ccb::configure_worker_threads(3));
    {
        // The runtime starts and serves a simulator and a client's round trip.
        ccb::Simulator sim(ccb::SimulatorOptions().poll_wait(100ms));
        ccb::Client client(sim.client_options());
        const std::string created = client.call("streaming.createSession", "{}");
        EXPECT_NE(created.find("sessionId"), std::string::npos) << created;
    }
    EXPECT_EQ(runtime_workers(), 1);
    EXPECT_FALSE(ccb::configure_worker_threads(2));
}

// The simulator embedded in the library (ccb::Simulator), one per test suite, with a short
// long-poll wait so tests are fast.
std::unique_ptr<ccb::Simulator> g_sim;

class CcbridgeTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        g_sim = std::make_unique<ccb::Simulator>(ccb::SimulatorOptions().poll_wait(200ms));
    }
    static void TearDownTestSuite() { g_sim.reset(); }

    static ccb::ClientOptions options() {
        if (!g_sim) {
            throw std::runtime_error("the simulator did not start");
        }
        ccb::ClientOptions o = g_sim->client_options();
        o.request_timeout = 10s;
        return o;
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

/// Collects what a callback stream delivers (owned copies) and lets the test wait for it.
struct Collector {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<ccb::Event> events;
    std::vector<std::string> statuses;
    size_t taken = 0;

    void on_event(const ccb::Event &e) {
        EXPECT_FALSE(e.owned());
        ccb::Event copy = e.clone();
        // The borrowed view decodes as its copy does; every simulated type is documented.
        const std::optional<std::string> typed = e.typed_payload_json();
        EXPECT_TRUE(typed.has_value()) << e.type();
        EXPECT_EQ(copy.typed_payload_json(), typed);
        std::lock_guard<std::mutex> lock(mu);
        events.push_back(std::move(copy));
        cv.notify_all();
    }

    void on_status(const ccb::Status &s) {
        std::lock_guard<std::mutex> lock(mu);
        statuses.push_back(s.name);
        cv.notify_all();
    }

    /// The next event not yet taken, or an empty string type on timeout.
    std::string next_type(std::string *ehub = nullptr) {
        std::unique_lock<std::mutex> lock(mu);
        if (!cv.wait_for(lock, kWait, [&] { return taken < events.size(); })) {
            return "";
        }
        const ccb::Event &e = events[taken++];
        if (ehub != nullptr) {
            *ehub = e.payload_get("/payload/ehubSessionId").value_or("");
        }
        return e.type();
    }

    bool wait_status(const std::string &name) {
        std::unique_lock<std::mutex> lock(mu);
        return cv.wait_for(lock, kWait, [&] {
            for (const auto &s : statuses) {
                if (s == name) {
                    return true;
                }
            }
            return false;
        });
    }
};

/// Drives the agent through the five commands; `next` returns the next event's type (and
/// the ehubSessionId when asked).
template <class Next>
void agent_flow(const ccb::Client &client, const ccb::Stream &stream, const std::string &user,
                Next next) {
    const std::string sid = stream.session_id();
    ASSERT_FALSE(sid.empty());
    std::string ehub;
    client.connect(sid, user, std::string("Idle"));
    EXPECT_EQ(next(nullptr), "engagementCenter.Connecting");
    EXPECT_EQ(next(&ehub), "engagementCenter.ConnectConfirm");
    ASSERT_FALSE(ehub.empty());
    EXPECT_EQ(next(nullptr), "engagementCenter.Connected");
    EXPECT_EQ(next(nullptr), "engagementCenter.Idle");
    client.not_ready(sid, user, ehub, "12", "Park");
    EXPECT_EQ(next(nullptr), "engagementCenter.Park");
    client.ready(sid, user, ehub);
    EXPECT_EQ(next(nullptr), "engagementCenter.Idle");
    client.keep_alive(sid, user, ehub, 90s, std::string("2024-05-01T10:00:00Z"));
    EXPECT_EQ(next(nullptr), "engagementCenter.ClientSessionKeepAlive");
    client.disconnect(sid, user, ehub, "0");
    EXPECT_EQ(next(nullptr), "engagementCenter.Disconnected");
}

TEST_F(CcbridgeTest, VersionIsSet) { EXPECT_FALSE(ccb::version().empty()); }

TEST(Simulator, StartsServesAndStops) {
    ccb::Simulator sim(ccb::SimulatorOptions().poll_wait(100ms).token_ttl(60s).rate_limit_per_second(0));
    EXPECT_EQ(sim.url().rfind("http://127.0.0.1:", 0), 0u) << sim.url();
    EXPECT_EQ(sim.org_id(), "simorg");
    EXPECT_EQ(sim.client_id(), "sim-client");
    EXPECT_EQ(sim.client_secret(), "sim-secret");
    EXPECT_EQ(sim.api_key(), "sim-api-key");
    const ccb::ClientOptions o = sim.client_options();
    EXPECT_EQ(o.base_url, sim.url());

    // A client of it works end to end; moving the simulator keeps it running.
    ccb::Simulator moved = std::move(sim);
    EXPECT_EQ(sim.get(), nullptr);
    ccb::Client client(moved.client_options());
    const std::string created = client.call("streaming.createSession", "{}");
    EXPECT_NE(created.find("sessionId"), std::string::npos) << created;

    // Its port is taken while it runs.
    const std::string url = moved.url();
    const auto port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
    ccb::Error e = expect_error([&] { ccb::Simulator(ccb::SimulatorOptions().port(port)); });
    EXPECT_EQ(e.code(), CCB_ERR_TRANSPORT);

    // Destroyed: the client's next request finds nobody listening.
    { ccb::Simulator gone = std::move(moved); }
    ccb::ClientOptions once = o;
    once.max_attempts = 1;
    ccb::Client orphan(once);
    e = expect_error([&] { orphan.call("streaming.createSession", "{}"); });
    EXPECT_EQ(e.code(), CCB_ERR_TRANSPORT);
}

TEST_F(CcbridgeTest, MaxResponseBytesBoundsEveryAnswer) {
    ccb::ClientOptions o = options();
    o.max_response_bytes = 32; // shorter than the token endpoint's answer
    ccb::Client small(o);
    ccb::Error e = expect_error([&] { small.call("streaming.createSession", "{}"); });
    EXPECT_EQ(e.code(), CCB_ERR_DECODE);
    EXPECT_NE(std::string(e.what()).find("max_response_bytes"), std::string::npos) << e.what();

    o.max_response_bytes = 64 * 1024;
    ccb::Client roomy(o);
    EXPECT_NE(roomy.call("streaming.createSession", "{}").find("sessionId"), std::string::npos);
}

TEST_F(CcbridgeTest, AgentFlowPull) {
    ccb::Client client(options());
    ccb::Stream stream = ccb::Stream::start_pull(client, ccb::StreamOptions().max_events(10));
    EXPECT_FALSE(stream.next_event(20ms).has_value());

    std::string first_correlation;
    agent_flow(client, stream, "cpp-pull-agent", [&](std::string *ehub) -> std::string {
        std::optional<ccb::Event> e = stream.next_event(kWait);
        if (!e) {
            return "";
        }
        EXPECT_TRUE(e->owned());
        EXPECT_EQ(e->kind(), "via#engagementCenterEvent");
        EXPECT_FALSE(e->id().empty());
        EXPECT_FALSE(e->published_time().empty());
        EXPECT_NE(e->json().find("\"eventId\":\"" + e->id() + "\""), std::string::npos);
        if (first_correlation.empty()) {
            first_correlation = e->correlation_id();
        }
        if (ehub != nullptr) {
            EXPECT_EQ(e->correlation_id(), first_correlation);
            EXPECT_EQ(e->payload_get("/userId").value_or(""), "cpp-pull-agent");
            EXPECT_FALSE(e->payload_get("/no/such/field").has_value());
            *ehub = e->payload_get("/payload/ehubSessionId").value_or("");
            // The typed form gives the id as text under its plain wire name.
            const std::string typed = e->typed_payload_json().value_or("");
            EXPECT_NE(typed.find("\"ehubSessionId\":\"" + *ehub + "\""), std::string::npos)
                << typed;
        }
        // An owned event can be moved around and keeps its content.
        ccb::Event moved = std::move(*e);
        return moved.type();
    });

    stream.stop();
    ccb::Error closed = expect_error([&] { stream.next_event(100ms); });
    EXPECT_EQ(closed.code(), CCB_ERR_CLOSED);
}

TEST_F(CcbridgeTest, AgentFlowCallback) {
    ccb::Client client(options());
    Collector c;
    ccb::Stream stream = ccb::Stream::start(
        client, [&](const ccb::Event &e) { c.on_event(e); },
        [&](const ccb::Status &s) { c.on_status(s); });
    agent_flow(client, stream, "cpp-callback-agent",
               [&](std::string *ehub) { return c.next_type(ehub); });
    stream.stop();
    std::lock_guard<std::mutex> lock(c.mu);
    EXPECT_EQ(c.events.size(), 8u);
    ASSERT_FALSE(c.statuses.empty());
    EXPECT_EQ(c.statuses.front(), "started");
    EXPECT_EQ(c.statuses.back(), "stopped");
    EXPECT_EQ(stream.callback_exceptions(), 0u);
}

TEST_F(CcbridgeTest, CallbackStopsItsOwnStream) {
    ccb::Client client(options());
    Collector c;
    std::mutex mu;
    ccb::Stream *self = nullptr;
    std::string stop_error = "not called";
    ccb::Stream stream = ccb::Stream::start(
        client,
        [&](const ccb::Event &e) {
            c.on_event(e);
            std::lock_guard<std::mutex> lock(mu);
            if (self != nullptr && stop_error == "not called") {
                try {
                    self->stop(); // returns at once from inside the callback
                    stop_error.clear();
                } catch (const ccb::Error &err) {
                    stop_error = err.what();
                }
            }
        },
        [&](const ccb::Status &s) { c.on_status(s); });
    {
        std::lock_guard<std::mutex> lock(mu);
        self = &stream;
    }
    client.connect(stream.session_id(), "cpp-self-stop");
    ASSERT_TRUE(c.wait_status("stopped"));
    {
        std::lock_guard<std::mutex> lock(mu);
        EXPECT_EQ(stop_error, "");
    }
    std::lock_guard<std::mutex> lock(c.mu);
    EXPECT_GE(c.events.size(), 1u);
    EXPECT_EQ(c.statuses.back(), "stopped");
}

TEST_F(CcbridgeTest, DestructorStopsTheStream) {
    ccb::Client client(options());
    Collector c;
    {
        ccb::Stream stream = ccb::Stream::start(
            client, [&](const ccb::Event &e) { c.on_event(e); },
            [&](const ccb::Status &s) { c.on_status(s); });
        client.connect(stream.session_id(), "cpp-raii-agent", std::string("NotReady"));
        EXPECT_EQ(c.next_type(), "engagementCenter.Connecting");
    }
    // The destructor waited for the end: "stopped" was delivered, nothing comes after.
    std::lock_guard<std::mutex> lock(c.mu);
    ASSERT_FALSE(c.statuses.empty());
    EXPECT_EQ(c.statuses.back(), "stopped");
}

TEST_F(CcbridgeTest, MovedHandlesKeepWorking) {
    ccb::Client first(options());
    ccb::Client client(std::move(first));
    EXPECT_EQ(first.get(), nullptr);
    ccb::Stream a = ccb::Stream::start_pull(client);
    ccb::Stream b = std::move(a);
    EXPECT_EQ(a.get(), nullptr);
    ccb::Stream c = ccb::Stream::start_pull(client);
    const std::string c_sid = c.session_id();
    c = std::move(b); // stops and frees the stream c held
    client.connect(c.session_id(), "cpp-moved-agent");
    auto e = c.next_event(kWait);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->type(), "engagementCenter.Connecting");
    // The replaced stream's session was deleted on the service.
    ccb::Error gone = expect_error([&] {
        client.call("streaming.getEvents", "{\"sessionId\":\"" + c_sid + "\"}");
    });
    EXPECT_EQ(gone.code(), CCB_ERR_SESSION_EXPIRED);
}

TEST_F(CcbridgeTest, ExceptionsInCallbacksAreContained) {
    ccb::Client client(options());
    Collector c;
    ccb::Stream stream = ccb::Stream::start(client, [&](const ccb::Event &e) {
        c.on_event(e);
        throw std::runtime_error("handler bug");
    });
    client.connect(stream.session_id(), "cpp-throwing-agent");
    // Every event still arrives although each callback threw.
    for (const char *t : {"engagementCenter.Connecting", "engagementCenter.ConnectConfirm",
                          "engagementCenter.Connected", "engagementCenter.Idle"}) {
        EXPECT_EQ(c.next_type(), t);
    }
    stream.stop();
    EXPECT_EQ(stream.callback_exceptions(), 4u);
}

TEST_F(CcbridgeTest, GenericCall) {
    ccb::Client client(options());
    ccb::Stream stream = ccb::Stream::start_pull(client);
    const std::string sid = stream.session_id();
    std::string r = client.call(
        "engagementCenter.connect",
        "{\"userId\":\"cpp-call-agent\",\"sessionId\":\"" + sid + "\",\"body\":{\"attach\":false}}");
    EXPECT_EQ(r, "null");
    auto e = stream.next_event(kWait);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->type(), "engagementCenter.Connecting");

    ccb::Error bad = expect_error([&] { client.call("engagementCenter.connect", "{oops"); });
    EXPECT_EQ(bad.code(), CCB_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(bad.field(), "params_json");

    // The Via APIs the description does not cover, through the same transport.
    const std::string polled = client.raw(
        "GET", "streaming/events", "{\"sessionId\":\"" + sid + "\",\"query\":{\"maxEvents\":\"1\"}}",
        "v3");
    EXPECT_NE(polled.find("\"events\""), std::string::npos);
    ccb::Error missing = expect_error([&] { client.raw("GET", "provisioning/users"); });
    EXPECT_EQ(missing.code(), CCB_ERR_NOT_FOUND);
    ccb::Error escape = expect_error([&] { client.raw("GET", "../oauth2/token"); });
    EXPECT_EQ(escape.field(), "path");
}

TEST_F(CcbridgeTest, ConfigurationErrors) {
    ccb::ClientOptions o = options();
    o.org_id = "";
    ccb::Error e = expect_error([&] { ccb::Client c(o); });
    EXPECT_EQ(e.code(), CCB_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(e.field(), "org_id");
    EXPECT_STREQ(e.code_name(), "invalid_argument");
    EXPECT_EQ(e.http_status(), 0);

    o = options();
    o.base_url = std::string("http://contact-center.example.com");
    e = expect_error([&] { ccb::Client c(o); });
    EXPECT_EQ(e.field(), "base_url");
    EXPECT_EQ(std::string(e.what()).find("sim-secret"), std::string::npos);

    o = options();
    o.base_url = std::string("::not a url::");
    e = expect_error([&] { ccb::Client c(o); });
    EXPECT_EQ(e.field(), "base_url");
}

TEST_F(CcbridgeTest, WrongSecretIsAuthError401WithoutTheSecret) {
    ccb::ClientOptions o = options();
    o.client_secret = "wrong-secret-cpp-5d1e";
    ccb::Client client(o);
    ccb::Error e = expect_error([&] { ccb::Stream::start_pull(client); });
    EXPECT_EQ(e.code(), CCB_ERR_AUTH);
    EXPECT_EQ(e.http_status(), 401);
    EXPECT_EQ(std::string(e.what()).find("wrong-secret-cpp-5d1e"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("sim-api-key"), std::string::npos);
}

TEST_F(CcbridgeTest, StreamOptionBounds) {
    ccb::Client client(options());
    struct Case {
        ccb::StreamOptions options;
        const char *field;
    };
    const Case cases[] = {
        {ccb::StreamOptions().inactivity_delay(30s), "inactivity_delay"},
        {ccb::StreamOptions().inactivity_delay(700s), "inactivity_delay"},
        {ccb::StreamOptions().max_events(0), "max_events"},
        {ccb::StreamOptions().max_events(500), "max_events"},
    };
    for (const Case &c : cases) {
        ccb::Error e = expect_error([&] { ccb::Stream::start_pull(client, c.options); });
        EXPECT_EQ(e.code(), CCB_ERR_INVALID_ARGUMENT);
        EXPECT_EQ(e.field(), c.field);
        e = expect_error([&] {
            ccb::Stream::start(client, [](const ccb::Event &) {}, {}, c.options);
        });
        EXPECT_EQ(e.field(), c.field);
    }
    ccb::Error e = expect_error([&] { ccb::Stream::start(client, nullptr); });
    EXPECT_EQ(e.field(), "on_event");
}

TEST_F(CcbridgeTest, WrongEnumStringsAndEmptyIds) {
    ccb::Client client(options());
    ccb::Stream stream = ccb::Stream::start_pull(client);
    const std::string sid = stream.session_id();
    ccb::Error e = expect_error([&] { client.connect(sid, "u", std::string("Busy")); });
    EXPECT_EQ(e.field(), "initialState");
    e = expect_error([&] { client.not_ready(sid, "u", "100", "12", "Ready"); });
    EXPECT_EQ(e.field(), "notReadyType");
    e = expect_error([&] { client.ready(sid, "", "100"); });
    EXPECT_EQ(e.field(), "userId");
    e = expect_error([&] { client.keep_alive(sid, "u", "100", 0s, std::string("noon")); });
    EXPECT_EQ(e.field(), "requestTimestamp");
    e = expect_error([&] { client.ready("no-such-session", "u", "100"); });
    EXPECT_EQ(e.code(), CCB_ERR_SESSION_EXPIRED);
    EXPECT_EQ(e.http_status(), 400);
}

} // namespace
