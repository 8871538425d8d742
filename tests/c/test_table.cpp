// Table-driven tests of the C API through the C++ wrapper, over the shared vectors
// (tests/vectors/api.json, written by `make codegen` from the same description as the code),
// exactly as core/tests/integration/table.rs and python/tests/test_table.py run them:
// - every operation's valid call, after its setup steps, succeeds against the simulator;
// - every invalid variant is refused with CCB_ERR_INVALID_ARGUMENT naming the wire field,
//   and the simulator's request counter does not move (nothing was sent);
// - every event type's documented example decodes into its typed payload.

#include "ccbridge.hpp"

#include "sim.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

json load_vectors() {
    std::ifstream in(CCB_VECTORS);
    if (!in) {
        throw std::runtime_error("cannot read the vectors " CCB_VECTORS
                                 " (written by `make codegen`)");
    }
    return json::parse(in);
}

// Parameters are generated when the tests are registered, before any fixture runs, so the
// file is read once at that point and kept.
const json &vectors() {
    static const json v = load_vectors();
    return v;
}

/// One row of the vectors; printed by its name so failures and test names stay short.
struct Row {
    std::string name;
    json value;
};

void PrintTo(const Row &r, std::ostream *os) { *os << r.name; }

std::vector<Row> rows(const char *table, const char *key, bool only_with_invalid = false) {
    std::vector<Row> out;
    for (const json &v : vectors().at(table)) {
        if (only_with_invalid && v.at("invalid").empty()) {
            continue;
        }
        out.push_back(Row{v.at(key).get<std::string>(), v});
    }
    return out;
}

/// GoogleTest names allow only letters, digits and '_'.
std::string test_name(const ::testing::TestParamInfo<Row> &info) {
    std::string s = info.param.name;
    std::replace_if(
        s.begin(), s.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
        '_');
    return s;
}

ccb_test_sim g_sim;

/// GET on the simulator's control API (`/sim/...`, no auth), over a plain socket so the
/// counter is read without going through the library under test.
json sim_get(const std::string &path) {
    const std::string url = g_sim.url;
    const std::string scheme = "http://";
    if (url.compare(0, scheme.size(), scheme) != 0) {
        throw std::runtime_error("unexpected simulator URL " + url);
    }
    const size_t slash = url.find('/', scheme.size());
    const std::string authority =
        url.substr(scheme.size(), slash == std::string::npos ? slash : slash - scheme.size());
    const size_t colon = authority.rfind(':');
    const std::string host = authority.substr(0, colon);
    const std::string port = authority.substr(colon + 1);

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *res = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
        throw std::runtime_error("cannot resolve " + authority);
    }
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        freeaddrinfo(res);
        if (fd >= 0) {
            close(fd);
        }
        throw std::runtime_error("cannot connect to " + authority);
    }
    freeaddrinfo(res);
    // HTTP/1.0: the server closes the connection after the body, so reading to EOF is the
    // whole answer, with no chunked encoding to undo.
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + authority + "\r\n\r\n";
    size_t sent = 0;
    while (sent < request.size()) {
        ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            close(fd);
            throw std::runtime_error("cannot send to the simulator");
        }
        sent += static_cast<size_t>(n);
    }
    std::string answer;
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) {
            close(fd);
            throw std::runtime_error("cannot read from the simulator");
        }
        if (n == 0) {
            break;
        }
        answer.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    const size_t body = answer.find("\r\n\r\n");
    if (answer.compare(0, 12, "HTTP/1.1 200") != 0 && answer.compare(0, 12, "HTTP/1.0 200") != 0) {
        throw std::runtime_error("GET " + path + ": " + answer.substr(0, answer.find('\r')));
    }
    if (body == std::string::npos) {
        throw std::runtime_error("GET " + path + ": no body");
    }
    return json::parse(answer.substr(body + 4));
}

std::uint64_t total_requests() {
    return sim_get("/sim/stats").at("totalRequests").get<std::uint64_t>();
}

using Saved = std::map<std::string, json>;

