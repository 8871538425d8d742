//! `ccb_agent_t`: one agent's session (login, live state, awaited commands) over the core's
//! `ccbridge::AgentSession`.
//!
//! Everything the session does is the core's; this file converts, and adds what only a C
//! caller needs:
//! - a listener slot that knows which thread runs the C callback, so replacing or freeing
//!   the listener can wait for a running call (and a blocking command made from inside the
//!   callback, which could only time out, is refused at once);
//! - async commands whose C callback runs on a thread of the agent's own (never a runtime
//!   worker, so it may call the blocking API), exactly once, also when the agent is freed
//!   first.
//!
//! The typed command functions (`ccb_agent_accept()`...) are generated into
//! agent_commands.rs; they and ccb_agent_command() share [`send_command`] and
//! [`send_command_async`].

use crate::client::{ccb_client_t, check_struct_size};
use crate::error::{ccb_error_t, guard, guard_value};
use crate::event::ccb_event_t;
use crate::ffi::{arg_ref, arg_str, block_on, c_string, into_c_str, opt_str, out_ptr};
use crate::stream::{self, ccb_stream_options_t};
use ccbridge::models::InitialState;
use ccbridge::{
    AgentChange, AgentChangeKind, AgentListener, AgentOptions, AgentSession, AgentState,
    CommandOutcome, Error, PendingRequest, Result,
};
use serde_json::{json, Map, Value};
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::ptr;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Duration;

// ---- Enums -------------------------------------------------------------------------------

/// The agent's state, as its events report it. Mirrors the core's `AgentState`; the values
/// never change.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ccb_agent_state_t {
    /// Not logged in: before the login, after a logout or a forced logout.
    CCB_AGENT_STATE_DISCONNECTED = 0,
    /// Login under way (Connecting / ConnectConfirm / Connected seen, no state yet).
    CCB_AGENT_STATE_CONNECTING = 1,
    /// Available for work.
    CCB_AGENT_STATE_IDLE = 2,
    /// Not ready, with a reason (ccb_agent_reason_id()).
    CCB_AGENT_STATE_NOT_READY = 3,
    /// Parked, with a reason (ccb_agent_reason_id()).
    CCB_AGENT_STATE_PARK = 4,
    /// Handling work: an interaction is offered, active or held.
    CCB_AGENT_STATE_BUSY = 5,
    /// Every interaction ended and one at least waits for its disposition.
    CCB_AGENT_STATE_WRAP = 6,
    /// Logged in, state not reported yet (just attached to an existing login); also what
    /// the accessors answer for a NULL agent.
    CCB_AGENT_STATE_UNKNOWN = 7,
}

impl From<AgentState> for ccb_agent_state_t {
    fn from(s: AgentState) -> Self {
        use ccb_agent_state_t::*;
        // Exhaustive on purpose: a new core state must get its C value here.
        match s {
            AgentState::Disconnected => CCB_AGENT_STATE_DISCONNECTED,
            AgentState::Connecting => CCB_AGENT_STATE_CONNECTING,
            AgentState::Idle => CCB_AGENT_STATE_IDLE,
            AgentState::NotReady => CCB_AGENT_STATE_NOT_READY,
            AgentState::Park => CCB_AGENT_STATE_PARK,
            AgentState::Busy => CCB_AGENT_STATE_BUSY,
            AgentState::Wrap => CCB_AGENT_STATE_WRAP,
            AgentState::Unknown => CCB_AGENT_STATE_UNKNOWN,
        }
    }
}

const STATES: [AgentState; 8] = [
    AgentState::Disconnected,
    AgentState::Connecting,
    AgentState::Idle,
    AgentState::NotReady,
    AgentState::Park,
    AgentState::Busy,
    AgentState::Wrap,
    AgentState::Unknown,
];

/// What one change of the agent is about. Mirrors the core's `AgentChangeKind`; the values
/// never change.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ccb_agent_change_kind_t {
    /// The agent's state, reason, pending request or login changed.
    CCB_AGENT_CHANGE_STATE = 0,
    /// A new interaction was presented (ScreenPop: its caller data is in the event and in
    /// ccb_agent_snapshot_json()) or dialled.
    CCB_AGENT_CHANGE_INTERACTION_OFFERED = 1,
    /// An interaction changed (accepted, held, consult, conference, wrap...).
    CCB_AGENT_CHANGE_INTERACTION_CHANGED = 2,
    /// An interaction is gone (disposed, rejected...).
    CCB_AGENT_CHANGE_INTERACTION_REMOVED = 3,
    /// New AgentStatistics figures.
    CCB_AGENT_CHANGE_STATISTICS = 4,
    /// An engagementCenter.Error that answered no command of this agent (a notice such as
    /// a far-end hang-up, or a failure of a request made elsewhere); the message is its
    /// failReason.
    CCB_AGENT_CHANGE_ERROR = 5,
    /// The agent was logged out (Disconnected): by its own logout, by the service
    /// (keep-alives missed, forced logout) or after a failed login.
    CCB_AGENT_CHANGE_LOGGED_OUT = 6,
    /// Events may have been lost: the stream was recreated and the session re-attached. No
    /// event; the state is confirmed again by the next events (ccb_agent_in_sync()).
    CCB_AGENT_CHANGE_GAP = 7,
    /// An event about another agent, reported and otherwise ignored.
    CCB_AGENT_CHANGE_OTHER_AGENT = 8,
    /// Any other event of the agent (monitoring, recording, messaging...), passed on; also
    /// what ccb_agent_change_kind() answers for a NULL change.
    CCB_AGENT_CHANGE_OTHER = 9,
}

impl From<AgentChangeKind> for ccb_agent_change_kind_t {
    fn from(k: AgentChangeKind) -> Self {
        use ccb_agent_change_kind_t::*;
        // Exhaustive on purpose: a new core kind must get its C value here.
        match k {
            AgentChangeKind::State => CCB_AGENT_CHANGE_STATE,
            AgentChangeKind::InteractionOffered => CCB_AGENT_CHANGE_INTERACTION_OFFERED,
            AgentChangeKind::InteractionChanged => CCB_AGENT_CHANGE_INTERACTION_CHANGED,
            AgentChangeKind::InteractionRemoved => CCB_AGENT_CHANGE_INTERACTION_REMOVED,
            AgentChangeKind::Statistics => CCB_AGENT_CHANGE_STATISTICS,
            AgentChangeKind::Error => CCB_AGENT_CHANGE_ERROR,
            AgentChangeKind::LoggedOut => CCB_AGENT_CHANGE_LOGGED_OUT,
            AgentChangeKind::Gap => CCB_AGENT_CHANGE_GAP,
            AgentChangeKind::OtherAgent => CCB_AGENT_CHANGE_OTHER_AGENT,
            AgentChangeKind::Other => CCB_AGENT_CHANGE_OTHER,
        }
    }
}

const CHANGE_KIND_NAMES: [&CStr; 10] = [
    c"State",
    c"InteractionOffered",
    c"InteractionChanged",
    c"InteractionRemoved",
    c"Statistics",
    c"Error",
    c"LoggedOut",
    c"Gap",
    c"OtherAgent",
    c"Other",
];

/// A request the service holds until the agent's interactions are over. Mirrors the core's
/// `PendingRequest` (plus "none"); the values never change.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ccb_agent_pending_t {
    /// Nothing pending (also the answer for a NULL agent).
    CCB_AGENT_PENDING_NONE = 0,
    /// NotReadyPending: the agent goes not ready (or parks) once its work is disposed.
    CCB_AGENT_PENDING_NOT_READY = 1,
    /// DisconnectPending: the agent is logged out once its work is disposed.
    CCB_AGENT_PENDING_DISCONNECT = 2,
}

impl From<Option<PendingRequest>> for ccb_agent_pending_t {
    fn from(p: Option<PendingRequest>) -> Self {
        match p {
            None => ccb_agent_pending_t::CCB_AGENT_PENDING_NONE,
            Some(PendingRequest::NotReady) => ccb_agent_pending_t::CCB_AGENT_PENDING_NOT_READY,
            Some(PendingRequest::Disconnect) => ccb_agent_pending_t::CCB_AGENT_PENDING_DISCONNECT,
        }
    }
}

/// The name of an agent state as the API documents spell its event (`"Idle"`,
/// `"NotReady"`...); `"invalid"` for a value this version does not know. A static string:
/// never free it.
#[no_mangle]
pub extern "C" fn ccb_agent_state_name(state: i32) -> *const c_char {
    // The names are the core's; a C literal would need its own copy of them.
    static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
    guard_value(c"invalid".as_ptr(), || {
        let names =
            NAMES.get_or_init(|| STATES.iter().map(|s| c_string(s.as_str().into())).collect());
        usize::try_from(state)
            .ok()
            .and_then(|i| names.get(i))
            .map_or(c"invalid".as_ptr(), |n| n.as_ptr())
    })
}

/// The name of a change kind (`"InteractionOffered"`, `"LoggedOut"`...); `"invalid"` for a
/// value this version does not know. A static string: never free it.
#[no_mangle]
pub extern "C" fn ccb_agent_change_kind_name(kind: i32) -> *const c_char {
    usize::try_from(kind)
        .ok()
        .and_then(|i| CHANGE_KIND_NAMES.get(i))
        .map_or(c"invalid", |n| n)
        .as_ptr()
}

// ---- Options -------------------------------------------------------------------------------

