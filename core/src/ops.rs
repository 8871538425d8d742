//! The operation table: every endpoint ccbridge knows, once, as data.
//!
//! Typed methods and the generic [`crate::ViaClient::call`] are both built on this table, so
//! it is also the honest count of what the library covers.

use crate::error::{Error, Result};
use crate::schema::{self, Node};
use crate::transport::ApiRequest;
use reqwest::Method;
use serde_json::{Map, Value};

/// Which API an operation belongs to (each has its own host rules and auth).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Alvaria Cloud REST APIs under `/via/{version}/organizations/{orgId}/`.
    Via,
}

/// Whether an operation sends `via-client-sessionid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionHeader {
    /// Never.
    None,
    /// When the caller gives one.
    Optional,
    /// Always; the call fails without a session id.
    Required,
}

/// How an operation authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// OAuth2 client-credentials bearer token.
    OAuth2,
    /// Public-chat web token (`tokenId`) as a bearer token.
    WebToken,
    /// HTTP basic auth (Apps API).
    Basic,
    /// No credentials besides the API key.
    None,
}

/// A path or query parameter of an operation.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Wire name.
    pub name: &'static str,
    /// Whether it must be given.
    pub required: bool,
    /// What its value must be.
    pub node: Node,
}

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl HttpMethod {
    pub(crate) fn to_reqwest(self) -> Method {
        match self {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
            HttpMethod::Put => Method::PUT,
            HttpMethod::Patch => Method::PATCH,
            HttpMethod::Delete => Method::DELETE,
        }
    }

    /// Upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// One documented endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// Stable name, `service.command` (`"streaming.getEvents"`).
    pub name: &'static str,
    /// The service part of the name (`"streaming"`).
    pub service: &'static str,
    /// The command part of the name (`"getEvents"`).
    pub command: &'static str,
    /// The API it belongs to.
    pub api: Api,
    /// HTTP method.
    pub method: HttpMethod,
    /// API version segment (`"v2"`, `"v3"`).
    pub version: &'static str,
    /// Path after `/via/{version}/organizations/{orgId}/`, with `{param}` placeholders.
    pub path: &'static str,
    /// Path parameters, in path order.
    pub path_params: &'static [Param],
    /// Query parameters.
    pub query: &'static [Param],
    /// Whether `via-client-sessionid` is sent.
    pub session: SessionHeader,
    /// How the operation authenticates.
    pub auth: AuthKind,
    /// Whether `x-api-key` is sent.
    pub api_key: bool,
    /// OAuth2 scope the operation needs (empty when not OAuth2).
    pub scope: &'static str,
    /// The documented success status.
    pub status: u16,
    /// Whether sending the request twice does no harm; only such requests are retried
    /// after an answer that leaves the outcome unknown.
    pub safe_to_retry: bool,
    /// Whether the documents deprecate it.
    pub deprecated: bool,
    /// The request body, when the operation takes one.
    pub body: Option<Node>,
    /// Whether the body is required by the document.
    pub body_required: bool,
    /// Events whose arrival means the command took effect (Engagement Center commands).
    pub confirmed_by: &'static [&'static str],
    /// Events that report the command's failure.
    pub failed_by: &'static [&'static str],
    /// Confirming events that report a failure in their payload instead.
    pub failed_when: &'static [PayloadFailure],
    /// One-line summary from the document.
    pub summary: &'static str,
}

/// A confirming event that carries the command's failure in its payload (the description's
/// `x-failed-when`): `field`, a dotted path in the event's payload, holds one of `values`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadFailure {
    /// The event type (`"engagementCenter.MonitorState"`).
    pub event: &'static str,
    /// Where the outcome is (`"payload.monitoringState"`).
    pub field: &'static str,
    /// The values that mean failure, with their documented names.
    pub values: &'static [(i64, &'static str)],
}

impl PayloadFailure {
    /// The failing value and its name, when `payload` (an event's payload) reports one.
    pub fn check(&self, payload: &serde_json::Value) -> Option<(i64, &'static str)> {
        let found = self
            .field
            .split('.')
            .try_fold(payload, |v, key| v.get(key))?;
        // An integer sent as text is the same integer, as the lenient decoders read it.
        let value = found
            .as_i64()
            .or_else(|| found.as_str().and_then(|s| s.trim().parse().ok()))?;
        self.values.iter().copied().find(|(v, _)| *v == value)
    }
}

