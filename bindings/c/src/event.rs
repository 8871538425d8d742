//! `ccb_event_t`: one event of a streaming session, with borrowed string accessors.

use crate::error::{ccb_error_t, guard, guard_value};
use crate::ffi::{arg_ref, arg_str, c_string, into_c_str, out_ptr};
use ccbridge::{Error, Event};
use std::ffi::CString;
use std::os::raw::c_char;
use std::ptr;
use std::sync::OnceLock;

enum Slot {
    Owned(Event),
    /// An event lent to a callback; the pointer is valid for the callback's duration,
    /// which is this object's whole life.
    Borrowed(*const Event),
}

/// One event of a streaming session (the v3 envelope plus its payload).
///
/// Accessor strings are made on first use and belong to the event: valid as long as it.
pub struct ccb_event_t {
    slot: Slot,
    event_type: OnceLock<CString>,
    event_id: OnceLock<CString>,
    correlation_id: OnceLock<CString>,
    kind: OnceLock<CString>,
    published_time: OnceLock<CString>,
    schema_version: OnceLock<CString>,
    payload_json: OnceLock<CString>,
    raw_payload: OnceLock<CString>,
    event_json: OnceLock<CString>,
}

// SAFETY: a borrowed event is only reachable during the callback that lent it, and `Event`
// itself is Send + Sync; the caches are OnceLocks.
unsafe impl Send for ccb_event_t {}
// SAFETY: as above.
unsafe impl Sync for ccb_event_t {}

impl ccb_event_t {
    fn with_slot(slot: Slot) -> Self {
        ccb_event_t {
            slot,
            event_type: OnceLock::new(),
            event_id: OnceLock::new(),
            correlation_id: OnceLock::new(),
            kind: OnceLock::new(),
            published_time: OnceLock::new(),
            schema_version: OnceLock::new(),
            payload_json: OnceLock::new(),
            raw_payload: OnceLock::new(),
            event_json: OnceLock::new(),
        }
    }

    pub(crate) fn owned(event: Event) -> Self {
        Self::with_slot(Slot::Owned(event))
    }

    /// A view of `event` for the duration of a callback; it must not outlive `event`.
    pub(crate) fn borrowed(event: &Event) -> Self {
        Self::with_slot(Slot::Borrowed(event))
    }

    pub(crate) fn event(&self) -> &Event {
        match &self.slot {
            Slot::Owned(e) => e,
            // SAFETY: see `Slot::Borrowed`.
            Slot::Borrowed(p) => unsafe { &**p },
        }
    }
}

fn cached(
    event: *const ccb_event_t,
    pick: impl Fn(&ccb_event_t) -> &OnceLock<CString>,
    make: impl FnOnce(&Event) -> String,
) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: the caller passes NULL or a live event.
        match unsafe { event.as_ref() } {
            Some(e) => pick(e).get_or_init(|| c_string(make(e.event()))).as_ptr(),
            None => ptr::null(),
        }
    })
}

/// The event type (`"engagementCenter.Idle"`). NULL when `event` is NULL.
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_type(event: *const ccb_event_t) -> *const c_char {
    cached(event, |e| &e.event_type, |e| e.event_type().to_owned())
}

/// The event id (unique; what acknowledgement keys on). NULL when `event` is NULL.
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_id(event: *const ccb_event_t) -> *const c_char {
    cached(event, |e| &e.event_id, |e| e.event_id().to_owned())
}

/// The correlation id: events caused by one command share it. Empty when absent; NULL when
/// `event` is NULL.
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_correlation_id(event: *const ccb_event_t) -> *const c_char {
    cached(
        event,
        |e| &e.correlation_id,
        |e| e.correlation_id().to_owned(),
    )
}

/// The serialization kind (`"via#engagementCenterEvent"`). NULL when `event` is NULL.
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_kind(event: *const ccb_event_t) -> *const c_char {
    cached(event, |e| &e.kind, |e| e.kind().to_owned())
}

