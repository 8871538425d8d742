/*
 * ccbridge.h - C API of ccbridge, a client of the Alvaria Cloud ("Via") contact-center APIs.
 *
 * Agent sessions
 * --------------
 * ccb_agent_login() logs an agent in and keeps its state (ccb_agent_state(),
 * ccb_agent_snapshot_json() with its interactions and screen pops) rebuilt from its events.
 * Every change is reported (ccb_agent_set_listener() or ccb_agent_next_change()) with the
 * state before and after and the event that caused it. Every Engagement Center command has
 * a typed function, generated from the API description (ccb_agent_ready(),
 * ccb_agent_accept(), ccb_agent_hold(), ccb_agent_consult(), ccb_agent_transfer(),
 * ccb_agent_dispose()...; ccb_agent_logout() and ccb_agent_cancel() are written by hand, and
 * ccb_agent_command() reaches any command by name). Each fills in the agent's ids, is sent,
 * and returns once the event that confirms it arrived (an outcome), or with
 * CCB_ERR_COMMAND_FAILED (the service's failCode and failReason: ccb_error_fail_code(),
 * ccb_error_fail_reason()) or CCB_ERR_TIMEOUT (outcome unknown). Its `_async` twin
 * (ccb_agent_accept_async(), ccb_agent_command_async()...) does the same without blocking
 * and hands the outcome or the error to a callback. The lower-level ccb_stream_* and
 * ccb_ec_* functions remain for callers that do this bookkeeping themselves.
 *
 * Conventions
 * -----------
 * - Every symbol and type starts with `ccb_` (`CCB_` for constants).
 * - Strings passed in are borrowed, NUL-terminated UTF-8 (`const char *`); the library copies
 *   what it keeps. Invalid UTF-8 is reported as CCB_ERR_INVALID_ARGUMENT naming the argument.
 * - Fallible functions return `ccb_error_t *`: NULL on success, otherwise an error the caller
 *   owns and releases with ccb_error_free(). Results come back through out-parameters, which
 *   are set to NULL first, so on error they are NULL.
 * - A NULL pointer where a value is required is an error (CCB_ERR_INVALID_ARGUMENT whose
 *   ccb_error_field() names the argument), never a crash. No Rust panic crosses this
 *   interface: a bug inside the library is reported as CCB_ERR_INTERNAL.
 * - Error messages never contain the client secret, the API key or tokens.
 *
 * Ownership
 * ---------
 *   object                 created by                               released with
 *   ccb_client_t *         ccb_client_new                           ccb_client_free
 *   ccb_stream_t *         ccb_stream_start, ccb_stream_start_pull  ccb_stream_free
 *   ccb_event_t *          ccb_stream_next_event, ccb_event_clone,  ccb_event_free
 *                          ccb_event_from_json
 *   ccb_error_t *          any function returning ccb_error_t *     ccb_error_free
 *   char *                 out-parameters `char **`                 ccb_string_free
 *   ccb_agent_t *          ccb_agent_login, ccb_agent_attach        ccb_agent_free
 *   ccb_agent_change_t *   ccb_agent_next_change,                   ccb_agent_change_free
 *                          ccb_agent_change_clone
 *   ccb_agent_outcome_t *  the ccb_agent_* commands (out_outcome)   ccb_agent_outcome_free
 *   ccb_simulator_t *      ccb_simulator_start                      ccb_simulator_free
 * Events passed to a ccb_event_cb, changes passed to a ccb_agent_change_cb, and outcomes
 * and errors passed to a ccb_agent_outcome_cb are borrowed: valid only during the call
 * (copy with ccb_event_clone, ccb_agent_change_clone). Strings returned by accessors
 * (`const char *`: ccb_event_type(), ccb_error_message(), ccb_agent_change_message()...)
 * and events returned by ccb_agent_change_event() / ccb_agent_outcome_event() are borrowed
 * from their object and valid until it is freed. What changes over time (an agent's
 * reason, its snapshot) comes back as an owned `char *` instead. Every `*_free` function
 * accepts NULL.
 *
 * Threading
 * ---------
 * - A ccb_client_t may be used from any number of threads at once.
 * - Calls block the calling thread; the HTTP work runs on the library's own small runtime.
 * - Callbacks run on a dispatcher thread (a small pool shared by every stream of the
 *   process; an idle stream holds none), one at a time per stream, in order, with no
 *   library lock held: a callback may call any function of this API, including
 *   ccb_stream_stop() or ccb_stream_free() on its own stream.
 * - ccb_stream_next_event() may be called by one thread at a time per stream;
 *   ccb_stream_stop() may be called from any thread, also while another thread waits in
 *   ccb_stream_next_event() (which then returns CCB_ERR_CLOSED once the buffer is empty).
 * - Event, error and string objects are immutable and may be read from several threads.
 * - A ccb_agent_t may be used from any number of threads at once (one thread at a time in
 *   ccb_agent_next_change()). Its commands block until the event that confirms them
 *   arrives on the agent's own stream; its listener (ccb_agent_set_listener) runs in that
 *   stream's dispatching, so a blocking command of the same agent made from inside
 *   the listener could never see its outcome: it fails at once (CCB_ERR_INVALID_ARGUMENT,
 *   field "agent"). From the listener, use ccb_agent_command_async(), whose callback runs on
 *   a thread of the agent's own (which may block), or hand the work to another thread.
 *   ccb_agent_close() may be called from any thread, also while others wait on the agent.
 * - A ccb_simulator_t runs on its own thread and runtime; its accessors may be called from
 *   any thread.
 * - The library does not survive fork(): use it in the child only after exec.
 *
 * Shutdown order
 * --------------
 * 0. ccb_agent_free() every agent session (after ccb_agent_logout() if the agent should
 *    log out: freeing alone leaves it logged in at the service). When it returns (called
 *    from another thread than the agent's callbacks), its listener and async callbacks do
 *    not run any more and their `user_data` may be released.
 * 1. ccb_stream_stop() (or directly ccb_stream_free()) on every stream. It stops polling,
 *    lets the callback drain the events already received (within the shutdown deadline),
 *    calls the status callback with "stopped", acknowledges what was handled and deletes
 *    the streaming session. When it returns (called from another thread than the stream's
 *    own callback), no callback of that stream is running or will run again, so
 *    `user_data` may be released. Called from inside the stream's own callback it only
 *    starts the shutdown and returns at once: the shutdown completes after the callback
 *    returns, buffered events may still be delivered, and the status callback's "stopped"
 *    is the last call; keep `user_data` valid until then (or until a later
 *    ccb_stream_stop()/ccb_stream_free() from another thread returned).
 * 2. ccb_stream_free() every stream (stops it first if needed).
 * 3. ccb_client_free() the client. A stream keeps what it needs of its client alive, so
 *    freeing the client first is safe, but the order above is the clear one.
 * 4. Free remaining events, errors and strings, in any order, at any time.
 * 5. ccb_simulator_free() an embedded simulator last: streams and agents still running
 *    against it could not delete their sessions.
 * The library's runtime threads live until the process exits; do not dlclose() it.
 *
 * Embedded simulator
 * ------------------
 * ccb_simulator_start() runs the simulator of the APIs (ccbridge-sim) inside the process,
 * on 127.0.0.1, for tests and offline development; ccb_simulator_url() and the credential
 * accessors give what a ccb_client_options_t needs. It plays the contact center too:
 * ccb_simulator_offer() routes a call or chat to an idle agent (its ScreenPop carries the
 * caller data you give), ccb_simulator_hang_up() is the caller hanging up,
 * ccb_simulator_fail_next_login() makes a login fail, ccb_simulator_expire_session() and
 * ccb_simulator_add_fault() break what a real network breaks, and
 * ccb_simulator_agent_json() shows the agent as the service sees it. These functions exist
 * when the library was built with its cargo feature `simulator` (the default); a build
 * with `--no-default-features` leaves them out, and a program calling them does not link.
 */


#ifndef CCBRIDGE_H
#define CCBRIDGE_H

/* Generated by cbindgen from bindings/c (build.rs). Do not edit: change the Rust sources. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * What one change of the agent is about. Mirrors the core's `AgentChangeKind`; the values
 * never change.
 */
enum ccb_agent_change_kind_t
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : int32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * The agent's state, reason, pending request or login changed.
     */
    CCB_AGENT_CHANGE_STATE = 0,
    /**
     * A new interaction was presented (ScreenPop: its caller data is in the event and in
     * ccb_agent_snapshot_json()) or dialled.
     */
    CCB_AGENT_CHANGE_INTERACTION_OFFERED = 1,
    /**
     * An interaction changed (accepted, held, consult, conference, wrap...).
     */
    CCB_AGENT_CHANGE_INTERACTION_CHANGED = 2,
    /**
     * An interaction is gone (disposed, rejected...).
     */
    CCB_AGENT_CHANGE_INTERACTION_REMOVED = 3,
    /**
     * New AgentStatistics figures.
     */
    CCB_AGENT_CHANGE_STATISTICS = 4,
    /**
     * An engagementCenter.Error that answered no command of this agent (a notice such as
     * a far-end hang-up, or a failure of a request made elsewhere); the message is its
     * failReason.
     */
    CCB_AGENT_CHANGE_ERROR = 5,
    /**
     * The agent was logged out (Disconnected): by its own logout, by the service
     * (keep-alives missed, forced logout) or after a failed login.
     */
    CCB_AGENT_CHANGE_LOGGED_OUT = 6,
    /**
     * Events may have been lost: the stream was recreated and the session re-attached. No
     * event; the state is confirmed again by the next events (ccb_agent_in_sync()).
     */
    CCB_AGENT_CHANGE_GAP = 7,
    /**
     * An event about another agent, reported and otherwise ignored.
     */
    CCB_AGENT_CHANGE_OTHER_AGENT = 8,
    /**
     * Any other event of the agent (monitoring, recording, messaging...), passed on; also
     * what ccb_agent_change_kind() answers for a NULL change.
     */
    CCB_AGENT_CHANGE_OTHER = 9,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum ccb_agent_change_kind_t ccb_agent_change_kind_t;
#else
typedef int32_t ccb_agent_change_kind_t;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The agent's state, as its events report it. Mirrors the core's `AgentState`; the values
 * never change.
 */
enum ccb_agent_state_t
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : int32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * Not logged in: before the login, after a logout or a forced logout.
     */
    CCB_AGENT_STATE_DISCONNECTED = 0,
    /**
     * Login under way (Connecting / ConnectConfirm / Connected seen, no state yet).
     */
    CCB_AGENT_STATE_CONNECTING = 1,
    /**
     * Available for work.
     */
    CCB_AGENT_STATE_IDLE = 2,
    /**
     * Not ready, with a reason (ccb_agent_reason_id()).
     */
    CCB_AGENT_STATE_NOT_READY = 3,
    /**
     * Parked, with a reason (ccb_agent_reason_id()).
     */
    CCB_AGENT_STATE_PARK = 4,
    /**
     * Handling work: an interaction is offered, active or held.
     */
    CCB_AGENT_STATE_BUSY = 5,
    /**
     * Every interaction ended and one at least waits for its disposition.
     */
    CCB_AGENT_STATE_WRAP = 6,
    /**
     * Logged in, state not reported yet (just attached to an existing login); also what
     * the accessors answer for a NULL agent.
     */
    CCB_AGENT_STATE_UNKNOWN = 7,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum ccb_agent_state_t ccb_agent_state_t;
#else
typedef int32_t ccb_agent_state_t;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * A request the service holds until the agent's interactions are over. Mirrors the core's
 * `PendingRequest` (plus "none"); the values never change.
 */
enum ccb_agent_pending_t
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : int32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * Nothing pending (also the answer for a NULL agent).
     */
    CCB_AGENT_PENDING_NONE = 0,
    /**
     * NotReadyPending: the agent goes not ready (or parks) once its work is disposed.
     */
    CCB_AGENT_PENDING_NOT_READY = 1,
    /**
     * DisconnectPending: the agent is logged out once its work is disposed.
     */
    CCB_AGENT_PENDING_DISCONNECT = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum ccb_agent_pending_t ccb_agent_pending_t;
#else
typedef int32_t ccb_agent_pending_t;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Category of an error. The values mirror `ccbridge::ErrorCode` and never change.
 */
enum ccb_error_code_t
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : int32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * No error (what ccb_error_code() says of a NULL error).
     */
    CCB_OK = 0,
    /**
     * An argument was rejected before any request was sent (NULL, empty, out of range,
     * not UTF-8, unknown enum string). ccb_error_field() names it.
     */
    CCB_ERR_INVALID_ARGUMENT = 1,
    /**
     * Authentication failed: wrong client id, secret or API key (HTTP 401 usually).
     */
    CCB_ERR_AUTH = 2,
    /**
     * HTTP 403: authenticated but not allowed (often a missing scope).
     */
    CCB_ERR_FORBIDDEN = 3,
    /**
     * HTTP 404.
     */
    CCB_ERR_NOT_FOUND = 4,
    /**
     * HTTP 409: optimistic-locking conflict; re-read and try again.
     */
    CCB_ERR_CONFLICT = 5,
    /**
     * HTTP 429 after the retry policy gave up.
     */
    CCB_ERR_RATE_LIMITED = 6,
    /**
     * Any other HTTP error status; ccb_error_http_status() gives it.
     */
    CCB_ERR_API = 7,
    /**
     * The streaming session expired or is invalid.
     */
    CCB_ERR_SESSION_EXPIRED = 8,
    /**
     * A request or a wait did not complete in time.
     */
    CCB_ERR_TIMEOUT = 9,
    /**
     * Connection-level failure (DNS, connect, reset, TLS).
     */
    CCB_ERR_TRANSPORT = 10,
    /**
     * A response could not be decoded.
     */
    CCB_ERR_DECODE = 11,
    /**
     * The object (a stream) is stopped.
     */
    CCB_ERR_CLOSED = 12,
    /**
     * An agent command was accepted and then reported failed by an
     * engagementCenter.Error event (or a login ended with Disconnected); the message
     * carries the failCode and failReason.
     */
    CCB_ERR_COMMAND_FAILED = 13,
    /**
     * A request that is not safe to repeat (an agent command, a raw POST) got no answer
     * that says whether the service acted on it (a 5xx, a timeout, a dropped connection):
     * it was not sent again. Check the service's state before sending it again.
     */
    CCB_ERR_OUTCOME_UNKNOWN = 14,
    /**
     * A bug inside ccbridge (a caught panic). Please report it.
     */
    CCB_ERR_INTERNAL = 100,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum ccb_error_code_t ccb_error_code_t;
#else
typedef int32_t ccb_error_code_t;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The values of ccb_client_options_t::http2.
 */
enum ccb_http2_t
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : int32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * HTTP/2 offered in TLS negotiation and spoken when the server picks it, HTTP/1.1
     * otherwise; over plain http://, where nothing can negotiate it, HTTP/1.1. The default.
     */
    CCB_HTTP2_NEGOTIATE = 0,
    /**
     * HTTP/1.1 only, also with a server that offers HTTP/2. (1 is not a value: a program
     * built against a header where this field was a bool would send it for "HTTP/2 on"
     * without growing the struct, and is refused rather than given the opposite.)
     */
    CCB_HTTP2_OFF = 2,
    /**
     * HTTP/2 from the first byte, also over plain http:// (prior knowledge: the simulator,
     * a sidecar proxy that speaks h2c); a server that does not speak it refuses every
     * request.
     */
    CCB_HTTP2_PRIOR_KNOWLEDGE = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum ccb_http2_t ccb_http2_t;
#else
typedef int32_t ccb_http2_t;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The values of ccb_client_options_t::http1_pipelining. An integer rather than a bool:
 * the field sits where older headers had padding, so the struct did not grow and
 * `struct_size` cannot tell a program built against one of them; its padding then reads
 * as 0, the default, or as a value that is refused.
 */
enum ccb_http1_pipelining_t
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : int32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * Pipelined where it applies. The default.
     */
    CCB_HTTP1_PIPELINING_ON = 0,
    /**
     * One request at a time on each connection.
     */
    CCB_HTTP1_PIPELINING_OFF = 1,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum ccb_http1_pipelining_t ccb_http1_pipelining_t;
