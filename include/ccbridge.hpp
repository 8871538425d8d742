// ccbridge.hpp - header-only C++17 RAII wrapper over the C API in ccbridge.h.
//
// - Every failing call throws ccb::Error (code, HTTP status, field, message).
// - ccb::Client and ccb::Stream own their handles (move-only); destruction frees them, and
//   destroying a Stream stops it first (see "Shutdown order" in ccbridge.h).
// - ccb::Simulator runs the simulator of the APIs in the process, for tests and offline
//   development; destroying it stops it.
// - Stream callbacks are std::function objects run on the stream's dispatcher thread. The
//   Event they receive is a view valid during the call; Event::clone() keeps a copy. An
//   exception escaping a callback is caught at the C boundary and counted
//   (Stream::callback_exceptions()); it never unwinds into the library.
//
// Ownership and threading follow ccbridge.h: a Client may be shared between threads; a
// Stream may be stopped from any thread, including from inside its own callback.
#ifndef CCBRIDGE_HPP
#define CCBRIDGE_HPP

#include "ccbridge.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace ccb {

/// An error reported by ccbridge.
class Error : public std::runtime_error {
public:
    Error(ccb_error_code_t code, std::uint16_t http_status, std::string field,
          const std::string &message)
        : std::runtime_error(message), code_(code), http_status_(http_status),
          field_(std::move(field)) {}

    /// Copies a C error (which stays owned by the caller).
    static Error from_c(const ccb_error_t *e) {
        const char *field = ccb_error_field(e);
        return Error(ccb_error_code(e), ccb_error_http_status(e), field ? field : "",
                     ccb_error_message(e));
    }

    /// The category (CCB_ERR_AUTH...).
    ccb_error_code_t code() const noexcept { return code_; }
    /// The category's name ("auth"...).
    const char *code_name() const noexcept { return ccb_error_code_name(code_); }
    /// The HTTP status behind the error, 0 when there was none.
    std::uint16_t http_status() const noexcept { return http_status_; }
    /// For CCB_ERR_INVALID_ARGUMENT, the argument at fault; empty otherwise.
    const std::string &field() const noexcept { return field_; }

private:
    ccb_error_code_t code_;
    std::uint16_t http_status_;
    std::string field_;
};

namespace detail {

/// Throws (and frees) a C error; does nothing on NULL.
inline void check(ccb_error_t *e) {
    if (e != nullptr) {
        Error err = Error::from_c(e);
        ccb_error_free(e);
        throw err;
    }
}

/// Takes ownership of a returned string.
inline std::string take(char *s) {
    std::string r = s != nullptr ? s : "";
    ccb_string_free(s);
    return r;
}

inline const char *or_null(const std::optional<std::string> &s) {
    return s ? s->c_str() : nullptr;
}

inline std::string str(const char *s) { return s != nullptr ? s : ""; }

struct ClientDeleter {
    void operator()(ccb_client_t *c) const noexcept { ccb_client_free(c); }
};
struct StreamDeleter {
    void operator()(ccb_stream_t *s) const noexcept { ccb_stream_free(s); }
};
struct EventDeleter {
    void operator()(ccb_event_t *e) const noexcept { ccb_event_free(e); }
};
struct SimulatorDeleter {
    void operator()(ccb_simulator_t *s) const noexcept { ccb_simulator_free(s); }
};

template <class Rep, class Period>
std::uint32_t to_u32_ms(std::chrono::duration<Rep, Period> d) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    if (ms < 0) {
        return 0;
    }
    if (static_cast<unsigned long long>(ms) > 0xFFFFFFFFull) {
        return 0xFFFFFFFFu;
    }
    return static_cast<std::uint32_t>(ms);
}

} // namespace detail

/// The library version.
inline std::string version() { return ccb_version(); }

/// Every operation Client::call() accepts, as the JSON array of ccb_operations_json()
/// (name, method, path, safeToRetry, deprecated, summary of each).
inline std::string operations_json() {
    char *out = nullptr;
    detail::check(ccb_operations_json(&out));
    return detail::take(out);
}