/// When the event was queued (ISO 8601, UTC). NULL when `event` is NULL.
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_published_time(event: *const ccb_event_t) -> *const c_char {
    cached(
        event,
        |e| &e.published_time,
        |e| e.published_time().to_owned(),
    )
}

/// The payload schema version, as text (`"1"`). NULL when `event` is NULL.
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_schema_version(event: *const ccb_event_t) -> *const c_char {
    cached(
        event,
        |e| &e.schema_version,
        |e| e.schema_version().to_owned(),
    )
}

/// The decoded payload, re-serialised as compact JSON (`"null"` when the event had none).
/// NULL when `event` is NULL.
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_payload_json(event: *const ccb_event_t) -> *const c_char {
    cached(event, |e| &e.payload_json, |e| e.payload().to_string())
}

/// The payload exactly as the service sent it (a JSON document in a string). NULL when
/// `event` is NULL.
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_raw_payload(event: *const ccb_event_t) -> *const c_char {
    cached(event, |e| &e.raw_payload, |e| e.raw_payload().to_owned())
}

/// The whole event as one JSON object (`kind`, `eventId`, `correlationId`, `eventType`,
/// `publishedTime`, `schemaVersion`, and `payload` decoded). NULL when `event` is NULL.
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_json(event: *const ccb_event_t) -> *const c_char {
    cached(event, |e| &e.event_json, |e| e.to_json().to_string())
}

/// Looks up one value of the decoded payload by JSON Pointer (RFC 6901), e.g.
/// `"/payload/ehubSessionId"`, so C code needs no JSON parser for the common fields.
/// `*out` receives a string value as is, any other value as compact JSON, or NULL when the
/// pointer matches nothing (not an error). Free `*out` with ccb_string_free().
///
/// # Safety
/// `event` is NULL or a live event, `pointer` NULL or NUL-terminated, `out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_payload_get(
    event: *const ccb_event_t,
    pointer: *const c_char,
    out: *mut *mut c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, "out") }?;
        let event = unsafe { arg_ref(event, "event") }?;
        let pointer = unsafe { arg_str(pointer, "pointer") }?;
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(Error::invalid(
                "pointer",
                "a JSON Pointer is empty or starts with '/'",
            ));
        }
        if let Some(v) = event.event().payload().pointer(pointer) {
            *out = into_c_str(match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        }
        Ok(())
    })
}

/// The payload decoded into the documented model of the event's type, as compact JSON in
/// `*out_json` (free it with ccb_string_free()): the documents' wire names, each
/// integer/string pair of twins (`ehubSessionId` / `ehubSessionIdRev`, `interactionId` /
/// `interactionIdRev`...) merged into one text value under the plain name (so an id never
/// loses digits to a C double), fields that do not fit their model left out. Decoded on
/// each call.
///
/// `*out_json` is NULL, and no error is returned, when the type is not documented (a type
/// newer than this library) or the payload is not a JSON object: the event is still whole,
/// and ccb_event_payload_json() and ccb_event_raw_payload() still give its payload.
///
/// # Safety
/// `event` is NULL or a live event; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_typed_payload_json(
    event: *const ccb_event_t,
    out_json: *mut *mut c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out_json, "out_json") }?;
        let event = unsafe { arg_ref(event, "event") }?;
        if let Some(v) = event.event().typed_payload().to_json() {
            *out = into_c_str(v.to_string());
        }
        Ok(())
    })
}