#else
typedef int32_t ccb_http1_pipelining_t;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * One change of an agent's state, with the event that caused it. Borrowed when a
 * ccb_agent_change_cb receives it (valid during the call; ccb_agent_change_clone() keeps a
 * copy), owned when ccb_agent_next_change() returns it (release it with
 * ccb_agent_change_free()). Its strings and its event belong to it.
 */
typedef struct ccb_agent_change_t ccb_agent_change_t;

/**
 * What an awaited command ended with: the command, the correlation id the service gave
 * it, and the event that confirmed it. Release it with ccb_agent_outcome_free(); an
 * outcome passed to a ccb_agent_outcome_cb is borrowed (valid during the call).
 */
typedef struct ccb_agent_outcome_t ccb_agent_outcome_t;

/**
 * One agent's session: its login, its live state, its commands. Thread-safe; release it
 * with ccb_agent_free() (which does not log the agent out).
 */
typedef struct ccb_agent_t ccb_agent_t;

/**
 * A client of one organization. Thread-safe; release it with ccb_client_free().
 */
typedef struct ccb_client_t ccb_client_t;

/**
 * An error: a category, a message, and where known the HTTP status and the argument at
 * fault. Returned by fallible functions; release it with ccb_error_free().
 */
typedef struct ccb_error_t ccb_error_t;

/**
 * One event of a streaming session (the v3 envelope plus its payload).
 *
 * Accessor strings are made on first use and belong to the event: valid as long as it.
 */
typedef struct ccb_event_t ccb_event_t;

/**
 * A running simulator. Release it with ccb_simulator_free(), which stops it.
 */
typedef struct ccb_simulator_t ccb_simulator_t;

/**
 * A running stream of events from one streaming session. Release it with
 * ccb_stream_free().
 */
typedef struct ccb_stream_t ccb_stream_t;

/**
 * Settings of a stream. Fill it with ccb_stream_options_init() (which sets the
 * recommended values), then change what you need. Values are taken as they are: an out of
 * range value is an error naming the field.
 */
typedef struct ccb_stream_options_t {
    /**
     * Size of this struct as the caller's header defines it; set by
     * ccb_stream_options_init().
     */
    uint32_t struct_size;
    /**
     * Seconds without a poll after which the service drops the session (60..600;
     * default 120).
     */
    uint32_t inactivity_delay_s;
    /**
     * Events stay queued on the service until acknowledged (default true): an event
     * whose callback never ran is redelivered instead of lost.
     */
    bool require_acknowledgement;
    /**
     * Events per poll (1..200; default 50).
     */
    uint32_t max_events;
    /**
     * Events buffered ahead of the consumer (at least 1; default 10000).
     */
    uint32_t buffer_capacity;
    /**
     * Recent event ids remembered to hide redeliveries (at least 1; default 10000).
     */
    uint32_t dedupe_window;
    /**
     * Client read timeout of one long poll in milliseconds; must exceed the service's
     * 15 s wait (default 25000).
     */
    uint32_t poll_timeout_ms;
    /**
     * How long stopping lets the callback drain buffered events, in milliseconds
     * (default 5000).
     */
    uint32_t shutdown_deadline_ms;
} ccb_stream_options_t;

/**
 * How an agent session logs in and behaves. Fill it with ccb_agent_options_init() (which
 * sets the defaults), then change what you need; `const char *` fields are borrowed only
 * during ccb_agent_login() / ccb_agent_attach(). Numbers are taken as they are: a zero
 * where a duration or a capacity is needed is an error naming the field
 * (`"command_timeout"`, `"change_capacity"`...).
 */
typedef struct ccb_agent_options_t {
    /**
     * Size of this struct as the caller's header defines it; set by
     * ccb_agent_options_init(). It lets later versions add fields at the end.
     */
    uint32_t struct_size;
    /**
     * `initialState` of a login: `"Idle"`, `"NotReady"` or `"Park"`; NULL (the default):
     * the service decides (Idle). Not used by ccb_agent_attach().
     */
    const char *initial_state;
    /**
     * `station`: the phone number the system calls for the agent's audio; NULL: none.
     */
    const char *station;
    /**
     * `routeaccessId`; NULL: none.
     */
    const char *routeaccess_id;
    /**
     * `emailAddress`; NULL: none.
     */
    const char *email_address;
    /**
     * Sends keepAlive every this many milliseconds from the login on; 0 (the default):
     * never, the service's own session handling applies. Once one keepAlive was sent, the
     * documents want one every minute or the service logs the agent out.
     */
    uint32_t keep_alive_ms;
    /**
     * `sessionTimeout` sent with each automatic keepAlive, in seconds; 0 (the default):
     * the service's default.
     */
    uint32_t session_timeout_s;
    /**
     * How long a command waits for its confirming event, in milliseconds (default 10000).
     */
    uint32_t command_timeout_ms;
    /**
     * How long a login or attach waits for the service to confirm it, in milliseconds
     * (default 30000).
     */
    uint32_t login_timeout_ms;
    /**
     * How often an attachment is renewed, in milliseconds (default 1500000: the
     * documents say an attachment lasts 30 minutes and should be renewed every 25).
     */
    uint32_t attach_renewal_ms;
    /**
     * Changes kept for ccb_agent_next_change() while nobody reads them and no listener is
     * set; beyond it the oldest are dropped and counted (ccb_agent_dropped_changes()).
     * Default 10000.
     */
    uint32_t change_capacity;
    /**
     * The event stream the session opens; NULL (the default): the recommended settings of
     * ccb_stream_options_init(). Borrowed during the call only.
     */
    const struct ccb_stream_options_t *stream;
} ccb_agent_options_t;

/**
 * Receives one change of an agent on the agent's stream dispatcher thread, in order.
 * `change` is borrowed: valid only during the call (ccb_agent_change_clone() keeps a
 * copy). The callback may call any function of this API except a blocking command of the
 * same agent: its outcome arrives on this very thread, so such a call fails at once with
 * CCB_ERR_INVALID_ARGUMENT (field "agent"); use ccb_agent_command_async() or hand the
 * work to another thread.
 */
typedef void (*ccb_agent_change_cb)(void *user_data, const struct ccb_agent_change_t *change);

/**
 * Receives the end of a ccb_agent_command_async(): `outcome` on success, `error` on
 * failure (exactly one of them is non-NULL). Both are borrowed: valid only during the call.
 * It runs on a thread of the agent's own, never on a runtime thread: it may call any
 * function of this API, blocking commands of the same agent included.
 */
typedef void (*ccb_agent_outcome_cb)(void *user_data,
                                     const struct ccb_agent_outcome_t *outcome,
                                     const struct ccb_error_t *error);

/**
 * Settings of a client. Fill it with ccb_client_options_init() first, then set fields;
 * `const char *` fields are borrowed only during ccb_client_new(). NULL strings and 0
 * numbers mean "not set" (required fields) or "default" (the others).
 */
typedef struct ccb_client_options_t {
    /**
     * Size of this struct as the caller's header defines it; set by
     * ccb_client_options_init(). It lets later versions add fields at the end.
     */
    uint32_t struct_size;
    /**
     * Organization id. Required.
     */
    const char *org_id;
    /**
     * OAuth2 client id. Required.
     */
    const char *client_id;
    /**
     * OAuth2 client secret. Required. Never appears in any message.
     */
    const char *client_secret;
    /**
     * Value of the `x-api-key` header. Required. Never appears in any message.
     */
    const char *api_key;
    /**
     * Space-separated OAuth2 scopes; NULL: "engagementcenterapi streamingapi".
     */
    const char *scopes;
    /**
     * Base URL; NULL: `https://{org_id}.via.aspect-cloud.net`.
     */
    const char *base_url;
    /**
     * Token endpoint; NULL: `{base_url}/via/v2/oauth2/token`.
     */
    const char *token_url;
    /**
     * Timeout of one request in milliseconds; 0: 30 000.
     */
    uint32_t request_timeout_ms;
    /**
     * TCP connect timeout in milliseconds; 0: 10 000.
     */
    uint32_t connect_timeout_ms;
    /**
     * Attempts per request, the first included (1 disables retries); 0: 4.
     */
    uint32_t max_attempts;
    /**
     * Allows `http://` to a host that is not loopback (credentials would cross the
     * network in clear text). `http://` to loopback is always allowed.
     */
    bool allow_insecure_http;
    /**
     * Largest response body read, in bytes; 0: 16 MiB. It bounds every answer, the token
     * endpoints' included; reading stops once it is passed. A successful answer over it
     * fails with CCB_ERR_DECODE, whose message names max_response_bytes; an error answer
     * over it keeps its category, its message cut at the limit.
     */
    uint64_t max_response_bytes;
    /**
     * Which HTTP versions the client speaks, a ccb_http2_t value; 0: CCB_HTTP2_NEGOTIATE.
     * Over HTTP/2 the requests share a few connections instead of one per request in
     * flight; the streams' long polls are spread so that no connection carries more than
     * 100 of them (the least a server is recommended to allow): none waits behind the
     * server's limit. Another value is CCB_ERR_INVALID_ARGUMENT naming `http2`.
     */
    int32_t http2;
    /**
     * Whether an event stream with acknowledgement on may write its acknowledgement and
     * the poll behind it together on one HTTP/1.1 connection and read the two answers in
     * order (RFC 9112 §9.3.2), a ccb_http1_pipelining_t value; 0: CCB_HTTP1_PIPELINING_ON.
     * It applies wherever the streams' requests go over HTTP/1.1 (CCB_HTTP2_OFF, plain
     * http:// without prior knowledge, or a server that picks HTTP/1.1 in TLS
     * negotiation), not through a proxy set in the environment, and saves a round trip per
     * batch. Something on the way that hands pipelined requests on over separate
     * connections could let the poll pass the acknowledgement: the service would hand back
     * events already handled, which the stream hides as duplicates and acknowledges again.
     * The client stops pipelining for a while by itself when a pipelined poll goes
     * unanswered; CCB_HTTP1_PIPELINING_OFF turns it off for good. Another value is
     * CCB_ERR_INVALID_ARGUMENT naming `http1_pipelining`.
     */
    int32_t http1_pipelining;
} ccb_client_options_t;

/**
 * Settings of an embedded simulator. Fill it with ccb_simulator_options_init() (which sets
 * the simulator's defaults), then change what you need. Values are taken as they are.
 */
typedef struct ccb_simulator_options_t {
    /**
     * Size of this struct as the caller's header defines it; set by
     * ccb_simulator_options_init().
     */
    uint32_t struct_size;
    /**
     * Port on 127.0.0.1 to listen on; 0 (the default) picks a free port.
     */
    uint16_t port;
    /**
     * How long `GET /events` waits when no event is queued, in milliseconds (default: the
     * documented 15000; tests shorten it).
     */
    uint32_t poll_wait_ms;
    /**
     * Lifetime of the access tokens it issues, in seconds (default 3600).
     */
    uint32_t token_ttl_s;
    /**
     * Lifetime of the web tokens (public chat) it issues, in seconds (default 3600).
     */
    uint32_t web_token_ttl_s;
    /**
     * Requests per second before it answers 429; 0 means unlimited (default 100).
     */
    uint32_t rate_limit_per_second;
} ccb_simulator_options_t;

/**
 * Receives one event on the stream's dispatcher thread. `event` is borrowed: valid only
 * during the call (ccb_event_clone() keeps a copy).
 */
typedef void (*ccb_event_cb)(void *user_data, const struct ccb_event_t *event);

/**
 * Receives a stream status on the dispatcher thread, in order with the events.
 * `status` is one of "started", "session_recreated", "retrying", "recovered",
 * "buffer_full", "events_dropped", "malformed_event", "ack_failed", "failed", "stopped";
 * `description` is a one-line text; `error` is the cause for "retrying", "ack_failed" and
 * "failed", NULL otherwise. All three are borrowed: valid only during the call. "stopped"
 * is always the last call of a stream.
 */
typedef void (*ccb_status_cb)(void *user_data,
                              const char *status,
                              const char *description,
                              const struct ccb_error_t *error);

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Sets the number of worker threads of the library's runtime (default 2), which carries
 * every stream, command and token request. Only the first setting made before the runtime's
 * first use counts (the first client call, stream or simulator starts it): `*applied`
 * (when `applied` is not NULL) is true when this one will, false when the runtime already
 * runs or an earlier setting stands. A count of 0 or above 256 is
 * CCB_ERR_INVALID_ARGUMENT naming `workers`.
 *
 * One worker suits a process whose sessions are mostly idle: each re-poll then wakes one
 * thread instead of two, about 15 % less idle CPU.
 *
 * # Safety
 * `applied` is NULL or writable.
 */
struct ccb_error_t *ccb_configure_worker_threads(uint32_t workers, bool *applied);

/**
 * The library version (`"0.1.0"`), a static string: never free it.
 */
const char *ccb_version(void);

/**
 * The name of an agent state as the API documents spell its event (`"Idle"`,
 * `"NotReady"`...); `"invalid"` for a value this version does not know. A static string:
 * never free it.
 */
const char *ccb_agent_state_name(int32_t state);

/**
 * The name of a change kind (`"InteractionOffered"`, `"LoggedOut"`...); `"invalid"` for a
 * value this version does not know. A static string: never free it.
 */
const char *ccb_agent_change_kind_name(int32_t kind);

/**
 * Fills `options` with the defaults: every string NULL (the service's defaults), no
 * automatic keepAlive, 10 s command timeout, 30 s login timeout, renewal every 25
 * minutes, 10000 queued changes, the recommended stream (NULL), and `struct_size`. NULL is
 * ignored.
 *
 * # Safety
 * `options` is NULL or points to writable storage for a `ccb_agent_options_t`.
 */
void ccb_agent_options_init(struct ccb_agent_options_t *options);

/**
 * What the change is about. CCB_AGENT_CHANGE_OTHER for a NULL change.
 *
 * # Safety
 * `change` is NULL or a live change.
 */
ccb_agent_change_kind_t ccb_agent_change_kind(const struct ccb_agent_change_t *change);

/**
 * The agent's state before the change. CCB_AGENT_STATE_UNKNOWN for a NULL change.
 *
 * # Safety
 * `change` is NULL or a live change.
 */
ccb_agent_state_t ccb_agent_change_old_state(const struct ccb_agent_change_t *change);

/**
 * The agent's state after the change. CCB_AGENT_STATE_UNKNOWN for a NULL change.
 *
 * # Safety
 * `change` is NULL or a live change.
 */
ccb_agent_state_t ccb_agent_change_new_state(const struct ccb_agent_change_t *change);

/**
 * The interaction the change concerns (`"1000"`), or NULL when it concerns none (and for
 * a NULL change). Borrowed from the change.
 *
 * # Safety
 * `change` is NULL or a live change.
 */
const char *ccb_agent_change_interaction_id(const struct ccb_agent_change_t *change);

/**
 * The event that caused the change, readable with every ccb_event_* accessor; NULL for a
 * CCB_AGENT_CHANGE_GAP (and for a NULL change). Borrowed from the change: valid as long as
 * the change; never pass it to ccb_event_free() (ccb_event_clone() keeps a copy).
 *
 * # Safety
 * `change` is NULL or a live change.
 */
const struct ccb_event_t *ccb_agent_change_event(const struct ccb_agent_change_t *change);

/**
 * A sentence for the log (an Error's failReason, why an event was set aside, what a gap
 * means), or NULL. Borrowed from the change.
 *
 * # Safety
 * `change` is NULL or a live change.
 */
const char *ccb_agent_change_message(const struct ccb_agent_change_t *change);

/**
 * Copies a change (for instance one lent to a listener) with its event. Free the copy with
 * ccb_agent_change_free().
 *
 * # Safety
 * `change` is NULL or a live change; `out` NULL or writable.
 */
struct ccb_error_t *ccb_agent_change_clone(const struct ccb_agent_change_t *change,
                                           struct ccb_agent_change_t **out);

