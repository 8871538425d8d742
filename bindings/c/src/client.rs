//! `ccb_client_t`: configuration, the generic call, and the Engagement Center commands.

use crate::error::{ccb_error_t, guard, guard_value};
use crate::ffi::{arg_ref, arg_str, block_on, into_c_str, opt_str, out_ptr};
use ccbridge::models::{
    ConnectParams, DisconnectParams, InitialState, KeepAliveParams, NotReadyParams, NotReadyType,
    ReadyParams,
};
use ccbridge::ops::HttpMethod;
use ccbridge::validate::json_text;
use ccbridge::{ClientOptions, Error, Http2, RawRequest, Result, ViaClient, ViaConfig};
use std::os::raw::c_char;

/// Settings of a client. Fill it with ccb_client_options_init() first, then set fields;
/// `const char *` fields are borrowed only during ccb_client_new(). NULL strings and 0
/// numbers mean "not set" (required fields) or "default" (the others).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ccb_client_options_t {
    /// Size of this struct as the caller's header defines it; set by
    /// ccb_client_options_init(). It lets later versions add fields at the end.
    pub struct_size: u32,
    /// Organization id. Required.
    pub org_id: *const c_char,
    /// OAuth2 client id. Required.
    pub client_id: *const c_char,
    /// OAuth2 client secret. Required. Never appears in any message.
    pub client_secret: *const c_char,
    /// Value of the `x-api-key` header. Required. Never appears in any message.
    pub api_key: *const c_char,
    /// Space-separated OAuth2 scopes; NULL: "engagementcenterapi streamingapi".
    pub scopes: *const c_char,
    /// Base URL; NULL: `https://{org_id}.via.aspect-cloud.net`.
    pub base_url: *const c_char,
    /// Token endpoint; NULL: `{base_url}/via/v2/oauth2/token`.
    pub token_url: *const c_char,
    /// Timeout of one request in milliseconds; 0: 30 000.
    pub request_timeout_ms: u32,
    /// TCP connect timeout in milliseconds; 0: 10 000.
    pub connect_timeout_ms: u32,
    /// Attempts per request, the first included (1 disables retries); 0: 4.
    pub max_attempts: u32,
    /// Allows `http://` to a host that is not loopback (credentials would cross the
    /// network in clear text). `http://` to loopback is always allowed.
    pub allow_insecure_http: bool,
    /// Largest response body read, in bytes; 0: 16 MiB. It bounds every answer, the token
    /// endpoints' included; reading stops once it is passed. A successful answer over it
    /// fails with CCB_ERR_DECODE, whose message names max_response_bytes; an error answer
    /// over it keeps its category, its message cut at the limit.
    pub max_response_bytes: u64,
    /// Which HTTP versions the client speaks, a ccb_http2_t value; 0: CCB_HTTP2_NEGOTIATE.
    /// Over HTTP/2 the requests share a few connections instead of one per request in
    /// flight; the streams' long polls are spread so that no connection carries more than
    /// 100 of them (the least a server is recommended to allow): none waits behind the
    /// server's limit. Another value is CCB_ERR_INVALID_ARGUMENT naming `http2`.
    pub http2: i32,
    /// Whether an event stream with acknowledgement on may write its acknowledgement and
    /// the poll behind it together on one HTTP/1.1 connection and read the two answers in
    /// order (RFC 9112 §9.3.2), a ccb_http1_pipelining_t value; 0: CCB_HTTP1_PIPELINING_ON.
    /// It applies wherever the streams' requests go over HTTP/1.1 (CCB_HTTP2_OFF, plain
    /// http:// without prior knowledge, or a server that picks HTTP/1.1 in TLS
    /// negotiation), not through a proxy set in the environment, and saves a round trip per
    /// batch. Something on the way that hands pipelined requests on over separate
    /// connections could let the poll pass the acknowledgement: the service would hand back
    /// events already handled, which the stream hides as duplicates and acknowledges again.
    /// The client stops pipelining for a while by itself when a pipelined poll goes
    /// unanswered; CCB_HTTP1_PIPELINING_OFF turns it off for good. Another value is
    /// CCB_ERR_INVALID_ARGUMENT naming `http1_pipelining`.
    pub http1_pipelining: i32,
}