/// Makes an event from one JSON object in the service's v3 envelope (`kind`, `eventId`,
/// `correlationId`, `eventType`, `publishedTime`, `schemaVersion`, `payload`), for replaying
/// stored events and for tests. `payload` may be a string holding the JSON document, as the
/// service sends it, or the document itself, as ccb_event_json() gives it: an event written
/// with ccb_event_json() reads back the same. Only `eventId` and `eventType` are required;
/// a payload string that is not JSON is kept as text. Free `*out` with ccb_event_free().
///
/// Errors: CCB_ERR_INVALID_ARGUMENT naming `envelope_json` when it is not JSON, not an
/// object, or lacks `eventId` or `eventType`.
///
/// # Safety
/// `envelope_json` is NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_from_json(
    envelope_json: *const c_char,
    out: *mut *mut ccb_event_t,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, "out") }?;
        let text = unsafe { arg_str(envelope_json, "envelope_json") }?;
        let value = ccbridge::validate::json_text("envelope_json", text)?;
        // The envelope is the caller's input, not a service answer: a bad one is an
        // argument error, whatever the core calls it when a batch holds one.
        let event = Event::from_wire(&value).map_err(|e| match e {
            Error::Decode { message } => Error::invalid("envelope_json", message),
            other => other,
        })?;
        *out = Box::into_raw(Box::new(ccb_event_t::owned(event)));
        Ok(())
    })
}

/// Copies an event, for instance to keep one passed to a callback. Free the copy with
/// ccb_event_free().
///
/// # Safety
/// `event` is NULL or a live event; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_clone(
    event: *const ccb_event_t,
    out: *mut *mut ccb_event_t,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, "out") }?;
        let event = unsafe { arg_ref(event, "event") }?;
        *out = Box::into_raw(Box::new(ccb_event_t::owned(event.event().clone())));
        Ok(())
    })
}