/**
 * Releases a change from ccb_agent_next_change() or ccb_agent_change_clone(). NULL is
 * ignored. Never pass a change received by a listener: the library owns it.
 *
 * # Safety
 * `change` is NULL or an owned change, not yet freed.
 */
void ccb_agent_change_free(struct ccb_agent_change_t *change);

/**
 * The operation the outcome is of (`"engagementCenter.hold"`); NULL for a NULL outcome.
 * Borrowed from the outcome.
 *
 * # Safety
 * `outcome` is NULL or a live outcome.
 */
const char *ccb_agent_outcome_command(const struct ccb_agent_outcome_t *outcome);

/**
 * The correlation id the service gave the command (shared by the events it caused), or
 * NULL when it gave none. Borrowed from the outcome.
 *
 * # Safety
 * `outcome` is NULL or a live outcome.
 */
const char *ccb_agent_outcome_correlation_id(const struct ccb_agent_outcome_t *outcome);

/**
 * The type of the event that confirmed the command (`"engagementCenter.Held"`), or NULL
 * for a command the documents give no confirming event (`reject`, `cancel`, `digits`...:
 * the service's 202 is all there is). Borrowed from the outcome.
 *
 * # Safety
 * `outcome` is NULL or a live outcome.
 */
const char *ccb_agent_outcome_event_type(const struct ccb_agent_outcome_t *outcome);

/**
 * The event that confirmed the command, or NULL (see ccb_agent_outcome_event_type()).
 * Borrowed from the outcome: never pass it to ccb_event_free().
 *
 * # Safety
 * `outcome` is NULL or a live outcome.
 */
const struct ccb_event_t *ccb_agent_outcome_event(const struct ccb_agent_outcome_t *outcome);

/**
 * The outcome as one JSON object: `{"command", "correlationId" (or null), "event" (the
 * event as ccb_event_json() gives it, or null)}`. Borrowed from the outcome; NULL for a
 * NULL outcome.
 *
 * # Safety
 * `outcome` is NULL or a live outcome.
 */
const char *ccb_agent_outcome_json(const struct ccb_agent_outcome_t *outcome);

/**
 * Releases an outcome returned through an `out_outcome` parameter. NULL is ignored. Never
 * pass one received by a ccb_agent_outcome_cb.
 *
 * # Safety
 * `outcome` is NULL or an owned outcome, not yet freed.
 */
void ccb_agent_outcome_free(struct ccb_agent_outcome_t *outcome);

/**
 * Logs the agent `user_id` in: opens an event stream of its own, sends `connect` and
 * returns once the service confirmed the login (ConnectConfirm, Connected) and reported
 * the agent's first state. `options` may be NULL (the defaults of
 * ccb_agent_options_init()). The login's own changes wait in the queue of
 * ccb_agent_next_change().
 *
 * Errors: CCB_ERR_INVALID_ARGUMENT naming the argument or option at fault (before any
 * request); CCB_ERR_COMMAND_FAILED when the service refuses the login (an Error then
 * Disconnected: ccb_error_fail_code() and ccb_error_fail_reason() tell why);
 * CCB_ERR_TIMEOUT when nothing confirms it within `login_timeout_ms`; the client's errors
 * (CCB_ERR_AUTH...). On error no session is left behind.
 *
 * # Safety
 * `client` is NULL or live, `user_id` NULL or NUL-terminated, `options` NULL or
 * initialised, `out` NULL or writable.
 */
struct ccb_error_t *ccb_agent_login(const struct ccb_client_t *client,
                                    const char *user_id,
                                    const struct ccb_agent_options_t *options,
                                    struct ccb_agent_t **out);

/**
 * Attaches to the existing login of `user_id` (another desktop's): opens an event stream,
 * sends `connect` with `attach` and returns once ConnectConfirm arrived. The attachment is
 * renewed every `attach_renewal_ms`. The agent's state is CCB_AGENT_STATE_UNKNOWN (and
 * ccb_agent_in_sync() false) until its next state event. Errors as ccb_agent_login().
 *
 * # Safety
 * As ccb_agent_login().
 */
struct ccb_error_t *ccb_agent_attach(const struct ccb_client_t *client,
                                     const char *user_id,
                                     const struct ccb_agent_options_t *options,
                                     struct ccb_agent_t **out);

/**
 * Closes the session without logging the agent out: stops its keep-alives and renewals
 * and its stream (whose streaming session is deleted). Blocking commands and
 * ccb_agent_next_change() still waiting end with CCB_ERR_CLOSED (next_change once the
 * queued changes are read), async commands' callbacks get CCB_ERR_CLOSED. May be called
 * from any thread, also while others wait on the agent; calling it again is harmless.
 * When it returns (called from another thread than the listener's), the listener is not
 * running and will not run again; called from the listener it only starts the closing.
 * The error, if any, is about deleting the streaming session.
 *
 * # Safety
 * `agent` is NULL or live.
 */
struct ccb_error_t *ccb_agent_close(const struct ccb_agent_t *agent);

/**
 * Closes the agent (as ccb_agent_close(), errors ignored: the agent stays logged in at the
 * service; ccb_agent_logout() logs out) and releases it. NULL is ignored.
 *
 * When it returns, the listener is not called any more (it waits for a running call to
 * return, except when called from the listener itself), and every ccb_agent_command_async()
 * callback has run (those whose command had not ended with CCB_ERR_CLOSED), except when
 * called from such a callback: the remaining ones then run after it returned, and their
 * `user_data` must stay valid until then.
 *
 * # Safety
 * `agent` is NULL or an agent from ccb_agent_login() / ccb_agent_attach(), not yet freed,
 * and no other thread is using it.
 */
void ccb_agent_free(struct ccb_agent_t *agent);

/**
 * The agent's state now. CCB_AGENT_STATE_UNKNOWN for a NULL agent.
 *
 * # Safety
 * `agent` is NULL or live.
 */
ccb_agent_state_t ccb_agent_state(const struct ccb_agent_t *agent);

/**
 * The not-ready or disconnect request the service holds until the agent's work is over.
 * CCB_AGENT_PENDING_NONE for a NULL agent.
 *
 * # Safety
 * `agent` is NULL or live.
 */
ccb_agent_pending_t ccb_agent_pending(const struct ccb_agent_t *agent);

/**
 * False after events may have been lost (the stream was recreated: a
 * CCB_AGENT_CHANGE_GAP) or right after an attach, until an event states the agent's state
 * again; read the state with that in mind. False for a NULL agent.
 *
 * # Safety
 * `agent` is NULL or live.
 */
bool ccb_agent_in_sync(const struct ccb_agent_t *agent);

/**
 * Changes dropped because nobody read them and more than `change_capacity` piled up. 0
 * for a NULL agent.
 *
 * # Safety
 * `agent` is NULL or live.
 */
uint64_t ccb_agent_dropped_changes(const struct ccb_agent_t *agent);

/**
 * The agent (`userId`) the session is for. Borrowed: valid until ccb_agent_free(). NULL
 * for a NULL agent.
 *
 * # Safety
 * `agent` is NULL or live.
 */
const char *ccb_agent_user_id(const struct ccb_agent_t *agent);

/**
 * The reason (`reasonId`) of the NotReady or Park state in `*out` (free it with
 * ccb_string_free()); `*out` is NULL when the agent is in neither state or no reason is
 * known.
 *
 * # Safety
 * `agent` is NULL or live; `out` NULL or writable.
 */
struct ccb_error_t *ccb_agent_reason_id(const struct ccb_agent_t *agent, char **out);

/**
 * The login's `ehubSessionId` in `*out` (free it with ccb_string_free()); NULL while the
 * agent is not logged in. The commands fill it in themselves.
 *
 * # Safety
 * `agent` is NULL or live; `out` NULL or writable.
 */
struct ccb_error_t *ccb_agent_ehub_session_id(const struct ccb_agent_t *agent, char **out);

/**
 * The streaming session the agent's events arrive on, in `*out` (free it with
 * ccb_string_free()); it changes when the stream is recreated, and is NULL once the agent
 * is closed.
 *
 * # Safety
 * `agent` is NULL or live; `out` NULL or writable.
 */
struct ccb_error_t *ccb_agent_stream_session_id(const struct ccb_agent_t *agent, char **out);

/**
 * Everything known about the agent now, as one JSON object in `*out_json` (free it with
 * ccb_string_free()):
 *
 * ```text
 * {"userId": "...", "ehubSessionId": "100" | null,
 *  "state": "Idle" | "NotReady" | ... (ccb_agent_state_name()),
 *  "reasonId": "12" | null, "pending": "NotReady" | "Disconnect" | null, "inSync": true,
 *  "interactions": [{"interactionId": "1000", "mediaType": "InboundACD" | null,
 *                    "state": "Offered" | "Dialing" | "Active" | "Held" | "Cleared" | "Wrap",
 *                    "consulting": false, "consultInteractionId": "1001" | null,
 *                    "originalInteractionId": "1000" | null, "conference": false,
 *                    "conferenceInteractionId": "1002" | null, "transferred": false,
 *                    "screenPop": {...} | null, "email": {...} | null, "inSync": true}, ...],
 *  "statistics": [...]}
 * ```
 *
 * Interactions are oldest first. `screenPop` is the ScreenPop that presented the
 * interaction, decoded as ccb_event_typed_payload_json() decodes it (caller data under
 * `payload.interactionInfo.screenData`: `ani`, `dnis`, `firstName`...; ids as text); null
 * for an interaction first seen through a later event. A consultation leg is an
 * interaction of its own, its `originalInteractionId` the call it consults about; `email`
 * is the e-mail data of an e-mail's screen pop; an interaction's `inSync` is false after a
 * gap (the stream was recreated) until an event about it arrives. `statistics` holds the last
 * AgentStatistics items. Fields may be added in later versions.
 *
 * # Safety
 * `agent` is NULL or live; `out_json` NULL or writable.
 */
struct ccb_error_t *ccb_agent_snapshot_json(const struct ccb_agent_t *agent, char **out_json);

/**
 * Hands every change from now on to `callback` (with `user_data`), on the agent's stream
 * dispatcher thread, one at a time, in order, instead of queueing it for
 * ccb_agent_next_change() (changes already queued, the login's among them, stay there).
 * A NULL `callback` goes back to queueing.
 *
 * Replacing or clearing the callback waits until the previous one is not running (except
 * when called from inside it); then the previous `user_data` is not used any more and may
 * be released. A change arriving at the very moment the callback is cleared may be
 * dropped instead of queued. See ccb_agent_change_cb for what the callback may do.
 *
 * # Safety
 * `agent` is NULL or live; `callback` valid until replaced or the agent freed; `user_data`
 * valid as long as `callback` may be called.
 */
struct ccb_error_t *ccb_agent_set_listener(const struct ccb_agent_t *agent,
                                           ccb_agent_change_cb callback,
                                           void *user_data);

/**
 * Pull mode: waits up to `timeout_ms` for the next queued change. `*out` receives it
 * (free it with ccb_agent_change_free()), or NULL when the time ran out. Changes queue from
 * the login on while no listener is set. After ccb_agent_close(), once the queue is empty:
 * CCB_ERR_CLOSED. One thread at a time should pull from an agent.
 *
 * # Safety
 * `agent` is NULL or live; `out` NULL or writable.
 */
struct ccb_error_t *ccb_agent_next_change(const struct ccb_agent_t *agent,
                                          uint32_t timeout_ms,
                                          struct ccb_agent_change_t **out);

/**
 * Sends any Engagement Center command for this agent and waits for its outcome: the
 * escape hatch beside the typed functions (ccb_agent_accept(), ccb_agent_consult()...),
 * which take the same path.
 *
 * `op` is the operation (`"engagementCenter.consult"`, or just `"consult"`; see
 * ccb_operations_json()); `interaction_id` fills the path of the interaction commands (NULL
 * for the others); `body_json` is NULL or a JSON object with the body's fields except
 * `ehubSessionId`, which the session fills in (as it fills `userId` and the streaming
 * session). Everything is checked against the API description before anything is sent
 * (CCB_ERR_INVALID_ARGUMENT naming the wire field). `connect` is refused: it is what
 * ccb_agent_login() and ccb_agent_attach() send.
 *
 * Returns when one of the command's confirming events arrived (its outcome in
 * `*out_outcome`, which may be NULL when not wanted; free it with
 * ccb_agent_outcome_free()); a command the documents give no confirming event returns on
 * the service's 202. Errors: CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports
 * the command failed (ccb_error_fail_code(), ccb_error_fail_reason(); the message names
 * both); CCB_ERR_TIMEOUT when no outcome arrived within `command_timeout_ms` (the service
 * accepted the command: its outcome is unknown) or the stream was recreated meanwhile;
 * CCB_ERR_CLOSED when the agent was closed or logged out meanwhile; CCB_ERR_INVALID_ARGUMENT
 * (field "agent") when called from the agent's own listener.
 *
 * # Safety
 * `agent` is NULL or live; strings NULL or NUL-terminated; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_command(const struct ccb_agent_t *agent,
                                      const char *op,
                                      const char *interaction_id,
                                      const char *body_json,
                                      struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_command() without waiting: returns at once and later calls `callback` exactly
 * once with the outcome or the error, on a thread of the agent's own (see
 * ccb_agent_outcome_cb), in the order the commands end. The one call to make from inside a
 * listener; every typed command has the same form (ccb_agent_accept_async()...).
 *
 * The arguments are checked here: an error returned by this function means the callback
 * will not be called. Every later error (the description's checks included) goes to the
 * callback. When the agent is closed or freed first, the callback still runs, with
 * CCB_ERR_CLOSED; ccb_agent_free() waits for it (see there).
 *
 * # Safety
 * As ccb_agent_command(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_command_async(const struct ccb_agent_t *agent,
                                            const char *op,
                                            const char *interaction_id,
                                            const char *body_json,
                                            ccb_agent_outcome_cb callback,
                                            void *user_data);

/**
 * Logs the agent out (`disconnect` with `reason_id`; `"0"` is the usual reason) and waits
 * until it is Disconnected (the outcome's event). With work under way the service first
 * answers DisconnectPending and logs the agent out once the work is disposed: the wait
 * lasts until then (dispose from another thread, or with ccb_agent_dispose_async()), or
 * `timeout_ms` (CCB_ERR_TIMEOUT; the request stays pending at the service), or a
 * ccb_agent_cancel() (CCB_ERR_CLOSED). The session stays open: free it afterwards.
 *
 * # Safety
 * `agent` is NULL or live; `reason_id` NULL or NUL-terminated; `out_outcome` NULL or
 * writable.
 */
struct ccb_error_t *ccb_agent_logout(const struct ccb_agent_t *agent,
                                     const char *reason_id,
                                     uint32_t timeout_ms,
                                     struct ccb_agent_outcome_t **out_outcome);