/// The values of ccb_client_options_t::http1_pipelining. An integer rather than a bool:
/// the field sits where older headers had padding, so the struct did not grow and
/// `struct_size` cannot tell a program built against one of them; its padding then reads
/// as 0, the default, or as a value that is refused.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ccb_http1_pipelining_t {
    /// Pipelined where it applies. The default.
    CCB_HTTP1_PIPELINING_ON = 0,
    /// One request at a time on each connection.
    CCB_HTTP1_PIPELINING_OFF = 1,
}

/// The core's value of a ccb_client_options_t::http1_pipelining field.
fn http1_pipelining_of(code: i32) -> Result<bool> {
    use ccb_http1_pipelining_t::*;
    match code {
        c if c == CCB_HTTP1_PIPELINING_ON as i32 => Ok(true),
        c if c == CCB_HTTP1_PIPELINING_OFF as i32 => Ok(false),
        _ => Err(Error::invalid(
            "http1_pipelining",
            format!(
                "{code} is not a ccb_http1_pipelining_t: CCB_HTTP1_PIPELINING_ON or CCB_HTTP1_PIPELINING_OFF"
            ),
        )),
    }
}

/// The values of ccb_client_options_t::http2.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ccb_http2_t {
    /// HTTP/2 offered in TLS negotiation and spoken when the server picks it, HTTP/1.1
    /// otherwise; over plain http://, where nothing can negotiate it, HTTP/1.1. The default.
    CCB_HTTP2_NEGOTIATE = 0,
    /// HTTP/1.1 only, also with a server that offers HTTP/2. (1 is not a value: a program
    /// built against a header where this field was a bool would send it for "HTTP/2 on"
    /// without growing the struct, and is refused rather than given the opposite.)
    CCB_HTTP2_OFF = 2,
    /// HTTP/2 from the first byte, also over plain http:// (prior knowledge: the simulator,
    /// a sidecar proxy that speaks h2c); a server that does not speak it refuses every
    /// request.
    CCB_HTTP2_PRIOR_KNOWLEDGE = 3,
}

/// The core's value of a ccb_client_options_t::http2 field.
fn http2_of(code: i32) -> Result<Http2> {
    use ccb_http2_t::*;
    Ok(match code {
        c if c == CCB_HTTP2_NEGOTIATE as i32 => Http2::Negotiate,
        c if c == CCB_HTTP2_OFF as i32 => Http2::Off,
        c if c == CCB_HTTP2_PRIOR_KNOWLEDGE as i32 => Http2::PriorKnowledge,
        _ => {
            let was_bool = if code == 1 {
                " (it was a bool in an older header: rebuild against this one)"
            } else {
                ""
            };
            return Err(Error::invalid(
                "http2",
                format!(
                    "{code} is not a ccb_http2_t{was_bool}: CCB_HTTP2_NEGOTIATE, CCB_HTTP2_OFF or CCB_HTTP2_PRIOR_KNOWLEDGE"
                ),
            ));
        }
    })
}

/// A client of one organization. Thread-safe; release it with ccb_client_free().
#[derive(Debug)]
pub struct ccb_client_t {
    pub(crate) client: ViaClient,
}

/// Checks the `struct_size` of an options struct against this library's.
pub(crate) fn check_struct_size(given: u32, expected: usize) -> Result<()> {
    if given as usize != expected {
        return Err(Error::invalid(
            "struct_size",
            format!(
                "is {given}, this library's is {expected}: initialise the struct with its *_init function and build against the header of the library you link"
            ),
        ));
    }
    Ok(())
}

/// Fills `options` with defaults: every string NULL, every number 0 (its default),
/// `allow_insecure_http` false, and `struct_size`. NULL is ignored.
///
/// # Safety
/// `options` is NULL or points to writable storage for a `ccb_client_options_t`.
#[no_mangle]
pub unsafe extern "C" fn ccb_client_options_init(options: *mut ccb_client_options_t) {
    guard_value((), || {
        if options.is_null() {
            return;
        }
        let value = ccb_client_options_t {
            struct_size: std::mem::size_of::<ccb_client_options_t>() as u32,
            org_id: std::ptr::null(),
            client_id: std::ptr::null(),
            client_secret: std::ptr::null(),
            api_key: std::ptr::null(),
            scopes: std::ptr::null(),
            base_url: std::ptr::null(),
            token_url: std::ptr::null(),
            request_timeout_ms: 0,
            connect_timeout_ms: 0,
            max_attempts: 0,
            allow_insecure_http: false,
            max_response_bytes: 0,
            http2: ccb_http2_t::CCB_HTTP2_NEGOTIATE as i32,
            http1_pipelining: ccb_http1_pipelining_t::CCB_HTTP1_PIPELINING_ON as i32,
        };
        // SAFETY: non-NULL and writable per the caller; `write` does not read the
        // (possibly uninitialised) old value.
        unsafe { options.write(value) };
    })
}