/// Replaces each "$NAME" string with what a setup step saved under NAME.
json substitute(const json &v, const Saved &saved) {
    if (v.is_string()) {
        const std::string &s = v.get_ref<const std::string &>();
        if (!s.empty() && s[0] == '$') {
            auto it = saved.find(s.substr(1));
            if (it == saved.end()) {
                throw std::runtime_error("nothing saved as " + s);
            }
            return it->second;
        }
        return v;
    }
    if (v.is_array() || v.is_object()) {
        json out = v;
        for (auto it = out.begin(); it != out.end(); ++it) {
            *it = substitute(*it, saved);
        }
        return out;
    }
    return v;
}

/// The value at a dotted path (`payload.ehubSessionId`).
json at(const json &v, const std::string &path) {
    const json *cur = &v;
    size_t start = 0;
    for (;;) {
        const size_t dot = path.find('.', start);
        const size_t len = dot == std::string::npos ? std::string::npos : dot - start;
        cur = &cur->at(path.substr(start, len));
        if (dot == std::string::npos) {
            return *cur;
        }
        start = dot + 1;
    }
}

/// Polls the session until an event of `type` arrives; returns its decoded payload.
json await_event(const ccb::Client &client, const json &session, const std::string &type) {
    const json params = {{"sessionId", session}, {"query", {{"maxEvents", 200}}}};
    for (int i = 0; i < 50; i++) {
        const json batch = json::parse(client.call("streaming.getEvents", params.dump()));
        for (const json &e : batch.at("events")) {
            if (e.at("eventType") == type) {
                return json::parse(e.at("payload").get<std::string>());
            }
        }
    }
    throw std::runtime_error("no " + type + " event");
}

/// Runs the setup steps of a case; returns what they saved, and a fresh agent as USER.
Saved run_setup(const ccb::Client &client, const json &row) {
    static std::atomic<unsigned> cases{0};
    Saved saved;
    saved["USER"] = "cpp-agent-" + std::to_string(getpid()) + "-" + std::to_string(cases++);
    for (const json &step : row.at("setup")) {
        if (step.contains("await")) {
            const json payload = await_event(client, saved.at("SESSION"),
                                             step.at("await").at("eventType").get<std::string>());
            for (const auto &kv : step.at("save").items()) {
                saved[kv.key()] = at(payload, kv.value().get<std::string>());
            }
            continue;
        }
        const std::string op = step.at("op").get<std::string>();
        json out;
        try {
            out = json::parse(client.call(op, substitute(step.at("params"), saved).dump()));
        } catch (const ccb::Error &e) {
            throw std::runtime_error("setup " + op + ": " + e.what());
        }
        for (const auto &kv : step.at("save").items()) {
            const std::string field = kv.value().get<std::string>();
            if (!out.is_object() || !out.contains(field) || out.at(field).is_null()) {
                throw std::runtime_error("setup " + op + " answered no " + field + ": " +
                                         out.dump());
            }
            saved[kv.key()] = out.at(field);
        }
    }
    return saved;
}

ccb::ClientOptions sim_options() {
    ccb::ClientOptions o;
    o.org_id = "simorg";
    o.client_id = "sim-client";
    o.client_secret = "sim-secret";
    o.api_key = "sim-api-key";
    o.base_url = std::string(g_sim.url);
    o.request_timeout = 10s;
    return o;
}

class OperationTable : public ::testing::TestWithParam<Row> {
protected:
    // One client for the whole table, as the other runners use: it paces itself on the
    // service's rate-limit headers, which a client per case would each see afresh.
    static void SetUpTestSuite() {
        ASSERT_EQ(ccb_test_sim_start(&g_sim), 0);
        client_ = std::make_unique<ccb::Client>(sim_options());
    }
    static void TearDownTestSuite() {
        client_.reset();
        ccb_test_sim_stop(&g_sim);
    }

    static const ccb::Client &client() {
        if (!client_) {
            throw std::runtime_error("no client: the simulator did not start");
        }
        return *client_;
    }

private:
    static std::unique_ptr<ccb::Client> client_;
};

std::unique_ptr<ccb::Client> OperationTable::client_;

class InvalidVariants : public OperationTable {};