pub use crate::generated::operations::OPERATIONS;

/// Looks an operation up by name.
pub fn find(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.name == name)
}

/// Looks an operation up, or explains which names exist.
pub(crate) fn require(name: &str) -> Result<&'static Operation> {
    find(name).ok_or_else(|| {
        Error::invalid(
            "op",
            format!(
                "unknown operation {name:?}; known operations: {}",
                OPERATIONS
                    .iter()
                    .map(|o| o.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// The parameters of one call of an operation, before validation.
///
/// Typed methods fill it from their arguments; the generic call fills it from JSON
/// ([`Call::from_json`]). Both then go through [`Operation::prepare`], the one place where a
/// call is checked against the description.
#[derive(Debug, Clone, Default)]
pub struct Call {
    /// Path parameters by wire name (`userId`).
    pub path: Map<String, Value>,
    /// Query parameters by wire name (`maxEvents`).
    pub query: Map<String, Value>,
    /// Value of `via-client-sessionid`.
    pub session_id: Option<String>,
    /// The JSON body.
    pub body: Option<Value>,
    /// Body fields the documents do not describe, sent as given after the documented ones
    /// were checked: the explicit way to use a field the service knows and the documents do
    /// not yet.
    pub extra_body: Map<String, Value>,
}

impl Call {
    /// Reads the generic form: an object whose keys are the path parameters (`"userId"`),
    /// `"sessionId"` (the `via-client-sessionid` header), `"query"` (an object of query
    /// parameters), `"body"` (the JSON body) and `"extraBody"` (undocumented body fields).
    pub fn from_json(op: &Operation, params: Value) -> Result<Call> {
        let mut params = match params {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            _ => return Err(Error::invalid("params", "must be a JSON object")),
        };
        let mut call = Call::default();
        for p in op.path_params {
            if let Some(v) = params.remove(p.name) {
                call.path.insert(p.name.into(), v);
            }
        }
        match params.remove("sessionId") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => call.session_id = Some(s),
            Some(_) => return Err(Error::invalid("sessionId", "must be a string")),
        }
        match params.remove("query") {
            None | Some(Value::Null) => {}
            Some(Value::Object(q)) => call.query = q,
            Some(_) => return Err(Error::invalid("query", "must be a JSON object")),
        }
        match params.remove("extraBody") {
            None | Some(Value::Null) => {}
            Some(Value::Object(e)) => call.extra_body = e,
            Some(_) => return Err(Error::invalid("extraBody", "must be a JSON object")),
        }
        call.body = params.remove("body").filter(|b| !b.is_null());
        if let Some(extra) = params.keys().next() {
            let expected: Vec<&str> = op
                .path_params
                .iter()
                .map(|p| p.name)
                .chain(["sessionId", "query", "body", "extraBody"])
                .collect();
            return Err(Error::invalid(
                extra.clone(),
                format!(
                    "unknown parameter for {} (expected: {})",
                    op.name,
                    expected.join(", ")
                ),
            ));
        }
        Ok(call)
    }
}

impl Operation {
    /// Names of the `{param}` placeholders of the path.
    pub fn path_param_names(&self) -> impl Iterator<Item = &'static str> {
        self.path_params.iter().map(|p| p.name)
    }

    /// Checks one value against the rule of the body field `wire`; a failure names
    /// `field` (a setting that ends up in that field, as `inactivity_delay` in
    /// [`crate::StreamConfig`]).
    pub fn check_body_field(&self, wire: &str, field: &str, value: impl Into<Value>) -> Result<()> {
        match &self.body {
            Some(Node::Object(rule)) => match rule.field(wire) {
                Some(f) => schema::validate(&f.node, &value.into(), field),
                None => Err(Error::invalid(
                    field,
                    format!("{} has no body field {wire}", self.name),
                )),
            },
            _ => Err(Error::invalid(
                field,
                format!("{} has no object body", self.name),
            )),
        }
    }

    /// Checks one value against the rule of the query parameter `wire`; a failure names
    /// `field`.
    pub fn check_query(&self, wire: &str, field: &str, value: impl Into<Value>) -> Result<()> {
        match self.query.iter().find(|p| p.name == wire) {
            Some(p) => schema::validate(&p.node, &value.into(), field),
            None => Err(Error::invalid(
                field,
                format!("{} has no query parameter {wire}", self.name),
            )),
        }
    }

    /// Checks a call against the description and turns it into a request. Nothing is sent
    /// when this fails.
    pub fn prepare(&'static self, org_id: &str, call: Call) -> Result<ApiRequest> {
        let Call {
            path,
            query,
            session_id,
            body,
            extra_body,
        } = call;
        let rendered = self.render_path(org_id, &path)?;
        if let Some(k) = path
            .keys()
            .find(|k| !self.path_params.iter().any(|p| p.name == *k))
        {
            return Err(Error::invalid(
                k.clone(),
                format!("{} has no path parameter {k}", self.name),
            ));
        }
        let mut req = ApiRequest::new(self.name, self.method.to_reqwest(), rendered);
        req.auth = self.auth;
        req.idempotent = self.safe_to_retry;
        match (self.session, session_id) {
            (SessionHeader::None, Some(_)) => {
                return Err(Error::invalid(
                    "sessionId",
                    format!("{} takes no session", self.name),
                ))
            }
            (_, Some(s)) if s.trim().is_empty() => {
                return Err(Error::invalid("sessionId", "must not be empty"))
            }
            (SessionHeader::Required, None) => {
                return Err(Error::invalid(
                    "sessionId",
                    format!(
                        "{} needs the streaming session id (via-client-sessionid)",
                        self.name
                    ),
                ))
            }
            (_, s) => req.session_id = s,
        }
        if let Some(k) = query
            .keys()
            .find(|k| !self.query.iter().any(|p| p.name == *k))
        {
            return Err(Error::invalid(
                k.clone(),
                format!("{} has no query parameter {k}", self.name),
            ));
        }
        for p in self.query {
            match query.get(p.name) {
                None | Some(Value::Null) if p.required => {
                    return Err(Error::invalid(
                        p.name,
                        format!("is required by {}", self.name),
                    ))
                }
                None | Some(Value::Null) => {}
                Some(v) => {
                    schema::validate(&p.node, v, p.name)?;
                    let s = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    req.query.push((p.name.to_string(), s));
                }
            }
        }
        match (&self.body, body) {
            (None, Some(_)) => {
                return Err(Error::invalid(
                    "body",
                    format!("{} takes no body", self.name),
                ))
            }
            (None, None) if !extra_body.is_empty() => {
                return Err(Error::invalid(
                    "extraBody",
                    format!("{} takes no body", self.name),
                ))
            }
            (None, None) => {}
            (Some(_), None) if self.body_required => {
                return Err(Error::invalid(
                    "body",
                    format!("{} needs a body", self.name),
                ))
            }
            (Some(node), body) => {
                let mut body = match body {
                    Some(b) => b,
                    None if extra_body.is_empty() => return Ok(req),
                    None => Value::Object(Map::new()),
                };
                schema::validate(node, &body, "")?;
                if !extra_body.is_empty() {
                    let Value::Object(m) = &mut body else {
                        return Err(Error::invalid(
                            "extraBody",
                            "the body of this operation is not an object",
                        ));
                    };
                    for (k, v) in extra_body {
                        if m.contains_key(&k)
                            || matches!(node, Node::Object(r) if r.field(&k).is_some())
                        {
                            return Err(Error::invalid(
                                format!("extraBody.{k}"),
                                "is a documented field: pass it in the body",
                            ));
                        }
                        m.insert(k, v);
                    }
                }
                req.body = Some(body);
            }
        }
        Ok(req)
    }

    /// Full path relative to the base URL, with the placeholders filled in (percent-encoded).
    pub(crate) fn render_path(&self, org_id: &str, params: &Map<String, Value>) -> Result<String> {
        let mut out = format!("via/{}/organizations/{}/", self.version, encode(org_id));
        for (i, seg) in self.path.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    let v = params.get(name).ok_or_else(|| {
                        Error::invalid(name, format!("path parameter required by {}", self.name))
                    })?;
                    let s = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => return Err(Error::invalid(name, "must be a string")),
                    };
                    crate::validate::non_empty(name, &s)?;
                    out.push_str(&encode(&s));
                }
                None => out.push_str(seg),
            }
        }
        Ok(out)
    }
}

