//! `ccb_stream_t`: a streaming session kept alive by the core's event engine, consumed by
//! a callback or by pulling.

use crate::client::{ccb_client_t, check_struct_size};
use crate::error::{ccb_error_t, guard, guard_value};
use crate::event::ccb_event_t;
use crate::ffi::{arg_ref, c_string, into_c_str, out_ptr};
use ccbridge::{Error, Event, EventHandler, EventStream, Result, StreamConfig, StreamStatus};
use std::os::raw::{c_char, c_void};
use std::ptr;
use std::time::Duration;

/// Settings of a stream. Fill it with ccb_stream_options_init() (which sets the
/// recommended values), then change what you need. Values are taken as they are: an out of
/// range value is an error naming the field.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ccb_stream_options_t {
    /// Size of this struct as the caller's header defines it; set by
    /// ccb_stream_options_init().
    pub struct_size: u32,
    /// Seconds without a poll after which the service drops the session (60..600;
    /// default 120).
    pub inactivity_delay_s: u32,
    /// Events stay queued on the service until acknowledged (default true): an event
    /// whose callback never ran is redelivered instead of lost.
    pub require_acknowledgement: bool,
    /// Events per poll (1..200; default 50).
    pub max_events: u32,
    /// Events buffered ahead of the consumer (at least 1; default 10000).
    pub buffer_capacity: u32,
    /// Recent event ids remembered to hide redeliveries (at least 1; default 10000).
    pub dedupe_window: u32,
    /// Client read timeout of one long poll in milliseconds; must exceed the service's
    /// 15 s wait (default 25000).
    pub poll_timeout_ms: u32,
    /// How long stopping lets the callback drain buffered events, in milliseconds
    /// (default 5000).
    pub shutdown_deadline_ms: u32,
}

/// Receives one event on the stream's dispatcher thread. `event` is borrowed: valid only
/// during the call (ccb_event_clone() keeps a copy).
pub type ccb_event_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, event: *const ccb_event_t)>;

/// Receives a stream status on the dispatcher thread, in order with the events.
/// `status` is one of "started", "session_recreated", "retrying", "recovered",
/// "buffer_full", "events_dropped", "malformed_event", "ack_failed", "failed", "stopped";
/// `description` is a one-line text; `error` is the cause for "retrying", "ack_failed" and
/// "failed", NULL otherwise. All three are borrowed: valid only during the call. "stopped"
/// is always the last call of a stream.
pub type ccb_status_cb = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        status: *const c_char,
        description: *const c_char,
        error: *const ccb_error_t,
    ),
>;

/// A running stream of events from one streaming session. Release it with
/// ccb_stream_free().
pub struct ccb_stream_t {
    stream: EventStream,
}

struct UserData(*mut c_void);
// SAFETY: the header tells the caller that `user_data` is used on the dispatcher thread.
unsafe impl Send for UserData {}

struct CHandler {
    on_event: unsafe extern "C" fn(*mut c_void, *const ccb_event_t),
    on_status: ccb_status_cb,
    user_data: UserData,
}

impl EventHandler for CHandler {
    fn on_event(&mut self, event: &Event) {
        let view = ccb_event_t::borrowed(event);
        // SAFETY: the caller gave a valid callback; `view` outlives the call.
        unsafe { (self.on_event)(self.user_data.0, &view) };
    }

    fn on_status(&mut self, status: &StreamStatus) {
        let Some(cb) = self.on_status else { return };
        let name = c_string(status.name().to_string());
        let description = c_string(status.describe());
        let error = status.error().map(ccb_error_t::from_core);
        let error_ptr = error
            .as_ref()
            .map_or(ptr::null(), |e| e as *const ccb_error_t);
        // SAFETY: the caller gave a valid callback; the strings and error outlive the call.
        unsafe {
            cb(
                self.user_data.0,
                name.as_ptr(),
                description.as_ptr(),
                error_ptr,
            )
        };
    }
}

/// Fills `options` with the recommended values. NULL is ignored.
///
/// # Safety
/// `options` is NULL or points to writable storage for a `ccb_stream_options_t`.
#[no_mangle]
pub unsafe extern "C" fn ccb_stream_options_init(options: *mut ccb_stream_options_t) {
    guard_value((), || {
        if options.is_null() {
            return;
        }
        let d = StreamConfig::default();
        let millis = |d: Duration| u32::try_from(d.as_millis()).unwrap_or(u32::MAX);
        let value = ccb_stream_options_t {
            struct_size: std::mem::size_of::<ccb_stream_options_t>() as u32,
            inactivity_delay_s: d.inactivity_delay,
            require_acknowledgement: d.require_acknowledgement,
            max_events: d.max_events,
            buffer_capacity: u32::try_from(d.buffer_capacity).unwrap_or(u32::MAX),
            dedupe_window: u32::try_from(d.dedupe_window).unwrap_or(u32::MAX),
            poll_timeout_ms: millis(d.poll_timeout),
            shutdown_deadline_ms: millis(d.shutdown_deadline),
        };
        // SAFETY: non-NULL and writable per the caller.
        unsafe { options.write(value) };
    })
}