fn config_from(o: &ccb_client_options_t) -> Result<ViaConfig> {
    check_struct_size(o.struct_size, std::mem::size_of::<ccb_client_options_t>())?;
    let mut b = ViaConfig::builder();
    // SAFETY (all `opt_str` below): the caller guarantees each non-NULL field is a live
    // NUL-terminated string for the duration of ccb_client_new.
    unsafe {
        // Unset required fields are left to the core, which names them ("is required").
        if let Some(v) = opt_str(o.org_id, "org_id")? {
            b = b.org_id(v);
        }
        if let Some(v) = opt_str(o.client_id, "client_id")? {
            b = b.client_id(v);
        }
        if let Some(v) = opt_str(o.client_secret, "client_secret")? {
            b = b.client_secret(v);
        }
        if let Some(v) = opt_str(o.api_key, "api_key")? {
            b = b.api_key(v);
        }
        // C's 0 means "not set" for the numbers, as the header documents.
        let positive = |v: u32| (v > 0).then_some(v);
        let options = ClientOptions {
            scopes: opt_str(o.scopes, "scopes")?
                .map(|v| v.split_whitespace().map(str::to_string).collect()),
            base_url: opt_str(o.base_url, "base_url")?.map(str::to_string),
            token_url: opt_str(o.token_url, "token_url")?.map(str::to_string),
            request_timeout_ms: positive(o.request_timeout_ms).map(u64::from),
            connect_timeout_ms: positive(o.connect_timeout_ms).map(u64::from),
            max_attempts: positive(o.max_attempts),
            allow_insecure_http: o.allow_insecure_http,
            max_response_bytes: (o.max_response_bytes > 0).then_some(o.max_response_bytes),
            http2: Some(http2_of(o.http2)?),
            http1_pipelining: Some(http1_pipelining_of(o.http1_pipelining)?),
        };
        b = b.options(options);
    }
    b.build()
}

/// Creates a client. The configuration is validated here (a bad value is an error naming
/// the field); no request is sent until the first call.
///
/// # Safety
/// `options` is NULL or points to an initialised `ccb_client_options_t` whose strings are
/// NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_client_new(
    options: *const ccb_client_options_t,
    out: *mut *mut ccb_client_t,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, "out") }?;
        let options = unsafe { arg_ref(options, "options") }?;
        let client = ViaClient::new(config_from(options)?)?;
        *out = Box::into_raw(Box::new(ccb_client_t { client }));
        Ok(())
    })
}

/// Releases a client. NULL is ignored. Streams started from it keep working until freed.
///
/// # Safety
/// `client` is NULL or a client from ccb_client_new(), not yet freed, and no other thread
/// is using it.
#[no_mangle]
pub unsafe extern "C" fn ccb_client_free(client: *mut ccb_client_t) {
    guard_value((), || {
        if !client.is_null() {
            // SAFETY: the caller hands back ownership of the Box made by ccb_client_new.
            drop(unsafe { Box::from_raw(client) });
        }
    })
}

/// Calls any operation by name (`"engagementCenter.ready"`, `"streaming.createSession"`...)
/// with JSON parameters, and returns the JSON response body (`"null"` when the service sent
/// none, as for `202 Accepted`) in `*result_json` (free it with ccb_string_free()).
///
/// `params_json` is an object: the operation's path parameters (`"userId"`), `"sessionId"`
/// (sent as `via-client-sessionid`), `"query"` (an object), `"body"` (the JSON body) and
/// `"extraBody"` (body fields the documents do not describe yet). Everything is checked
/// against the API description before anything is sent: a failure is
/// CCB_ERR_INVALID_ARGUMENT naming the wire field (ccb_error_field()).
///
/// # Safety
/// Pointers are NULL or valid: `client` live, strings NUL-terminated, `result_json`
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_client_call(
    client: *const ccb_client_t,
    operation: *const c_char,
    params_json: *const c_char,
    result_json: *mut *mut c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(result_json, "result_json") }?;
        let client = unsafe { arg_ref(client, "client") }?;
        let operation = unsafe { arg_str(operation, "operation") }?;
        let params = unsafe { arg_str(params_json, "params_json") }?;
        let params = json_text("params_json", params)?;
        let result = block_on(client.client.call(operation, params))?;
        *out = into_c_str(result.to_string());
        Ok(())
    })
}