/**
 * Cancels the not-ready or disconnect request the service holds (ccb_agent_pending()),
 * with the matching `cancelType`. A ccb_agent_logout() waiting meanwhile ends with
 * CCB_ERR_CLOSED. Nothing pending: CCB_ERR_INVALID_ARGUMENT (field "pending"). Returns on
 * the service's 202 (the documents give it no confirming event).
 *
 * # Safety
 * `agent` is NULL or live; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_cancel(const struct ccb_agent_t *agent,
                                     struct ccb_agent_outcome_t **out_outcome);

/**
 * Sends a request to accept an interaction.
 *
 * `engagementCenter.accept` for this agent: returns once `engagementCenter.Active` arrived
 * (the outcome's event), with the outcome in `*out_outcome` (NULL when not wanted; free it
 * with ccb_agent_outcome_free()). Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED
 * when an engagementCenter.Error reports the command failed (ccb_error_fail_code(),
 * ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no outcome arrived within
 * `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED when the agent was closed
 * or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_accept_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_accept(const struct ccb_agent_t *agent,
                                     const char *interaction_id,
                                     struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_accept() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_accept(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_accept(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_accept_async(const struct ccb_agent_t *agent,
                                           const char *interaction_id,
                                           ccb_agent_outcome_cb callback,
                                           void *user_data);

/**
 * Sends an interaction activation.
 *
 * `engagementCenter.activate` for this agent: returns once
 * `engagementCenter.ActivateInteraction` arrived (the outcome's event), with the outcome
 * in `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors
 * as ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports
 * the command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT
 * when no outcome arrived within `command_timeout_ms` (its outcome is unknown),
 * CCB_ERR_CLOSED when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_activate_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_activate(const struct ccb_agent_t *agent,
                                       const char *interaction_id,
                                       struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_activate() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_activate(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_activate(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_activate_async(const struct ccb_agent_t *agent,
                                             const char *interaction_id,
                                             ccb_agent_outcome_cb callback,
                                             void *user_data);

/**
 * Schedule a Callback.
 *
 * `engagementCenter.callback` for this agent: returns on the service's 202, as the
 * documents name no event that confirms it (the outcome has no event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `work_type_id`: `workTypeId`, required. Alvaria-generated unique identifier for the
 * Outreach work type for the callback. The work type can be retrieved from url
 * /via/v2/organizations/{orgId}/provisioning/workTypes?channelType=voice&direction=outreach.
 *
 * `time_zone_name`: `timeZoneName`, optional (NULL: absent). The Olson (a.k.a. IANA) Time
 * Zone Name for the specified dateTime (see https://www.iana.org/time-zones for more
 * information). This property only applies when dateTime is specified. The value can be
 * retrieved prior to use from the Alvaria™ Cloud Campaign REST API. The url is
 * /via/v3/organizations/{orgId}/campaign/timeZones.
 *
 * `phone_number`: `phoneNumber`, required. The phone number to call back.
 *
 * `date_time`: `dateTime`, optional (NULL: absent). An absolute date and time for the
 * callback. This property is mutually exclusive with snoozeTime. If both dateTime and
 * snoozeTime are specified then snoozeTime takes precedence.
 *
 * `memo`: `memo`, optional (NULL: absent). A memo to be presented to the agent who
 * receives the callback
 *
 * `to_same_agent`: `toSameAgent`, required. Whether the callback should be routed to the
 * same agent who scheduled it. If false then the callback is routed to any available agent
 * in the specified Outreach work type.
 *
 * `snooze_time`: `snoozeTime`, optional (NULL: absent). A relative time for the callback.
 * The number of minutes since being scheduled when the callback should be executed. This
 * property is mutually exclusive with dateTime. If both dateTime and snoozeTime are
 * specified then snoozeTime takes precedence.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_callback_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_callback(const struct ccb_agent_t *agent,
                                       const char *interaction_id,
                                       const char *work_type_id,
                                       const char *time_zone_name,
                                       const char *phone_number,
                                       const char *date_time,
                                       const char *memo,
                                       bool to_same_agent,
                                       const int64_t *snooze_time,
                                       struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_callback() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_callback(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_callback(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_callback_async(const struct ccb_agent_t *agent,
                                             const char *interaction_id,
                                             const char *work_type_id,
                                             const char *time_zone_name,
                                             const char *phone_number,
                                             const char *date_time,
                                             const char *memo,
                                             bool to_same_agent,
                                             const int64_t *snooze_time,
                                             ccb_agent_outcome_cb callback,
                                             void *user_data);

/**
 * Sends a conference request.
 *
 * `engagementCenter.conference` for this agent: returns once `engagementCenter.Conference`
 * arrived (the outcome's event), with the outcome in `*out_outcome` (NULL when not wanted;
 * free it with ccb_agent_outcome_free()). Errors as ccb_agent_command():
 * CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the command failed
 * (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no outcome
 * arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED when the
 * agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `consultation_interaction_id`: `consultationInteractionId`, required. Alvaria-generated
 * unique identifier for the interaction of the consult call for which you want to
 * conference with the customer
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_conference_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_conference(const struct ccb_agent_t *agent,
                                         const char *interaction_id,
                                         const char *consultation_interaction_id,
                                         struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_conference() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_conference(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_conference(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_conference_async(const struct ccb_agent_t *agent,
                                               const char *interaction_id,
                                               const char *consultation_interaction_id,
                                               ccb_agent_outcome_cb callback,
                                               void *user_data);

/**
 * Sends a consult request.
 *
 * `engagementCenter.consult` for this agent: returns once
 * `engagementCenter.ConsultInitiated` or `engagementCenter.Consult` arrived (the outcome's
 * event), with the outcome in `*out_outcome` (NULL when not wanted; free it with
 * ccb_agent_outcome_free()). Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an
 * engagementCenter.Error reports the command failed (ccb_error_fail_code(),
 * ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no outcome arrived within
 * `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED when the agent was closed
 * or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `consult_type`: `consultType`, required; one of `"User"`, `"External"`, `"Worktype"`.
 * Type of consult
 *
 * `external_route_id`: `externalRouteId`, optional (NULL: absent). Alvaria-generated
 * unique identifier for the external route ID
 *
 * `work_type_id`: `workTypeId`, optional (NULL: absent). Alvaria-generated unique
 * identifier for the work type
 *
 * `phone_number`: `phoneNumber`, optional (NULL: absent). Phone number that you want to
 * dial if the request requires it
 *
 * `user_id`: `userId`, required. Alvaria-generated unique identifier for the user instance
 * that can be retrieved prior to use from the provisioning rest API. The url is
 * /via/v2/organizations/{orgId}/provisioning/users.
 *
 * `entity`: `entity`, optional (NULL: absent). JSON string of the Via Entity retrieved
 * from Alvaria™ Cloud Provisioning REST API. Expected entities: UsersFragment,
 * workTypeTerse, SystemExternalFragment (ViaProvisioningExternalSwagger);
 *
 * `interaction_data_collection_json`: `interactionDataCollection` as JSON text (an array),
 * optional (NULL: absent). This is a collection of up to 20 user fields.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_consult_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_consult(const struct ccb_agent_t *agent,
                                      const char *interaction_id,
                                      const char *consult_type,
                                      const char *external_route_id,
                                      const char *work_type_id,
                                      const char *phone_number,
                                      const char *user_id,
                                      const char *entity,
                                      const char *interaction_data_collection_json,
                                      struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_consult() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_consult(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_consult(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_consult_async(const struct ccb_agent_t *agent,
                                            const char *interaction_id,
                                            const char *consult_type,
                                            const char *external_route_id,
                                            const char *work_type_id,
                                            const char *phone_number,
                                            const char *user_id,
                                            const char *entity,
                                            const char *interaction_data_collection_json,
                                            ccb_agent_outcome_cb callback,
                                            void *user_data);

/**
 * Sends a request to dial.
 *
 * `engagementCenter.dial` for this agent: returns once `engagementCenter.DialInitiated` or
 * `engagementCenter.Dialing` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `dial_type`: `dialType`, required; one of `"User"`, `"External"`, `"Preview"`,
 * `"WorkType"`. Type of dial
 *
 * `external_route_id`: `externalRouteId`, optional (NULL: absent). Alvaria-generated
 * unique identifier for the external route
 *
 * `work_type_id`: `workTypeId`, required. Alvaria-generated unique identifier for the work
 * type
 *
 * `phone_number`: `phoneNumber`, optional (NULL: absent). Phone number that you want to
 * dial if the request requires it
 *
 * `user_id`: `userId`, required. Alvaria-generated unique identifier for the user instance
 * that can be retrieved prior to use from the provisioning rest API. The url is
 * /via/v2/organizations/{orgId}/provisioning/users.
 *
 * `require_wrap`: `requireWrap`, optional (NULL: absent). This optional parameter will
 * cause the Alvaria™ Cloud internal system to send a wrap state, which means that the
 * client will need to dispose the interaction.
 *
 * `entity`: `entity`, optional (NULL: absent). JSON string of the Via Entity retrieved
 * from Alvaria™ Cloud Provisioning REST API. Expected entities: UsersFragment,
 * workTypeTerse, SystemExternalFragment (ViaProvisioningExternalSwagger);
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_dial_async() is the same without
 * blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_dial(const struct ccb_agent_t *agent,
                                   const char *interaction_id,
                                   const char *dial_type,
                                   const char *external_route_id,
                                   const char *work_type_id,
                                   const char *phone_number,
                                   const char *user_id,
                                   const bool *require_wrap,
                                   const char *entity,
                                   struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_dial() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_dial(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_dial(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_dial_async(const struct ccb_agent_t *agent,
                                         const char *interaction_id,
                                         const char *dial_type,
                                         const char *external_route_id,
                                         const char *work_type_id,
                                         const char *phone_number,
                                         const char *user_id,
                                         const bool *require_wrap,
                                         const char *entity,
                                         ccb_agent_outcome_cb callback,
                                         void *user_data);

/**
 * Sends a request to play digits on the telephony connection.
 *
 * `engagementCenter.digits` for this agent: returns on the service's 202, as the documents
 * name no event that confirms it (the outcome has no event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `digits`: `digits`, required. List of digits to play.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_digits_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_digits(const struct ccb_agent_t *agent,
                                     const char *interaction_id,
                                     const char *digits,
                                     struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_digits() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_digits(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_digits(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_digits_async(const struct ccb_agent_t *agent,
                                           const char *interaction_id,
                                           const char *digits,
                                           ccb_agent_outcome_cb callback,
                                           void *user_data);

/**
 * Sends a disposition request for an interaction.
 *
 * `engagementCenter.dispose` for this agent: returns once
 * `engagementCenter.DispositionInitiated` or `engagementCenter.Idle` arrived (the
 * outcome's event), with the outcome in `*out_outcome` (NULL when not wanted; free it with
 * ccb_agent_outcome_free()). Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an
 * engagementCenter.Error reports the command failed (ccb_error_fail_code(),
 * ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no outcome arrived within
 * `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED when the agent was closed
 * or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `disposition_id`: `dispositionId`, required. Alvaria-generated unique identifier for the
 * disposition
 *
 * `wrap_required`: `wrapRequired`, required. Whether wrap is required for this interaction
 *
 * `sales_flag`: `salesFlag`, required. Whether the interaction is identified as a sales
 * interaction
 *
 * `callback_flag`: `callbackFlag`, required. Whether the interaction is identified for a
 * callback
 *
 * `interaction_data_collection_json`: `interactionDataCollection` as JSON text (an array),
 * required. This is a collection of up to 20 user fields.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_dispose_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_dispose(const struct ccb_agent_t *agent,
                                      const char *interaction_id,
                                      const char *disposition_id,
                                      bool wrap_required,
                                      bool sales_flag,
                                      bool callback_flag,
                                      const char *interaction_data_collection_json,
                                      struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_dispose() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_dispose(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_dispose(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_dispose_async(const struct ccb_agent_t *agent,
                                            const char *interaction_id,
                                            const char *disposition_id,
                                            bool wrap_required,
                                            bool sales_flag,
                                            bool callback_flag,
                                            const char *interaction_data_collection_json,
                                            ccb_agent_outcome_cb callback,
                                            void *user_data);

/**
 * Sends a request to hold an interaction.
 *
 * `engagementCenter.hold` for this agent: returns once `engagementCenter.Held` arrived
 * (the outcome's event), with the outcome in `*out_outcome` (NULL when not wanted; free it
 * with ccb_agent_outcome_free()). Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED
 * when an engagementCenter.Error reports the command failed (ccb_error_fail_code(),
 * ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no outcome arrived within
 * `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED when the agent was closed
 * or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_hold_async() is the same without
 * blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_hold(const struct ccb_agent_t *agent,
                                   const char *interaction_id,
                                   struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_hold() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_hold(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_hold(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_hold_async(const struct ccb_agent_t *agent,
                                         const char *interaction_id,
                                         ccb_agent_outcome_cb callback,
                                         void *user_data);

/**
 * Sends a notification that a chat/SMS session has been activated with an agent.
 *
 * `engagementCenter.messageActive` for this agent: returns once `messaging.EntityAdded` or
 * `messaging.EntitySendText` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `user_id`: `userId`, required. Alvaria-generated unique identifier for the user instance
 * that can be retrieved prior to use from the provisioning rest API. The url is
 * /via/v2/organizations/{orgId}/provisioning/users.
 *
 * `entity_type`: `entityType`, required; one of `"Agent"`, `"Monitor"`, `"System"`. Type
 * of entity
 *
 * `first_name`: `firstName`, required. First name
 *
 * `last_name`: `lastName`, required. Last name
 *
 * `work_type_id`: `workTypeId`, required. Alvaria-generated unique identifier for the work
 * type.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_message_active_async() is the
 * same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_message_active(const struct ccb_agent_t *agent,
                                             const char *interaction_id,
                                             const char *user_id,
                                             const char *entity_type,
                                             const char *first_name,
                                             const char *last_name,
                                             const char *work_type_id,
                                             struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_message_active() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_message_active(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_message_active(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_message_active_async(const struct ccb_agent_t *agent,
                                                   const char *interaction_id,
                                                   const char *user_id,
                                                   const char *entity_type,
                                                   const char *first_name,
                                                   const char *last_name,
                                                   const char *work_type_id,
                                                   ccb_agent_outcome_cb callback,
                                                   void *user_data);

/**
 * Sends a reject for a presented interaction.
 *
 * `engagementCenter.reject` for this agent: returns on the service's 202, as the documents
 * name no event that confirms it (the outcome has no event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `reason`: `reason`, required. Reason code for the rejection. Reason codes are configured
 * in Configuration Manager.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_reject_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_reject(const struct ccb_agent_t *agent,
                                     const char *interaction_id,
                                     const char *reason,
                                     struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_reject() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_reject(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_reject(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_reject_async(const struct ccb_agent_t *agent,
                                           const char *interaction_id,
                                           const char *reason,
                                           ccb_agent_outcome_cb callback,
                                           void *user_data);

/**
 * Sends a request to retrieve a held interaction.
 *
 * `engagementCenter.retrieve` for this agent: returns once `engagementCenter.Active`
 * arrived (the outcome's event), with the outcome in `*out_outcome` (NULL when not wanted;
 * free it with ccb_agent_outcome_free()). Errors as ccb_agent_command():
 * CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the command failed
 * (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no outcome
 * arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED when the
 * agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_retrieve_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_retrieve(const struct ccb_agent_t *agent,
                                       const char *interaction_id,
                                       struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_retrieve() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_retrieve(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_retrieve(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_retrieve_async(const struct ccb_agent_t *agent,
                                             const char *interaction_id,
                                             ccb_agent_outcome_cb callback,
                                             void *user_data);

/**
 * Sends a request to terminate an interaction.
 *
 * `engagementCenter.terminate` for this agent: returns once
 * `engagementCenter.InteractionClear` or `engagementCenter.Wrap` arrived (the outcome's
 * event), with the outcome in `*out_outcome` (NULL when not wanted; free it with
 * ccb_agent_outcome_free()). Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an
 * engagementCenter.Error reports the command failed (ccb_error_fail_code(),
 * ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no outcome arrived within
 * `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED when the agent was closed
 * or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_terminate_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_terminate(const struct ccb_agent_t *agent,
                                        const char *interaction_id,
                                        struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_terminate() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_terminate(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_terminate(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_terminate_async(const struct ccb_agent_t *agent,
                                              const char *interaction_id,
                                              ccb_agent_outcome_cb callback,
                                              void *user_data);

/**
 * Sends a transfer request for an interaction.
 *
 * `engagementCenter.transfer` for this agent: returns once `engagementCenter.CallReRouted`
 * or `engagementCenter.InteractionReleasedXferred` arrived (the outcome's event), with the
 * outcome in `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()).
 * Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error
 * reports the command failed (ccb_error_fail_code(), ccb_error_fail_reason()),
 * CCB_ERR_TIMEOUT when no outcome arrived within `command_timeout_ms` (its outcome is
 * unknown), CCB_ERR_CLOSED when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `transfer_type`: `transferType`, required; one of `"ConsultedParty"`, `"User"`,
 * `"External"`, `"ExternalBlind"`, `"WorkType"`. Type of transfer, which can be Consulted
 * Party, User, External, or Work type
 *
 * `call_type`: `callType`, optional (NULL: absent). Type of call
 *
 * `conference_interaction_id`: `conferenceInteractionId`, optional (NULL: absent).
 * Alvaria-generated unique identifier for the conference
 *
 * `consultation_interaction_id`: `consultationInteractionId`, optional (NULL: absent).
 * Alvaria-generated unique identifier for the consultation leg of interaction
 *
 * `work_type_id`: `workTypeId`, required. Alvaria-generated unique identifier for the work
 * type. This should contain the work type identifier associated with the Interaction.
 *
 * `phone_number`: `phoneNumber`, optional (NULL: absent). Phone number. This should
 * contain the phone number if an external transfer is requested.
 *
 * `external_route_id`: `externalRouteId`, optional (NULL: absent). Alvaria-generated
 * unique identifier for the external route. This optionally contains the external route ID
 * if one is needed.
 *
 * `interaction_type`: `interactionType`, optional (NULL: absent); one of `"Voice"`,
 * `"ChatSms"`. Type of interaction, which can be Voice or ChatSms
 *
 * `user_id`: `userId`, optional (NULL: absent). Alvaria-generated unique identifier for
 * the user instance that can be retrieved prior to use from the provisioning rest API. The
 * url is /via/v2/organizations/{orgId}/provisioning/users.
 *
 * `entity`: `entity`, optional (NULL: absent). JSON string of the Via Entity used to
 * initiate the interaction. Expected entities: UsersFragment, workTypeTerse,
 * SystemExternalFragment (ViaProvisioningExternalSwagger);
 *
 * `interaction_data_collection_json`: `interactionDataCollection` as JSON text (an array),
 * optional (NULL: absent). This is a collection of up to 20 user fields.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_transfer_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_transfer(const struct ccb_agent_t *agent,
                                       const char *interaction_id,
                                       const char *transfer_type,
                                       const char *call_type,
                                       const char *conference_interaction_id,
                                       const char *consultation_interaction_id,
                                       const char *work_type_id,
                                       const char *phone_number,
                                       const char *external_route_id,
                                       const char *interaction_type,
                                       const char *user_id,
                                       const char *entity,
                                       const char *interaction_data_collection_json,
                                       struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_transfer() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_transfer(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_transfer(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_transfer_async(const struct ccb_agent_t *agent,
                                             const char *interaction_id,
                                             const char *transfer_type,
                                             const char *call_type,
                                             const char *conference_interaction_id,
                                             const char *consultation_interaction_id,
                                             const char *work_type_id,
                                             const char *phone_number,
                                             const char *external_route_id,
                                             const char *interaction_type,
                                             const char *user_id,
                                             const char *entity,
                                             const char *interaction_data_collection_json,
                                             ccb_agent_outcome_cb callback,
                                             void *user_data);

/**
 * Notifies the system of a Wrap or Park warning.
 *
 * `engagementCenter.warning` for this agent: returns on the service's 202, as the
 * documents name no event that confirms it (the outcome has no event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `warning_type`: `warningType`, required; one of `"Wrap"`, `"NotReady"`, `"Park"`. Type
 * of warning
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_warning_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_warning(const struct ccb_agent_t *agent,
                                      const char *interaction_id,
                                      const char *warning_type,
                                      struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_warning() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_warning(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_warning(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_warning_async(const struct ccb_agent_t *agent,
                                            const char *interaction_id,
                                            const char *warning_type,
                                            ccb_agent_outcome_cb callback,
                                            void *user_data);

/**
 * Play a message.
 *
 * `engagementCenter.playMessage` for this agent: returns once
 * `engagementCenter.MessageStatus` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `audio_message_id`: `audioMessageId`, required. Alvaria-generated unique identifier for
 * the audio message. The audio messages can be retrieved from url
 * /via/v2/organizations/{orgId}/provisioning/workTypes/{workTypeId}/audioMessages.
 *
 * `language`: `language`, required; one of `"en-US"`, `"es-ES"`, `"de-DE"`, `"pt-BR"`,
 * `"en-GB"`, `"fr-CA"`. The IETF Language for the audio message.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_play_message_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_play_message(const struct ccb_agent_t *agent,
                                           const char *interaction_id,
                                           const char *audio_message_id,
                                           const char *language,
                                           struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_play_message() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_play_message(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_play_message(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_play_message_async(const struct ccb_agent_t *agent,
                                                 const char *interaction_id,
                                                 const char *audio_message_id,
                                                 const char *language,
                                                 ccb_agent_outcome_cb callback,
                                                 void *user_data);

/**
 * Pause a message.
 *
 * `engagementCenter.pauseMessage` for this agent: returns once
 * `engagementCenter.MessageStatus` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_pause_message_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_pause_message(const struct ccb_agent_t *agent,
                                            const char *interaction_id,
                                            struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_pause_message() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_pause_message(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_pause_message(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_pause_message_async(const struct ccb_agent_t *agent,
                                                  const char *interaction_id,
                                                  ccb_agent_outcome_cb callback,
                                                  void *user_data);

/**
 * Resume a message.
 *
 * `engagementCenter.resumeMessage` for this agent: returns once
 * `engagementCenter.MessageStatus` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_resume_message_async() is the
 * same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_resume_message(const struct ccb_agent_t *agent,
                                             const char *interaction_id,
                                             struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_resume_message() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_resume_message(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_resume_message(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_resume_message_async(const struct ccb_agent_t *agent,
                                                   const char *interaction_id,
                                                   ccb_agent_outcome_cb callback,
                                                   void *user_data);

/**
 * Stop a message.
 *
 * `engagementCenter.stopMessage` for this agent: returns once
 * `engagementCenter.MessageStatus` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_stop_message_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_stop_message(const struct ccb_agent_t *agent,
                                           const char *interaction_id,
                                           struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_stop_message() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_stop_message(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_stop_message(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_stop_message_async(const struct ccb_agent_t *agent,
                                                 const char *interaction_id,
                                                 ccb_agent_outcome_cb callback,
                                                 void *user_data);

/**
 * Sends a keep alive request.
 *
 * `engagementCenter.keepAlive` for this agent: returns once
 * `engagementCenter.ClientSessionKeepAlive` arrived (the outcome's event), with the
 * outcome in `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()).
 * Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error
 * reports the command failed (ccb_error_fail_code(), ccb_error_fail_reason()),
 * CCB_ERR_TIMEOUT when no outcome arrived within `command_timeout_ms` (its outcome is
 * unknown), CCB_ERR_CLOSED when the agent was closed or logged out meanwhile.
 *
 * `session_timeout`: `sessionTimeout`, optional (NULL: absent). Duration in seconds since
 * the last keepAlive request after which the agent will be logged out of Engagement
 * Center. If this property is not specified, it will be set to the organization's default
 * value.
 *
 * `request_timestamp`: `requestTimestamp`, optional (NULL: absent). An absolute date and
 * time for the keep alive request. This optional parameter can be used to track the time
 * of the round trip and it will be passed back in the subsequent keep alive event.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_keep_alive_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_keep_alive(const struct ccb_agent_t *agent,
                                         const double *session_timeout,
                                         const char *request_timestamp,
                                         struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_keep_alive() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_keep_alive(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_keep_alive(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_keep_alive_async(const struct ccb_agent_t *agent,
                                               const double *session_timeout,
                                               const char *request_timestamp,
                                               ccb_agent_outcome_cb callback,
                                               void *user_data);

/**
 * Forces a disconnect of a user. Any interaction will be ended immediately.
 *
 * `engagementCenter.forceDisconnect` for this agent: returns on the service's 202, as the
 * documents name no event that confirms it (the outcome has no event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `user_id`: `userId`, required. Alvaria-generated unique identifier for the user to be
 * disconnected. It can be retrieved from provisioning API url
 * /via/v2/organizations/{orgId}/provisioning/users
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_force_disconnect_async() is the
 * same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_force_disconnect(const struct ccb_agent_t *agent,
                                               const char *user_id,
                                               struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_force_disconnect() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_force_disconnect(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_force_disconnect(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_force_disconnect_async(const struct ccb_agent_t *agent,
                                                     const char *user_id,
                                                     ccb_agent_outcome_cb callback,
                                                     void *user_data);

/**
 * Sends a monitor request.
 *
 * `engagementCenter.monitor` for this agent: returns once `engagementCenter.MonitorState`
 * arrived (the outcome's event), with the outcome in `*out_outcome` (NULL when not wanted;
 * free it with ccb_agent_outcome_free()). Errors as ccb_agent_command():
 * CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the command failed
 * (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no outcome
 * arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED when the
 * agent was closed or logged out meanwhile.
 *
 * `monitor_type`: `monitorType`, required; one of `"StartSilent"`, `"StartBargeIn"`,
 * `"StartCoach"`, `"SwitchToSilent"`, `"SwitchToBargeIn"`, `"SwitchToCoach"`,
 * `"StopSilent"`, `"StopBargeIn"`, `"StopCoach"`. Monitor type that specifies which type
 * of monitoring that you want to use
 *
 * `station`: `station`, required. Station number
 *
 * `monitoring_station_id`: `monitoringStationId`, required. Alvaria-generated unique
 * identifier for the station number that you want to monitor
 *
 * `monitoring_id`: `monitoringId`, required. Alvaria-generated unique identifier for the
 * established monitor session
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_monitor_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_monitor(const struct ccb_agent_t *agent,
                                      const char *monitor_type,
                                      const char *station,
                                      const char *monitoring_station_id,
                                      const char *monitoring_id,
                                      struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_monitor() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_monitor(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_monitor(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_monitor_async(const struct ccb_agent_t *agent,
                                            const char *monitor_type,
                                            const char *station,
                                            const char *monitoring_station_id,
                                            const char *monitoring_id,
                                            ccb_agent_outcome_cb callback,
                                            void *user_data);

/**
 * Sends a request to change the multitasking state.
 *
 * `engagementCenter.multitasking` for this agent: returns once
 * `engagementCenter.MultiTaskingStatus` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `enabled`: `enabled`, required. Enable / Disable
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_multitasking_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_multitasking(const struct ccb_agent_t *agent,
                                           bool enabled,
                                           struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_multitasking() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_multitasking(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_multitasking(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_multitasking_async(const struct ccb_agent_t *agent,
                                                 bool enabled,
                                                 ccb_agent_outcome_cb callback,
                                                 void *user_data);

/**
 * Sends a not ready request.
 *
 * `engagementCenter.notReady` for this agent: returns once `engagementCenter.NotReady` or
 * `engagementCenter.Park` or `engagementCenter.NotReadyPending` arrived (the outcome's
 * event), with the outcome in `*out_outcome` (NULL when not wanted; free it with
 * ccb_agent_outcome_free()). Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an
 * engagementCenter.Error reports the command failed (ccb_error_fail_code(),
 * ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no outcome arrived within
 * `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED when the agent was closed
 * or logged out meanwhile.
 *
 * `reason_id`: `reasonId`, required. Alvaria-generated unique identifier for the reason
 * code for the Not Ready. Reason codes are configured in Configuration Manager.
 *
 * `not_ready_type`: `notReadyType`, required; one of `"NotReady"`, `"Park"`. Type of not
 * ready type, which is Park or Not Ready
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_not_ready_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_not_ready(const struct ccb_agent_t *agent,
                                        const char *reason_id,
                                        const char *not_ready_type,
                                        struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_not_ready() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_not_ready(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_not_ready(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_not_ready_async(const struct ccb_agent_t *agent,
                                              const char *reason_id,
                                              const char *not_ready_type,
                                              ccb_agent_outcome_cb callback,
                                              void *user_data);

/**
 * Sends a ready request to move the user to the Idle state.
 *
 * `engagementCenter.ready` for this agent: returns once `engagementCenter.Idle` arrived
 * (the outcome's event), with the outcome in `*out_outcome` (NULL when not wanted; free it
 * with ccb_agent_outcome_free()). Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED
 * when an engagementCenter.Error reports the command failed (ccb_error_fail_code(),
 * ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no outcome arrived within
 * `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED when the agent was closed
 * or logged out meanwhile.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_ready_async() is the same without
 * blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_ready(const struct ccb_agent_t *agent,
                                    struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_ready() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_ready(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_ready(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_ready_async(const struct ccb_agent_t *agent,
                                          ccb_agent_outcome_cb callback,
                                          void *user_data);

/**
 * Notify Voicemail Forwarded.
 *
 * `engagementCenter.voicemailForwarded` for this agent: returns on the service's 202, as
 * the documents name no event that confirms it (the outcome has no event), with the
 * outcome in `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()).
 * Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error
 * reports the command failed (ccb_error_fail_code(), ccb_error_fail_reason()),
 * CCB_ERR_TIMEOUT when no outcome arrived within `command_timeout_ms` (its outcome is
 * unknown), CCB_ERR_CLOSED when the agent was closed or logged out meanwhile.
 *
 * `source_mailbox_id`: `sourceMailboxId`, required. Alvaria-generated unique identifier
 * for the source mailbox.
 *
 * `destination_mailbox_id`: `destinationMailboxId`, required. Alvaria-generated unique
 * identifier for the destination mailbox.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_voicemail_forwarded_async() is
 * the same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_voicemail_forwarded(const struct ccb_agent_t *agent,
                                                  const char *source_mailbox_id,
                                                  const char *destination_mailbox_id,
                                                  struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_voicemail_forwarded() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_voicemail_forwarded(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_voicemail_forwarded(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_voicemail_forwarded_async(const struct ccb_agent_t *agent,
                                                        const char *source_mailbox_id,
                                                        const char *destination_mailbox_id,
                                                        ccb_agent_outcome_cb callback,
                                                        void *user_data);

/**
 * Notify Voicemail Updated.
 *
 * `engagementCenter.voicemailUpdated` for this agent: returns on the service's 202, as the
 * documents name no event that confirms it (the outcome has no event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `work_type_id`: `workTypeId`, required. Alvaria-generated unique identifier for the work
 * type.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_voicemail_updated_async() is the
 * same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_voicemail_updated(const struct ccb_agent_t *agent,
                                                const char *work_type_id,
                                                struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_voicemail_updated() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_voicemail_updated(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_voicemail_updated(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_voicemail_updated_async(const struct ccb_agent_t *agent,
                                                      const char *work_type_id,
                                                      ccb_agent_outcome_cb callback,
                                                      void *user_data);

/**
 * Play a personal greeting.
 *
 * `engagementCenter.playPersonalGreeting` for this agent: returns once
 * `engagementCenter.RecordingState` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `station`: `station`, required. The phone number provided as the agent's station when
 * connecting to the system (e.g, through the /connect endpoint). It is used as the
 * endpoint for agent audio.
 *
 * `file_name`: `fileName`, required. The file name of the personal greeting recording,
 * provided by the recording event upon creating a new recording.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_play_personal_greeting_async() is
 * the same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_play_personal_greeting(const struct ccb_agent_t *agent,
                                                     const char *station,
                                                     const char *file_name,
                                                     struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_play_personal_greeting() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_play_personal_greeting(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_play_personal_greeting(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_play_personal_greeting_async(const struct ccb_agent_t *agent,
                                                           const char *station,
                                                           const char *file_name,
                                                           ccb_agent_outcome_cb callback,
                                                           void *user_data);

/**
 * Stop playing a personal greeting.
 *
 * `engagementCenter.stopPlayPersonalGreeting` for this agent: returns once
 * `engagementCenter.RecordingState` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `station`: `station`, required. The phone number provided as the agent's station when
 * connecting to the system (e.g, through the /connect endpoint). It is used as the
 * endpoint for agent audio.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument.
 * ccb_agent_stop_play_personal_greeting_async() is the same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_stop_play_personal_greeting(const struct ccb_agent_t *agent,
                                                          const char *station,
                                                          struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_stop_play_personal_greeting() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_stop_play_personal_greeting(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_stop_play_personal_greeting(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_stop_play_personal_greeting_async(const struct ccb_agent_t *agent,
                                                                const char *station,
                                                                ccb_agent_outcome_cb callback,
                                                                void *user_data);

/**
 * Pause a personal greeting.
 *
 * `engagementCenter.pausePlayPersonalGreeting` for this agent: returns once
 * `engagementCenter.RecordingState` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `station`: `station`, required. The phone number provided as the agent's station when
 * connecting to the system (e.g, through the /connect endpoint). It is used as the
 * endpoint for agent audio.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument.
 * ccb_agent_pause_play_personal_greeting_async() is the same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_pause_play_personal_greeting(const struct ccb_agent_t *agent,
                                                           const char *station,
                                                           struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_pause_play_personal_greeting() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_pause_play_personal_greeting(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_pause_play_personal_greeting(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_pause_play_personal_greeting_async(const struct ccb_agent_t *agent,
                                                                 const char *station,
                                                                 ccb_agent_outcome_cb callback,
                                                                 void *user_data);

/**
 * Start recording a personal greeting.
 *
 * `engagementCenter.recordPersonalGreeting` for this agent: returns once
 * `engagementCenter.RecordingState` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `station`: `station`, required. The phone number provided as the agent's station when
 * connecting to the system (e.g, through the /connect endpoint). It is used as the
 * endpoint for agent audio.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_record_personal_greeting_async()
 * is the same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_record_personal_greeting(const struct ccb_agent_t *agent,
                                                       const char *station,
                                                       struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_record_personal_greeting() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_record_personal_greeting(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_record_personal_greeting(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_record_personal_greeting_async(const struct ccb_agent_t *agent,
                                                             const char *station,
                                                             ccb_agent_outcome_cb callback,
                                                             void *user_data);

/**
 * Stop recording a personal greeting.
 *
 * `engagementCenter.stopRecordPersonalGreeting` for this agent: returns once
 * `engagementCenter.RecordingState` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `station`: `station`, required. The phone number provided as the agent's station when
 * connecting to the system (e.g, through the /connect endpoint). It is used as the
 * endpoint for agent audio.
 *
 * `file_name`: `fileName`, required. The file name of the personal greeting recording,
 * provided by the recording event upon creating a new recording.
 *
 * `recording_index`: `recordingIndex`, required. The recording index of the personal
 * greeting recording provided in the associated recording event
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument.
 * ccb_agent_stop_record_personal_greeting_async() is the same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_stop_record_personal_greeting(const struct ccb_agent_t *agent,
                                                            const char *station,
                                                            const char *file_name,
                                                            const char *recording_index,
                                                            struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_stop_record_personal_greeting() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_stop_record_personal_greeting(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_stop_record_personal_greeting(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_stop_record_personal_greeting_async(const struct ccb_agent_t *agent,
                                                                  const char *station,
                                                                  const char *file_name,
                                                                  const char *recording_index,
                                                                  ccb_agent_outcome_cb callback,
                                                                  void *user_data);

/**
 * Delete a personal greeting.
 *
 * `engagementCenter.deletePersonalGreeting` for this agent: returns on the service's 202,
 * as the documents name no event that confirms it (the outcome has no event), with the
 * outcome in `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()).
 * Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error
 * reports the command failed (ccb_error_fail_code(), ccb_error_fail_reason()),
 * CCB_ERR_TIMEOUT when no outcome arrived within `command_timeout_ms` (its outcome is
 * unknown), CCB_ERR_CLOSED when the agent was closed or logged out meanwhile.
 *
 * `station`: `station`, required. The phone number provided as the agent's station when
 * connecting to the system (e.g, through the /connect endpoint). It is used as the
 * endpoint for agent audio.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_delete_personal_greeting_async()
 * is the same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_delete_personal_greeting(const struct ccb_agent_t *agent,
                                                       const char *station,
                                                       struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_delete_personal_greeting() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_delete_personal_greeting(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_delete_personal_greeting(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_delete_personal_greeting_async(const struct ccb_agent_t *agent,
                                                             const char *station,
                                                             ccb_agent_outcome_cb callback,
                                                             void *user_data);

/**
 * Notify system of a personal greeting update.
 *
 * `engagementCenter.personalGreetingUpdated` for this agent: returns on the service's 202,
 * as the documents name no event that confirms it (the outcome has no event), with the
 * outcome in `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()).
 * Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error
 * reports the command failed (ccb_error_fail_code(), ccb_error_fail_reason()),
 * CCB_ERR_TIMEOUT when no outcome arrived within `command_timeout_ms` (its outcome is
 * unknown), CCB_ERR_CLOSED when the agent was closed or logged out meanwhile.
 *
 * `recording_id`: `recordingId`, required. Alvaria-generated unique identifier for the
 * personal greeting recording.
 *
 * `personal_greeting_id`: `personalGreetingId`, required. Alvaria-generated unique
 * identifier for the personal greeting entity.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_personal_greeting_updated_async()
 * is the same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_personal_greeting_updated(const struct ccb_agent_t *agent,
                                                        const char *recording_id,
                                                        const char *personal_greeting_id,
                                                        struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_personal_greeting_updated() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_personal_greeting_updated(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_personal_greeting_updated(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_personal_greeting_updated_async(const struct ccb_agent_t *agent,
                                                              const char *recording_id,
                                                              const char *personal_greeting_id,
                                                              ccb_agent_outcome_cb callback,
                                                              void *user_data);

/**
 * Request Agent Statistics.
 *
 * `engagementCenter.agentStatistics` for this agent: returns once
 * `engagementCenter.AgentStatistics` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_agent_statistics_async() is the
 * same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_agent_statistics(const struct ccb_agent_t *agent,
                                               struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_agent_statistics() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_agent_statistics(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_agent_statistics(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_agent_statistics_async(const struct ccb_agent_t *agent,
                                                     ccb_agent_outcome_cb callback,
                                                     void *user_data);

/**
 * Reassign a queued email.
 *
 * `engagementCenter.reassignEmail` for this agent: returns once
 * `engagementCenter.ReassignEmailAck` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `email_object_id`: `emailObjectId`, required. Alvaria-generated unique identifier for
 * the path in cloud storage to the corresponding email message.
 *
 * `destination_work_type_id`: `destinationWorkTypeId`, required. Alvaria-generated unique
 * identifier for the destination Email work type. The work type can be retrieved from url
 * /via/v2/organizations/{orgId}/provisioning/workTypes?channelType=email. If reassigning
 * to a user, set destinationWorkTypeId to an empty string. If both destinationWorkTypeId
 * and destinationUserId are set, the destinationWorkTypeId will take precedence.
 *
 * `destination_user_id`: `destinationUserId`, required. Alvaria-generated unique
 * identifier for the destination user. The user can be retrieved from url
 * /via/v2/organizations/{orgId}/provisioning/users. If reassigning to a workType, set
 * destinationUserId to an empty string. If both destinationWorkTypeId and
 * destinationUserId are set, the destinationWorkTypeId will take precedence.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_reassign_email_async() is the
 * same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_reassign_email(const struct ccb_agent_t *agent,
                                             const char *email_object_id,
                                             const char *destination_work_type_id,
                                             const char *destination_user_id,
                                             struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_reassign_email() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_reassign_email(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_reassign_email(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_reassign_email_async(const struct ccb_agent_t *agent,
                                                   const char *email_object_id,
                                                   const char *destination_work_type_id,
                                                   const char *destination_user_id,
                                                   ccb_agent_outcome_cb callback,
                                                   void *user_data);

/**
 * Close an email.
 *
 * `engagementCenter.closeEmail` for this agent: returns on the service's 202, as the
 * documents name no event that confirms it (the outcome has no event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `to`: `to`, optional (NULL: absent). The semicolon-delimited string containing the
 * destination email addresses of the email message. Required only if the email is an
 * agent-initiated, composed email and not a reply to an existing customer email.
 *
 * `interaction_data_collection_json`: `interactionDataCollection` as JSON text (an array),
 * required. This is a collection of up to 20 user fields.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_close_email_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_close_email(const struct ccb_agent_t *agent,
                                          const char *interaction_id,
                                          const char *to,
                                          const char *interaction_data_collection_json,
                                          struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_close_email() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_close_email(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_close_email(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_close_email_async(const struct ccb_agent_t *agent,
                                                const char *interaction_id,
                                                const char *to,
                                                const char *interaction_data_collection_json,
                                                ccb_agent_outcome_cb callback,
                                                void *user_data);

/**
 * Notify that the retrieval of an email message succeeded.
 *
 * `engagementCenter.emailActive` for this agent: returns once `engagementCenter.Active`
 * arrived (the outcome's event), with the outcome in `*out_outcome` (NULL when not wanted;
 * free it with ccb_agent_outcome_free()). Errors as ccb_agent_command():
 * CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the command failed
 * (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no outcome
 * arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED when the
 * agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_email_active_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_email_active(const struct ccb_agent_t *agent,
                                           const char *interaction_id,
                                           struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_email_active() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_email_active(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_email_active(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_email_active_async(const struct ccb_agent_t *agent,
                                                 const char *interaction_id,
                                                 ccb_agent_outcome_cb callback,
                                                 void *user_data);

/**
 * Notify that the retrieval of an email message failed.
 *
 * `engagementCenter.emailError` for this agent: returns once
 * `engagementCenter.InteractionClear` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `error_code`: `errorCode`, required. The http error status code received by the client
 * from its failed request to retrieve from storage the email message associated with the
 * specified interation.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_email_error_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_email_error(const struct ccb_agent_t *agent,
                                          const char *interaction_id,
                                          double error_code,
                                          struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_email_error() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_email_error(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_email_error(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_email_error_async(const struct ccb_agent_t *agent,
                                                const char *interaction_id,
                                                double error_code,
                                                ccb_agent_outcome_cb callback,
                                                void *user_data);

/**
 * Forward an email.
 *
 * `engagementCenter.forwardEmail` for this agent: returns on the service's 202, as the
 * documents name no event that confirms it (the outcome has no event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `reply_email_object_id`: `replyEmailObjectId`, required. Alvaria-generated unique
 * identifier for the path in cloud storage to the associated reply email message or
 * agent-initiated, composed email message created by the client.
 *
 * `to`: `to`, required. The semicolon-delimited string containing the destination email
 * addresses of the email message.
 *
 * `interaction_data_collection_json`: `interactionDataCollection` as JSON text (an array),
 * required. This is a collection of up to 20 user fields.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_forward_email_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_forward_email(const struct ccb_agent_t *agent,
                                            const char *interaction_id,
                                            const char *reply_email_object_id,
                                            const char *to,
                                            const char *interaction_data_collection_json,
                                            struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_forward_email() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_forward_email(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_forward_email(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_forward_email_async(const struct ccb_agent_t *agent,
                                                  const char *interaction_id,
                                                  const char *reply_email_object_id,
                                                  const char *to,
                                                  const char *interaction_data_collection_json,
                                                  ccb_agent_outcome_cb callback,
                                                  void *user_data);

/**
 * Save an email.
 *
 * `engagementCenter.saveEmail` for this agent: returns on the service's 202, as the
 * documents name no event that confirms it (the outcome has no event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `reply_email_object_id`: `replyEmailObjectId`, required. Alvaria-generated unique
 * identifier for the path in cloud storage to the associated reply email message or
 * agent-initiated, composed email message created by the client.
 *
 * `subject`: `subject`, optional (NULL: absent). The subject of the email message.
 * Required only if the email is an agent-initiated, composed email and not a reply to an
 * existing customer email.
 *
 * `to`: `to`, optional (NULL: absent). The semicolon-delimited string containing the
 * destination email addresses of the email message. Required only if the email is an
 * agent-initiated, composed email and not a reply to an existing customer email.
 *
 * `interaction_data_collection_json`: `interactionDataCollection` as JSON text (an array),
 * required. This is a collection of up to 20 user fields.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_save_email_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_save_email(const struct ccb_agent_t *agent,
                                         const char *interaction_id,
                                         const char *reply_email_object_id,
                                         const char *subject,
                                         const char *to,
                                         const char *interaction_data_collection_json,
                                         struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_save_email() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_save_email(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_save_email(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_save_email_async(const struct ccb_agent_t *agent,
                                               const char *interaction_id,
                                               const char *reply_email_object_id,
                                               const char *subject,
                                               const char *to,
                                               const char *interaction_data_collection_json,
                                               ccb_agent_outcome_cb callback,
                                               void *user_data);

/**
 * Send an email.
 *
 * `engagementCenter.sendEmail` for this agent: returns on the service's 202, as the
 * documents name no event that confirms it (the outcome has no event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `reply_email_object_id`: `replyEmailObjectId`, required. Alvaria-generated unique
 * identifier for the path in cloud storage to the associated reply email message or
 * agent-initiated, composed email message created by the client.
 *
 * `to`: `to`, optional (NULL: absent). The semicolon-delimited string containing the
 * destination email addresses of the email message. Required only if the email is an
 * agent-initiated, composed email and not a reply to an existing customer email.
 *
 * `interaction_data_collection_json`: `interactionDataCollection` as JSON text (an array),
 * required. This is a collection of up to 20 user fields.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_send_email_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_send_email(const struct ccb_agent_t *agent,
                                         const char *interaction_id,
                                         const char *reply_email_object_id,
                                         const char *to,
                                         const char *interaction_data_collection_json,
                                         struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_send_email() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_send_email(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_send_email(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_send_email_async(const struct ccb_agent_t *agent,
                                               const char *interaction_id,
                                               const char *reply_email_object_id,
                                               const char *to,
                                               const char *interaction_data_collection_json,
                                               ccb_agent_outcome_cb callback,
                                               void *user_data);

/**
 * Transfer an email to another user.
 *
 * `engagementCenter.transferEmailToUser` for this agent: returns on the service's 202, as
 * the documents name no event that confirms it (the outcome has no event), with the
 * outcome in `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()).
 * Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error
 * reports the command failed (ccb_error_fail_code(), ccb_error_fail_reason()),
 * CCB_ERR_TIMEOUT when no outcome arrived within `command_timeout_ms` (its outcome is
 * unknown), CCB_ERR_CLOSED when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `reply_email_object_id`: `replyEmailObjectId`, required. Alvaria-generated unique
 * identifier for the path in cloud storage to the associated reply email message or
 * agent-initiated, composed email message created by the client.
 *
 * `user_id`: `userId`, required. Alvaria-generated unique identifier for the destination
 * user. The user can be retrieved from url
 * /via/v2/organizations/{orgId}/provisioning/users.
 *
 * `interaction_data_collection_json`: `interactionDataCollection` as JSON text (an array),
 * required. This is a collection of up to 20 user fields.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_transfer_email_to_user_async() is
 * the same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_transfer_email_to_user(const struct ccb_agent_t *agent,
                                                     const char *interaction_id,
                                                     const char *reply_email_object_id,
                                                     const char *user_id,
                                                     const char *interaction_data_collection_json,
                                                     struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_transfer_email_to_user() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_transfer_email_to_user(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_transfer_email_to_user(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_transfer_email_to_user_async(const struct ccb_agent_t *agent,
                                                           const char *interaction_id,
                                                           const char *reply_email_object_id,
                                                           const char *user_id,
                                                           const char *interaction_data_collection_json,
                                                           ccb_agent_outcome_cb callback,
                                                           void *user_data);

/**
 * Transfer an email to a work type.
 *
 * `engagementCenter.transferEmailToWorkType` for this agent: returns on the service's 202,
 * as the documents name no event that confirms it (the outcome has no event), with the
 * outcome in `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()).
 * Errors as ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error
 * reports the command failed (ccb_error_fail_code(), ccb_error_fail_reason()),
 * CCB_ERR_TIMEOUT when no outcome arrived within `command_timeout_ms` (its outcome is
 * unknown), CCB_ERR_CLOSED when the agent was closed or logged out meanwhile.
 *
 * `interaction_id`: the interaction (the path's `interactionId`); NULL or empty is
 * CCB_ERR_INVALID_ARGUMENT naming `interaction_id`.
 *
 * `reply_email_object_id`: `replyEmailObjectId`, required. Alvaria-generated unique
 * identifier for the path in cloud storage to the associated reply email message or
 * agent-initiated, composed email message created by the client.
 *
 * `work_type_id`: `workTypeId`, required. Alvaria-generated unique identifier for the
 * destination Email work type. The work type can be retrieved from url
 * /via/v2/organizations/{orgId}/provisioning/workTypes?channelType=email
 *
 * `interaction_data_collection_json`: `interactionDataCollection` as JSON text (an array),
 * required. This is a collection of up to 20 user fields.
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument.
 * ccb_agent_transfer_email_to_work_type_async() is the same without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_transfer_email_to_work_type(const struct ccb_agent_t *agent,
                                                          const char *interaction_id,
                                                          const char *reply_email_object_id,
                                                          const char *work_type_id,
                                                          const char *interaction_data_collection_json,
                                                          struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_transfer_email_to_work_type() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_transfer_email_to_work_type(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_transfer_email_to_work_type(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_transfer_email_to_work_type_async(const struct ccb_agent_t *agent,
                                                                const char *interaction_id,
                                                                const char *reply_email_object_id,
                                                                const char *work_type_id,
                                                                const char *interaction_data_collection_json,
                                                                ccb_agent_outcome_cb callback,
                                                                void *user_data);

/**
 * Compose a new email.
 *
 * `engagementCenter.composeEmail` for this agent: returns on the service's 202, as the
 * documents name no event that confirms it (the outcome has no event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `work_type_id`: `workTypeId`, required. Alvaria-generated unique identifier for the
 * Email work type to associate with the new email. The Email work type should be one to
 * which the user is assigned (i.e., received by the user in an
 * engagementCenter.NewWorkType event from the Streaming API during login) and should have
 * its "canInitiateNewOutboundEmail" setting set to true. The work type settings can be
 * retrieved from url
 * /via/v2/organizations/{orgId}/provisioning/workTypes/{workTypeId}/workHandlerRules
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_compose_email_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_compose_email(const struct ccb_agent_t *agent,
                                            const char *work_type_id,
                                            struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_compose_email() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_compose_email(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_compose_email(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_compose_email_async(const struct ccb_agent_t *agent,
                                                  const char *work_type_id,
                                                  ccb_agent_outcome_cb callback,
                                                  void *user_data);

/**
 * Remove a queued email.
 *
 * `engagementCenter.removeEmail` for this agent: returns once
 * `engagementCenter.EmailRemoved` arrived (the outcome's event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `email_object_id`: `emailObjectId`, required. Alvaria-generated unique identifier for
 * the path in cloud storage to the corresponding email message
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_remove_email_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_remove_email(const struct ccb_agent_t *agent,
                                           const char *email_object_id,
                                           struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_remove_email() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_remove_email(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_remove_email(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_remove_email_async(const struct ccb_agent_t *agent,
                                                 const char *email_object_id,
                                                 ccb_agent_outcome_cb callback,
                                                 void *user_data);

/**
 * Activate a queued email.
 *
 * `engagementCenter.reviewEmail` for this agent: returns on the service's 202, as the
 * documents name no event that confirms it (the outcome has no event), with the outcome in
 * `*out_outcome` (NULL when not wanted; free it with ccb_agent_outcome_free()). Errors as
 * ccb_agent_command(): CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports the
 * command failed (ccb_error_fail_code(), ccb_error_fail_reason()), CCB_ERR_TIMEOUT when no
 * outcome arrived within `command_timeout_ms` (its outcome is unknown), CCB_ERR_CLOSED
 * when the agent was closed or logged out meanwhile.
 *
 * `email_object_id`: `emailObjectId`, required. Alvaria-generated unique identifier for
 * the path in cloud storage to the corresponding email message
 *
 * `queue_type`: `queueType`, required; one of `"Personal"`, `"WorkType"`. Type of Email
 * Queue
 *
 * The session fills in the body's `ehubSessionId` and the path's `userId` (the agent's). A
 * NULL argument leaves its field out. The body is checked against the API description
 * before anything is sent: a missing required field or a value the documents do not allow
 * is CCB_ERR_INVALID_ARGUMENT naming the wire field; a NULL `agent`, invalid UTF-8 or JSON
 * text that does not parse names the argument. ccb_agent_review_email_async() is the same
 * without blocking.
 *
 * # Safety
 * `agent` is NULL or live; every `const char *` NULL or NUL-terminated; every other
 * `const` pointer NULL or pointing to a readable value; `out_outcome` NULL or writable.
 */