/// How an agent session logs in and behaves. Fill it with ccb_agent_options_init() (which
/// sets the defaults), then change what you need; `const char *` fields are borrowed only
/// during ccb_agent_login() / ccb_agent_attach(). Numbers are taken as they are: a zero
/// where a duration or a capacity is needed is an error naming the field
/// (`"command_timeout"`, `"change_capacity"`...).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ccb_agent_options_t {
    /// Size of this struct as the caller's header defines it; set by
    /// ccb_agent_options_init(). It lets later versions add fields at the end.
    pub struct_size: u32,
    /// `initialState` of a login: `"Idle"`, `"NotReady"` or `"Park"`; NULL (the default):
    /// the service decides (Idle). Not used by ccb_agent_attach().
    pub initial_state: *const c_char,
    /// `station`: the phone number the system calls for the agent's audio; NULL: none.
    pub station: *const c_char,
    /// `routeaccessId`; NULL: none.
    pub routeaccess_id: *const c_char,
    /// `emailAddress`; NULL: none.
    pub email_address: *const c_char,
    /// Sends keepAlive every this many milliseconds from the login on; 0 (the default):
    /// never, the service's own session handling applies. Once one keepAlive was sent, the
    /// documents want one every minute or the service logs the agent out.
    pub keep_alive_ms: u32,
    /// `sessionTimeout` sent with each automatic keepAlive, in seconds; 0 (the default):
    /// the service's default.
    pub session_timeout_s: u32,
    /// How long a command waits for its confirming event, in milliseconds (default 10000).
    pub command_timeout_ms: u32,
    /// How long a login or attach waits for the service to confirm it, in milliseconds
    /// (default 30000).
    pub login_timeout_ms: u32,
    /// How often an attachment is renewed, in milliseconds (default 1500000: the
    /// documents say an attachment lasts 30 minutes and should be renewed every 25).
    pub attach_renewal_ms: u32,
    /// Changes kept for ccb_agent_next_change() while nobody reads them and no listener is
    /// set; beyond it the oldest are dropped and counted (ccb_agent_dropped_changes()).
    /// Default 10000.
    pub change_capacity: u32,
    /// The event stream the session opens; NULL (the default): the recommended settings of
    /// ccb_stream_options_init(). Borrowed during the call only.
    pub stream: *const ccb_stream_options_t,
}

fn millis_u32(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// Fills `options` with the defaults: every string NULL (the service's defaults), no
/// automatic keepAlive, 10 s command timeout, 30 s login timeout, renewal every 25
/// minutes, 10000 queued changes, the recommended stream (NULL), and `struct_size`. NULL is
/// ignored.
///
/// # Safety
/// `options` is NULL or points to writable storage for a `ccb_agent_options_t`.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_options_init(options: *mut ccb_agent_options_t) {
    guard_value((), || {
        if options.is_null() {
            return;
        }
        let d = AgentOptions::default();
        let value = ccb_agent_options_t {
            struct_size: std::mem::size_of::<ccb_agent_options_t>() as u32,
            initial_state: ptr::null(),
            station: ptr::null(),
            routeaccess_id: ptr::null(),
            email_address: ptr::null(),
            keep_alive_ms: d.keep_alive.map_or(0, millis_u32),
            session_timeout_s: d.session_timeout.map_or(0, |s| s as u32),
            command_timeout_ms: millis_u32(d.command_timeout),
            login_timeout_ms: millis_u32(d.login_timeout),
            attach_renewal_ms: millis_u32(d.attach_renewal),
            change_capacity: u32::try_from(d.change_capacity).unwrap_or(u32::MAX),
            stream: ptr::null(),
        };
        // SAFETY: non-NULL and writable per the caller; `write` does not read the
        // (possibly uninitialised) old value.
        unsafe { options.write(value) };
    })
}

fn options_from(options: *const ccb_agent_options_t) -> Result<AgentOptions> {
    // SAFETY: the caller passes NULL or an initialised options struct.
    let Some(o) = (unsafe { options.as_ref() }) else {
        return Ok(AgentOptions::default());
    };
    check_struct_size(o.struct_size, std::mem::size_of::<ccb_agent_options_t>())?;
    let ms = |v: u32| Duration::from_millis(v.into());
    // SAFETY (the `opt_str` calls): the caller guarantees each non-NULL string field is
    // NUL-terminated and alive during the call.
    let initial_state = match unsafe { opt_str(o.initial_state, "initial_state") }? {
        None => None,
        Some(s) => match InitialState::parse(s) {
            InitialState::Other(_) => {
                return Err(Error::invalid(
                    "initial_state",
                    format!("is {s:?}: expected \"Idle\", \"NotReady\" or \"Park\" (or NULL)"),
                ))
            }
            known => Some(known),
        },
    };
    let text = |p: *const c_char, name: &str| -> Result<Option<String>> {
        // SAFETY: as above.
        Ok(unsafe { opt_str(p, name) }?.map(str::to_string))
    };
    let options = AgentOptions {
        initial_state,
        station: text(o.station, "station")?,
        routeaccess_id: text(o.routeaccess_id, "routeaccess_id")?,
        email_address: text(o.email_address, "email_address")?,
        keep_alive: (o.keep_alive_ms > 0).then(|| ms(o.keep_alive_ms)),
        session_timeout: (o.session_timeout_s > 0).then(|| f64::from(o.session_timeout_s)),
        command_timeout: ms(o.command_timeout_ms),
        login_timeout: ms(o.login_timeout_ms),
        attach_renewal: ms(o.attach_renewal_ms),
        change_capacity: o.change_capacity as usize,
        stream: stream::config_from(o.stream)?,
    };
    Ok(options)
}

// ---- Changes -----------------------------------------------------------------------------

/// One change of an agent's state, with the event that caused it. Borrowed when a
/// ccb_agent_change_cb receives it (valid during the call; ccb_agent_change_clone() keeps a
/// copy), owned when ccb_agent_next_change() returns it (release it with
/// ccb_agent_change_free()). Its strings and its event belong to it.
pub struct ccb_agent_change_t {
    kind: ccb_agent_change_kind_t,
    old_state: ccb_agent_state_t,
    new_state: ccb_agent_state_t,
    interaction_id: Option<CString>,
    message: Option<CString>,
    event: Option<ccb_event_t>,
}

impl ccb_agent_change_t {
    fn header(c: &AgentChange, event: Option<ccb_event_t>) -> Self {
        ccb_agent_change_t {
            kind: c.kind.into(),
            old_state: c.old_state.into(),
            new_state: c.new_state.into(),
            interaction_id: c.interaction_id.clone().map(c_string),
            message: c.message.clone().map(c_string),
            event,
        }
    }

    /// A view for the duration of a callback: its event is lent, not copied.
    fn borrowed(c: &AgentChange) -> Self {
        Self::header(c, c.event.as_ref().map(ccb_event_t::borrowed))
    }

    fn owned(mut c: AgentChange) -> Self {
        let event = c.event.take().map(ccb_event_t::owned);
        Self::header(&c, event)
    }

    fn copy(&self) -> Self {
        ccb_agent_change_t {
            kind: self.kind,
            old_state: self.old_state,
            new_state: self.new_state,
            interaction_id: self.interaction_id.clone(),
            message: self.message.clone(),
            event: self
                .event
                .as_ref()
                .map(|e| ccb_event_t::owned(e.event().clone())),
        }
    }
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |s| s.as_ptr())
}

/// What the change is about. CCB_AGENT_CHANGE_OTHER for a NULL change.
///
/// # Safety
/// `change` is NULL or a live change.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_change_kind(
    change: *const ccb_agent_change_t,
) -> ccb_agent_change_kind_t {
    guard_value(ccb_agent_change_kind_t::CCB_AGENT_CHANGE_OTHER, || {
        // SAFETY: the caller passes NULL or a live change.
        unsafe { change.as_ref() }
            .map_or(ccb_agent_change_kind_t::CCB_AGENT_CHANGE_OTHER, |c| c.kind)
    })
}

/// The agent's state before the change. CCB_AGENT_STATE_UNKNOWN for a NULL change.
///
/// # Safety
/// `change` is NULL or a live change.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_change_old_state(
    change: *const ccb_agent_change_t,
) -> ccb_agent_state_t {
    guard_value(ccb_agent_state_t::CCB_AGENT_STATE_UNKNOWN, || {
        // SAFETY: the caller passes NULL or a live change.
        unsafe { change.as_ref() }
            .map_or(ccb_agent_state_t::CCB_AGENT_STATE_UNKNOWN, |c| c.old_state)
    })
}

/// The agent's state after the change. CCB_AGENT_STATE_UNKNOWN for a NULL change.
///
/// # Safety
/// `change` is NULL or a live change.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_change_new_state(
    change: *const ccb_agent_change_t,
) -> ccb_agent_state_t {
    guard_value(ccb_agent_state_t::CCB_AGENT_STATE_UNKNOWN, || {
        // SAFETY: the caller passes NULL or a live change.
        unsafe { change.as_ref() }
            .map_or(ccb_agent_state_t::CCB_AGENT_STATE_UNKNOWN, |c| c.new_state)
    })
}

/// The interaction the change concerns (`"1000"`), or NULL when it concerns none (and for
/// a NULL change). Borrowed from the change.
///
/// # Safety
/// `change` is NULL or a live change.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_change_interaction_id(
    change: *const ccb_agent_change_t,
) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: the caller passes NULL or a live change.
        unsafe { change.as_ref() }.map_or(ptr::null(), |c| opt_ptr(&c.interaction_id))
    })
}

/// The event that caused the change, readable with every ccb_event_* accessor; NULL for a
/// CCB_AGENT_CHANGE_GAP (and for a NULL change). Borrowed from the change: valid as long as
/// the change; never pass it to ccb_event_free() (ccb_event_clone() keeps a copy).
///
/// # Safety
/// `change` is NULL or a live change.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_change_event(
    change: *const ccb_agent_change_t,
) -> *const ccb_event_t {
    guard_value(ptr::null(), || {
        // SAFETY: the caller passes NULL or a live change.
        unsafe { change.as_ref() }
            .and_then(|c| c.event.as_ref())
            .map_or(ptr::null(), |e| e as *const ccb_event_t)
    })
}

