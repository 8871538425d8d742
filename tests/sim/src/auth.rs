//! OAuth2 token endpoint and the guard every API request passes: request statistics,
//! injected faults, rate limiting, `x-api-key`, credentials (an OAuth2 access token or a
//! public-chat web token, as the operation's description says) and organization checks.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use bytes::Bytes;
use ccbridge::ops::{AuthKind, Operation};
use serde_json::json;

use crate::error::ApiError;
use crate::faults::{ConnectionKill, FaultAction};
use crate::state::SimState;

/// Outcome of the rate-limit check for one request.
struct RateDecision {
    limit: u32,
    remaining: u32,
    exceeded: bool,
}

impl SimState {
    /// Counts one request in the current fixed one-second window. `None` when rate
    /// limiting is disabled.
    fn rate_check(&self) -> Option<RateDecision> {
        let mut d = self.lock();
        let limit = d.runtime.rate_limit_per_second;
        if limit == 0 {
            return None;
        }
        let now = Instant::now();
        if now.saturating_duration_since(d.rate_window.0) >= Duration::from_secs(1) {
            d.rate_window = (now, 0);
        }
        if d.rate_window.1 >= limit {
            return Some(RateDecision {
                limit,
                remaining: 0,
                exceeded: true,
            });
        }
        d.rate_window.1 += 1;
        Some(RateDecision {
            limit,
            remaining: limit - d.rate_window.1,
            exceeded: false,
        })
    }

    fn token_valid(&self, token: &str) -> bool {
        let d = self.lock();
        d.tokens.get(token).is_some_and(|exp| *exp > Instant::now())
    }

    fn count_request(&self, key: String, op: Option<&Operation>, http2: Option<u64>) {
        let mut d = self.lock();
        d.counters.total_requests += 1;
        if let Some(connection) = http2 {
            d.counters.http2_requests += 1;
            d.counters.http2_connections.insert(connection);
        }
        *d.counters.requests.entry(key).or_insert(0) += 1;
        if let Some(op) = op {
            *d.counters.operations.entry(op.name.to_owned()).or_insert(0) += 1;
        }
    }
}