struct ccb_error_t *ccb_agent_review_email(const struct ccb_agent_t *agent,
                                           const char *email_object_id,
                                           const char *queue_type,
                                           struct ccb_agent_outcome_t **out_outcome);

/**
 * ccb_agent_review_email() without waiting: returns at once and later calls `callback`
 * exactly once with the outcome or the error, on a thread of the agent's own, as
 * ccb_agent_command_async() does (see ccb_agent_outcome_cb); usable from the agent's
 * listener. The arguments are those of ccb_agent_review_email(), checked here: an error
 * returned by this function means the callback will not be called; the description's
 * checks and the command's own errors go to the callback.
 *
 * # Safety
 * As ccb_agent_review_email(); `user_data` valid until the callback was called.
 */
struct ccb_error_t *ccb_agent_review_email_async(const struct ccb_agent_t *agent,
                                                 const char *email_object_id,
                                                 const char *queue_type,
                                                 ccb_agent_outcome_cb callback,
                                                 void *user_data);

/**
 * Fills `options` with defaults: every string NULL, every number 0 (its default),
 * `allow_insecure_http` false, and `struct_size`. NULL is ignored.
 *
 * # Safety
 * `options` is NULL or points to writable storage for a `ccb_client_options_t`.
 */
void ccb_client_options_init(struct ccb_client_options_t *options);