/// A sentence for the log (an Error's failReason, why an event was set aside, what a gap
/// means), or NULL. Borrowed from the change.
///
/// # Safety
/// `change` is NULL or a live change.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_change_message(
    change: *const ccb_agent_change_t,
) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: the caller passes NULL or a live change.
        unsafe { change.as_ref() }.map_or(ptr::null(), |c| opt_ptr(&c.message))
    })
}

/// Copies a change (for instance one lent to a listener) with its event. Free the copy with
/// ccb_agent_change_free().
///
/// # Safety
/// `change` is NULL or a live change; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_change_clone(
    change: *const ccb_agent_change_t,
    out: *mut *mut ccb_agent_change_t,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, "out") }?;
        let change = unsafe { arg_ref(change, "change") }?;
        *out = Box::into_raw(Box::new(change.copy()));
        Ok(())
    })
}

/// Releases a change from ccb_agent_next_change() or ccb_agent_change_clone(). NULL is
/// ignored. Never pass a change received by a listener: the library owns it.
///
/// # Safety
/// `change` is NULL or an owned change, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_change_free(change: *mut ccb_agent_change_t) {
    guard_value((), || {
        if !change.is_null() {
            // SAFETY: the caller hands back ownership of a Box made by this library.
            drop(unsafe { Box::from_raw(change) });
        }
    })
}

// ---- Outcomes ----------------------------------------------------------------------------

/// What an awaited command ended with: the command, the correlation id the service gave
/// it, and the event that confirmed it. Release it with ccb_agent_outcome_free(); an
/// outcome passed to a ccb_agent_outcome_cb is borrowed (valid during the call).
pub struct ccb_agent_outcome_t {
    command: CString,
    correlation_id: Option<CString>,
    event_type: Option<CString>,
    event: Option<ccb_event_t>,
    json: OnceLock<CString>,
}

impl ccb_agent_outcome_t {
    fn new(o: CommandOutcome) -> Self {
        ccb_agent_outcome_t {
            command: c_string(o.command),
            correlation_id: o.correlation_id.map(c_string),
            event_type: o
                .event
                .as_ref()
                .map(|e| c_string(e.event_type().to_owned())),
            event: o.event.map(ccb_event_t::owned),
            json: OnceLock::new(),
        }
    }

    fn to_json(&self) -> Value {
        let text = |s: &Option<CString>| {
            s.as_ref()
                .map(|s| Value::String(s.to_string_lossy().into_owned()))
        };
        json!({
            "command": self.command.to_string_lossy(),
            "correlationId": text(&self.correlation_id),
            "event": self.event.as_ref().map(|e| e.event().to_json()),
        })
    }
}

/// The operation the outcome is of (`"engagementCenter.hold"`); NULL for a NULL outcome.
/// Borrowed from the outcome.
///
/// # Safety
/// `outcome` is NULL or a live outcome.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_outcome_command(
    outcome: *const ccb_agent_outcome_t,
) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: the caller passes NULL or a live outcome.
        unsafe { outcome.as_ref() }.map_or(ptr::null(), |o| o.command.as_ptr())
    })
}

/// The correlation id the service gave the command (shared by the events it caused), or
/// NULL when it gave none. Borrowed from the outcome.
///
/// # Safety
/// `outcome` is NULL or a live outcome.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_outcome_correlation_id(
    outcome: *const ccb_agent_outcome_t,
) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: the caller passes NULL or a live outcome.
        unsafe { outcome.as_ref() }.map_or(ptr::null(), |o| opt_ptr(&o.correlation_id))
    })
}

/// The type of the event that confirmed the command (`"engagementCenter.Held"`), or NULL
/// for a command the documents give no confirming event (`reject`, `cancel`, `digits`...:
/// the service's 202 is all there is). Borrowed from the outcome.
///
/// # Safety
/// `outcome` is NULL or a live outcome.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_outcome_event_type(
    outcome: *const ccb_agent_outcome_t,
) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: the caller passes NULL or a live outcome.
        unsafe { outcome.as_ref() }.map_or(ptr::null(), |o| opt_ptr(&o.event_type))
    })
}

/// The event that confirmed the command, or NULL (see ccb_agent_outcome_event_type()).
/// Borrowed from the outcome: never pass it to ccb_event_free().
///
/// # Safety
/// `outcome` is NULL or a live outcome.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_outcome_event(
    outcome: *const ccb_agent_outcome_t,
) -> *const ccb_event_t {
    guard_value(ptr::null(), || {
        // SAFETY: the caller passes NULL or a live outcome.
        unsafe { outcome.as_ref() }
            .and_then(|o| o.event.as_ref())
            .map_or(ptr::null(), |e| e as *const ccb_event_t)
    })
}

/// The outcome as one JSON object: `{"command", "correlationId" (or null), "event" (the
/// event as ccb_event_json() gives it, or null)}`. Borrowed from the outcome; NULL for a
/// NULL outcome.
///
/// # Safety
/// `outcome` is NULL or a live outcome.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_outcome_json(
    outcome: *const ccb_agent_outcome_t,
) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: the caller passes NULL or a live outcome.
        unsafe { outcome.as_ref() }.map_or(ptr::null(), |o| {
            o.json
                .get_or_init(|| c_string(o.to_json().to_string()))
                .as_ptr()
        })
    })
}

/// Releases an outcome returned through an `out_outcome` parameter. NULL is ignored. Never
/// pass one received by a ccb_agent_outcome_cb.
///
/// # Safety
/// `outcome` is NULL or an owned outcome, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_outcome_free(outcome: *mut ccb_agent_outcome_t) {
    guard_value((), || {
        if !outcome.is_null() {
            // SAFETY: the caller hands back ownership of a Box made by this library.
            drop(unsafe { Box::from_raw(outcome) });
        }
    })
}

// ---- Callbacks ---------------------------------------------------------------------------

/// Receives one change of an agent on the agent's stream dispatcher thread, in order.
/// `change` is borrowed: valid only during the call (ccb_agent_change_clone() keeps a
/// copy). The callback may call any function of this API except a blocking command of the
/// same agent: its outcome arrives on this very thread, so such a call fails at once with
/// CCB_ERR_INVALID_ARGUMENT (field "agent"); use ccb_agent_command_async() or hand the
/// work to another thread.
pub type ccb_agent_change_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, change: *const ccb_agent_change_t)>;

/// Receives the end of a ccb_agent_command_async(): `outcome` on success, `error` on
/// failure (exactly one of them is non-NULL). Both are borrowed: valid only during the call.
/// It runs on a thread of the agent's own, never on a runtime thread: it may call any
/// function of this API, blocking commands of the same agent included.
pub type ccb_agent_outcome_cb = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        outcome: *const ccb_agent_outcome_t,
        error: *const ccb_error_t,
    ),
>;

type ChangeFn = unsafe extern "C" fn(*mut c_void, *const ccb_agent_change_t);
type OutcomeFn = unsafe extern "C" fn(*mut c_void, *const ccb_agent_outcome_t, *const ccb_error_t);

#[derive(Clone, Copy)]
struct UserData(*mut c_void);
// SAFETY: the header tells the caller on which threads `user_data` is used; the library
// only passes it back.
unsafe impl Send for UserData {}
// SAFETY: as above; the library never dereferences it.
unsafe impl Sync for UserData {}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Default)]
struct SlotState {
    callback: Option<(ChangeFn, UserData)>,
    /// The thread inside the callback right now.
    running_on: Option<ThreadId>,
}

/// The C listener of one agent. The core holds it while a callback is set; this side knows
/// when the callback runs, which the core does not say.
#[derive(Default)]
struct ListenerSlot {
    state: Mutex<SlotState>,
    idle: Condvar,
}