TEST_P(OperationTable, ValidCallSucceeds) {
    const json &row = GetParam().value;
    const std::string op = GetParam().name;
    const ccb::Client &client = OperationTable::client();
    const Saved saved = run_setup(client, row);
    const json params = substitute(row.at("valid"), saved);
    const json stats = sim_get("/sim/stats");
    const std::uint64_t before = stats.at("operations").value(op, std::uint64_t{0});
    std::string result;
    try {
        result = client.call(op, params.dump());
    } catch (const ccb::Error &e) {
        FAIL() << op << " " << params.dump() << ": [" << e.code_name() << "] " << e.what();
    }
    // It reached the service as that very operation, once, and the counter the invalid
    // variants rely on saw it.
    const json after = sim_get("/sim/stats");
    EXPECT_EQ(after.at("operations").value(op, std::uint64_t{0}), before + 1);
    EXPECT_GT(after.at("totalRequests").get<std::uint64_t>(),
              stats.at("totalRequests").get<std::uint64_t>());
    const json answer = json::parse(result);
    // The documented status says whether there is a body: 200 has one, 202 and 204 none.
    if (row.at("status") == 200) {
        EXPECT_TRUE(answer.is_object() || answer.is_array()) << op << ": " << result;
    } else {
        EXPECT_TRUE(answer.is_null()) << op << ": " << result;
    }
}

TEST_P(InvalidVariants, AreRefusedBeforeSending) {
    const json &row = GetParam().value;
    const std::string op = GetParam().name;
    const ccb::Client &client = OperationTable::client();
    // Placeholders only need a plausible value: nothing may reach the service.
    const Saved placeholders = {
        {"SESSION", "s"}, {"SUBSCRIPTION", "s"}, {"EHUB", "1"}, {"USER", "u"}};
    for (const json &bad : row.at("invalid")) {
        const std::string field = bad.at("field").get<std::string>();
        const std::string why = bad.at("why").get<std::string>();
        const json params = substitute(bad.at("params"), placeholders);
        const std::string what = op + ": " + why + " " + field;
        const std::uint64_t before = total_requests();
        try {
            client.call(op, params.dump());
            ADD_FAILURE() << what << " was accepted: " << params.dump();
        } catch (const ccb::Error &e) {
            EXPECT_EQ(e.code(), CCB_ERR_INVALID_ARGUMENT) << what << ": " << e.what();
            EXPECT_EQ(e.field(), field) << what << ": " << e.what();
        }
        EXPECT_EQ(total_requests(), before) << what << ": something was sent";
    }
}

INSTANTIATE_TEST_SUITE_P(Vectors, OperationTable, ::testing::ValuesIn(rows("operations", "op")),
                         test_name);
INSTANTIATE_TEST_SUITE_P(Vectors, InvalidVariants,
                         ::testing::ValuesIn(rows("operations", "op", true)), test_name);

/// Walks an example and its typed form together: each twin pair of the example
/// (`X` and `XRev`) is one text value `X` in the typed form, and no `XRev` is left.
void expect_twins_merged(const json &example, const json &typed, const std::string &where) {
    if (example.is_object() && typed.is_object()) {
        for (const auto &kv : example.items()) {
            const std::string &key = kv.key();
            const std::string rev = key + "Rev";
            EXPECT_FALSE(typed.contains(rev))
                << where << ": " << rev << " left in " << typed.dump();
            if (example.contains(rev) && typed.contains(key)) {
                const json &text = typed.at(key);
                ASSERT_TRUE(text.is_string()) << where << "." << key << ": " << text.dump();
                const json &r = example.at(rev);
                const std::string expected = r.is_string() ? r.get<std::string>() : r.dump();
                EXPECT_EQ(text.get<std::string>(), expected) << where << "." << key;
            }
            if (typed.contains(key)) {
                expect_twins_merged(kv.value(), typed.at(key), where + "." + key);
            }
        }
    } else if (example.is_array() && typed.is_array() && example.size() == typed.size()) {
        for (size_t i = 0; i < example.size(); i++) {
            expect_twins_merged(example[i], typed[i], where + "[" + std::to_string(i) + "]");
        }
    }
}

class EventTable : public ::testing::TestWithParam<Row> {};