/// The core's stream settings from C's (NULL: the recommended ones), checked.
pub(crate) fn config_from(options: *const ccb_stream_options_t) -> Result<StreamConfig> {
    // SAFETY: the caller passes NULL or an initialised options struct.
    let Some(o) = (unsafe { options.as_ref() }) else {
        return Ok(StreamConfig::default());
    };
    check_struct_size(o.struct_size, std::mem::size_of::<ccb_stream_options_t>())?;
    let config = StreamConfig {
        inactivity_delay: o.inactivity_delay_s,
        require_acknowledgement: o.require_acknowledgement,
        max_events: o.max_events,
        buffer_capacity: o.buffer_capacity as usize,
        dedupe_window: o.dedupe_window as usize,
        poll_timeout: Duration::from_millis(o.poll_timeout_ms.into()),
        shutdown_deadline: Duration::from_millis(o.shutdown_deadline_ms.into()),
        ..StreamConfig::default()
    };
    config.validate()?;
    Ok(config)
}

fn publish(out: &mut *mut ccb_stream_t, stream: EventStream) {
    *out = Box::into_raw(Box::new(ccb_stream_t { stream }));
}

/// Creates a streaming session and starts polling; each event is passed to `on_event` on
/// the stream's dispatcher thread, each status to `on_status` (may be NULL). `user_data`
/// is passed back untouched; it must stay valid until ccb_stream_stop() or
/// ccb_stream_free() returned (see the shutdown order). `options` may be NULL for the
/// recommended settings.
///
/// # Safety
/// `client` is NULL or live, `options` NULL or initialised, callbacks valid for the
/// stream's life, `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_stream_start(
    client: *const ccb_client_t,
    options: *const ccb_stream_options_t,
    on_event: ccb_event_cb,
    on_status: ccb_status_cb,
    user_data: *mut c_void,
    out: *mut *mut ccb_stream_t,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, "out") }?;
        let client = unsafe { arg_ref(client, "client") }?;
        let on_event = on_event.ok_or_else(|| Error::invalid("on_event", "must not be NULL"))?;
        let config = config_from(options)?;
        let handler = CHandler {
            on_event,
            on_status,
            user_data: UserData(user_data),
        };
        let stream = EventStream::start_with_handler_blocking(&client.client, config, handler)?;
        publish(out, stream);
        Ok(())
    })
}

/// Creates a streaming session and starts polling; events are pulled with
/// ccb_stream_next_event(). `options` may be NULL for the recommended settings.
///
/// # Safety
/// `client` is NULL or live, `options` NULL or initialised, `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_stream_start_pull(
    client: *const ccb_client_t,
    options: *const ccb_stream_options_t,
    out: *mut *mut ccb_stream_t,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, "out") }?;
        let client = unsafe { arg_ref(client, "client") }?;
        let config = config_from(options)?;
        let stream = EventStream::start_blocking(&client.client, config)?;
        publish(out, stream);
        Ok(())
    })
}

/// Pull mode: waits up to `timeout_ms` for the next event. `*out` receives it (free it with
/// ccb_event_free()), or NULL when the time ran out. Asking for the next event
/// acknowledges the previous one: it counts as handled. After ccb_stream_stop(), once the
/// buffer is empty, the error is CCB_ERR_CLOSED; after a fatal error (bad credentials...),
/// that error. On a callback stream: CCB_ERR_INVALID_ARGUMENT.
///
/// # Safety
/// `stream` is NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_stream_next_event(
    stream: *const ccb_stream_t,
    timeout_ms: u32,
    out: *mut *mut ccb_event_t,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, "out") }?;
        let stream = unsafe { arg_ref(stream, "stream") }?;
        if let Some(event) = stream
            .stream
            .next_event(Duration::from_millis(timeout_ms.into()))?
        {
            *out = Box::into_raw(Box::new(ccb_event_t::owned(event)));
        }
        Ok(())
    })
}

/// The current streaming session id in `*out` (free it with ccb_string_free()): the
/// `session_id` of the ccb_ec_* commands. It changes when the engine recreates an expired
/// session (status "session_recreated").
///
/// # Safety
/// `stream` is NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_stream_session_id(
    stream: *const ccb_stream_t,
    out: *mut *mut c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, "out") }?;
        let stream = unsafe { arg_ref(stream, "stream") }?;
        *out = into_c_str(stream.stream.session_id());
        Ok(())
    })
}