/// Sends a request to a Via API the description does not cover (provisioning, campaign,
/// reporting...) through the same transport as every operation (OAuth2 and `x-api-key`,
/// pacing, retries, typed errors), and returns the JSON answer (`"null"` when there is
/// none) in `*result_json` (free it with ccb_string_free()).
///
/// `method` is `"GET"`, `"POST"`, `"PUT"`, `"PATCH"` or `"DELETE"`; `version` is NULL
/// (`"v2"`) or `"vN"`; `path` is relative to `/via/{version}/organizations/{orgId}/`
/// (`"provisioning/users"`), its segments unencoded, and cannot leave that prefix.
/// `params_json` is NULL or an object with `"query"` (an object of strings), `"sessionId"`
/// and `"body"`.
///
/// # Safety
/// Pointers are NULL or valid: `client` live, strings NUL-terminated, `result_json`
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_client_raw(
    client: *const ccb_client_t,
    method: *const c_char,
    version: *const c_char,
    path: *const c_char,
    params_json: *const c_char,
    result_json: *mut *mut c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(result_json, "result_json") }?;
        let client = unsafe { arg_ref(client, "client") }?;
        let method: HttpMethod = unsafe { arg_str(method, "method") }?.parse()?;
        let version = unsafe { opt_str(version, "version") }?.unwrap_or("v2");
        let path = unsafe { arg_str(path, "path") }?;
        let params = match unsafe { opt_str(params_json, "params_json") }? {
            None => serde_json::Value::Null,
            Some(text) => json_text("params_json", text)?,
        };
        let mut request = RawRequest::new(method, version, path);
        match params {
            serde_json::Value::Null => {}
            serde_json::Value::Object(mut m) => {
                if let Some(q) = m.remove("query") {
                    let serde_json::Value::Object(q) = q else {
                        return Err(Error::invalid("query", "must be an object of strings"));
                    };
                    for (k, v) in q {
                        let v = match v {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        };
                        request.query.push((k, v));
                    }
                }
                request.session_id = match m.remove("sessionId") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(serde_json::Value::String(s)) => Some(s),
                    Some(_) => return Err(Error::invalid("sessionId", "must be a string")),
                };
                request.body = m.remove("body").filter(|b| !b.is_null());
                if let Some(k) = m.keys().next() {
                    return Err(Error::invalid(
                        k.clone(),
                        "unknown parameter (expected: query, sessionId, body)",
                    ));
                }
            }
            _ => return Err(Error::invalid("params_json", "must be a JSON object")),
        }
        let result = block_on(client.client.raw(request))?;
        *out = into_c_str(result.to_string());
        Ok(())
    })
}

/// `engagementCenter.connect`: logs the agent `user_id` in on the streaming session
/// `session_id` (see ccb_stream_session_id()). The outcome arrives as events: Connecting,
/// ConnectConfirm (its payload carries the ehubSessionId the other commands need),
/// Connected, then the initial state's event.
///
/// `initial_state`: `"Idle"`, `"NotReady"`, `"Park"`, or NULL (the service's default).
/// `station`: the phone number the system calls for the agent's audio, or NULL. `attach`:
/// attach to the user's existing login instead of logging in.
///
/// # Safety
/// Pointers are NULL or valid: `client` live, strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn ccb_ec_connect(
    client: *const ccb_client_t,
    session_id: *const c_char,
    user_id: *const c_char,
    initial_state: *const c_char,
    station: *const c_char,
    attach: bool,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let client = unsafe { arg_ref(client, "client") }?;
        let session_id = unsafe { arg_str(session_id, "session_id") }?;
        let user_id = unsafe { arg_str(user_id, "user_id") }?;
        let initial_state = unsafe { opt_str(initial_state, "initial_state") }?;
        let station = unsafe { opt_str(station, "station") }?;
        let params = ConnectParams {
            initial_state: initial_state.map(InitialState::parse),
            station: station.map(str::to_string),
            attach,
            ..ConnectParams::default()
        };
        let ec = client.client.engagement_center();
        block_on(ec.connect(session_id, user_id, &params))
    })
}