TEST_P(EventTable, DecodesFromItsExample) {
    const json &row = GetParam().value;
    const std::string type = GetParam().name;
    const json &example = row.at("payload");
    // As the service sends it: the payload is a JSON document inside a string.
    const json envelope = {{"eventId", "1"}, {"eventType", type}, {"payload", example.dump()}};
    ccb::Event event = ccb::Event::from_json(envelope.dump());
    EXPECT_TRUE(event.owned());
    EXPECT_EQ(event.type(), type);
    EXPECT_EQ(json::parse(event.payload_json()), example);
    EXPECT_EQ(json::parse(event.raw_payload()), example);

    const std::optional<std::string> typed = event.typed_payload_json();
    ASSERT_TRUE(typed.has_value()) << type << " did not decode: " << example.dump();
    const json t = json::parse(*typed);
    ASSERT_TRUE(t.is_object()) << *typed;
    EXPECT_FALSE(t.empty()) << type;
    // Nothing invented: every field of the typed form is a wire name of the example.
    for (const auto &kv : t.items()) {
        EXPECT_TRUE(example.contains(kv.key())) << type << ": " << kv.key();
    }
    expect_twins_merged(example, t, type);

    // A copy and a replay of ccb_event_json() decode the same.
    EXPECT_EQ(event.clone().typed_payload_json(), typed);
    EXPECT_EQ(ccb::Event::from_json(event.json()).typed_payload_json(), typed);
}

INSTANTIATE_TEST_SUITE_P(Vectors, EventTable, ::testing::ValuesIn(rows("events", "type")),
                         test_name);

TEST(Table, VectorsCoverEveryOperation) {
    const json listed = json::parse(ccb::operations_json());
    ASSERT_TRUE(listed.is_array());
    std::vector<std::string> names;
    const std::set<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    for (const json &op : listed) {
        names.push_back(op.at("name").get<std::string>());
        EXPECT_EQ(methods.count(op.at("method").get<std::string>()), 1u) << op.dump();
        const std::string path = op.at("path").get<std::string>();
        EXPECT_EQ(path.rfind("/via/v", 0), 0u) << path;
        EXPECT_NE(path.find("/organizations/{orgId}/"), std::string::npos) << path;
        EXPECT_TRUE(op.at("safeToRetry").is_boolean()) << op.dump();
        EXPECT_TRUE(op.at("deprecated").is_boolean()) << op.dump();
        EXPECT_FALSE(op.at("summary").get<std::string>().empty()) << op.dump();
        EXPECT_EQ(op.size(), 6u) << op.dump();
    }
    std::vector<std::string> in_vectors;
    for (const Row &r : rows("operations", "op")) {
        in_vectors.push_back(r.name);
    }
    std::sort(names.begin(), names.end());
    std::sort(in_vectors.begin(), in_vectors.end());
    EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << "a name twice";
    EXPECT_EQ(names, in_vectors);
    EXPECT_EQ(names.size(), 72u);

    size_t variants = 0;
    for (const Row &r : rows("operations", "op")) {
        variants += r.value.at("invalid").size();
    }
    EXPECT_GT(variants, 100u);

    std::set<std::string> types;
    for (const Row &r : rows("events", "type")) {
        EXPECT_TRUE(types.insert(r.name).second) << r.name << " twice";
    }
    EXPECT_EQ(types.size(), 67u);
}

TEST(Table, UnknownAndUndecodablePayloadsStayRaw) {
    ccb::Event unknown = ccb::Event::from_json(
        R"({"eventId":"1","eventType":"engagementCenter.SomethingNew","payload":"{\"a\":1}"})");
    EXPECT_FALSE(unknown.typed_payload_json().has_value());
    EXPECT_EQ(unknown.payload_get("/a").value_or(""), "1");

    ccb::Event odd = ccb::Event::from_json(
        R"({"eventId":"2","eventType":"engagementCenter.Held","payload":"not json"})");
    EXPECT_FALSE(odd.typed_payload_json().has_value());
    EXPECT_EQ(odd.raw_payload(), "not json");

    try {
        ccb::Event::from_json(R"({"eventType":"engagementCenter.Held"})");
        ADD_FAILURE() << "an event without eventId was accepted";
    } catch (const ccb::Error &e) {
        EXPECT_EQ(e.code(), CCB_ERR_INVALID_ARGUMENT);
        EXPECT_EQ(e.field(), "envelope_json");
    }
}

} // namespace