/// A request to a Via API the description does not cover, for [`crate::ViaClient::raw`].
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// HTTP method.
    pub method: HttpMethod,
    /// API version segment (`"v2"`).
    pub version: String,
    /// Path under `/via/{version}/organizations/{orgId}/`, segments unencoded and separated
    /// by `/` (`"provisioning/users"`).
    pub path: String,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// Value of `via-client-sessionid`, when the API wants one.
    pub session_id: Option<String>,
    /// JSON body.
    pub body: Option<Value>,
}

impl RawRequest {
    /// A request with no query, session or body.
    pub fn new(method: HttpMethod, version: impl Into<String>, path: impl Into<String>) -> Self {
        RawRequest {
            method,
            version: version.into(),
            path: path.into(),
            query: Vec::new(),
            session_id: None,
            body: None,
        }
    }

    /// Checks the request and renders its path: a raw request may only reach the
    /// organization's own Via APIs, so the version and path cannot climb out of
    /// `/via/{version}/organizations/{orgId}/`.
    pub(crate) fn prepare(self, org_id: &str) -> Result<ApiRequest> {
        let digits = self.version.strip_prefix('v').unwrap_or_default();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::invalid(
                "version",
                format!("{:?} is not an API version such as \"v2\"", self.version),
            ));
        }
        let mut path = format!("via/{}/organizations/{}", self.version, encode(org_id));
        for seg in self.path.trim_start_matches('/').split('/') {
            if seg.is_empty() || seg == "." || seg == ".." {
                return Err(Error::invalid(
                    "path",
                    format!(
                        "{:?} must be segments such as \"provisioning/users\"",
                        self.path
                    ),
                ));
            }
            path.push('/');
            path.push_str(&encode(seg));
        }
        if let Some(s) = &self.session_id {
            crate::validate::non_empty("sessionId", s)?;
        }
        if self.body.is_some() && matches!(self.method, HttpMethod::Get | HttpMethod::Delete) {
            return Err(Error::invalid(
                "body",
                format!("a {} request takes no body", self.method.as_str()),
            ));
        }
        let mut req = ApiRequest::new("raw", self.method.to_reqwest(), path);
        req.query = self.query;
        req.session_id = self.session_id;
        req.body = self.body;
        Ok(req)
    }
}