/// `engagementCenter.ready`: moves the agent to Idle (event engagementCenter.Idle).
///
/// # Safety
/// Pointers are NULL or valid: `client` live, strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn ccb_ec_ready(
    client: *const ccb_client_t,
    session_id: *const c_char,
    user_id: *const c_char,
    ehub_session_id: *const c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let client = unsafe { arg_ref(client, "client") }?;
        let session_id = unsafe { arg_str(session_id, "session_id") }?;
        let user_id = unsafe { arg_str(user_id, "user_id") }?;
        let ehub = unsafe { arg_str(ehub_session_id, "ehub_session_id") }?;
        let params = ReadyParams {
            ehub_session_id: ehub.to_string(),
        };
        let ec = client.client.engagement_center();
        block_on(ec.ready(session_id, user_id, &params))
    })
}

/// `engagementCenter.notReady`: moves the agent to NotReady or Park with a reason code.
/// `not_ready_type`: `"NotReady"` or `"Park"`.
///
/// # Safety
/// Pointers are NULL or valid: `client` live, strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn ccb_ec_not_ready(
    client: *const ccb_client_t,
    session_id: *const c_char,
    user_id: *const c_char,
    ehub_session_id: *const c_char,
    reason_id: *const c_char,
    not_ready_type: *const c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let client = unsafe { arg_ref(client, "client") }?;
        let session_id = unsafe { arg_str(session_id, "session_id") }?;
        let user_id = unsafe { arg_str(user_id, "user_id") }?;
        let ehub = unsafe { arg_str(ehub_session_id, "ehub_session_id") }?;
        let reason_id = unsafe { arg_str(reason_id, "reason_id") }?;
        let kind = unsafe { arg_str(not_ready_type, "not_ready_type") }?;
        let params = NotReadyParams {
            ehub_session_id: ehub.to_string(),
            reason_id: reason_id.to_string(),
            not_ready_type: NotReadyType::parse(kind),
        };
        let ec = client.client.engagement_center();
        block_on(ec.not_ready(session_id, user_id, &params))
    })
}

/// `engagementCenter.disconnect`: logs the agent out (`reason_id` `"-1"` forces it).
///
/// # Safety
/// Pointers are NULL or valid: `client` live, strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn ccb_ec_disconnect(
    client: *const ccb_client_t,
    session_id: *const c_char,
    user_id: *const c_char,
    ehub_session_id: *const c_char,
    reason_id: *const c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let client = unsafe { arg_ref(client, "client") }?;
        let session_id = unsafe { arg_str(session_id, "session_id") }?;
        let user_id = unsafe { arg_str(user_id, "user_id") }?;
        let ehub = unsafe { arg_str(ehub_session_id, "ehub_session_id") }?;
        let reason_id = unsafe { arg_str(reason_id, "reason_id") }?;
        let params = DisconnectParams {
            ehub_session_id: ehub.to_string(),
            reason_id: reason_id.to_string(),
        };
        let ec = client.client.engagement_center();
        block_on(ec.disconnect(session_id, user_id, &params))
    })
}