impl ListenerSlot {
    /// Sets (or clears) the callback, then waits until the previous one is not running any
    /// more, unless this thread is the one running it.
    fn replace(&self, callback: Option<(ChangeFn, UserData)>) {
        let me = thread::current().id();
        let mut st = lock(&self.state);
        st.callback = callback;
        while st.running_on.is_some_and(|t| t != me) {
            st = self.idle.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn runs_on_this_thread(&self) -> bool {
        lock(&self.state).running_on == Some(thread::current().id())
    }
}

struct SlotListener(Arc<ListenerSlot>);

impl AgentListener for SlotListener {
    fn on_change(&self, change: &AgentChange) {
        let slot = &self.0;
        let (callback, user_data) = {
            let mut st = lock(&slot.state);
            let Some(cb) = st.callback else { return };
            st.running_on = Some(thread::current().id());
            cb
        };
        let view = ccb_agent_change_t::borrowed(change);
        // SAFETY: the caller gave a valid callback; `view` outlives the call.
        unsafe { callback(user_data.0, &view) };
        lock(&slot.state).running_on = None;
        slot.idle.notify_all();
    }
}

struct Completion {
    result: Result<CommandOutcome>,
    callback: OutcomeFn,
    user_data: UserData,
}

/// Hands an async command's result to the completion thread exactly once: when dropped
/// unsent (the task was cancelled or panicked), it sends CCB_ERR_CLOSED.
struct Delivery {
    tx: mpsc::Sender<Completion>,
    callback: OutcomeFn,
    user_data: UserData,
    sent: bool,
}

impl Delivery {
    fn send(mut self, result: Result<CommandOutcome>) {
        self.sent = true;
        let _ = self.tx.send(Completion {
            result,
            callback: self.callback,
            user_data: self.user_data,
        });
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        if !self.sent {
            let _ = self.tx.send(Completion {
                result: Err(closed_error()),
                callback: self.callback,
                user_data: self.user_data,
            });
        }
    }
}

fn closed_error() -> Error {
    Error::Closed {
        message: "the agent session was closed before the command's outcome arrived".into(),
    }
}

/// Runs the async commands' callbacks, in the order the commands ended, until every sender
/// (the agent's and the running commands') is gone.
fn completion_loop(rx: mpsc::Receiver<Completion>) {
    for c in rx {
        let (outcome, error) = match c.result {
            Ok(o) => (Some(ccb_agent_outcome_t::new(o)), None),
            Err(e) => (None, Some(ccb_error_t::from_core(&e))),
        };
        let outcome_ptr = outcome
            .as_ref()
            .map_or(ptr::null(), |o| o as *const ccb_agent_outcome_t);
        let error_ptr = error
            .as_ref()
            .map_or(ptr::null(), |e| e as *const ccb_error_t);
        // SAFETY: the caller gave a valid callback; both objects outlive the call.
        unsafe { (c.callback)(c.user_data.0, outcome_ptr, error_ptr) };
    }
}

#[derive(Default)]
struct Completions {
    tx: Option<mpsc::Sender<Completion>>,
    thread: Option<JoinHandle<()>>,
}

// ---- The agent ---------------------------------------------------------------------------

/// One agent's session: its login, its live state, its commands. Thread-safe; release it
/// with ccb_agent_free() (which does not log the agent out).
pub struct ccb_agent_t {
    session: Arc<AgentSession>,
    user_id: CString,
    listener: Arc<ListenerSlot>,
    completions: Mutex<Completions>,
    /// Set when the agent closes: async commands still waiting end at once.
    closed: tokio::sync::watch::Sender<bool>,
}

impl ccb_agent_t {
    fn new(session: AgentSession) -> Self {
        ccb_agent_t {
            user_id: c_string(session.user_id().to_string()),
            session: Arc::new(session),
            listener: Arc::new(ListenerSlot::default()),
            completions: Mutex::new(Completions::default()),
            closed: tokio::sync::watch::channel(false).0,
        }
    }

    /// Refuses a blocking command from inside this agent's own listener, which would wait
    /// for an outcome that only this thread can deliver.
    fn check_blocking_allowed(&self) -> Result<()> {
        if self.listener.runs_on_this_thread() {
            return Err(Error::invalid(
                "agent",
                "a blocking command of this agent was called from its own listener, where its outcome would have to arrive: use ccb_agent_command_async() or another thread",
            ));
        }
        Ok(())
    }

    /// The sender of the completion thread, started on first use.
    fn completion_sender(&self) -> Result<mpsc::Sender<Completion>> {
        let mut c = lock(&self.completions);
        if let Some(tx) = &c.tx {
            return Ok(tx.clone());
        }
        let (tx, rx) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("ccbridge-agent-cb".into())
            .spawn(move || completion_loop(rx))
            .map_err(|e| Error::Transport {
                message: format!("cannot start the agent's callback thread: {e}"),
            })?;
        c.thread = Some(thread);
        c.tx = Some(tx.clone());
        Ok(tx)
    }

    fn close(&self) -> Result<()> {
        self.closed.send_replace(true);
        self.session.close_blocking()
    }
}

fn publish(out: &mut *mut ccb_agent_t, session: AgentSession) {
    *out = Box::into_raw(Box::new(ccb_agent_t::new(session)));
}

fn open(
    client: *const ccb_client_t,
    user_id: *const c_char,
    options: *const ccb_agent_options_t,
    out: *mut *mut ccb_agent_t,
    attach: bool,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, "out") }?;
        let client = unsafe { arg_ref(client, "client") }?;
        let user_id = unsafe { arg_id(user_id, "user_id") }?;
        let options = options_from(options)?;
        let session = if attach {
            AgentSession::attach_blocking(&client.client, user_id, options)?
        } else {
            AgentSession::login_blocking(&client.client, user_id, options)?
        };
        publish(out, session);
        Ok(())
    })
}

/// A required, non-empty string argument.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives `'a`.
unsafe fn arg_id<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    // SAFETY: forwarded to the caller.
    let s = unsafe { arg_str(p, name) }?;
    ccbridge::validate::non_empty(name, s)?;
    Ok(s)
}

/// Logs the agent `user_id` in: opens an event stream of its own, sends `connect` and
/// returns once the service confirmed the login (ConnectConfirm, Connected) and reported
/// the agent's first state. `options` may be NULL (the defaults of
/// ccb_agent_options_init()). The login's own changes wait in the queue of
/// ccb_agent_next_change().
///
/// Errors: CCB_ERR_INVALID_ARGUMENT naming the argument or option at fault (before any
/// request); CCB_ERR_COMMAND_FAILED when the service refuses the login (an Error then
/// Disconnected: ccb_error_fail_code() and ccb_error_fail_reason() tell why);
/// CCB_ERR_TIMEOUT when nothing confirms it within `login_timeout_ms`; the client's errors
/// (CCB_ERR_AUTH...). On error no session is left behind.
///
/// # Safety
/// `client` is NULL or live, `user_id` NULL or NUL-terminated, `options` NULL or
/// initialised, `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_login(
    client: *const ccb_client_t,
    user_id: *const c_char,
    options: *const ccb_agent_options_t,
    out: *mut *mut ccb_agent_t,
) -> *mut ccb_error_t {
    open(client, user_id, options, out, false)
}

/// Attaches to the existing login of `user_id` (another desktop's): opens an event stream,
/// sends `connect` with `attach` and returns once ConnectConfirm arrived. The attachment is
/// renewed every `attach_renewal_ms`. The agent's state is CCB_AGENT_STATE_UNKNOWN (and
/// ccb_agent_in_sync() false) until its next state event. Errors as ccb_agent_login().
///
/// # Safety
/// As ccb_agent_login().
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_attach(
    client: *const ccb_client_t,
    user_id: *const c_char,
    options: *const ccb_agent_options_t,
    out: *mut *mut ccb_agent_t,
) -> *mut ccb_error_t {
    open(client, user_id, options, out, true)
}

/// Closes the session without logging the agent out: stops its keep-alives and renewals
/// and its stream (whose streaming session is deleted). Blocking commands and
/// ccb_agent_next_change() still waiting end with CCB_ERR_CLOSED (next_change once the
/// queued changes are read), async commands' callbacks get CCB_ERR_CLOSED. May be called
/// from any thread, also while others wait on the agent; calling it again is harmless.
/// When it returns (called from another thread than the listener's), the listener is not
/// running and will not run again; called from the listener it only starts the closing.
/// The error, if any, is about deleting the streaming session.
///
/// # Safety
/// `agent` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_close(agent: *const ccb_agent_t) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contract forwarded from the caller.
        let agent = unsafe { arg_ref(agent, "agent") }?;
        agent.close()
    })
}

/// Closes the agent (as ccb_agent_close(), errors ignored: the agent stays logged in at the
/// service; ccb_agent_logout() logs out) and releases it. NULL is ignored.
///
/// When it returns, the listener is not called any more (it waits for a running call to
/// return, except when called from the listener itself), and every ccb_agent_command_async()
/// callback has run (those whose command had not ended with CCB_ERR_CLOSED), except when
/// called from such a callback: the remaining ones then run after it returned, and their
/// `user_data` must stay valid until then.
///
/// # Safety
/// `agent` is NULL or an agent from ccb_agent_login() / ccb_agent_attach(), not yet freed,
/// and no other thread is using it.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_free(agent: *mut ccb_agent_t) {
    guard_value((), || {
        if agent.is_null() {
            return;
        }
        // SAFETY: the caller hands back ownership of the Box made at login.
        let agent = unsafe { Box::from_raw(agent) };
        // The listener first: nothing reaches the C callback once this returns.
        agent.listener.replace(None);
        agent.session.set_listener(None);
        if let Err(error) = agent.close() {
            tracing::warn!(%error, "agent session closed with an error while being freed");
        }
        let Completions { tx, thread } = std::mem::take(&mut *lock(&agent.completions));
        // The completion thread ends once the commands still running sent their result.
        drop(tx);
        if let Some(t) = thread {
            if t.thread().id() != thread::current().id() {
                let _ = t.join();
            }
        }
    })
}

// ---- State ---------------------------------------------------------------------------------

/// Reads a value off a live agent; `fallback` for NULL (and for a caught panic).
fn read<T: Copy>(agent: *const ccb_agent_t, fallback: T, f: impl FnOnce(&ccb_agent_t) -> T) -> T {
    guard_value(fallback, || {
        // SAFETY: the caller passes NULL or a live agent.
        unsafe { agent.as_ref() }.map_or(fallback, f)
    })
}

/// The agent's state now. CCB_AGENT_STATE_UNKNOWN for a NULL agent.
///
/// # Safety
/// `agent` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_state(agent: *const ccb_agent_t) -> ccb_agent_state_t {
    read(agent, ccb_agent_state_t::CCB_AGENT_STATE_UNKNOWN, |a| {
        a.session.snapshot().state.into()
    })
}

/// The not-ready or disconnect request the service holds until the agent's work is over.
/// CCB_AGENT_PENDING_NONE for a NULL agent.
///
/// # Safety
/// `agent` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_pending(agent: *const ccb_agent_t) -> ccb_agent_pending_t {
    read(agent, ccb_agent_pending_t::CCB_AGENT_PENDING_NONE, |a| {
        a.session.snapshot().pending.into()
    })
}

/// False after events may have been lost (the stream was recreated: a
/// CCB_AGENT_CHANGE_GAP) or right after an attach, until an event states the agent's state
/// again; read the state with that in mind. False for a NULL agent.
///
/// # Safety
/// `agent` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_in_sync(agent: *const ccb_agent_t) -> bool {
    read(agent, false, |a| a.session.snapshot().in_sync)
}

