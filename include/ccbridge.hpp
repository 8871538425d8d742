// ccbridge.hpp - header-only C++17 RAII wrapper over the C API in ccbridge.h.
//
// - Every failing call throws ccb::Error (code, HTTP status, field, message; for a failed
//   agent command the service's fail code and fail reason).
// - ccb::Client and ccb::Stream own their handles (move-only); destruction frees them, and
//   destroying a Stream stops it first (see "Shutdown order" in ccbridge.h).
// - ccb::AgentSession is one agent's login: live state, changes (a listener or
//   next_change()), and commands that return once the service confirmed them (a
//   CommandOutcome) or throw. Destroying it closes it without logging the agent out.
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
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ccb {

/// An error reported by ccbridge.
class Error : public std::runtime_error {
public:
    Error(ccb_error_code_t code, std::uint16_t http_status, std::string field,
          const std::string &message, std::int64_t fail_code = 0, std::string fail_reason = {})
        : std::runtime_error(message), code_(code), http_status_(http_status),
          field_(std::move(field)), fail_code_(fail_code), fail_reason_(std::move(fail_reason)) {}

    /// Copies a C error (which stays owned by the caller).
    static Error from_c(const ccb_error_t *e) {
        const char *field = ccb_error_field(e);
        const char *reason = ccb_error_fail_reason(e);
        return Error(ccb_error_code(e), ccb_error_http_status(e), field ? field : "",
                     ccb_error_message(e), ccb_error_fail_code(e), reason ? reason : "");
    }

    /// The category (CCB_ERR_AUTH...).
    ccb_error_code_t code() const noexcept { return code_; }
    /// The category's name ("auth"...).
    const char *code_name() const noexcept { return ccb_error_code_name(code_); }
    /// The HTTP status behind the error, 0 when there was none.
    std::uint16_t http_status() const noexcept { return http_status_; }
    /// For CCB_ERR_INVALID_ARGUMENT, the argument at fault; empty otherwise.
    const std::string &field() const noexcept { return field_; }
    /// For CCB_ERR_COMMAND_FAILED, the service's failCode (31 "Hold failure"...); 0
    /// otherwise or when the service gave none.
    std::int64_t fail_code() const noexcept { return fail_code_; }
    /// For CCB_ERR_COMMAND_FAILED, the service's failReason; empty otherwise.
    const std::string &fail_reason() const noexcept { return fail_reason_; }

private:
    ccb_error_code_t code_;
    std::uint16_t http_status_;
    std::string field_;
    std::int64_t fail_code_;
    std::string fail_reason_;
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

/// A pointer to an optional value for a C `const T *` argument (NULL: absent); valid as long
/// as `v`.
template <class T> const T *opt_ptr(const std::optional<T> &v) noexcept {
    return v ? &*v : nullptr;
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
struct AgentDeleter {
    void operator()(ccb_agent_t *a) const noexcept { ccb_agent_free(a); }
};
struct AgentChangeDeleter {
    void operator()(ccb_agent_change_t *c) const noexcept { ccb_agent_change_free(c); }
};

/// Takes ownership of a returned string that may be NULL ("none").
inline std::optional<std::string> take_opt(char *s) {
    if (s == nullptr) {
        return std::nullopt;
    }
    return take(s);
}

inline std::optional<std::string> opt_str(const char *s) {
    if (s == nullptr) {
        return std::nullopt;
    }
    return std::string(s);
}

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

/// Sets the number of worker threads of the library's runtime (default 2); see
/// ccb_configure_worker_threads(). Returns whether this setting takes effect (false once the
/// runtime runs or an earlier setting stands); throws Error (InvalidArgument) outside 1..256.
inline bool configure_worker_threads(std::uint32_t workers) {
    bool applied = false;
    detail::check(ccb_configure_worker_threads(workers, &applied));
    return applied;
}

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
    /// Largest response body read, in bytes; 0: 16 MiB. A successful answer over it throws
    /// with CCB_ERR_DECODE (see ccb_client_options_t::max_response_bytes).
    std::uint64_t max_response_bytes = 0;
    /// Which HTTP versions the client speaks (see ccb_client_options_t::http2).
    ccb_http2_t http2 = CCB_HTTP2_NEGOTIATE;
    /// Whether a stream's acknowledgement and the poll behind it may share one HTTP/1.1
    /// write (see ccb_client_options_t::http1_pipelining).
    ccb_http1_pipelining_t http1_pipelining = CCB_HTTP1_PIPELINING_ON;
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
        raw.max_response_bytes = o.max_response_bytes;
        raw.http2 = o.http2;
        raw.http1_pipelining = o.http1_pipelining;
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

/// The name of an agent state ("Idle", "NotReady"...).
inline const char *to_string(ccb_agent_state_t state) noexcept {
    return ccb_agent_state_name(static_cast<std::int32_t>(state));
}

/// The name of a change kind ("InteractionOffered", "LoggedOut"...).
inline const char *to_string(ccb_agent_change_kind_t kind) noexcept {
    return ccb_agent_change_kind_name(static_cast<std::int32_t>(kind));
}

/// One change of an agent's state, with the event that caused it. Either a view lent to a
/// listener (valid during the call) or an owned change (from AgentSession::next_change() or
/// clone()). Move-only.
class AgentChange {
public:
    /// A view of a C change; the caller keeps it alive.
    static AgentChange borrow(const ccb_agent_change_t *c) noexcept { return AgentChange(c, nullptr); }
    /// Takes ownership of a C change.
    static AgentChange adopt(ccb_agent_change_t *c) noexcept { return AgentChange(c, c); }

    AgentChange(AgentChange &&o) noexcept
        : ptr_(std::exchange(o.ptr_, nullptr)), owner_(std::move(o.owner_)) {}
    AgentChange &operator=(AgentChange &&o) noexcept {
        if (this != &o) {
            owner_ = std::move(o.owner_);
            ptr_ = std::exchange(o.ptr_, nullptr);
        }
        return *this;
    }
    AgentChange(const AgentChange &) = delete;
    AgentChange &operator=(const AgentChange &) = delete;

    /// An owned copy (with its event).
    AgentChange clone() const {
        ccb_agent_change_t *copy = nullptr;
        detail::check(ccb_agent_change_clone(ptr_, &copy));
        return adopt(copy);
    }

    /// What changed.
    ccb_agent_change_kind_t kind() const noexcept { return ccb_agent_change_kind(ptr_); }
    /// The agent's state before and after.
    ccb_agent_state_t old_state() const noexcept { return ccb_agent_change_old_state(ptr_); }
    ccb_agent_state_t new_state() const noexcept { return ccb_agent_change_new_state(ptr_); }
    /// The interaction concerned, if any.
    std::optional<std::string> interaction_id() const {
        return detail::opt_str(ccb_agent_change_interaction_id(ptr_));
    }
    /// A sentence for the log (an Error's failReason...), if any.
    std::optional<std::string> message() const {
        return detail::opt_str(ccb_agent_change_message(ptr_));
    }
    /// The event that caused the change: a view valid as long as this change (clone() it
    /// to keep it); nullopt for a Gap.
    std::optional<Event> event() const {
        const ccb_event_t *e = ccb_agent_change_event(ptr_);
        if (e == nullptr) {
            return std::nullopt;
        }
        return Event::borrow(e);
    }

    /// Whether this object owns its change (false for a listener's view).
    bool owned() const noexcept { return owner_ != nullptr; }
    const ccb_agent_change_t *get() const noexcept { return ptr_; }

private:
    AgentChange(const ccb_agent_change_t *ptr, ccb_agent_change_t *owner) noexcept
        : ptr_(ptr), owner_(owner) {}

    const ccb_agent_change_t *ptr_;
    std::unique_ptr<ccb_agent_change_t, detail::AgentChangeDeleter> owner_;
};

/// What an agent command ended with. Move-only (it owns its event).
struct CommandOutcome {
    /// The operation ("engagementCenter.hold").
    std::string command;
    /// The correlation id the service gave the command, if it gave one.
    std::optional<std::string> correlation_id;
    /// The type of the confirming event ("engagementCenter.Held"); nullopt for a command
    /// confirmed by its 202 only (reject, cancel...).
    std::optional<std::string> event_type;
    /// The confirming event (owned), nullopt as above.
    std::optional<Event> event;
    /// The whole outcome as JSON (ccb_agent_outcome_json()).
    std::string json;

    /// Copies a C outcome (which stays owned by the caller).
    static CommandOutcome from_c(const ccb_agent_outcome_t *o) {
        CommandOutcome r;
        r.command = detail::str(ccb_agent_outcome_command(o));
        r.correlation_id = detail::opt_str(ccb_agent_outcome_correlation_id(o));
        r.event_type = detail::opt_str(ccb_agent_outcome_event_type(o));
        if (const ccb_event_t *e = ccb_agent_outcome_event(o)) {
            r.event = Event::borrow(e).clone();
        }
        r.json = detail::str(ccb_agent_outcome_json(o));
        return r;
    }

    /// A copy (with a copy of the event).
    CommandOutcome clone() const {
        CommandOutcome r;
        r.command = command;
        r.correlation_id = correlation_id;
        r.event_type = event_type;
        if (event) {
            r.event = event->clone();
        }
        r.json = json;
        return r;
    }
};

/// Settings of an AgentSession; starts from the library's defaults (see
/// ccb_agent_options_init()).
class AgentOptions {
public:
    AgentOptions() noexcept { ccb_agent_options_init(&raw_); }

    /// "Idle", "NotReady" or "Park" (login only).
    AgentOptions &initial_state(std::string s) {
        initial_state_ = std::move(s);
        return *this;
    }
    /// The phone number the system calls for the agent's audio.
    AgentOptions &station(std::string s) {
        station_ = std::move(s);
        return *this;
    }
    AgentOptions &routeaccess_id(std::string s) {
        routeaccess_id_ = std::move(s);
        return *this;
    }
    AgentOptions &email_address(std::string s) {
        email_address_ = std::move(s);
        return *this;
    }
    /// Sends keepAlive at this interval from the login on (zero: never, the default).
    AgentOptions &keep_alive(std::chrono::milliseconds d) {
        raw_.keep_alive_ms = detail::to_u32_ms(d);
        return *this;
    }
    /// sessionTimeout of the automatic keepAlives (zero: the service's default).
    AgentOptions &session_timeout(std::chrono::seconds d) {
        raw_.session_timeout_s = detail::to_u32_ms(d) / 1000;
        return *this;
    }
    /// How long a command waits for its confirming event (default 10 s).
    AgentOptions &command_timeout(std::chrono::milliseconds d) {
        raw_.command_timeout_ms = detail::to_u32_ms(d);
        return *this;
    }
    /// How long login/attach wait for the service's confirmation (default 30 s).
    AgentOptions &login_timeout(std::chrono::milliseconds d) {
        raw_.login_timeout_ms = detail::to_u32_ms(d);
        return *this;
    }
    /// How often an attachment is renewed (default 25 minutes).
    AgentOptions &attach_renewal(std::chrono::milliseconds d) {
        raw_.attach_renewal_ms = detail::to_u32_ms(d);
        return *this;
    }
    /// Changes kept for next_change() while nobody reads them (default 10000).
    AgentOptions &change_capacity(std::uint32_t n) noexcept {
        raw_.change_capacity = n;
        return *this;
    }
    /// The event stream the session opens (default: StreamOptions()).
    AgentOptions &stream(const StreamOptions &s) {
        stream_ = s;
        return *this;
    }

    /// The C struct; its pointers point into this object.
    ccb_agent_options_t raw() const noexcept {
        ccb_agent_options_t r = raw_;
        r.initial_state = detail::or_null(initial_state_);
        r.station = detail::or_null(station_);
        r.routeaccess_id = detail::or_null(routeaccess_id_);
        r.email_address = detail::or_null(email_address_);
        r.stream = stream_ ? &stream_->raw() : nullptr;
        return r;
    }

private:
    ccb_agent_options_t raw_;
    std::optional<std::string> initial_state_;
    std::optional<std::string> station_;
    std::optional<std::string> routeaccess_id_;
    std::optional<std::string> email_address_;
    std::optional<StreamOptions> stream_;
};

/// Receives the end of an async agent command: exactly one of the two is non-null, both valid
/// during the call.
using CommandDone = std::function<void(const CommandOutcome *outcome, const Error *error)>;

} // namespace ccb

// The typed commands of AgentSession (ccb::detail::AgentCommands), generated from the API
// description.
#include "ccbridge_agent_commands.hpp"

namespace ccb {

/// One agent's session: its login, its live state, its commands. Move-only.
///
/// Each command fills in the agent's ids, is sent, and returns once the event that confirms
/// it arrived (a CommandOutcome); it throws ccb::Error with CCB_ERR_COMMAND_FAILED (and
/// fail_code()/fail_reason()) when the service reports it failed, CCB_ERR_TIMEOUT when no
/// outcome arrived in time (the outcome is unknown). Every Engagement Center command has a
/// typed method (accept(), consult(), dispose()...: ccbridge_agent_commands.hpp, generated),
/// with an `_async` form taking a CommandDone and a `_future` form; command() reaches any of
/// them by name.
///
/// The listener runs on the session's stream thread: it must not wait there for a command
/// of the same session (that fails at once with CCB_ERR_INVALID_ARGUMENT): use
/// command_async()/command_future() or another thread. An exception escaping the listener
/// or an async callback is caught and counted (callback_exceptions()).
///
/// Destroying the session closes it (stream, keep-alives) without logging the agent out
/// (logout() does), after a running listener call returned; do not destroy it from inside
/// its own listener (close() is fine there).
class AgentSession : public detail::AgentCommands<AgentSession> {
public:
    using Listener = std::function<void(const AgentChange &)>;
    /// Receives the end of an async command: exactly one of the two is non-null.
    using Done = CommandDone;

    /// Logs the agent in; see ccb_agent_login().
    static AgentSession login(const Client &client, const std::string &user_id,
                              const AgentOptions &options = AgentOptions()) {
        return open(client, user_id, options, false);
    }
    /// Attaches to the agent's existing login; see ccb_agent_attach().
    static AgentSession attach(const Client &client, const std::string &user_id,
                               const AgentOptions &options = AgentOptions()) {
        return open(client, user_id, options, true);
    }

    AgentSession(AgentSession &&other) noexcept = default;
    AgentSession &operator=(AgentSession &&other) noexcept {
        if (this != &other) {
            // The old session must stop before its listener goes away.
            handle_.reset();
            shared_ = std::move(other.shared_);
            handle_ = std::move(other.handle_);
        }
        return *this;
    }
    AgentSession(const AgentSession &) = delete;
    AgentSession &operator=(const AgentSession &) = delete;
    ~AgentSession() { handle_.reset(); }

    std::string user_id() const { return detail::str(ccb_agent_user_id(get())); }
    ccb_agent_state_t state() const noexcept { return ccb_agent_state(get()); }
    ccb_agent_pending_t pending() const noexcept { return ccb_agent_pending(get()); }
    /// False after a Gap or an attach, until an event states the agent's state again.
    bool in_sync() const noexcept { return ccb_agent_in_sync(get()); }
    std::uint64_t dropped_changes() const noexcept { return ccb_agent_dropped_changes(get()); }

    /// The reason of the NotReady or Park state.
    std::optional<std::string> reason_id() const {
        char *out = nullptr;
        detail::check(ccb_agent_reason_id(get(), &out));
        return detail::take_opt(out);
    }
    /// The login's ehubSessionId, while logged in.
    std::optional<std::string> ehub_session_id() const {
        char *out = nullptr;
        detail::check(ccb_agent_ehub_session_id(get(), &out));
        return detail::take_opt(out);
    }
    /// The streaming session the agent's events arrive on (nullopt once closed).
    std::optional<std::string> stream_session_id() const {
        char *out = nullptr;
        detail::check(ccb_agent_stream_session_id(get(), &out));
        return detail::take_opt(out);
    }
    /// Everything known about the agent as JSON; see ccb_agent_snapshot_json().
    std::string snapshot_json() const {
        char *out = nullptr;
        detail::check(ccb_agent_snapshot_json(get(), &out));
        return detail::take(out);
    }

    /// Push mode: every change from now on goes to `listener` on the session's stream
    /// thread; an empty function goes back to queueing for next_change(). Returns once a
    /// running call of the previous listener returned.
    void set_listener(Listener listener) {
        std::unique_ptr<ListenerBox> box;
        if (listener) {
            box.reset(new ListenerBox{std::move(listener), shared_->exceptions});
        }
        detail::check(ccb_agent_set_listener(get(), box ? &AgentSession::change_trampoline : nullptr,
                                              box.get()));
        // Replaced from inside the old listener, whose function is running: keep it.
        if (shared_->listener && running_listener() == shared_->listener.get()) {
            shared_->retired.push_back(std::move(shared_->listener));
        }
        shared_->listener = std::move(box);
    }
    void clear_listener() { set_listener(Listener()); }

    /// Pull mode: the next queued change within `timeout`, or nullopt when it ran out.
    /// Throws CCB_ERR_CLOSED once the session is closed and every change was read.
    std::optional<AgentChange> next_change(std::chrono::milliseconds timeout) const {
        ccb_agent_change_t *c = nullptr;
        detail::check(ccb_agent_next_change(get(), detail::to_u32_ms(timeout), &c));
        if (c == nullptr) {
            return std::nullopt;
        }
        return AgentChange::adopt(c);
    }

    /// Logs out and waits until Disconnected (through DisconnectPending while busy).
    CommandOutcome logout(const std::string &reason_id = "0",
                          std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
        return run([&](ccb_agent_outcome_t **o) {
            return ccb_agent_logout(get(), reason_id.c_str(), detail::to_u32_ms(timeout), o);
        });
    }
    /// Cancels the pending not-ready or disconnect request.
    CommandOutcome cancel() const {
        return run([&](ccb_agent_outcome_t **o) { return ccb_agent_cancel(get(), o); });
    }
    /// Any other Engagement Center command ("consult", "transfer"...); see
    /// ccb_agent_command().
    CommandOutcome command(const std::string &op,
                           const std::optional<std::string> &interaction_id = std::nullopt,
                           const std::optional<std::string> &body_json = std::nullopt) const {
        return run([&](ccb_agent_outcome_t **o) {
            return ccb_agent_command(get(), op.c_str(), detail::or_null(interaction_id),
                                     detail::or_null(body_json), o);
        });
    }

    /// command() without waiting: `done` runs once, later, on a thread of the agent's own
    /// (it may call blocking commands). Throws at once for bad arguments (then `done` never
    /// runs). Safe to call from the listener.
    void command_async(const std::string &op, const std::optional<std::string> &interaction_id,
                       const std::optional<std::string> &body_json, Done done) const {
        start_async(
            [&](ccb_agent_outcome_cb cb, void *user_data) {
                return ccb_agent_command_async(get(), op.c_str(), detail::or_null(interaction_id),
                                               detail::or_null(body_json), cb, user_data);
            },
            std::move(done));
    }

    /// command_async() as a future: get() returns the outcome or throws ccb::Error.
    std::future<CommandOutcome>
    command_future(const std::string &op,
                   const std::optional<std::string> &interaction_id = std::nullopt,
                   const std::optional<std::string> &body_json = std::nullopt) const {
        return future_of([&](Done done) {
            command_async(op, interaction_id, body_json, std::move(done));
        });
    }

    /// Closes the session without logging out; see ccb_agent_close(). Any thread.
    void close() const { detail::check(ccb_agent_close(get())); }

    /// How many exceptions escaped the listener and the async callbacks (and were
    /// discarded).
    unsigned callback_exceptions() const noexcept {
        return shared_ ? shared_->exceptions->load() : 0;
    }

    ccb_agent_t *get() const noexcept { return handle_.get(); }

private:
    // The generated typed commands go through run(), start_async() and future_of().
    friend class detail::AgentCommands<AgentSession>;

    using Counter = std::shared_ptr<std::atomic<unsigned>>;
    struct ListenerBox {
        Listener fn;
        Counter exceptions;
    };
    struct AsyncBox {
        Done done;
        // Shared: an async callback may run after the session is gone.
        Counter exceptions;
    };
    struct Shared {
        std::unique_ptr<ListenerBox> listener;
        // Listeners replaced from inside themselves, kept until the session goes.
        std::vector<std::unique_ptr<ListenerBox>> retired;
        Counter exceptions = std::make_shared<std::atomic<unsigned>>(0);
    };

    AgentSession() : shared_(new Shared) {}

    static AgentSession open(const Client &client, const std::string &user_id,
                             const AgentOptions &options, bool attach) {
        AgentSession s;
        const ccb_agent_options_t raw = options.raw();
        ccb_agent_t *h = nullptr;
        detail::check(attach ? ccb_agent_attach(client.get(), user_id.c_str(), &raw, &h)
                             : ccb_agent_login(client.get(), user_id.c_str(), &raw, &h));
        s.handle_.reset(h);
        return s;
    }

    /// Runs a blocking C command (`f(&outcome)`): the outcome, or throws.
    template <class F> static CommandOutcome run(F &&f) {
        ccb_agent_outcome_t *o = nullptr;
        detail::check(f(&o));
        std::unique_ptr<ccb_agent_outcome_t, void (*)(ccb_agent_outcome_t *)> owned(
            o, [](ccb_agent_outcome_t *p) { ccb_agent_outcome_free(p); });
        return CommandOutcome::from_c(o);
    }

    /// Starts an async C command (`launch(callback, user_data)`) whose end goes to `done`;
    /// throws at once for bad arguments (then `done` never runs).
    template <class F> void start_async(F &&launch, Done done) const {
        std::unique_ptr<AsyncBox> box(new AsyncBox{std::move(done), shared_->exceptions});
        detail::check(launch(&AgentSession::outcome_trampoline, static_cast<void *>(box.get())));
        box.release(); // the trampoline deletes it
    }

    /// An async command (`start(done)`) as a future.
    template <class F> static std::future<CommandOutcome> future_of(F &&start) {
        auto promise = std::make_shared<std::promise<CommandOutcome>>();
        std::future<CommandOutcome> f = promise->get_future();
        start([promise](const CommandOutcome *outcome, const Error *error) {
            if (outcome != nullptr) {
                promise->set_value(outcome->clone());
            } else {
                promise->set_exception(std::make_exception_ptr(*error));
            }
        });
        return f;
    }

    /// The listener box whose function runs on this thread, if any.
    static const ListenerBox *&running_listener() noexcept {
        static thread_local const ListenerBox *running = nullptr;
        return running;
    }

    static void change_trampoline(void *user_data, const ccb_agent_change_t *change) noexcept {
        auto *box = static_cast<ListenerBox *>(user_data);
        const ListenerBox *outer = running_listener();
        running_listener() = box;
        try {
            box->fn(AgentChange::borrow(change));
        } catch (...) {
            box->exceptions->fetch_add(1);
        }
        running_listener() = outer;
    }

    static void outcome_trampoline(void *user_data, const ccb_agent_outcome_t *outcome,
                                   const ccb_error_t *error) noexcept {
        std::unique_ptr<AsyncBox> box(static_cast<AsyncBox *>(user_data));
        try {
            if (outcome != nullptr) {
                const CommandOutcome o = CommandOutcome::from_c(outcome);
                box->done(&o, nullptr);
            } else {
                const Error e = Error::from_c(error);
                box->done(nullptr, &e);
            }
        } catch (...) {
            box->exceptions->fetch_add(1);
        }
    }

    // Declared before handle_ so it is destroyed after it: the listener outlives the agent.
    std::unique_ptr<Shared> shared_;
    std::unique_ptr<ccb_agent_t, detail::AgentDeleter> handle_;
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

    /// Routes a call or chat to the idle agent `user_id` (its ScreenPop follows); returns the
    /// interaction id. `screen_data_json` is merged over the made-up caller data
    /// (`{"ani":"6035550101"}`). See ccb_simulator_offer().
    std::string offer(const std::string &user_id, const std::string &media_type = "InboundACD",
                      const std::optional<std::string> &screen_data_json = std::nullopt) const {
        char *id = nullptr;
        detail::check(ccb_simulator_offer(get(), user_id.c_str(), media_type.c_str(),
                                          detail::or_null(screen_data_json), &id));
        return detail::take(id);
    }

    /// The caller hangs up the agent's active or held interaction (Error 252, then
    /// InteractionClear and Wrap).
    void hang_up(const std::string &user_id, const std::string &interaction_id) const {
        detail::check(ccb_simulator_hang_up(get(), user_id.c_str(), interaction_id.c_str()));
    }

    /// Makes the next login of `user_id` fail with `fail_code` (0: 16, CTI login failed) and
    /// `fail_reason` (nullopt: the documents' text).
    void fail_next_login(const std::string &user_id, std::int64_t fail_code = 0,
                         const std::optional<std::string> &fail_reason = std::nullopt) const {
        detail::check(ccb_simulator_fail_next_login(get(), user_id.c_str(), fail_code,
                                                    detail::or_null(fail_reason)));
    }

    /// Invalidates a streaming session (its next poll answers "Invalid or expired session").
    void expire_session(const std::string &session_id) const {
        detail::check(ccb_simulator_expire_session(get(), session_id.c_str()));
    }

    /// Injects a fault (the control API's POST /sim/faults body); see
    /// ccb_simulator_add_fault().
    void add_fault(const std::string &fault_json) const {
        detail::check(ccb_simulator_add_fault(get(), fault_json.c_str()));
    }

    /// Removes every injected fault.
    void clear_faults() const { detail::check(ccb_simulator_clear_faults(get())); }

    /// The simulator's view of an agent as JSON (GET /sim/agents/{userId}).
    std::string agent_json(const std::string &user_id) const {
        char *out = nullptr;
        detail::check(ccb_simulator_agent_json(get(), user_id.c_str(), &out));
        return detail::take(out);
    }

    ccb_simulator_t *get() const noexcept { return handle_.get(); }

private:
    std::unique_ptr<ccb_simulator_t, detail::SimulatorDeleter> handle_;
};

} // namespace ccb

#endif // CCBRIDGE_HPP
