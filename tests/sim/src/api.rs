//! The Via API surface, built from the core's operation table (`ccbridge::ops::OPERATIONS`):
//! one route per documented path and method, and for every operation the same request
//! validation the real service does (session header, path and query parameters, JSON body
//! against the documented schema) before the operation's behaviour runs.
//!
//! Authentication happens earlier, in the guard middleware (`auth.rs`), which also looks the
//! operation up here to know which credentials it takes.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;
use ccbridge::ops::{AuthKind, HttpMethod, Operation, SessionHeader, OPERATIONS};
use ccbridge::schema::{self, Node};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::extract::{session_header, JsonBody, PathParams, QueryMap};
use crate::state::SimState;
use crate::{checks, ec, streaming, subscriptions, webchat};

/// The route template of an operation, as axum matches it and as the statistics name it:
/// `/via/v2/organizations/{orgId}/engagementCenter/users/{userId}/connect`.
pub(crate) fn route_template(op: &Operation) -> String {
    format!("/via/{}/organizations/{{orgId}}/{}", op.version, op.path)
}

fn http_method(m: HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Delete => Method::DELETE,
    }
}

fn method_filter(m: HttpMethod) -> MethodFilter {
    match m {
        HttpMethod::Get => MethodFilter::GET,
        HttpMethod::Post => MethodFilter::POST,
        HttpMethod::Put => MethodFilter::PUT,
        HttpMethod::Patch => MethodFilter::PATCH,
        HttpMethod::Delete => MethodFilter::DELETE,
    }
}

static BY_ROUTE: LazyLock<HashMap<(Method, String), &'static Operation>> = LazyLock::new(|| {
    OPERATIONS
        .iter()
        .map(|op| ((http_method(op.method), route_template(op)), op))
        .collect()
});

/// The operation served at a matched route template, if any.
pub(crate) fn find(method: &Method, template: &str) -> Option<&'static Operation> {
    BY_ROUTE
        .get(&(method.clone(), template.to_owned()))
        .copied()
}

/// One route per distinct path, with one method handler per operation on it.
pub(crate) fn routes() -> Router<SimState> {
    let mut by_path: BTreeMap<String, MethodRouter<SimState>> = BTreeMap::new();
    for op in OPERATIONS {
        let handler = move |State(state): State<SimState>,
                            PathParams(path): PathParams<HashMap<String, String>>,
                            headers: HeaderMap,
                            QueryMap(query): QueryMap,
                            JsonBody(body): JsonBody| async move {
            match Call::validate(op, path, &headers, query, body) {
                Ok(call) => handle(&state, &call)
                    .await
                    .unwrap_or_else(|e| e.into_response()),
                Err(e) => e.into_response(),
            }
        };
        let entry = by_path.entry(route_template(op)).or_default();
        *entry = std::mem::take(entry).on(method_filter(op.method), handler);
    }
    by_path
        .into_iter()
        .fold(Router::new(), |router, (path, methods)| {
            router.route(&path, methods)
        })
}

/// A request that passed the validation of its operation.
pub(crate) struct Call {
    pub op: &'static Operation,
    /// Path parameters by wire name (percent-decoded), `orgId` included.
    pub path: HashMap<String, String>,
    /// `via-client-sessionid`, present whenever the operation requires it.
    pub session: Option<String>,
    /// The documented query parameters that were given, as typed JSON values.
    pub query: Map<String, Value>,
    /// The body when the operation takes one and it was given.
    pub body: Option<Value>,
}

impl Call {
    /// Checks a request against its operation, in the order the service reports problems:
    /// path parameters, session header, query parameters, body.
    fn validate(
        op: &'static Operation,
        path: HashMap<String, String>,
        headers: &HeaderMap,
        query: HashMap<String, String>,
        body: Option<Value>,
    ) -> Result<Call, ApiError> {
        for p in op.path_params {
            let value = path.get(p.name).cloned().unwrap_or_default();
            schema::validate(&p.node, &Value::String(value), p.name)
                .map_err(|e| invalid("path", e))?;
        }
        let session = match op.session {
            SessionHeader::Required => Some(session_header(headers)?),
            SessionHeader::Optional => session_header(headers).ok(),
            SessionHeader::None => None,
        };
        let mut typed = Map::new();
        for p in op.query {
            match query.get(p.name) {
                None if p.required => {
                    return Err(ApiError::bad_request(
                        "query",
                        p.name,
                        format!("{} is required", p.name),
                    ))
                }
                None => {}
                Some(raw) => {
                    let value = query_value(&p.node, raw);
                    schema::validate(&p.node, &value, p.name).map_err(|e| invalid("query", e))?;
                    typed.insert(p.name.to_owned(), value);
                }
            }
        }
        // A body sent to an operation that takes none is ignored, as servers do.
        let body = match (&op.body, body) {
            (None, _) => None,
            (Some(_), None | Some(Value::Null)) if op.body_required => {
                return Err(ApiError::bad_request(
                    "body",
                    "body",
                    "request body is required",
                ))
            }
            (Some(_), None | Some(Value::Null)) => None,
            (Some(node), Some(value)) => {
                schema::validate(node, &value, "").map_err(|e| invalid("body", e))?;
                checks::documented_rules(op, &value)?;
                Some(value)
            }
        };
        Ok(Call {
            op,
            path,
            session,
            query: typed,
            body,
        })
    }