/// Changes dropped because nobody read them and more than `change_capacity` piled up. 0
/// for a NULL agent.
///
/// # Safety
/// `agent` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_dropped_changes(agent: *const ccb_agent_t) -> u64 {
    read(agent, 0, |a| a.session.dropped_changes())
}

/// The agent (`userId`) the session is for. Borrowed: valid until ccb_agent_free(). NULL
/// for a NULL agent.
///
/// # Safety
/// `agent` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_user_id(agent: *const ccb_agent_t) -> *const c_char {
    read(agent, ptr::null(), |a| a.user_id.as_ptr())
}

/// Runs a getter that returns an optional string through `out` (NULL when there is none).
fn string_out(
    agent: *const ccb_agent_t,
    out: *mut *mut c_char,
    name: &str,
    get: impl FnOnce(&ccb_agent_t) -> Option<String>,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, name) }?;
        let agent = unsafe { arg_ref(agent, "agent") }?;
        if let Some(s) = get(agent) {
            *out = into_c_str(s);
        }
        Ok(())
    })
}

/// The reason (`reasonId`) of the NotReady or Park state in `*out` (free it with
/// ccb_string_free()); `*out` is NULL when the agent is in neither state or no reason is
/// known.
///
/// # Safety
/// `agent` is NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_reason_id(
    agent: *const ccb_agent_t,
    out: *mut *mut c_char,
) -> *mut ccb_error_t {
    string_out(agent, out, "out", |a| a.session.snapshot().reason_id)
}

/// The login's `ehubSessionId` in `*out` (free it with ccb_string_free()); NULL while the
/// agent is not logged in. The commands fill it in themselves.
///
/// # Safety
/// `agent` is NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_ehub_session_id(
    agent: *const ccb_agent_t,
    out: *mut *mut c_char,
) -> *mut ccb_error_t {
    string_out(agent, out, "out", |a| a.session.ehub_session_id())
}

/// The streaming session the agent's events arrive on, in `*out` (free it with
/// ccb_string_free()); it changes when the stream is recreated, and is NULL once the agent
/// is closed.
///
/// # Safety
/// `agent` is NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_stream_session_id(
    agent: *const ccb_agent_t,
    out: *mut *mut c_char,
) -> *mut ccb_error_t {
    string_out(agent, out, "out", |a| a.session.stream_session_id())
}

/// Everything known about the agent now, as one JSON object in `*out_json` (free it with
/// ccb_string_free()):
///
/// ```text
/// {"userId": "...", "ehubSessionId": "100" | null,
///  "state": "Idle" | "NotReady" | ... (ccb_agent_state_name()),
///  "reasonId": "12" | null, "pending": "NotReady" | "Disconnect" | null, "inSync": true,
///  "interactions": [{"interactionId": "1000", "mediaType": "InboundACD" | null,
///                    "state": "Offered" | "Dialing" | "Active" | "Held" | "Cleared" | "Wrap",
///                    "consulting": false, "consultInteractionId": "1001" | null,
///                    "originalInteractionId": "1000" | null, "conference": false,
///                    "conferenceInteractionId": "1002" | null, "transferred": false,
///                    "screenPop": {...} | null, "email": {...} | null, "inSync": true}, ...],
///  "statistics": [...]}
/// ```
///
/// Interactions are oldest first. `screenPop` is the ScreenPop that presented the
/// interaction, decoded as ccb_event_typed_payload_json() decodes it (caller data under
/// `payload.interactionInfo.screenData`: `ani`, `dnis`, `firstName`...; ids as text); null
/// for an interaction first seen through a later event. A consultation leg is an
/// interaction of its own, its `originalInteractionId` the call it consults about; `email`
/// is the e-mail data of an e-mail's screen pop; an interaction's `inSync` is false after a
/// gap (the stream was recreated) until an event about it arrives. `statistics` holds the last
/// AgentStatistics items. Fields may be added in later versions.
///
/// # Safety
/// `agent` is NULL or live; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_snapshot_json(
    agent: *const ccb_agent_t,
    out_json: *mut *mut c_char,
) -> *mut ccb_error_t {
    string_out(agent, out_json, "out_json", |a| {
        serde_json::to_string(&a.session.snapshot()).ok()
    })
}

// ---- Changes: push and pull ----------------------------------------------------------------

/// Hands every change from now on to `callback` (with `user_data`), on the agent's stream
/// dispatcher thread, one at a time, in order, instead of queueing it for
/// ccb_agent_next_change() (changes already queued, the login's among them, stay there).
/// A NULL `callback` goes back to queueing.
///
/// Replacing or clearing the callback waits until the previous one is not running (except
/// when called from inside it); then the previous `user_data` is not used any more and may
/// be released. A change arriving at the very moment the callback is cleared may be
/// dropped instead of queued. See ccb_agent_change_cb for what the callback may do.
///
/// # Safety
/// `agent` is NULL or live; `callback` valid until replaced or the agent freed; `user_data`
/// valid as long as `callback` may be called.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_set_listener(
    agent: *const ccb_agent_t,
    callback: ccb_agent_change_cb,
    user_data: *mut c_void,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contract forwarded from the caller.
        let agent = unsafe { arg_ref(agent, "agent") }?;
        match callback {
            Some(cb) => {
                agent.listener.replace(Some((cb, UserData(user_data))));
                agent
                    .session
                    .set_listener(Some(Arc::new(SlotListener(agent.listener.clone()))));
            }
            None => {
                agent.session.set_listener(None);
                agent.listener.replace(None);
            }
        }
        Ok(())
    })
}

/// Pull mode: waits up to `timeout_ms` for the next queued change. `*out` receives it
/// (free it with ccb_agent_change_free()), or NULL when the time ran out. Changes queue from
/// the login on while no listener is set. After ccb_agent_close(), once the queue is empty:
/// CCB_ERR_CLOSED. One thread at a time should pull from an agent.
///
/// # Safety
/// `agent` is NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_next_change(
    agent: *const ccb_agent_t,
    timeout_ms: u32,
    out: *mut *mut ccb_agent_change_t,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, "out") }?;
        let agent = unsafe { arg_ref(agent, "agent") }?;
        let next = agent
            .session
            .next_change(Duration::from_millis(timeout_ms.into()))?;
        if let Some(change) = next {
            *out = Box::into_raw(Box::new(ccb_agent_change_t::owned(change)));
        }
        Ok(())
    })
}

// ---- Commands ------------------------------------------------------------------------------

/// Runs a blocking command and hands its outcome to the optional `out_outcome`.
fn command(
    agent: *const ccb_agent_t,
    out_outcome: *mut *mut ccb_agent_outcome_t,
    run: impl FnOnce(&AgentSession) -> Result<CommandOutcome>,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let mut out = unsafe { out_outcome.as_mut() };
        if let Some(o) = out.as_deref_mut() {
            *o = ptr::null_mut();
        }
        let agent = unsafe { arg_ref(agent, "agent") }?;
        agent.check_blocking_allowed()?;
        let outcome = run(&agent.session)?;
        if let Some(o) = out {
            *o = Box::into_raw(Box::new(ccb_agent_outcome_t::new(outcome)));
        }
        Ok(())
    })
}

/// What one Engagement Center command sends for the agent: the operation, the interaction
/// of its path, the body's fields (the session adds `ehubSessionId`). Built from the C
/// arguments by ccb_agent_command() and by each typed function (agent_commands.rs).
pub(crate) struct CommandRequest {
    op: String,
    interaction_id: Option<String>,
    body: Value,
}

/// Sends a command and waits for its outcome: the one path of ccb_agent_command() and of
/// every typed `ccb_agent_<command>()`. `request` reads the C arguments once the agent was
/// checked, so a NULL agent is reported first.
pub(crate) fn send_command(
    agent: *const ccb_agent_t,
    out_outcome: *mut *mut ccb_agent_outcome_t,
    request: impl FnOnce() -> Result<CommandRequest>,
) -> *mut ccb_error_t {
    command(agent, out_outcome, |s| {
        let r = request()?;
        block_on(s.command(&r.op, r.interaction_id.as_deref(), r.body))
    })
}

/// Starts a command and hands its end to `callback` on the agent's completion thread: the
/// one path of ccb_agent_command_async() and of every typed `ccb_agent_<command>_async()`.
/// An error returned here (the arguments) means the callback will not be called.
pub(crate) fn send_command_async(
    agent: *const ccb_agent_t,
    request: impl FnOnce() -> Result<CommandRequest>,
    callback: ccb_agent_outcome_cb,
    user_data: *mut c_void,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contract forwarded from the caller.
        let agent = unsafe { arg_ref(agent, "agent") }?;
        let CommandRequest {
            op,
            interaction_id,
            body,
        } = request()?;
        let callback = callback.ok_or_else(|| Error::invalid("callback", "must not be NULL"))?;
        let delivery = Delivery {
            tx: agent.completion_sender()?,
            callback,
            user_data: UserData(user_data),
            sent: false,
        };
        let session = agent.session.clone();
        let mut closed = agent.closed.subscribe();
        ccbridge::runtime::handle().spawn(async move {
            let result = tokio::select! {
                r = session.command(&op, interaction_id.as_deref(), body) => r,
                // Also when the sender is gone: the agent is.
                _ = closed.wait_for(|c| *c) => Err(closed_error()),
            };
            delivery.send(result);
        });
        Ok(())
    })
}

/// An optional interaction id: NULL for none, never empty.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives `'a`.
unsafe fn opt_id<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>> {
    // SAFETY: forwarded to the caller.
    let id = unsafe { opt_str(p, name) }?;
    if id.is_some_and(|s| s.trim().is_empty()) {
        return Err(Error::invalid(
            name,
            "must not be empty (NULL for a command about no interaction)",
        ));
    }
    Ok(id)
}