/// The `{orgId}` of an `/organizations/{orgId}/...` path.
fn org_of(path: &str) -> Option<&str> {
    let mut segments = path.split('/');
    segments.find(|s| *s == "organizations")?;
    segments.next()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Checks the credentials an operation takes (`OAuth2` for a path that is no operation,
/// so an unknown endpoint still answers 401 before 404 to a stranger).
fn check_auth(
    state: &SimState,
    headers: &HeaderMap,
    org: &str,
    op: Option<&Operation>,
) -> Result<(), ApiError> {
    let key_ok = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|k| k == state.config().api_key);
    if !key_ok && op.map_or(true, |o| o.api_key) {
        return Err(ApiError::unauthorized(
            "invalidApiKey",
            "missing or invalid x-api-key",
        ));
    }
    let (valid, what): (fn(&SimState, &str) -> bool, &str) =
        match op.map_or(AuthKind::OAuth2, |o| o.auth) {
            AuthKind::None => return org_known(state, org),
            AuthKind::WebToken => (SimState::web_token_valid, "web token"),
            // Basic is the Apps API's; the simulator serves no Apps operation yet.
            AuthKind::OAuth2 | AuthKind::Basic => (SimState::token_valid, "access token"),
        };
    match bearer(headers) {
        None => {
            return Err(ApiError::unauthorized(
                "missingToken",
                "missing bearer token",
            ))
        }
        Some(t) if !valid(state, t) => {
            return Err(ApiError::unauthorized(
                "invalidToken",
                format!("invalid or expired {what}"),
            ))
        }
        Some(_) => {}
    }
    org_known(state, org)
}

fn org_known(state: &SimState, org: &str) -> Result<(), ApiError> {
    if org != state.config().org_id {
        return Err(ApiError::not_found(format!("organization {org} not found")));
    }
    Ok(())
}

fn add_rate_headers(resp: &mut Response, rate: &Option<RateDecision>) {
    if let Some(r) = rate {
        let h = resp.headers_mut();
        h.insert("x-ratelimit-limit-second", HeaderValue::from(r.limit));
        h.insert(
            "x-ratelimit-remaining-second",
            HeaderValue::from(r.remaining),
        );
    }
}

/// Middleware in front of every route. `/sim/` (the control API) passes untouched.
pub(crate) async fn guard(State(state): State<SimState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path == "/sim" || path.starts_with("/sim/") {
        return next.run(req).await;
    }
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let op = crate::api::find(req.method(), &route);
    let http2 = (req.version() == axum::http::Version::HTTP_2).then(|| {
        req.extensions()
            .get::<crate::server::ConnectionId>()
            .map_or(0, |c| c.0)
    });
    state.count_request(format!("{} {}", req.method(), route), op, http2);

    // Faults come first so tests can break even the token endpoint and auth failures.
    let mut drop_response = None;
    match state.take_fault(req.method(), &path) {
        Some(FaultAction::Respond(e)) => {
            tracing::info!(%path, status = e.status.as_u16(), "injected status fault");
            return e.into_response();
        }
        Some(FaultAction::Drop) => {
            tracing::info!(%path, "injected connection drop");
            if let Some(kill) = req.extensions().get::<ConnectionKill>() {
                kill.0.notify_one();
                // The connection task drops this future together with the connection.
                return std::future::pending::<Response>().await;
            }
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "fault",
                "injectedFault",
                "connection drop not available on this server",
            )
            .into_response();
        }
        Some(FaultAction::DropResponse) => {
            // Taken now: the request is consumed by its handler.
            drop_response = req.extensions().get::<ConnectionKill>().cloned();
        }
        Some(FaultAction::Stall(d)) => {
            tracing::info!(%path, ms = d.as_millis() as u64, "injected stall");
            tokio::time::sleep(d).await;
        }
        None => {}
    }

    let resp = checked(&state, &path, op, req, next).await;
    match drop_response {
        Some(kill) => {
            tracing::info!(%path, status = resp.status().as_u16(), "injected response drop");
            drop(resp);
            kill.0.notify_one();
            // The connection task drops this future together with the connection, so the
            // response that was computed is never written.
            std::future::pending::<Response>().await
        }
        None => resp,
    }
}

/// Rate limit, credentials, then the route's handler.
async fn checked(
    state: &SimState,
    path: &str,
    op: Option<&Operation>,
    req: Request,
    next: Next,
) -> Response {
    if !path.starts_with("/via/") {
        return next.run(req).await;
    }
    let rate = state.rate_check();
    if rate.as_ref().is_some_and(|r| r.exceeded) {
        let mut resp = ApiError::too_many_requests(1).into_response();
        add_rate_headers(&mut resp, &rate);
        return resp;
    }
    if let Some(org) = org_of(path) {
        if let Err(e) = check_auth(state, req.headers(), org, op) {
            let mut resp = e.into_response();
            add_rate_headers(&mut resp, &rate);
            return resp;
        }
    }
    let mut resp = next.run(req).await;
    add_rate_headers(&mut resp, &rate);
    resp
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut resp = (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"via\""),
        );
    }
    resp
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// `POST /via/v2/oauth2/token`: OAuth2 client credentials grant.
pub(crate) async fn token(
    State(state): State<SimState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.lock().counters.token_requests += 1;
    let Ok(form) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "body must be application/x-www-form-urlencoded",
        );
    };
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if field("grant_type").as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        );
    }
    let credentials = basic_credentials(&headers)
        .or_else(|| Some((field("client_id")?, field("client_secret")?)));
    let cfg = state.config();
    match credentials {
        Some((id, secret)) if id == cfg.client_id && secret == cfg.client_secret => {}
        _ => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            )
        }
    }
    let ttl = state.lock().runtime.token_ttl;
    let access_token = state.issue_token();
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
        "scope": field("scope").unwrap_or_default(),
    }))
    .into_response()
}