/// Settings of a Client. Empty optionals and zero durations mean the library's defaults.
struct ClientOptions {
    std::string org_id;
    std::string client_id;
    std::string client_secret;
    std::string api_key;
    std::optional<std::string> scopes;    ///< space-separated
    std::optional<std::string> base_url;  ///< default https://{org_id}.via.aspect-cloud.net
    std::optional<std::string> token_url; ///< default {base_url}/via/v2/oauth2/token
    std::chrono::milliseconds request_timeout{0};
    std::chrono::milliseconds connect_timeout{0};
    std::uint32_t max_attempts = 0;
    bool allow_insecure_http = false;
};

/// One event. Either a view lent to a callback (valid during the call) or an owned copy
/// (from Stream::next_event() or clone()). Move-only.
class Event {
public:
    /// A view of a C event; the caller keeps it alive.
    static Event borrow(const ccb_event_t *e) noexcept { return Event(e, nullptr); }
    /// Takes ownership of a C event.
    static Event adopt(ccb_event_t *e) noexcept { return Event(e, e); }
    /// An owned event from its v3 envelope as JSON (stored events, tests); see
    /// ccb_event_from_json().
    static Event from_json(const std::string &envelope_json) {
        ccb_event_t *e = nullptr;
        detail::check(ccb_event_from_json(envelope_json.c_str(), &e));
        return adopt(e);
    }

    Event(Event &&o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), owner_(std::move(o.owner_)) {}
    Event &operator=(Event &&o) noexcept {
        if (this != &o) {
            owner_ = std::move(o.owner_);
            ptr_ = std::exchange(o.ptr_, nullptr);
        }
        return *this;
    }
    Event(const Event &) = delete;
    Event &operator=(const Event &) = delete;

    /// An owned copy.
    Event clone() const {
        ccb_event_t *copy = nullptr;
        detail::check(ccb_event_clone(ptr_, &copy));
        return adopt(copy);
    }

    std::string type() const { return detail::str(ccb_event_type(ptr_)); }
    std::string id() const { return detail::str(ccb_event_id(ptr_)); }
    std::string correlation_id() const { return detail::str(ccb_event_correlation_id(ptr_)); }
    std::string kind() const { return detail::str(ccb_event_kind(ptr_)); }
    std::string published_time() const { return detail::str(ccb_event_published_time(ptr_)); }
    std::string schema_version() const { return detail::str(ccb_event_schema_version(ptr_)); }
    /// The decoded payload as compact JSON.
    std::string payload_json() const { return detail::str(ccb_event_payload_json(ptr_)); }
    /// The payload as the service sent it.
    std::string raw_payload() const { return detail::str(ccb_event_raw_payload(ptr_)); }
    /// The whole event as one JSON object.
    std::string json() const { return detail::str(ccb_event_json(ptr_)); }

    /// One payload value by JSON Pointer ("/payload/ehubSessionId"): strings as they are,
    /// other values as JSON, nullopt when nothing matches.
    std::optional<std::string> payload_get(const std::string &pointer) const {
        char *out = nullptr;
        detail::check(ccb_event_payload_get(ptr_, pointer.c_str(), &out));
        if (out == nullptr) {
            return std::nullopt;
        }
        return detail::take(out);
    }

    /// The payload decoded into its documented model as JSON (twins merged into text), or
    /// nullopt when the type is not documented or the payload is not an object. See
    /// ccb_event_typed_payload_json().
    std::optional<std::string> typed_payload_json() const {
        char *out = nullptr;
        detail::check(ccb_event_typed_payload_json(ptr_, &out));
        if (out == nullptr) {
            return std::nullopt;
        }
        return detail::take(out);
    }

    /// Whether this object owns its event (false for a callback's view).
    bool owned() const noexcept { return owner_ != nullptr; }
    const ccb_event_t *get() const noexcept { return ptr_; }

private:
    Event(const ccb_event_t *ptr, ccb_event_t *owner) noexcept : ptr_(ptr), owner_(owner) {}

    const ccb_event_t *ptr_;
    std::unique_ptr<ccb_event_t, detail::EventDeleter> owner_;
};

/// A stream status ("started", "retrying", "failed", "stopped"...); see ccb_status_cb.
struct Status {
    std::string name;
    std::string description;
    std::optional<Error> error;
};

/// Settings of a Stream; starts from the library's recommended values.
class StreamOptions {
public:
    StreamOptions() noexcept { ccb_stream_options_init(&raw_); }