/// An optional JSON body: NULL or blank for none.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn opt_body(p: *const c_char) -> Result<Value> {
    // SAFETY: forwarded to the caller.
    match unsafe { opt_str(p, "body_json") }?.map(str::trim) {
        Some(text) if !text.is_empty() => ccbridge::validate::json_text("body_json", text),
        _ => Ok(Value::Null),
    }
}

/// The request of ccb_agent_command() and ccb_agent_command_async().
///
/// # Safety
/// Each pointer is NULL or a NUL-terminated string.
unsafe fn generic_request(
    op: *const c_char,
    interaction_id: *const c_char,
    body_json: *const c_char,
) -> Result<CommandRequest> {
    // SAFETY: pointer contracts forwarded from the caller.
    let op = unsafe { arg_id(op, "op") }?.to_string();
    let interaction_id = unsafe { opt_id(interaction_id, "interaction_id") }?.map(str::to_string);
    let body = unsafe { opt_body(body_json) }?;
    Ok(CommandRequest {
        op,
        interaction_id,
        body,
    })
}

/// The body of a typed command, filled field by field from its C arguments. A NULL
/// argument leaves its field out, so the description's checks (run by the core when the
/// command is sent) report a missing required field by its wire name; what only the C side
/// can get wrong (invalid UTF-8, JSON text that does not parse, a number that is not
/// finite) names the C argument.
#[derive(Default)]
pub(crate) struct CommandBody(Map<String, Value>);

impl CommandBody {
    /// A string or enum field.
    ///
    /// # Safety
    /// `p` is NULL or a NUL-terminated string.
    pub(crate) unsafe fn text(&mut self, wire: &str, p: *const c_char, arg: &str) -> Result<()> {
        // SAFETY: forwarded to the caller.
        if let Some(s) = unsafe { opt_str(p, arg) }? {
            self.0.insert(wire.into(), Value::from(s));
        }
        Ok(())
    }

    /// A required boolean field.
    pub(crate) fn flag(&mut self, wire: &str, value: bool) {
        self.0.insert(wire.into(), Value::Bool(value));
    }

    /// An optional boolean field.
    ///
    /// # Safety
    /// `p` is NULL or points to a readable byte.
    pub(crate) unsafe fn opt_flag(&mut self, wire: &str, p: *const bool) {
        if !p.is_null() {
            // Read as a byte: any non-zero value a C caller stored is true, where reading a
            // Rust `bool` other than 0 or 1 would be undefined behaviour.
            // SAFETY: non-NULL and readable per the caller.
            let byte = unsafe { p.cast::<u8>().read() };
            self.flag(wire, byte != 0);
        }
    }

    /// A required number field.
    pub(crate) fn number(&mut self, wire: &str, value: f64, arg: &str) -> Result<()> {
        let n = serde_json::Number::from_f64(value)
            .ok_or_else(|| Error::invalid(arg, format!("is {value}: not a finite number")))?;
        self.0.insert(wire.into(), Value::Number(n));
        Ok(())
    }

    /// An optional number field.
    ///
    /// # Safety
    /// `p` is NULL or points to a readable `double`.
    pub(crate) unsafe fn opt_number(&mut self, wire: &str, p: *const f64, arg: &str) -> Result<()> {
        // SAFETY: NULL or readable per the caller.
        match unsafe { p.as_ref() } {
            Some(v) => self.number(wire, *v, arg),
            None => Ok(()),
        }
    }

    /// A required integer field.
    pub(crate) fn integer(&mut self, wire: &str, value: i64) {
        self.0.insert(wire.into(), Value::from(value));
    }

    /// An optional integer field.
    ///
    /// # Safety
    /// `p` is NULL or points to a readable `int64_t`.
    pub(crate) unsafe fn opt_integer(&mut self, wire: &str, p: *const i64) {
        // SAFETY: NULL or readable per the caller.
        if let Some(v) = unsafe { p.as_ref() } {
            self.integer(wire, *v);
        }
    }

    /// An array or object field, given as JSON text.
    ///
    /// # Safety
    /// `p` is NULL or a NUL-terminated string.
    pub(crate) unsafe fn json(&mut self, wire: &str, p: *const c_char, arg: &str) -> Result<()> {
        // SAFETY: forwarded to the caller.
        if let Some(text) = unsafe { opt_str(p, arg) }? {
            let value = ccbridge::validate::json_text(arg, text)?;
            self.0.insert(wire.into(), value);
        }
        Ok(())
    }

    /// The request of `op` (`"engagementCenter.consult"`) with this body.
    pub(crate) fn request(self, op: &str, interaction_id: Option<&str>) -> CommandRequest {
        CommandRequest {
            op: op.into(),
            interaction_id: interaction_id.map(str::to_string),
            body: Value::Object(self.0),
        }
    }
}

/// A typed command's interaction (the path's `interactionId`): required, never empty.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn interaction_arg<'a>(p: *const c_char) -> Result<&'a str> {
    // SAFETY: forwarded to the caller.
    unsafe { arg_id(p, "interaction_id") }
}

/// Sends any Engagement Center command for this agent and waits for its outcome: the
/// escape hatch beside the typed functions (ccb_agent_accept(), ccb_agent_consult()...),
/// which take the same path.
///
/// `op` is the operation (`"engagementCenter.consult"`, or just `"consult"`; see
/// ccb_operations_json()); `interaction_id` fills the path of the interaction commands (NULL
/// for the others); `body_json` is NULL or a JSON object with the body's fields except
/// `ehubSessionId`, which the session fills in (as it fills `userId` and the streaming
/// session). Everything is checked against the API description before anything is sent
/// (CCB_ERR_INVALID_ARGUMENT naming the wire field). `connect` is refused: it is what
/// ccb_agent_login() and ccb_agent_attach() send.
///
/// Returns when one of the command's confirming events arrived (its outcome in
/// `*out_outcome`, which may be NULL when not wanted; free it with
/// ccb_agent_outcome_free()); a command the documents give no confirming event returns on
/// the service's 202. Errors: CCB_ERR_COMMAND_FAILED when an engagementCenter.Error reports
/// the command failed (ccb_error_fail_code(), ccb_error_fail_reason(); the message names
/// both); CCB_ERR_TIMEOUT when no outcome arrived within `command_timeout_ms` (the service
/// accepted the command: its outcome is unknown) or the stream was recreated meanwhile;
/// CCB_ERR_CLOSED when the agent was closed or logged out meanwhile; CCB_ERR_INVALID_ARGUMENT
/// (field "agent") when called from the agent's own listener.
///
/// # Safety
/// `agent` is NULL or live; strings NULL or NUL-terminated; `out_outcome` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_command(
    agent: *const ccb_agent_t,
    op: *const c_char,
    interaction_id: *const c_char,
    body_json: *const c_char,
    out_outcome: *mut *mut ccb_agent_outcome_t,
) -> *mut ccb_error_t {
    // SAFETY: pointer contracts forwarded from the caller.
    send_command(agent, out_outcome, || unsafe {
        generic_request(op, interaction_id, body_json)
    })
}

/// ccb_agent_command() without waiting: returns at once and later calls `callback` exactly
/// once with the outcome or the error, on a thread of the agent's own (see
/// ccb_agent_outcome_cb), in the order the commands end. The one call to make from inside a
/// listener; every typed command has the same form (ccb_agent_accept_async()...).
///
/// The arguments are checked here: an error returned by this function means the callback
/// will not be called. Every later error (the description's checks included) goes to the
/// callback. When the agent is closed or freed first, the callback still runs, with
/// CCB_ERR_CLOSED; ccb_agent_free() waits for it (see there).
///
/// # Safety
/// As ccb_agent_command(); `user_data` valid until the callback was called.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_command_async(
    agent: *const ccb_agent_t,
    op: *const c_char,
    interaction_id: *const c_char,
    body_json: *const c_char,
    callback: ccb_agent_outcome_cb,
    user_data: *mut c_void,
) -> *mut ccb_error_t {
    send_command_async(
        agent,
        // SAFETY: pointer contracts forwarded from the caller.
        || unsafe { generic_request(op, interaction_id, body_json) },
        callback,
        user_data,
    )
}

/// Logs the agent out (`disconnect` with `reason_id`; `"0"` is the usual reason) and waits
/// until it is Disconnected (the outcome's event). With work under way the service first
/// answers DisconnectPending and logs the agent out once the work is disposed: the wait
/// lasts until then (dispose from another thread, or with ccb_agent_dispose_async()), or
/// `timeout_ms` (CCB_ERR_TIMEOUT; the request stays pending at the service), or a
/// ccb_agent_cancel() (CCB_ERR_CLOSED). The session stays open: free it afterwards.
///
/// # Safety
/// `agent` is NULL or live; `reason_id` NULL or NUL-terminated; `out_outcome` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_logout(
    agent: *const ccb_agent_t,
    reason_id: *const c_char,
    timeout_ms: u32,
    out_outcome: *mut *mut ccb_agent_outcome_t,
) -> *mut ccb_error_t {
    command(agent, out_outcome, |s| {
        // SAFETY: pointer contract forwarded from the caller.
        let reason_id = unsafe { arg_id(reason_id, "reason_id") }?;
        block_on(s.logout(reason_id, Duration::from_millis(timeout_ms.into())))
    })
}