    /// The `via-client-sessionid` of the request.
    pub fn session(&self) -> Result<&str, ApiError> {
        self.session
            .as_deref()
            .ok_or_else(ApiError::missing_session_header)
    }

    /// Whether the operation belongs to the public chat (web token, web-client sessions).
    pub fn web(&self) -> bool {
        self.op.auth == AuthKind::WebToken
    }

    /// "Invalid or expired session": 400 in the streaming document, 401 in the public-chat
    /// document (for the web-client and messaging endpoints).
    pub fn invalid_session(&self) -> ApiError {
        let mut e = ApiError::invalid_session();
        if self.web() {
            e.status = StatusCode::UNAUTHORIZED;
        }
        e
    }

    /// A path parameter (always present: the route matched it).
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path.get(name).map(String::as_str)
    }

    /// The body's fields; empty when there is no body or it is not an object.
    pub fn body_object(&self) -> Map<String, Value> {
        match &self.body {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        }
    }

    /// `maxEvents` (documented default 1).
    pub fn max_events(&self) -> usize {
        self.query
            .get("maxEvents")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(1)
    }
}

/// A validation failure of the core's validator as the documents' ErrorResponse: the
/// offending field's wire name in `errors[0].reason`, and in the message.
fn invalid(scope: &str, e: ccbridge::Error) -> ApiError {
    match e {
        ccbridge::Error::InvalidArgument { field, message } => {
            ApiError::bad_request(scope, &field, format!("{field} {message}"))
        }
        other => ApiError::bad_request(scope, scope, other.to_string()),
    }
}

/// A query string value as the JSON value its parameter's node expects, so that the
/// validator sees `maxEvents=abc` as a string where a number is expected.
fn query_value(node: &Node, raw: &str) -> Value {
    let raw = raw.trim();
    match node {
        Node::Integer(_) | Node::Number(_) => raw
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| {
                raw.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
            })
            .unwrap_or_else(|| Value::String(raw.to_owned())),
        Node::Boolean => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(raw.to_owned()),
        },
        _ => Value::String(raw.to_owned()),
    }
}

/// Runs a validated request.
async fn handle(state: &SimState, call: &Call) -> Result<Response, ApiError> {
    match (call.op.service, call.op.command) {
        ("streaming", "createSession") => streaming::create_session(state, call),
        ("streaming", "createSessionV2") | ("webClient", "createSession") => {
            streaming::create_session_v2(state, call)
        }
        ("streaming", "deleteSession" | "deleteSessionV2") => {
            streaming::delete_session(state, call)
        }
        ("streaming", "getEvents") => {
            streaming::get_events(state, call, streaming::Envelope::V3).await
        }
        ("streaming", "getEventsV2") | ("webClient", "getEvents") => {
            streaming::get_events(state, call, streaming::Envelope::V2).await
        }
        ("streaming", "acknowledge") => streaming::acknowledge(state, call),
        (
            "streaming",
            "createSubscription" | "listSubscriptions" | "getSubscription" | "updateSubscription"
            | "deleteSubscription",
        ) => subscriptions::handle(state, call),
        ("engagementCenter", _) => ec::command(state, call),
        ("webToken", "createToken") => webchat::create_token(state),
        ("messaging", _) => webchat::messaging(state, call),
        _ => Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "operation",
            "notImplemented",
            format!("{} is not simulated", call.op.name),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_route_and_a_behaviour() {
        assert_eq!(
            BY_ROUTE.len(),
            OPERATIONS.len(),
            "one (method, path) per op"
        );
        for op in OPERATIONS {
            let streaming = [
                "createSession",
                "deleteSession",
                "getEvents",
                "acknowledge",
                "createSessionV2",
                "deleteSessionV2",
                "getEventsV2",
                "createSubscription",
                "listSubscriptions",
                "getSubscription",
                "updateSubscription",
                "deleteSubscription",
            ];
            let known = match op.service {
                "streaming" => streaming.contains(&op.command),
                "webClient" => ["createSession", "getEvents"].contains(&op.command),
                "webToken" => op.command == "createToken",
                "engagementCenter" | "messaging" => true,
                _ => false,
            };
            assert!(known, "{} has no behaviour", op.name);
        }
    }

    #[test]
    fn query_values_follow_the_node() {
        let node = OPERATIONS
            .iter()
            .find(|o| o.name == "streaming.getEvents")
            .and_then(|o| o.query.first())
            .map(|p| p.node)
            .expect("maxEvents");
        assert_eq!(query_value(&node, "5"), Value::from(5));
        assert!(query_value(&node, "1.5").is_f64());
        assert_eq!(query_value(&node, "abc"), Value::from("abc"));
    }
}