/**
 * Creates a client. The configuration is validated here (a bad value is an error naming
 * the field); no request is sent until the first call.
 *
 * # Safety
 * `options` is NULL or points to an initialised `ccb_client_options_t` whose strings are
 * NULL or NUL-terminated; `out` is NULL or writable.
 */
struct ccb_error_t *ccb_client_new(const struct ccb_client_options_t *options,
                                   struct ccb_client_t **out);

/**
 * Releases a client. NULL is ignored. Streams started from it keep working until freed.
 *
 * # Safety
 * `client` is NULL or a client from ccb_client_new(), not yet freed, and no other thread
 * is using it.
 */
void ccb_client_free(struct ccb_client_t *client);

/**
 * Calls any operation by name (`"engagementCenter.ready"`, `"streaming.createSession"`...)
 * with JSON parameters, and returns the JSON response body (`"null"` when the service sent
 * none, as for `202 Accepted`) in `*result_json` (free it with ccb_string_free()).
 *
 * `params_json` is an object: the operation's path parameters (`"userId"`), `"sessionId"`
 * (sent as `via-client-sessionid`), `"query"` (an object), `"body"` (the JSON body) and
 * `"extraBody"` (body fields the documents do not describe yet). Everything is checked
 * against the API description before anything is sent: a failure is
 * CCB_ERR_INVALID_ARGUMENT naming the wire field (ccb_error_field()).
 *
 * # Safety
 * Pointers are NULL or valid: `client` live, strings NUL-terminated, `result_json`
 * writable.
 */