/// Cancels the not-ready or disconnect request the service holds (ccb_agent_pending()),
/// with the matching `cancelType`. A ccb_agent_logout() waiting meanwhile ends with
/// CCB_ERR_CLOSED. Nothing pending: CCB_ERR_INVALID_ARGUMENT (field "pending"). Returns on
/// the service's 202 (the documents give it no confirming event).
///
/// # Safety
/// `agent` is NULL or live; `out_outcome` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_agent_cancel(
    agent: *const ccb_agent_t,
    out_outcome: *mut *mut ccb_agent_outcome_t,
) -> *mut ccb_error_t {
    command(agent, out_outcome, |s| block_on(s.cancel()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent_commands::*;
    use crate::ccb_error_code_t;
    use crate::error::{ccb_error_code, ccb_error_field, ccb_error_free};
    use std::mem::MaybeUninit;

    unsafe fn text<'a>(p: *const c_char) -> &'a str {
        assert!(!p.is_null());
        unsafe { CStr::from_ptr(p) }.to_str().unwrap()
    }

    unsafe fn field_of(e: *mut ccb_error_t) -> String {
        assert!(!e.is_null(), "expected an error");
        let f = unsafe { ccb_error_field(e) };
        let s = if f.is_null() {
            String::new()
        } else {
            unsafe { text(f) }.to_string()
        };
        unsafe { ccb_error_free(e) };
        s
    }

    fn options() -> ccb_agent_options_t {
        let mut o = MaybeUninit::uninit();
        unsafe {
            ccb_agent_options_init(o.as_mut_ptr());
            o.assume_init()
        }
    }

    #[test]
    fn enums_mirror_the_core_and_have_names() {
        for (i, s) in STATES.iter().enumerate() {
            assert_eq!(ccb_agent_state_t::from(*s) as usize, i);
            assert_eq!(unsafe { text(ccb_agent_state_name(i as i32)) }, s.as_str());
        }
        assert_eq!(unsafe { text(ccb_agent_state_name(8)) }, "invalid");
        assert_eq!(unsafe { text(ccb_agent_state_name(-1)) }, "invalid");
        use AgentChangeKind as K;
        for (i, k) in [
            K::State,
            K::InteractionOffered,
            K::InteractionChanged,
            K::InteractionRemoved,
            K::Statistics,
            K::Error,
            K::LoggedOut,
            K::Gap,
            K::OtherAgent,
            K::Other,
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(ccb_agent_change_kind_t::from(k) as usize, i);
            assert_eq!(
                unsafe { text(ccb_agent_change_kind_name(i as i32)) },
                format!("{k:?}")
            );
        }
        assert_eq!(unsafe { text(ccb_agent_change_kind_name(10)) }, "invalid");
        assert_eq!(
            ccb_agent_pending_t::from(Some(PendingRequest::Disconnect)) as i32,
            2
        );
    }

    #[test]
    fn options_default_to_the_cores_and_name_bad_fields() {
        let o = options();
        assert_eq!(options_from(&o).unwrap(), AgentOptions::default());
        assert_eq!(options_from(ptr::null()).unwrap(), AgentOptions::default());
        assert_eq!(
            (
                o.command_timeout_ms,
                o.login_timeout_ms,
                o.attach_renewal_ms
            ),
            (10_000, 30_000, 1_500_000)
        );
        assert_eq!(
            (o.keep_alive_ms, o.session_timeout_s, o.change_capacity),
            (0, 0, 10_000)
        );

        let mut set = o;
        set.initial_state = c"Park".as_ptr();
        set.keep_alive_ms = 150;
        set.session_timeout_s = 90;
        set.station = c"9785551212".as_ptr();
        let core = options_from(&set).unwrap();
        assert_eq!(core.initial_state, Some(InitialState::Park));
        assert_eq!(core.keep_alive, Some(Duration::from_millis(150)));
        assert_eq!(core.session_timeout, Some(90.0));
        assert_eq!(core.station.as_deref(), Some("9785551212"));

        let field = |o: ccb_agent_options_t| match options_from(&o).unwrap_err() {
            Error::InvalidArgument { field, .. } => field,
            other => panic!("{other:?}"),
        };
        let mut bad = o;
        bad.initial_state = c"Busy".as_ptr();
        assert_eq!(field(bad), "initial_state");
        bad = o;
        bad.struct_size = 3;
        assert_eq!(field(bad), "struct_size");
        bad = o;
        bad.station = c"\xff".as_ptr();
        assert_eq!(field(bad), "station");
        let mut so = MaybeUninit::uninit();
        let so = unsafe {
            crate::ccb_stream_options_init(so.as_mut_ptr());
            let mut so = so.assume_init();
            so.max_events = 0;
            so
        };
        bad = o;
        bad.stream = &so;
        assert_eq!(field(bad), "max_events");
        // Zero durations are the core's to refuse (when the session opens).
        bad = o;
        bad.command_timeout_ms = 0;
        assert_eq!(options_from(&bad).unwrap().command_timeout, Duration::ZERO);
    }

    #[test]
    fn null_arguments_name_themselves() {
        unsafe {
            let mut a: *mut ccb_agent_t = ptr::null_mut();
            assert_eq!(
                field_of(ccb_agent_login(
                    ptr::null(),
                    c"u".as_ptr(),
                    ptr::null(),
                    &mut a
                )),
                "client"
            );
            assert_eq!(
                field_of(ccb_agent_attach(
                    ptr::null(),
                    c"u".as_ptr(),
                    ptr::null(),
                    ptr::null_mut()
                )),
                "out"
            );
            assert_eq!(
                field_of(ccb_agent_ready(ptr::null(), ptr::null_mut())),
                "agent"
            );
            assert_eq!(
                field_of(ccb_agent_hold(ptr::null(), c"1".as_ptr(), ptr::null_mut())),
                "agent"
            );
            assert_eq!(field_of(ccb_agent_close(ptr::null())), "agent");
            let mut s: *mut c_char = ptr::NonNull::dangling().as_ptr();
            assert_eq!(
                field_of(ccb_agent_snapshot_json(ptr::null(), &mut s)),
                "agent"
            );
            assert!(s.is_null());
            let mut o: *mut ccb_agent_outcome_t = ptr::NonNull::dangling().as_ptr();
            assert_eq!(field_of(ccb_agent_cancel(ptr::null(), &mut o)), "agent");
            assert!(o.is_null(), "the outcome is cleared before anything else");
            assert_eq!(
                field_of(ccb_agent_command_async(
                    ptr::null(),
                    c"ready".as_ptr(),
                    ptr::null(),
                    ptr::null(),
                    None,
                    ptr::null_mut()
                )),
                "agent"
            );
            assert_eq!(
                ccb_agent_state(ptr::null()),
                ccb_agent_state_t::CCB_AGENT_STATE_UNKNOWN
            );
            assert_eq!(
                ccb_agent_pending(ptr::null()),
                ccb_agent_pending_t::CCB_AGENT_PENDING_NONE
            );
            assert!(!ccb_agent_in_sync(ptr::null()));
            assert!(ccb_agent_user_id(ptr::null()).is_null());
            assert_eq!(
                ccb_agent_change_kind(ptr::null()),
                ccb_agent_change_kind_t::CCB_AGENT_CHANGE_OTHER
            );
            assert!(ccb_agent_change_event(ptr::null()).is_null());
            assert!(ccb_agent_outcome_json(ptr::null()).is_null());
            ccb_agent_free(ptr::null_mut());
            ccb_agent_change_free(ptr::null_mut());
            ccb_agent_outcome_free(ptr::null_mut());
            ccb_agent_options_init(ptr::null_mut());
        }
    }

    #[cfg(feature = "simulator")]
    mod with_simulator {
        use super::*;
        use crate::client::{ccb_client_free, ccb_client_new, ccb_client_options_init};
        use crate::simulator::*;
        use std::sync::atomic::{AtomicUsize, Ordering};

        struct Fixture {
            sim: *mut ccb_simulator_t,
            client: *mut ccb_client_t,
        }

        impl Fixture {
            fn new() -> Self {
                unsafe {
                    let mut so = MaybeUninit::uninit();
                    ccb_simulator_options_init(so.as_mut_ptr());
                    let mut so = so.assume_init();
                    so.poll_wait_ms = 100;
                    let mut sim = ptr::null_mut();
                    assert!(ccb_simulator_start(&so, &mut sim).is_null());
                    let mut co = MaybeUninit::uninit();
                    ccb_client_options_init(co.as_mut_ptr());
                    let mut co = co.assume_init();
                    co.org_id = ccb_simulator_org_id(sim);
                    co.client_id = ccb_simulator_client_id(sim);
                    co.client_secret = ccb_simulator_client_secret(sim);
                    co.api_key = ccb_simulator_api_key(sim);
                    co.base_url = ccb_simulator_url(sim);
                    let mut client = ptr::null_mut();
                    assert!(ccb_client_new(&co, &mut client).is_null());
                    Fixture { sim, client }
                }
            }
        }

        impl Drop for Fixture {
            fn drop(&mut self) {
                unsafe {
                    ccb_client_free(self.client);
                    ccb_simulator_free(self.sim);
                }
            }
        }

        unsafe fn ok(e: *mut ccb_error_t) {
            if !e.is_null() {
                let msg = unsafe { text(crate::ccb_error_message(e)) }.to_string();
                unsafe { ccb_error_free(e) };
                panic!("unexpected error: {msg}");
            }
        }

        #[derive(Default)]
        struct Seen {
            changes: Mutex<Vec<(ccb_agent_change_kind_t, Option<String>)>>,
            refused: AtomicUsize,
            outcomes: Mutex<Vec<std::result::Result<String, ccb_error_code_t>>>,
            agent: Mutex<usize>,
        }

        unsafe extern "C" fn on_change(ud: *mut c_void, change: *const ccb_agent_change_t) {
            let seen = unsafe { &*(ud as *const Seen) };
            let id = unsafe { ccb_agent_change_interaction_id(change) };
            let id = (!id.is_null()).then(|| unsafe { text(id) }.to_string());
            let kind = unsafe { ccb_agent_change_kind(change) };
            if kind == ccb_agent_change_kind_t::CCB_AGENT_CHANGE_INTERACTION_OFFERED {
                let agent = *lock(&seen.agent) as *const ccb_agent_t;
                // A blocking command here could only time out: refused at once.
                let e = unsafe { ccb_agent_accept(agent, c"1".as_ptr(), ptr::null_mut()) };
                if unsafe { field_of(e) } == "agent" {
                    seen.refused.fetch_add(1, Ordering::SeqCst);
                }
                let id = CString::new(id.clone().unwrap()).unwrap();
                unsafe {
                    ok(ccb_agent_command_async(
                        agent,
                        c"accept".as_ptr(),
                        id.as_ptr(),
                        ptr::null(),
                        Some(on_outcome),
                        ud,
                    ));
                }
            }
            lock(&seen.changes).push((kind, id));
        }

        unsafe extern "C" fn on_outcome(
            ud: *mut c_void,
            outcome: *const ccb_agent_outcome_t,
            error: *const ccb_error_t,
        ) {
            let seen = unsafe { &*(ud as *const Seen) };
            let r = if error.is_null() {
                Ok(unsafe { text(ccb_agent_outcome_event_type(outcome)) }.to_string())
            } else {
                assert!(outcome.is_null());
                Err(unsafe { ccb_error_code(error) })
            };
            lock(&seen.outcomes).push(r);
        }

        fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
            for _ in 0..500 {
                if f() {
                    return;
                }
                thread::sleep(Duration::from_millis(20));
            }
            panic!("timed out waiting for {what}");
        }

        #[test]
        fn login_listen_accept_async_and_free() {
            let fx = Fixture::new();
            let seen = Box::new(Seen::default());
            let ud = &*seen as *const Seen as *mut c_void;
            unsafe {
                let mut agent = ptr::null_mut();
                ok(ccb_agent_login(
                    fx.client,
                    c"rust-c-agent".as_ptr(),
                    ptr::null(),
                    &mut agent,
                ));
                assert_eq!(text(ccb_agent_user_id(agent)), "rust-c-agent");
                assert_eq!(
                    ccb_agent_state(agent),
                    ccb_agent_state_t::CCB_AGENT_STATE_IDLE
                );
                // The login's changes are queued.
                let mut c = ptr::null_mut();
                ok(ccb_agent_next_change(agent, 1000, &mut c));
                assert!(!c.is_null());
                assert_eq!(
                    ccb_agent_change_kind(c),
                    ccb_agent_change_kind_t::CCB_AGENT_CHANGE_STATE
                );
                assert_eq!(
                    text(crate::ccb_event_type(ccb_agent_change_event(c))),
                    "engagementCenter.Connecting"
                );
                let mut copy = ptr::null_mut();
                ok(ccb_agent_change_clone(c, &mut copy));
                ccb_agent_change_free(c);
                assert_eq!(
                    text(crate::ccb_event_type(ccb_agent_change_event(copy))),
                    "engagementCenter.Connecting"
                );
                ccb_agent_change_free(copy);

                *lock(&seen.agent) = agent as usize;
                ok(ccb_agent_set_listener(agent, Some(on_change), ud));
                let mut id = ptr::null_mut();
                ok(ccb_simulator_offer(
                    fx.sim,
                    c"rust-c-agent".as_ptr(),
                    ptr::null(),
                    c"{\"ani\":\"5550001\"}".as_ptr(),
                    &mut id,
                ));
                let call = text(id).to_string();
                crate::ccb_string_free(id);
                wait_until("the async accept", || !lock(&seen.outcomes).is_empty());
                assert_eq!(
                    lock(&seen.outcomes)[0],
                    Ok("engagementCenter.Active".to_string())
                );
                assert_eq!(seen.refused.load(Ordering::SeqCst), 1);
                assert!(lock(&seen.changes).iter().any(|(k, i)| *k
                    == ccb_agent_change_kind_t::CCB_AGENT_CHANGE_INTERACTION_OFFERED
                    && i.as_deref() == Some(call.as_str())));

                let mut snap = ptr::null_mut();
                ok(ccb_agent_snapshot_json(agent, &mut snap));
                let v: Value = serde_json::from_str(text(snap)).unwrap();
                crate::ccb_string_free(snap);
                assert_eq!(v["state"], "Busy");
                assert_eq!(v["interactions"][0]["interactionId"], call.as_str());
                assert_eq!(v["interactions"][0]["state"], "Active");
                assert_eq!(
                    v["interactions"][0]["screenPop"]["payload"]["interactionInfo"]["screenData"]
                        ["ani"],
                    "5550001"
                );

                // Blocking commands from this thread work, with their outcome.
                let cid = CString::new(call).unwrap();
                let mut o = ptr::null_mut();
                ok(ccb_agent_hold(agent, cid.as_ptr(), &mut o));
                assert_eq!(
                    text(ccb_agent_outcome_event_type(o)),
                    "engagementCenter.Held"
                );
                assert_eq!(text(ccb_agent_outcome_command(o)), "engagementCenter.hold");
                let j: Value = serde_json::from_str(text(ccb_agent_outcome_json(o))).unwrap();
                assert_eq!(j["event"]["eventType"], "engagementCenter.Held");
                ccb_agent_outcome_free(o);
                let e = ccb_agent_hold(agent, cid.as_ptr(), ptr::null_mut());
                assert_eq!(ccb_error_code(e), ccb_error_code_t::CCB_ERR_COMMAND_FAILED);
                assert!(crate::ccb_error_fail_code(e) > 0);
                ccb_error_free(e);

                // An async command still waiting when the agent goes ends with CLOSED,
                // before ccb_agent_free returns.
                ok(ccb_simulator_add_fault(fx.sim, c"{\"method\":\"GET\",\"pathContains\":\"/events\",\"kind\":\"status\",\"status\":503,\"count\":0}".as_ptr()));
                thread::sleep(Duration::from_millis(300));
                ok(ccb_agent_command_async(
                    agent,
                    c"retrieve".as_ptr(),
                    cid.as_ptr(),
                    ptr::null(),
                    Some(on_outcome),
                    ud,
                ));
                thread::sleep(Duration::from_millis(100));
                ccb_agent_free(agent);
                ok(ccb_simulator_clear_faults(fx.sim));
                let outcomes = lock(&seen.outcomes);
                assert_eq!(outcomes.len(), 2, "{outcomes:?}");
                assert_eq!(outcomes[1], Err(ccb_error_code_t::CCB_ERR_CLOSED));
            }
        }

        #[test]
        fn simulator_controls_check_their_arguments() {
            let fx = Fixture::new();
            unsafe {
                let mut id: *mut c_char = ptr::NonNull::dangling().as_ptr();
                let e = ccb_simulator_offer(
                    fx.sim,
                    c"nobody".as_ptr(),
                    ptr::null(),
                    ptr::null(),
                    &mut id,
                );
                assert_eq!(ccb_error_code(e), ccb_error_code_t::CCB_ERR_CONFLICT);
                assert!(id.is_null());
                ccb_error_free(e);
                assert_eq!(
                    field_of(ccb_simulator_offer(
                        fx.sim,
                        c"".as_ptr(),
                        ptr::null(),
                        ptr::null(),
                        &mut id
                    )),
                    "user_id"
                );
                assert_eq!(
                    field_of(ccb_simulator_offer(
                        fx.sim,
                        c"u".as_ptr(),
                        ptr::null(),
                        c"[1]".as_ptr(),
                        &mut id
                    )),
                    "screen_data_json"
                );
                assert_eq!(
                    field_of(ccb_simulator_offer(
                        ptr::null(),
                        c"u".as_ptr(),
                        ptr::null(),
                        ptr::null(),
                        &mut id
                    )),
                    "sim"
                );
                assert_eq!(
                    field_of(ccb_simulator_hang_up(
                        fx.sim,
                        c"u".as_ptr(),
                        c"abc".as_ptr()
                    )),
                    "interaction_id"
                );
                let e = ccb_simulator_hang_up(fx.sim, c"u".as_ptr(), c"77".as_ptr());
                assert_eq!(ccb_error_code(e), ccb_error_code_t::CCB_ERR_NOT_FOUND);
                ccb_error_free(e);
                assert_eq!(
                    field_of(ccb_simulator_add_fault(
                        fx.sim,
                        c"{\"kind\":\"boom\"}".as_ptr()
                    )),
                    "fault_json"
                );
                let e = ccb_simulator_expire_session(fx.sim, c"no-such".as_ptr());
                assert_eq!(ccb_error_code(e), ccb_error_code_t::CCB_ERR_NOT_FOUND);
                ccb_error_free(e);
                ok(ccb_simulator_fail_next_login(
                    fx.sim,
                    c"refused".as_ptr(),
                    219,
                    ptr::null(),
                ));
                let mut json = ptr::null_mut();
                ok(ccb_simulator_agent_json(
                    fx.sim,
                    c"refused".as_ptr(),
                    &mut json,
                ));
                let v: Value = serde_json::from_str(text(json)).unwrap();
                crate::ccb_string_free(json);
                assert_eq!(v["connected"], false);
                assert_eq!(v["failNextLogin"], 219);
                let mut agent = ptr::null_mut();
                let e = ccb_agent_login(fx.client, c"refused".as_ptr(), ptr::null(), &mut agent);
                assert_eq!(ccb_error_code(e), ccb_error_code_t::CCB_ERR_COMMAND_FAILED);
                assert_eq!(crate::ccb_error_fail_code(e), 219);
                assert!(agent.is_null());
                ccb_error_free(e);
            }
        }
    }
}