/// Releases an event from ccb_stream_next_event(), ccb_event_clone() or
/// ccb_event_from_json(). NULL is ignored.
/// Never pass an event received by a callback: the library owns it.
///
/// # Safety
/// `event` is NULL or an owned event, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn ccb_event_free(event: *mut ccb_event_t) {
    guard_value((), || {
        if !event.is_null() {
            // SAFETY: the caller hands back ownership of a Box made by this library.
            drop(unsafe { Box::from_raw(event) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn sample() -> Event {
        Event::from_wire(&serde_json::json!({
            "kind": "via#engagementCenterEvent",
            "eventId": "1-0",
            "correlationId": "c-1",
            "eventType": "engagementCenter.ConnectConfirm",
            "publishedTime": "2024-01-01T00:00:00Z",
            "schemaVersion": 1,
            "payload": "{\"userId\":\"u1\",\"ehubSessionId\":100,\"payload\":{\"ehubSessionId\":\"100\"}}"
        }))
        .unwrap()
    }

    unsafe fn s<'a>(p: *const c_char) -> &'a str {
        unsafe { CStr::from_ptr(p) }.to_str().unwrap()
    }

    #[test]
    fn accessors_and_lookup() {
        let ev = sample();
        let view = ccb_event_t::borrowed(&ev);
        unsafe {
            assert_eq!(s(ccb_event_type(&view)), "engagementCenter.ConnectConfirm");
            assert_eq!(s(ccb_event_id(&view)), "1-0");
            assert_eq!(s(ccb_event_correlation_id(&view)), "c-1");
            assert_eq!(s(ccb_event_kind(&view)), "via#engagementCenterEvent");
            assert_eq!(s(ccb_event_schema_version(&view)), "1");
            assert_eq!(s(ccb_event_published_time(&view)), "2024-01-01T00:00:00Z");
            assert!(s(ccb_event_raw_payload(&view)).starts_with("{\"userId\""));
            let json: serde_json::Value = serde_json::from_str(s(ccb_event_json(&view))).unwrap();
            assert_eq!(json["payload"]["ehubSessionId"], 100);
            // The same pointer twice: the cache is stable.
            assert_eq!(ccb_event_type(&view), ccb_event_type(&view));

            let mut copy = ptr::null_mut();
            assert!(ccb_event_clone(&view, &mut copy).is_null());
            drop(view);
            let mut out = ptr::null_mut();
            assert!(
                ccb_event_payload_get(copy, c"/payload/ehubSessionId".as_ptr(), &mut out).is_null()
            );
            assert_eq!(s(out), "100");
            crate::ccb_string_free(out);
            assert!(ccb_event_payload_get(copy, c"/ehubSessionId".as_ptr(), &mut out).is_null());
            assert_eq!(s(out), "100");
            crate::ccb_string_free(out);
            assert!(ccb_event_payload_get(copy, c"/missing".as_ptr(), &mut out).is_null());
            assert!(out.is_null());
            let e = ccb_event_payload_get(copy, c"payload".as_ptr(), &mut out);
            assert!(!e.is_null());
            crate::ccb_error_free(e);
            ccb_event_free(copy);

            assert!(ccb_event_type(ptr::null()).is_null());
            assert!(ccb_event_json(ptr::null()).is_null());
            let e = ccb_event_clone(ptr::null(), &mut copy);
            assert!(!e.is_null() && copy.is_null());
            crate::ccb_error_free(e);
            ccb_event_free(ptr::null_mut());
        }
    }

    unsafe fn field_of(e: *mut ccb_error_t) -> String {
        assert!(!e.is_null());
        let f = unsafe { s(crate::ccb_error_field(e)) }.to_string();
        unsafe { crate::ccb_error_free(e) };
        f
    }

    #[test]
    fn typed_payload_merges_twins_and_is_null_when_undocumented() {
        let ev = sample();
        let view = ccb_event_t::borrowed(&ev);
        unsafe {
            let mut out = ptr::null_mut();
            assert!(ccb_event_typed_payload_json(&view, &mut out).is_null());
            let v: serde_json::Value = serde_json::from_str(s(out)).unwrap();
            crate::ccb_string_free(out);
            assert_eq!(v["ehubSessionId"], "100");
            assert_eq!(v["userId"], "u1");

            let mut unknown = ptr::null_mut();
            let envelope = c"{\"eventId\":\"9\",\"eventType\":\"engagementCenter.SomethingNew\",\"payload\":\"{}\"}";
            assert!(ccb_event_from_json(envelope.as_ptr(), &mut unknown).is_null());
            out = ptr::dangling_mut();
            assert!(ccb_event_typed_payload_json(unknown, &mut out).is_null());
            assert!(out.is_null());
            ccb_event_free(unknown);

            assert_eq!(
                field_of(ccb_event_typed_payload_json(ptr::null(), &mut out)),
                "event"
            );
            assert_eq!(
                field_of(ccb_event_typed_payload_json(&view, ptr::null_mut())),
                "out_json"
            );
        }
    }

    #[test]
    fn from_json_round_trips_and_names_the_argument() {
        let ev = sample();
        let view = ccb_event_t::borrowed(&ev);
        unsafe {
            let json = CString::new(s(ccb_event_json(&view))).unwrap();
            let mut back = ptr::null_mut();
            assert!(ccb_event_from_json(json.as_ptr(), &mut back).is_null());
            assert_eq!(s(ccb_event_json(back)), s(ccb_event_json(&view)));
            assert_eq!(s(ccb_event_type(back)), "engagementCenter.ConnectConfirm");
            ccb_event_free(back);

            for bad in [
                c"{",
                c"[]",
                c"{\"eventType\":\"x\"}",
                c"{\"eventId\":\"1\"}",
            ] {
                let mut out: *mut ccb_event_t = ptr::dangling_mut();
                assert_eq!(
                    field_of(ccb_event_from_json(bad.as_ptr(), &mut out)),
                    "envelope_json"
                );
                assert!(out.is_null());
            }
            let mut out = ptr::null_mut();
            assert_eq!(
                field_of(ccb_event_from_json(ptr::null(), &mut out)),
                "envelope_json"
            );
            assert_eq!(
                field_of(ccb_event_from_json(c"{}".as_ptr(), ptr::null_mut())),
                "out"
            );
        }
    }
}
