//! Fault injection: answer chosen requests with an error status, drop their connection
//! (before handling them or after, losing the response), or stall them. Checked before
//! authentication, for every path outside `/sim/`.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde::Deserialize;
use tokio::sync::Notify;

use crate::error::ApiError;
use crate::state::SimState;

/// What an injected fault does.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    /// Answer `status` with an ErrorResponse body.
    Status,
    /// Close the connection without any response, before the request is handled: the
    /// service never acted on it.
    Drop,
    /// Handle the request, then close the connection without sending the response: the
    /// service acted (a poll's events are in flight, an acknowledgement took effect) and
    /// the client cannot know it.
    DropResponse,
    /// Sleep `stallMs`, then handle the request normally.
    Stall,
}

/// A fault rule (`POST /sim/faults` body).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// Only requests with this method (case-insensitive); any when absent.
    pub method: Option<String>,
    /// Only requests whose path contains this substring; any when absent.
    pub path_contains: Option<String>,
    /// What to do.
    pub kind: FaultKind,
    /// Status for [`FaultKind::Status`]; default 500.
    #[serde(default = "default_status")]
    pub status: u16,
    /// `Retry-After` seconds sent with a status fault.
    pub retry_after: Option<u64>,
    /// How many matching requests get the fault; default 1; 0 = until cleared.
    #[serde(default = "default_count")]
    pub count: u32,
    /// Chance that a matching request gets the fault; default 1.0.
    #[serde(default = "default_probability")]
    pub probability: f64,
    /// Delay for [`FaultKind::Stall`].
    #[serde(default)]
    pub stall_ms: u64,
}

fn default_status() -> u16 {
    500
}
fn default_count() -> u32 {
    1
}
fn default_probability() -> f64 {
    1.0
}

impl FaultSpec {
    /// A fault of `kind` matching every request once, to be refined with struct update
    /// syntax.
    pub fn new(kind: FaultKind) -> Self {
        FaultSpec {
            method: None,
            path_contains: None,
            kind,
            status: default_status(),
            retry_after: None,
            count: default_count(),
            probability: default_probability(),
            stall_ms: 0,
        }
    }
}

/// An active fault rule.
#[derive(Clone, Debug)]
pub(crate) struct Fault {
    spec: FaultSpec,
    method: Option<Method>,
    status: StatusCode,
    /// Remaining hits; `None` = unlimited.
    remaining: Option<u32>,
}

impl Fault {
    pub fn new(spec: FaultSpec) -> Result<Self, ApiError> {
        let method = match &spec.method {
            None => None,
            Some(m) => Some(
                Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                    .map_err(|_| ApiError::bad_request("body", "method", "invalid method"))?,
            ),
        };
        let status = StatusCode::from_u16(spec.status)
            .ok()
            .filter(|s| s.as_u16() >= 200)
            .ok_or_else(|| {
                ApiError::bad_request("body", "status", "status must be an HTTP status 200..=999")
            })?;
        if !(0.0..=1.0).contains(&spec.probability) {
            return Err(ApiError::bad_request(
                "body",
                "probability",
                "probability must be between 0 and 1",
            ));
        }
        let remaining = (spec.count > 0).then_some(spec.count);
        Ok(Fault {
            spec,
            method,
            status,
            remaining,
        })
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        // Written without `Option::is_none_or` to keep the workspace's MSRV (1.80).
        let method_ok = match &self.method {
            None => true,
            Some(m) => m == method,
        };
        let path_ok = match &self.spec.path_contains {
            None => true,
            Some(p) => path.contains(p.as_str()),
        };
        method_ok && path_ok
    }
}

/// What the fault middleware must do with one request.
#[derive(Debug)]
pub(crate) enum FaultAction {
    Respond(ApiError),
    Drop,
    DropResponse,
    Stall(Duration),
}

impl SimState {
    /// Picks the fault (if any) that applies to this request, consuming one of its hits.
    pub(crate) fn take_fault(&self, method: &Method, path: &str) -> Option<FaultAction> {
        let mut d = self.lock();
        let idx = d.faults.iter().position(|f| {
            f.matches(method, path)
                && (f.spec.probability >= 1.0 || rand::random::<f64>() < f.spec.probability)
        })?;
        let fault = &mut d.faults[idx];
        let action = match fault.spec.kind {
            FaultKind::Status => {
                let mut e = ApiError::new(
                    fault.status,
                    "fault",
                    "injectedFault",
                    format!("injected fault: {}", fault.status),
                );
                e.retry_after = fault.spec.retry_after;
                FaultAction::Respond(e)
            }
            FaultKind::Drop => FaultAction::Drop,
            FaultKind::DropResponse => FaultAction::DropResponse,
            FaultKind::Stall => FaultAction::Stall(Duration::from_millis(fault.spec.stall_ms)),
        };
        if let Some(n) = fault.remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                d.faults.remove(idx);
            }
        }
        d.counters.faults_injected += 1;
        Some(action)
    }
}

/// Request extension the accept loop adds to every request: notifying it makes the
/// connection task drop the connection without writing a response.
#[derive(Clone)]
pub(crate) struct ConnectionKill(pub Arc<Notify>);