impl std::str::FromStr for HttpMethod {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "GET" => Ok(HttpMethod::Get),
            "POST" => Ok(HttpMethod::Post),
            "PUT" => Ok(HttpMethod::Put),
            "PATCH" => Ok(HttpMethod::Patch),
            "DELETE" => Ok(HttpMethod::Delete),
            _ => Err(Error::invalid(
                "method",
                format!("{s:?} is not one of GET, POST, PUT, PATCH, DELETE"),
            )),
        }
    }
}

/// The parameters of a [`Call`] that were given, by wire name.
pub(crate) fn fields<const N: usize>(items: [(&str, Option<Value>); N]) -> Map<String, Value> {
    items
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect()
}

/// Serializes a typed argument for a [`Call`].
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::invalid("body", e.to_string()))
}

/// Decodes the response body of `op` into its model.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(op: &str, body: Value) -> Result<T> {
    serde_json::from_value(body).map_err(|e| Error::decode(format!("{op} response: {e}")))
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = OPERATIONS.iter().map(|o| o.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), OPERATIONS.len());
    }

    #[test]
    fn renders_and_encodes_paths() {
        let op = find("engagementCenter.ready").unwrap();
        let mut p = Map::new();
        p.insert("userId".into(), Value::String("a b/c".into()));
        assert_eq!(
            op.render_path("acme", &p).unwrap(),
            "via/v2/organizations/acme/engagementCenter/users/a%20b%2Fc/ready"
        );
        assert!(op.render_path("acme", &Map::new()).is_err());
    }
}