    StreamOptions &inactivity_delay(std::chrono::seconds d) {
        raw_.inactivity_delay_s = detail::to_u32_ms(d) / 1000;
        return *this;
    }
    StreamOptions &require_acknowledgement(bool v) noexcept {
        raw_.require_acknowledgement = v;
        return *this;
    }
    StreamOptions &max_events(std::uint32_t n) noexcept {
        raw_.max_events = n;
        return *this;
    }
    StreamOptions &buffer_capacity(std::uint32_t n) noexcept {
        raw_.buffer_capacity = n;
        return *this;
    }
    StreamOptions &dedupe_window(std::uint32_t n) noexcept {
        raw_.dedupe_window = n;
        return *this;
    }
    StreamOptions &poll_timeout(std::chrono::milliseconds d) {
        raw_.poll_timeout_ms = detail::to_u32_ms(d);
        return *this;
    }
    StreamOptions &shutdown_deadline(std::chrono::milliseconds d) {
        raw_.shutdown_deadline_ms = detail::to_u32_ms(d);
        return *this;
    }

    const ccb_stream_options_t &raw() const noexcept { return raw_; }

private:
    ccb_stream_options_t raw_;
};

/// A client of one organization. Move-only; thread-safe.
class Client {
public:
    explicit Client(const ClientOptions &o) {
        ccb_client_options_t raw;
        ccb_client_options_init(&raw);
        raw.org_id = o.org_id.c_str();
        raw.client_id = o.client_id.c_str();
        raw.client_secret = o.client_secret.c_str();
        raw.api_key = o.api_key.c_str();
        raw.scopes = detail::or_null(o.scopes);
        raw.base_url = detail::or_null(o.base_url);
        raw.token_url = detail::or_null(o.token_url);
        raw.request_timeout_ms = detail::to_u32_ms(o.request_timeout);
        raw.connect_timeout_ms = detail::to_u32_ms(o.connect_timeout);
        raw.max_attempts = o.max_attempts;
        raw.allow_insecure_http = o.allow_insecure_http;
        ccb_client_t *c = nullptr;
        detail::check(ccb_client_new(&raw, &c));
        handle_.reset(c);
    }

    /// Any operation by name with JSON parameters; returns the JSON response ("null" for
    /// none). See ccb_client_call().
    std::string call(const std::string &operation, const std::string &params_json) const {
        char *out = nullptr;
        detail::check(ccb_client_call(get(), operation.c_str(), params_json.c_str(), &out));
        return detail::take(out);
    }

    /// A request to a Via API the description does not cover (ccb_client_raw); `path` is
    /// relative to /via/{version}/organizations/{orgId}/.
    std::string raw(const std::string &method, const std::string &path,
                    const std::optional<std::string> &params_json = std::nullopt,
                    const std::string &version = "v2") const {
        char *out = nullptr;
        detail::check(ccb_client_raw(get(), method.c_str(), version.c_str(), path.c_str(),
                                     detail::or_null(params_json), &out));
        return detail::take(out);
    }

    /// engagementCenter.connect; initial_state "Idle", "NotReady" or "Park".
    void connect(const std::string &session_id, const std::string &user_id,
                 const std::optional<std::string> &initial_state = std::nullopt,
                 const std::optional<std::string> &station = std::nullopt,
                 bool attach = false) const {
        detail::check(ccb_ec_connect(get(), session_id.c_str(), user_id.c_str(),
                                     detail::or_null(initial_state), detail::or_null(station),
                                     attach));
    }

    /// engagementCenter.ready.
    void ready(const std::string &session_id, const std::string &user_id,
               const std::string &ehub_session_id) const {
        detail::check(
            ccb_ec_ready(get(), session_id.c_str(), user_id.c_str(), ehub_session_id.c_str()));
    }

    /// engagementCenter.notReady; not_ready_type "NotReady" or "Park".
    void not_ready(const std::string &session_id, const std::string &user_id,
                   const std::string &ehub_session_id, const std::string &reason_id,
                   const std::string &not_ready_type) const {
        detail::check(ccb_ec_not_ready(get(), session_id.c_str(), user_id.c_str(),
                                       ehub_session_id.c_str(), reason_id.c_str(),
                                       not_ready_type.c_str()));
    }