struct ccb_error_t *ccb_client_call(const struct ccb_client_t *client,
                                    const char *operation,
                                    const char *params_json,
                                    char **result_json);

/**
 * Sends a request to a Via API the description does not cover (provisioning, campaign,
 * reporting...) through the same transport as every operation (OAuth2 and `x-api-key`,
 * pacing, retries, typed errors), and returns the JSON answer (`"null"` when there is
 * none) in `*result_json` (free it with ccb_string_free()).
 *
 * `method` is `"GET"`, `"POST"`, `"PUT"`, `"PATCH"` or `"DELETE"`; `version` is NULL
 * (`"v2"`) or `"vN"`; `path` is relative to `/via/{version}/organizations/{orgId}/`
 * (`"provisioning/users"`), its segments unencoded, and cannot leave that prefix.
 * `params_json` is NULL or an object with `"query"` (an object of strings), `"sessionId"`
 * and `"body"`.
 *
 * # Safety
 * Pointers are NULL or valid: `client` live, strings NUL-terminated, `result_json`
 * writable.
 */
struct ccb_error_t *ccb_client_raw(const struct ccb_client_t *client,
                                   const char *method,
                                   const char *version,
                                   const char *path,
                                   const char *params_json,
                                   char **result_json);

/**
 * `engagementCenter.connect`: logs the agent `user_id` in on the streaming session
 * `session_id` (see ccb_stream_session_id()). The outcome arrives as events: Connecting,
 * ConnectConfirm (its payload carries the ehubSessionId the other commands need),
 * Connected, then the initial state's event.
 *
 * `initial_state`: `"Idle"`, `"NotReady"`, `"Park"`, or NULL (the service's default).
 * `station`: the phone number the system calls for the agent's audio, or NULL. `attach`:
 * attach to the user's existing login instead of logging in.
 *
 * # Safety
 * Pointers are NULL or valid: `client` live, strings NUL-terminated.
 */
struct ccb_error_t *ccb_ec_connect(const struct ccb_client_t *client,
                                   const char *session_id,
                                   const char *user_id,
                                   const char *initial_state,
                                   const char *station,
                                   bool attach);

/**
 * `engagementCenter.ready`: moves the agent to Idle (event engagementCenter.Idle).
 *
 * # Safety
 * Pointers are NULL or valid: `client` live, strings NUL-terminated.
 */
struct ccb_error_t *ccb_ec_ready(const struct ccb_client_t *client,
                                 const char *session_id,
                                 const char *user_id,
                                 const char *ehub_session_id);

/**
 * `engagementCenter.notReady`: moves the agent to NotReady or Park with a reason code.
 * `not_ready_type`: `"NotReady"` or `"Park"`.
 *
 * # Safety
 * Pointers are NULL or valid: `client` live, strings NUL-terminated.
 */
struct ccb_error_t *ccb_ec_not_ready(const struct ccb_client_t *client,
                                     const char *session_id,
                                     const char *user_id,
                                     const char *ehub_session_id,
                                     const char *reason_id,
                                     const char *not_ready_type);

/**
 * `engagementCenter.disconnect`: logs the agent out (`reason_id` `"-1"` forces it).
 *
 * # Safety
 * Pointers are NULL or valid: `client` live, strings NUL-terminated.
 */
struct ccb_error_t *ccb_ec_disconnect(const struct ccb_client_t *client,
                                      const char *session_id,
                                      const char *user_id,
                                      const char *ehub_session_id,
                                      const char *reason_id);

/**
 * `engagementCenter.keepAlive` (event engagementCenter.ClientSessionKeepAlive). Once sent,
 * it must be repeated every minute or the service logs the agent out.
 * `session_timeout` (seconds): 0 leaves it unset. `request_timestamp`: an ISO 8601 date-time echoed
 * in the event, or NULL.
 *
 * # Safety
 * Pointers are NULL or valid: `client` live, strings NUL-terminated.
 */
struct ccb_error_t *ccb_ec_keep_alive(const struct ccb_client_t *client,
                                      const char *session_id,
                                      const char *user_id,
                                      const char *ehub_session_id,
                                      uint32_t session_timeout,
                                      const char *request_timestamp);

/**
 * The category of `error`; CCB_OK when `error` is NULL.
 *
 * # Safety
 * `error` is NULL or a live error returned by this library.
 */
ccb_error_code_t ccb_error_code(const struct ccb_error_t *error);

/**
 * The error's message (UTF-8, one line, no secrets). Borrowed: valid until
 * ccb_error_free(). An empty string when `error` is NULL.
 *
 * # Safety
 * `error` is NULL or a live error returned by this library.
 */
const char *ccb_error_message(const struct ccb_error_t *error);

/**
 * The HTTP status behind the error (401, 404, 409...), or 0 when there was none.
 *
 * # Safety
 * `error` is NULL or a live error returned by this library.
 */
uint16_t ccb_error_http_status(const struct ccb_error_t *error);

/**
 * For CCB_ERR_INVALID_ARGUMENT, the name of the argument or field at fault
 * (`"org_id"`, `"inactivity_delay"`, `"client"`...); NULL otherwise. Borrowed: valid until
 * ccb_error_free().
 *
 * # Safety
 * `error` is NULL or a live error returned by this library.
 */
const char *ccb_error_field(const struct ccb_error_t *error);

/**
 * For CCB_ERR_COMMAND_FAILED, the `failCode` of the engagementCenter.Error event that
 * reported the failure (31 "Hold failure", 219 "Agent is already logged in"...; the API
 * documents list them); 0 for any other error, for a failure the service gave no code, and
 * when `error` is NULL.
 *
 * # Safety
 * `error` is NULL or a live error returned by this library.
 */
int64_t ccb_error_fail_code(const struct ccb_error_t *error);

/**
 * For CCB_ERR_COMMAND_FAILED, the `failReason` of the event that reported the failure
 * (`"(31) Hold failure"`; the message carries it too, after the command's name); NULL for
 * any other error. Borrowed: valid until ccb_error_free().
 *
 * # Safety
 * `error` is NULL or a live error returned by this library.
 */
const char *ccb_error_fail_reason(const struct ccb_error_t *error);

/**
 * The name of an error code (`"invalid_argument"`, `"auth"`...; `"ok"` for CCB_OK,
 * `"unknown"` for a value this version does not know). A static string: never free it.
 */
const char *ccb_error_code_name(int32_t code);

/**
 * Releases an error. NULL is ignored.
 *
 * # Safety
 * `error` is NULL or an error returned by this library, not yet freed.
 */
void ccb_error_free(struct ccb_error_t *error);

/**
 * The event type (`"engagementCenter.Idle"`). NULL when `event` is NULL.
 *
 * # Safety
 * `event` is NULL or a live event.
 */
const char *ccb_event_type(const struct ccb_event_t *event);

/**
 * The event id (unique; what acknowledgement keys on). NULL when `event` is NULL.
 *
 * # Safety
 * `event` is NULL or a live event.
 */
const char *ccb_event_id(const struct ccb_event_t *event);

/**
 * The correlation id: events caused by one command share it. Empty when absent; NULL when
 * `event` is NULL.
 *
 * # Safety
 * `event` is NULL or a live event.
 */
const char *ccb_event_correlation_id(const struct ccb_event_t *event);

/**
 * The serialization kind (`"via#engagementCenterEvent"`). NULL when `event` is NULL.
 *
 * # Safety
 * `event` is NULL or a live event.
 */
const char *ccb_event_kind(const struct ccb_event_t *event);

/**
 * When the event was queued (ISO 8601, UTC). NULL when `event` is NULL.
 *
 * # Safety
 * `event` is NULL or a live event.
 */
const char *ccb_event_published_time(const struct ccb_event_t *event);

/**
 * The payload schema version, as text (`"1"`). NULL when `event` is NULL.
 *
 * # Safety
 * `event` is NULL or a live event.
 */
const char *ccb_event_schema_version(const struct ccb_event_t *event);

/**
 * The decoded payload, re-serialised as compact JSON (`"null"` when the event had none).
 * NULL when `event` is NULL.
 *
 * # Safety
 * `event` is NULL or a live event.
 */
const char *ccb_event_payload_json(const struct ccb_event_t *event);

/**
 * The payload exactly as the service sent it (a JSON document in a string). NULL when
 * `event` is NULL.
 *
 * # Safety
 * `event` is NULL or a live event.
 */
const char *ccb_event_raw_payload(const struct ccb_event_t *event);

/**
 * The whole event as one JSON object (`kind`, `eventId`, `correlationId`, `eventType`,
 * `publishedTime`, `schemaVersion`, and `payload` decoded). NULL when `event` is NULL.
 *
 * # Safety
 * `event` is NULL or a live event.
 */
const char *ccb_event_json(const struct ccb_event_t *event);