/// Stops the stream: stops polling, lets the callback drain buffered events (within the
/// shutdown deadline), acknowledges what was handled and deletes the session. Blocks until
/// done and until no callback runs any more, except when called from the stream's own
/// callback: then it only starts the shutdown. Calling it again is harmless. The error,
/// if any, is about deleting the session; the stream is stopped regardless.
///
/// # Safety
/// `stream` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn ccb_stream_stop(stream: *const ccb_stream_t) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let stream = unsafe { arg_ref(stream, "stream") }?;
        // The core returns only once the callback has returned for good, so the caller
        // may release `user_data` afterwards (from inside the callback it only starts).
        stream.stream.stop()
    })
}

/// Stops the stream if needed (as ccb_stream_stop(), errors ignored) and releases it. NULL
/// is ignored. Allowed from the stream's own callback: it then does not wait, and the
/// remaining callbacks up to "stopped" still receive `user_data`.
///
/// # Safety
/// `stream` is NULL or a stream from this library, not yet freed, and no other thread is
/// using it.
#[no_mangle]
pub unsafe extern "C" fn ccb_stream_free(stream: *mut ccb_stream_t) {
    guard_value((), || {
        if stream.is_null() {
            return;
        }
        // SAFETY: the caller hands back ownership of the Box made at start.
        let stream = unsafe { Box::from_raw(stream) };
        if let Err(error) = stream.stream.stop() {
            tracing::warn!(%error, "stream stopped with an error while being freed");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ccb_error_field, ccb_error_free};
    use std::ffi::CStr;

    unsafe fn field_of(e: *mut ccb_error_t) -> String {
        assert!(!e.is_null());
        let s = unsafe { CStr::from_ptr(ccb_error_field(e)) }
            .to_str()
            .unwrap()
            .to_string();
        unsafe { ccb_error_free(e) };
        s
    }

    fn options() -> ccb_stream_options_t {
        let mut o = std::mem::MaybeUninit::uninit();
        unsafe {
            ccb_stream_options_init(o.as_mut_ptr());
            o.assume_init()
        }
    }

    #[test]
    fn defaults_match_the_core() {
        let o = options();
        assert_eq!(config_from(&o).unwrap(), StreamConfig::default());
        assert_eq!(config_from(ptr::null()).unwrap(), StreamConfig::default());
    }

    #[test]
    fn bounds_name_the_field() {
        let field = |o: ccb_stream_options_t| match config_from(&o).unwrap_err() {
            Error::InvalidArgument { field, .. } => field,
            other => panic!("{other:?}"),
        };
        for (set, name) in [
            (
                &(|o: &mut ccb_stream_options_t| o.inactivity_delay_s = 30) as &dyn Fn(&mut _),
                "inactivity_delay",
            ),
            (
                &|o: &mut ccb_stream_options_t| o.inactivity_delay_s = 700,
                "inactivity_delay",
            ),
            (
                &|o: &mut ccb_stream_options_t| o.max_events = 0,
                "max_events",
            ),
            (
                &|o: &mut ccb_stream_options_t| o.max_events = 500,
                "max_events",
            ),
            (
                &|o: &mut ccb_stream_options_t| o.buffer_capacity = 0,
                "buffer_capacity",
            ),
            (
                &|o: &mut ccb_stream_options_t| o.struct_size = 3,
                "struct_size",
            ),
        ] {
            let mut o = options();
            set(&mut o);
            assert_eq!(field(o), name);
        }
    }

    #[test]
    fn null_arguments_are_errors() {
        unsafe {
            let mut s: *mut ccb_stream_t = ptr::null_mut();
            assert_eq!(
                field_of(ccb_stream_start_pull(ptr::null(), ptr::null(), &mut s)),
                "client"
            );
            assert_eq!(
                field_of(ccb_stream_start_pull(
                    ptr::null(),
                    ptr::null(),
                    ptr::null_mut()
                )),
                "out"
            );
            assert_eq!(
                field_of(ccb_stream_start(
                    ptr::null(),
                    ptr::null(),
                    None,
                    None,
                    ptr::null_mut(),
                    &mut s
                )),
                "client"
            );
            let mut ev: *mut ccb_event_t = ptr::null_mut();
            assert_eq!(
                field_of(ccb_stream_next_event(ptr::null(), 0, &mut ev)),
                "stream"
            );
            let mut sid: *mut c_char = ptr::null_mut();
            assert_eq!(
                field_of(ccb_stream_session_id(ptr::null(), &mut sid)),
                "stream"
            );
            assert_eq!(field_of(ccb_stream_stop(ptr::null())), "stream");
            ccb_stream_free(ptr::null_mut());
        }
    }
}