    /// engagementCenter.disconnect.
    void disconnect(const std::string &session_id, const std::string &user_id,
                    const std::string &ehub_session_id, const std::string &reason_id) const {
        detail::check(ccb_ec_disconnect(get(), session_id.c_str(), user_id.c_str(),
                                        ehub_session_id.c_str(), reason_id.c_str()));
    }

    /// engagementCenter.keepAlive; a zero session_timeout leaves it unset.
    void keep_alive(const std::string &session_id, const std::string &user_id,
                    const std::string &ehub_session_id,
                    std::chrono::seconds session_timeout = std::chrono::seconds(0),
                    const std::optional<std::string> &request_timestamp = std::nullopt) const {
        detail::check(ccb_ec_keep_alive(get(), session_id.c_str(), user_id.c_str(),
                                        ehub_session_id.c_str(),
                                        detail::to_u32_ms(session_timeout) / 1000,
                                        detail::or_null(request_timestamp)));
    }

    ccb_client_t *get() const noexcept { return handle_.get(); }

private:
    std::unique_ptr<ccb_client_t, detail::ClientDeleter> handle_;
};

/// A running stream of events. Move-only. Destroying it stops it (waiting for a running
/// callback to return, unless destroyed from inside that callback).
class Stream {
public:
    using EventCallback = std::function<void(const Event &)>;
    using StatusCallback = std::function<void(const Status &)>;

    /// Callback mode: `on_event` (and `on_status`, if set) run on the dispatcher thread.
    static Stream start(const Client &client, EventCallback on_event,
                        StatusCallback on_status = {},
                        const StreamOptions &options = StreamOptions()) {
        if (!on_event) {
            throw Error(CCB_ERR_INVALID_ARGUMENT, 0, "on_event",
                        "invalid argument `on_event`: must not be empty");
        }
        Stream s;
        s.callbacks_.reset(new Callbacks{std::move(on_event), std::move(on_status), {0}});
        ccb_stream_t *h = nullptr;
        detail::check(ccb_stream_start(client.get(), &options.raw(), &Stream::event_trampoline,
                                       s.callbacks_->on_status ? &Stream::status_trampoline
                                                               : nullptr,
                                       s.callbacks_.get(), &h));
        s.handle_.reset(h);
        return s;
    }

    /// Pull mode: events come from next_event().
    static Stream start_pull(const Client &client, const StreamOptions &options = StreamOptions()) {
        Stream s;
        ccb_stream_t *h = nullptr;
        detail::check(ccb_stream_start_pull(client.get(), &options.raw(), &h));
        s.handle_.reset(h);
        return s;
    }

    Stream(Stream &&other) noexcept = default;
    Stream &operator=(Stream &&other) noexcept {
        if (this != &other) {
            // The old stream must stop before its callbacks go away.
            handle_.reset();
            callbacks_ = std::move(other.callbacks_);
            handle_ = std::move(other.handle_);
        }
        return *this;
    }
    Stream(const Stream &) = delete;
    Stream &operator=(const Stream &) = delete;
    ~Stream() { handle_.reset(); }

    /// Pull mode: the next event within `timeout`, or nullopt when it ran out. Throws
    /// ccb::Error with CCB_ERR_CLOSED once the stream is stopped and drained.
    std::optional<Event> next_event(std::chrono::milliseconds timeout) const {
        ccb_event_t *e = nullptr;
        detail::check(ccb_stream_next_event(get(), detail::to_u32_ms(timeout), &e));
        if (e == nullptr) {
            return std::nullopt;
        }
        return Event::adopt(e);
    }

    /// The current streaming session id (the session_id of the Client's commands).
    std::string session_id() const {
        char *out = nullptr;
        detail::check(ccb_stream_session_id(get(), &out));
        return detail::take(out);
    }

    /// Stops the stream; see ccb_stream_stop(). Safe from inside its own callback.
    void stop() const { detail::check(ccb_stream_stop(get())); }

    /// How many exceptions escaped the callbacks (and were discarded).
    unsigned callback_exceptions() const noexcept {
        return callbacks_ ? callbacks_->exceptions.load() : 0;
    }