/**
 * Looks up one value of the decoded payload by JSON Pointer (RFC 6901), e.g.
 * `"/payload/ehubSessionId"`, so C code needs no JSON parser for the common fields.
 * `*out` receives a string value as is, any other value as compact JSON, or NULL when the
 * pointer matches nothing (not an error). Free `*out` with ccb_string_free().
 *
 * # Safety
 * `event` is NULL or a live event, `pointer` NULL or NUL-terminated, `out` NULL or
 * writable.
 */
struct ccb_error_t *ccb_event_payload_get(const struct ccb_event_t *event,
                                          const char *pointer,
                                          char **out);

/**
 * The payload decoded into the documented model of the event's type, as compact JSON in
 * `*out_json` (free it with ccb_string_free()): the documents' wire names, each
 * integer/string pair of twins (`ehubSessionId` / `ehubSessionIdRev`, `interactionId` /
 * `interactionIdRev`...) merged into one text value under the plain name (so an id never
 * loses digits to a C double), fields that do not fit their model left out. Decoded on
 * each call.
 *
 * `*out_json` is NULL, and no error is returned, when the type is not documented (a type
 * newer than this library) or the payload is not a JSON object: the event is still whole,
 * and ccb_event_payload_json() and ccb_event_raw_payload() still give its payload.
 *
 * # Safety
 * `event` is NULL or a live event; `out_json` NULL or writable.
 */
struct ccb_error_t *ccb_event_typed_payload_json(const struct ccb_event_t *event, char **out_json);

/**
 * Makes an event from one JSON object in the service's v3 envelope (`kind`, `eventId`,
 * `correlationId`, `eventType`, `publishedTime`, `schemaVersion`, `payload`), for replaying
 * stored events and for tests. `payload` may be a string holding the JSON document, as the
 * service sends it, or the document itself, as ccb_event_json() gives it: an event written
 * with ccb_event_json() reads back the same. Only `eventId` and `eventType` are required;
 * a payload string that is not JSON is kept as text. Free `*out` with ccb_event_free().
 *
 * Errors: CCB_ERR_INVALID_ARGUMENT naming `envelope_json` when it is not JSON, not an
 * object, or lacks `eventId` or `eventType`.
 *
 * # Safety
 * `envelope_json` is NULL or NUL-terminated; `out` NULL or writable.
 */
struct ccb_error_t *ccb_event_from_json(const char *envelope_json, struct ccb_event_t **out);

/**
 * Copies an event, for instance to keep one passed to a callback. Free the copy with
 * ccb_event_free().
 *
 * # Safety
 * `event` is NULL or a live event; `out` NULL or writable.
 */
struct ccb_error_t *ccb_event_clone(const struct ccb_event_t *event, struct ccb_event_t **out);

/**
 * Releases an event from ccb_stream_next_event(), ccb_event_clone() or
 * ccb_event_from_json(). NULL is ignored.
 * Never pass an event received by a callback: the library owns it.
 *
 * # Safety
 * `event` is NULL or an owned event, not yet freed.
 */
void ccb_event_free(struct ccb_event_t *event);

/**
 * Releases a string returned by this library through a `char **` out-parameter. NULL is
 * ignored.
 *
 * # Safety
 * `s` is NULL or a string returned by this library, not yet freed.
 */
void ccb_string_free(char *s);

/**
 * Every operation ccb_client_call() accepts, as a JSON array in `*out_json` (free it with
 * ccb_string_free()), in the order of the API description. Each element is an object:
 * - `"name"`: what ccb_client_call() takes (`"engagementCenter.ready"`);
 * - `"method"`: the HTTP method (`"POST"`);
 * - `"path"`: the full path with its placeholders
 *   (`"/via/v2/organizations/{orgId}/engagementCenter/users/{userId}/ready"`); each
 *   `{param}` after `{orgId}` is a key of the call's `params_json`;
 * - `"safeToRetry"`: whether sending it twice does no harm (only such calls are retried
 *   after an answer that leaves the outcome unknown);
 * - `"deprecated"`: whether the API documents deprecate it;
 * - `"summary"`: the documents' one-line description.
 *
 * Needs no client and sends nothing. The only error is a NULL `out_json`.
 *
 * # Safety
 * `out_json` is NULL or writable.
 */
struct ccb_error_t *ccb_operations_json(char **out_json);

/**
 * Fills `options` with the simulator's defaults: any free port, the documented 15 s
 * long-poll wait, one-hour tokens, 100 requests per second. NULL is ignored.
 *
 * # Safety
 * `options` is NULL or points to writable storage for a `ccb_simulator_options_t`.
 */
void ccb_simulator_options_init(struct ccb_simulator_options_t *options);

/**
 * Starts a simulator of the APIs on 127.0.0.1, on a thread of its own, and returns once
 * it accepts connections. It accepts the organization, client id, secret and API key that
 * ccb_simulator_org_id() and the other accessors give (`simorg`, `sim-client`,
 * `sim-secret`, `sim-api-key`); point a client at it with `base_url` =
 * ccb_simulator_url(). Its control API (`/sim/...`: inject events, expire sessions and
 * tokens, inject faults) is plain HTTP on the same URL.
 *
 * `options` may be NULL (the defaults of ccb_simulator_options_init()). Errors:
 * CCB_ERR_INVALID_ARGUMENT (NULL `out`, wrong `struct_size`), CCB_ERR_TRANSPORT when it
 * cannot listen (the port is taken).
 *
 * The simulator is an in-memory test double: nothing persists, and it must not be exposed
 * beyond this machine.
 *
 * # Safety
 * `options` is NULL or points to an initialised `ccb_simulator_options_t`; `out` is NULL
 * or writable.
 */
struct ccb_error_t *ccb_simulator_start(const struct ccb_simulator_options_t *options,
                                        struct ccb_simulator_t **out);

/**
 * The simulator's base URL, `http://127.0.0.1:PORT` (no trailing slash). Borrowed: valid
 * until ccb_simulator_free(). NULL when `sim` is NULL.
 *
 * # Safety
 * `sim` is NULL or a live simulator.
 */
const char *ccb_simulator_url(const struct ccb_simulator_t *sim);

/**
 * The only organization id the simulator knows. Borrowed: valid until
 * ccb_simulator_free(). NULL when `sim` is NULL.
 *
 * # Safety
 * `sim` is NULL or a live simulator.
 */
const char *ccb_simulator_org_id(const struct ccb_simulator_t *sim);

/**
 * The OAuth2 client id the simulator accepts. Borrowed: valid until ccb_simulator_free().
 * NULL when `sim` is NULL.
 *
 * # Safety
 * `sim` is NULL or a live simulator.
 */
const char *ccb_simulator_client_id(const struct ccb_simulator_t *sim);

/**
 * The OAuth2 client secret the simulator accepts (a fixed test value, not a secret).
 * Borrowed: valid until ccb_simulator_free(). NULL when `sim` is NULL.
 *
 * # Safety
 * `sim` is NULL or a live simulator.
 */
const char *ccb_simulator_client_secret(const struct ccb_simulator_t *sim);

/**
 * The `x-api-key` value the simulator requires (a fixed test value). Borrowed: valid until
 * ccb_simulator_free(). NULL when `sim` is NULL.
 *
 * # Safety
 * `sim` is NULL or a live simulator.
 */
const char *ccb_simulator_api_key(const struct ccb_simulator_t *sim);

/**
 * Routes new work to the agent `user_id`, as the contact center's ACD would: a new
 * interaction, offered, and its engagementCenter.ScreenPop on the agent's streams. Its id
 * goes to `*out_interaction_id` (free it with ccb_string_free()).
 *
 * `media_type` is a MediaType of the documents (`"InboundACD"`, `"InboundChat"`,
 * `"InboundEmail"`...), NULL for `"InboundACD"`. `screen_data_json` is NULL or a JSON object
 * merged over the screen pop's made-up caller data (`interactionInfo.screenData`: `ani`,
 * `dnis`, `callerId`, `firstName`, `lastName`, `phoneNumber`, `umid`), e.g.
 * `{"ani":"6035550101"}`.
 *
 * Errors: CCB_ERR_CONFLICT when the agent is not logged in, or not Idle, or has work (an
 * ACD routes only to idle agents); CCB_ERR_INVALID_ARGUMENT for an unknown media type or a
 * bad argument.
 *
 * # Safety
 * `sim` is NULL or live; strings NULL or NUL-terminated; `out_interaction_id` NULL or
 * writable.
 */
struct ccb_error_t *ccb_simulator_offer(const struct ccb_simulator_t *sim,
                                        const char *user_id,
                                        const char *media_type,
                                        const char *screen_data_json,
                                        char **out_interaction_id);

/**
 * The far end hangs up the agent's active or held interaction `interaction_id`: the agent
 * receives an informational engagementCenter.Error (failCode 252), InteractionClear, then
 * Wrap, and must dispose of it.
 *
 * Errors: CCB_ERR_NOT_FOUND when the agent has no such interaction; CCB_ERR_CONFLICT when
 * it is not active or held; CCB_ERR_INVALID_ARGUMENT for an id that is not a number.
 *
 * # Safety
 * `sim` is NULL or live; strings NULL or NUL-terminated.
 */
struct ccb_error_t *ccb_simulator_hang_up(const struct ccb_simulator_t *sim,
                                          const char *user_id,
                                          const char *interaction_id);

/**
 * Makes the next login of `user_id` fail: the service answers Connecting, an
 * engagementCenter.Error with `fail_code` and `fail_reason`, then Disconnected, so
 * ccb_agent_login() fails with CCB_ERR_COMMAND_FAILED. `fail_code` 0 means 16 (CTI login
 * failed); a NULL `fail_reason` the documents' text for the code. Only the next login
 * fails.
 *
 * # Safety
 * `sim` is NULL or live; strings NULL or NUL-terminated.
 */
struct ccb_error_t *ccb_simulator_fail_next_login(const struct ccb_simulator_t *sim,
                                                  const char *user_id,
                                                  int64_t fail_code,
                                                  const char *fail_reason);

/**
 * Invalidates the streaming session `session_id` (see ccb_stream_session_id(),
 * ccb_agent_stream_session_id()), as the service does after inactivity: its next poll
 * answers "Invalid or expired session". CCB_ERR_NOT_FOUND when no such session lives.
 *
 * # Safety
 * `sim` is NULL or live; `session_id` NULL or NUL-terminated.
 */
struct ccb_error_t *ccb_simulator_expire_session(const struct ccb_simulator_t *sim,
                                                 const char *session_id);

/**
 * Injects a fault, described by `fault_json` as the control API's `POST /sim/faults` body:
 * `{"method"?, "pathContains"?, "kind": "status" | "drop" | "stall", "status"?: 500,
 * "retryAfter"?, "count"?: 1 (0: until cleared), "probability"?: 1.0, "stallMs"?: 0}`.
 * For instance `{"method":"GET","pathContains":"/events","kind":"status","status":503,
 * "count":0}` makes every poll fail. CCB_ERR_INVALID_ARGUMENT naming `fault_json` when it
 * does not describe a fault.
 *
 * # Safety
 * `sim` is NULL or live; `fault_json` NULL or NUL-terminated.
 */
struct ccb_error_t *ccb_simulator_add_fault(const struct ccb_simulator_t *sim,
                                            const char *fault_json);

/**
 * Removes every injected fault.
 *
 * # Safety
 * `sim` is NULL or live.
 */
struct ccb_error_t *ccb_simulator_clear_faults(const struct ccb_simulator_t *sim);

/**
 * The simulator's own view of the agent `user_id` as JSON in `*out_json` (free it with
 * ccb_string_free()), as the control API's `GET /sim/agents/{userId}` answers it:
 * `{"connected", "state", "ehubSessionId", "sessions", "reasonId", "pending",
 * "interactions": [{"interactionId", "mediaType", "state", ...}], "keepAlive", ...}`. A
 * user never seen reads as disconnected.
 *
 * # Safety
 * `sim` is NULL or live; `user_id` NULL or NUL-terminated; `out_json` NULL or writable.
 */
struct ccb_error_t *ccb_simulator_agent_json(const struct ccb_simulator_t *sim,
                                             const char *user_id,
                                             char **out_json);

/**
 * Stops the simulator and releases it. NULL is ignored. Blocks until the server stopped
 * (open connections are closed; a client's next request to it fails with
 * CCB_ERR_TRANSPORT). Free the streams using it first, so that they can delete their
 * sessions.
 *
 * # Safety
 * `sim` is NULL or a simulator from ccb_simulator_start(), not yet freed, and no other
 * thread is using it.
 */
void ccb_simulator_free(struct ccb_simulator_t *sim);

/**
 * Fills `options` with the recommended values. NULL is ignored.
 *
 * # Safety
 * `options` is NULL or points to writable storage for a `ccb_stream_options_t`.
 */
void ccb_stream_options_init(struct ccb_stream_options_t *options);

/**
 * Creates a streaming session and starts polling; each event is passed to `on_event` on
 * the stream's dispatcher thread, each status to `on_status` (may be NULL). `user_data`
 * is passed back untouched; it must stay valid until ccb_stream_stop() or
 * ccb_stream_free() returned (see the shutdown order). `options` may be NULL for the
 * recommended settings.
 *
 * # Safety
 * `client` is NULL or live, `options` NULL or initialised, callbacks valid for the
 * stream's life, `out` NULL or writable.
 */
struct ccb_error_t *ccb_stream_start(const struct ccb_client_t *client,
                                     const struct ccb_stream_options_t *options,
                                     ccb_event_cb on_event,
                                     ccb_status_cb on_status,
                                     void *user_data,
                                     struct ccb_stream_t **out);

/**
 * Creates a streaming session and starts polling; events are pulled with
 * ccb_stream_next_event(). `options` may be NULL for the recommended settings.
 *
 * # Safety
 * `client` is NULL or live, `options` NULL or initialised, `out` NULL or writable.
 */
struct ccb_error_t *ccb_stream_start_pull(const struct ccb_client_t *client,
                                          const struct ccb_stream_options_t *options,
                                          struct ccb_stream_t **out);

/**
 * Pull mode: waits up to `timeout_ms` for the next event. `*out` receives it (free it with
 * ccb_event_free()), or NULL when the time ran out. Asking for the next event
 * acknowledges the previous one: it counts as handled. After ccb_stream_stop(), once the
 * buffer is empty, the error is CCB_ERR_CLOSED; after a fatal error (bad credentials...),
 * that error. On a callback stream: CCB_ERR_INVALID_ARGUMENT.
 *
 * # Safety
 * `stream` is NULL or live; `out` NULL or writable.
 */
struct ccb_error_t *ccb_stream_next_event(const struct ccb_stream_t *stream,
                                          uint32_t timeout_ms,
                                          struct ccb_event_t **out);

/**
 * The current streaming session id in `*out` (free it with ccb_string_free()): the
 * `session_id` of the ccb_ec_* commands. It changes when the engine recreates an expired
 * session (status "session_recreated").
 *
 * # Safety
 * `stream` is NULL or live; `out` NULL or writable.
 */
struct ccb_error_t *ccb_stream_session_id(const struct ccb_stream_t *stream, char **out);

/**
 * Stops the stream: stops polling, lets the callback drain buffered events (within the
 * shutdown deadline), acknowledges what was handled and deletes the session. Blocks until
 * done and until no callback runs any more, except when called from the stream's own
 * callback: then it only starts the shutdown. Calling it again is harmless. The error,
 * if any, is about deleting the session; the stream is stopped regardless.
 *
 * # Safety
 * `stream` is NULL or live.
 */
struct ccb_error_t *ccb_stream_stop(const struct ccb_stream_t *stream);

/**
 * Stops the stream if needed (as ccb_stream_stop(), errors ignored) and releases it. NULL
 * is ignored. Allowed from the stream's own callback: it then does not wait, and the
 * remaining callbacks up to "stopped" still receive `user_data`.
 *
 * # Safety
 * `stream` is NULL or a stream from this library, not yet freed, and no other thread is
 * using it.
 */
void ccb_stream_free(struct ccb_stream_t *stream);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* CCBRIDGE_H */