/// `engagementCenter.keepAlive` (event engagementCenter.ClientSessionKeepAlive). Once sent,
/// it must be repeated every minute or the service logs the agent out.
/// `session_timeout` (seconds): 0 leaves it unset. `request_timestamp`: an ISO 8601 date-time echoed
/// in the event, or NULL.
///
/// # Safety
/// Pointers are NULL or valid: `client` live, strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn ccb_ec_keep_alive(
    client: *const ccb_client_t,
    session_id: *const c_char,
    user_id: *const c_char,
    ehub_session_id: *const c_char,
    session_timeout: u32,
    request_timestamp: *const c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let client = unsafe { arg_ref(client, "client") }?;
        let session_id = unsafe { arg_str(session_id, "session_id") }?;
        let user_id = unsafe { arg_str(user_id, "user_id") }?;
        let ehub = unsafe { arg_str(ehub_session_id, "ehub_session_id") }?;
        let timestamp = unsafe { opt_str(request_timestamp, "request_timestamp") }?;
        let params = KeepAliveParams {
            ehub_session_id: ehub.to_string(),
            session_timeout: (session_timeout > 0).then_some(f64::from(session_timeout)),
            request_timestamp: timestamp.map(str::to_string),
        };
        let ec = client.client.engagement_center();
        block_on(ec.keep_alive(session_id, user_id, &params))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ccb_error_code, ccb_error_field, ccb_error_free, ccb_error_message};
    use std::ffi::CStr;
    use std::ptr;

    unsafe fn field_of(e: *mut ccb_error_t) -> String {
        assert!(!e.is_null());
        let f = unsafe { ccb_error_field(e) };
        let s = if f.is_null() {
            String::new()
        } else {
            unsafe { CStr::from_ptr(f) }.to_str().unwrap().to_string()
        };
        unsafe { ccb_error_free(e) };
        s
    }

    fn options() -> ccb_client_options_t {
        let mut o = std::mem::MaybeUninit::uninit();
        unsafe {
            ccb_client_options_init(o.as_mut_ptr());
            let mut o = o.assume_init();
            o.org_id = c"acme".as_ptr();
            o.client_id = c"cid".as_ptr();
            o.client_secret = c"top-secret-value".as_ptr();
            o.api_key = c"api-key-value".as_ptr();
            o
        }
    }

    #[test]
    fn http1_pipelining_is_on_by_default_and_takes_its_two_values_only() {
        use ccb_http1_pipelining_t::*;
        let mut o = options();
        assert_eq!(o.http1_pipelining, CCB_HTTP1_PIPELINING_ON as i32);
        assert!(config_from(&o).unwrap().http1_pipelining());
        o.http1_pipelining = CCB_HTTP1_PIPELINING_OFF as i32;
        assert!(!config_from(&o).unwrap().http1_pipelining());
        for bad in [-1, 2, 255] {
            o.http1_pipelining = bad;
            let e = config_from(&o).unwrap_err();
            assert!(
                matches!(&e, Error::InvalidArgument { field, .. } if field == "http1_pipelining"),
                "{bad}: {e:?}"
            );
        }
    }

    #[test]
    fn client_new_validates_and_names_fields() {
        unsafe {
            let mut c: *mut ccb_client_t = ptr::null_mut();
            assert_eq!(field_of(ccb_client_new(ptr::null(), &mut c)), "options");
            let o = options();
            assert_eq!(field_of(ccb_client_new(&o, ptr::null_mut())), "out");

            let mut bad = o;
            bad.org_id = c"".as_ptr();
            assert_eq!(field_of(ccb_client_new(&bad, &mut c)), "org_id");
            assert!(c.is_null());
            bad = o;
            bad.org_id = ptr::null();
            assert_eq!(field_of(ccb_client_new(&bad, &mut c)), "org_id");
            bad = o;
            bad.base_url = c"http://example.com".as_ptr();
            let e = ccb_client_new(&bad, &mut c);
            let msg = CStr::from_ptr(ccb_error_message(e))
                .to_str()
                .unwrap()
                .to_string();
            assert!(!msg.contains("top-secret-value") && !msg.contains("api-key-value"));
            assert_eq!(field_of(e), "base_url");
            bad = o;
            bad.struct_size = 8;
            assert_eq!(field_of(ccb_client_new(&bad, &mut c)), "struct_size");
            bad = o;
            bad.client_id = c"\xc3\x28".as_ptr();
            assert_eq!(field_of(ccb_client_new(&bad, &mut c)), "client_id");

            let e = ccb_client_new(&o, &mut c);
            assert!(e.is_null());
            assert!(!c.is_null());

            // Checks that fail before any request: no server needed.
            let e = ccb_ec_connect(
                c,
                c"sid".as_ptr(),
                c"u".as_ptr(),
                c"Busy".as_ptr(),
                ptr::null(),
                false,
            );
            assert_eq!(field_of(e), "initialState");
            let e = ccb_ec_not_ready(
                c,
                c"sid".as_ptr(),
                c"u".as_ptr(),
                c"1".as_ptr(),
                c"2".as_ptr(),
                c"Ready".as_ptr(),
            );
            assert_eq!(field_of(e), "notReadyType");
            let e = ccb_ec_ready(ptr::null(), c"sid".as_ptr(), c"u".as_ptr(), c"1".as_ptr());
            assert_eq!(field_of(e), "client");
            let e = ccb_ec_ready(c, c"sid".as_ptr(), ptr::null(), c"1".as_ptr());
            assert_eq!(field_of(e), "user_id");
            let mut out: *mut c_char = ptr::null_mut();
            let e = ccb_client_call(c, c"nope.op".as_ptr(), c"{}".as_ptr(), &mut out);
            assert_eq!(
                ccb_error_code(e),
                crate::ccb_error_code_t::CCB_ERR_INVALID_ARGUMENT
            );
            ccb_error_free(e);
            let e = ccb_client_call(
                c,
                c"engagementCenter.ready".as_ptr(),
                c"{".as_ptr(),
                &mut out,
            );
            assert_eq!(field_of(e), "params_json");
            assert!(out.is_null());
            ccb_client_free(c);
            ccb_client_free(ptr::null_mut());
        }
    }
}