    ccb_stream_t *get() const noexcept { return handle_.get(); }

private:
    struct Callbacks {
        EventCallback on_event;
        StatusCallback on_status;
        std::atomic<unsigned> exceptions;
    };

    Stream() = default;

    static void event_trampoline(void *user_data, const ccb_event_t *event) noexcept {
        auto *cb = static_cast<Callbacks *>(user_data);
        try {
            cb->on_event(Event::borrow(event));
        } catch (...) {
            cb->exceptions.fetch_add(1);
        }
    }

    static void status_trampoline(void *user_data, const char *status, const char *description,
                                  const ccb_error_t *error) noexcept {
        auto *cb = static_cast<Callbacks *>(user_data);
        try {
            Status s{detail::str(status), detail::str(description), std::nullopt};
            if (error != nullptr) {
                s.error = Error::from_c(error);
            }
            cb->on_status(s);
        } catch (...) {
            cb->exceptions.fetch_add(1);
        }
    }

    // Declared before handle_ so it is destroyed after it: callbacks outlive the stream.
    std::unique_ptr<Callbacks> callbacks_;
    std::unique_ptr<ccb_stream_t, detail::StreamDeleter> handle_;
};

/// Settings of a Simulator; starts from the simulator's defaults (any free port, the
/// documented 15 s long-poll wait, one-hour tokens, 100 requests per second).
class SimulatorOptions {
public:
    SimulatorOptions() noexcept { ccb_simulator_options_init(&raw_); }

    /// Port on 127.0.0.1; 0 picks a free one.
    SimulatorOptions &port(std::uint16_t p) noexcept {
        raw_.port = p;
        return *this;
    }
    /// How long `GET /events` waits when no event is queued.
    SimulatorOptions &poll_wait(std::chrono::milliseconds d) {
        raw_.poll_wait_ms = detail::to_u32_ms(d);
        return *this;
    }
    /// Lifetime of the access tokens it issues.
    SimulatorOptions &token_ttl(std::chrono::seconds d) {
        raw_.token_ttl_s = detail::to_u32_ms(d) / 1000;
        return *this;
    }
    /// Lifetime of the web tokens (public chat) it issues.
    SimulatorOptions &web_token_ttl(std::chrono::seconds d) {
        raw_.web_token_ttl_s = detail::to_u32_ms(d) / 1000;
        return *this;
    }
    /// Requests per second before it answers 429; 0 means unlimited.
    SimulatorOptions &rate_limit_per_second(std::uint32_t n) noexcept {
        raw_.rate_limit_per_second = n;
        return *this;
    }

    const ccb_simulator_options_t &raw() const noexcept { return raw_; }

private:
    ccb_simulator_options_t raw_;
};

/// The simulator of the APIs, running inside this process on 127.0.0.1 (see
/// ccb_simulator_start()); for tests and offline development. Move-only; destroying it
/// stops the server, so destroy the Streams using it first. Exists when the library was
/// built with its `simulator` feature (the default).
class Simulator {
public:
    explicit Simulator(const SimulatorOptions &options = SimulatorOptions()) {
        ccb_simulator_t *s = nullptr;
        detail::check(ccb_simulator_start(&options.raw(), &s));
        handle_.reset(s);
    }

    /// `http://127.0.0.1:PORT`.
    std::string url() const { return detail::str(ccb_simulator_url(get())); }
    std::string org_id() const { return detail::str(ccb_simulator_org_id(get())); }
    std::string client_id() const { return detail::str(ccb_simulator_client_id(get())); }
    std::string client_secret() const { return detail::str(ccb_simulator_client_secret(get())); }
    std::string api_key() const { return detail::str(ccb_simulator_api_key(get())); }

    /// Options of a Client of this simulator: its credentials and base URL.
    ClientOptions client_options() const {
        ClientOptions o;
        o.org_id = org_id();
        o.client_id = client_id();
        o.client_secret = client_secret();
        o.api_key = api_key();
        o.base_url = url();
        return o;
    }

    ccb_simulator_t *get() const noexcept { return handle_.get(); }

private:
    std::unique_ptr<ccb_simulator_t, detail::SimulatorDeleter> handle_;
};

} // namespace ccb

#endif // CCBRIDGE_HPP
