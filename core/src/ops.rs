//! The operation table: every endpoint ccbridge knows, once, as data.
//!
//! Typed methods and the generic [`crate::ViaClient::call`] are both built on this table, so
//! it is also the honest count of what the library covers.

use crate::error::{Error, Result};
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
    /// Always; the call fails without a session id.
    Required,
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
    /// Stable name, `category.operation` (`"streaming.getEvents"`).
    pub name: &'static str,
    /// The API it belongs to.
    pub api: Api,
    /// HTTP method.
    pub method: HttpMethod,
    /// API version segment (`"v2"`, `"v3"`).
    pub version: &'static str,
    /// Path after `/via/{version}/organizations/{orgId}/`, with `{param}` placeholders.
    pub path: &'static str,
    /// Whether `via-client-sessionid` is sent.
    pub session: SessionHeader,
    /// Whether the operation takes a JSON body.
    pub has_body: bool,
    /// Whether the body is required by the document.
    pub body_required: bool,
    /// OAuth2 scope the operation needs.
    pub scope: &'static str,
    /// One-line summary from the document.
    pub summary: &'static str,
}

// A table row reads best as one positional call per endpoint.
#[allow(clippy::too_many_arguments)]
const fn op(
    name: &'static str,
    method: HttpMethod,
    version: &'static str,
    path: &'static str,
    session: SessionHeader,
    body: (bool, bool),
    scope: &'static str,
    summary: &'static str,
) -> Operation {
    Operation {
        name,
        api: Api::Via,
        method,
        version,
        path,
        session,
        has_body: body.0,
        body_required: body.1,
        scope,
        summary,
    }
}

use HttpMethod::{Delete, Get, Post};
use SessionHeader::{None as NoSession, Required as WithSession};

const NO_BODY: (bool, bool) = (false, false);
const OPTIONAL_BODY: (bool, bool) = (true, false);
const BODY: (bool, bool) = (true, true);
const EC: &str = "engagementcenterapi";
const STREAMING: &str = "streamingapi";

/// Every operation ccbridge knows.
pub static OPERATIONS: &[Operation] = &[
    op(
        "streaming.createSession",
        Post,
        "v3",
        "streaming/session",
        NoSession,
        OPTIONAL_BODY,
        STREAMING,
        "Creates a new streaming session (inactivityDelay 60..600, requireAcknowledgement).",
    ),
    op(
        "streaming.deleteSession",
        Delete,
        "v3",
        "streaming/session",
        WithSession,
        NO_BODY,
        STREAMING,
        "Deletes an existing streaming session.",
    ),
    op(
        "streaming.getEvents",
        Get,
        "v3",
        "streaming/events",
        WithSession,
        NO_BODY,
        STREAMING,
        "Retrieves events (long poll, up to 15 s; maxEvents 1..200).",
    ),
    op(
        "streaming.acknowledge",
        Post,
        "v3",
        "streaming/acknowledge",
        WithSession,
        BODY,
        STREAMING,
        "Acknowledges one or more events received.",
    ),
    op(
        "engagementCenter.connect",
        Post,
        "v2",
        "engagementCenter/users/{userId}/connect",
        WithSession,
        BODY,
        EC,
        "Logs an agent in (attach=false) or attaches to an existing login (attach=true).",
    ),
    op(
        "engagementCenter.keepAlive",
        Post,
        "v2",
        "engagementCenter/users/{userId}/keepAlive",
        WithSession,
        BODY,
        EC,
        "Signals that the agent session is alive.",
    ),
    op(
        "engagementCenter.disconnect",
        Post,
        "v2",
        "engagementCenter/users/{userId}/disconnect",
        WithSession,
        BODY,
        EC,
        "Disconnects (logs out) an agent.",
    ),
    op(
        "engagementCenter.notReady",
        Post,
        "v2",
        "engagementCenter/users/{userId}/notReady",
        WithSession,
        BODY,
        EC,
        "Moves the agent to Not Ready or Park.",
    ),
    op(
        "engagementCenter.ready",
        Post,
        "v2",
        "engagementCenter/users/{userId}/ready",
        WithSession,
        BODY,
        EC,
        "Moves the agent to Idle (ready for work).",
    ),
];

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

impl Operation {
    /// Names of the `{param}` placeholders of the path.
    pub fn path_params(&self) -> impl Iterator<Item = &'static str> {
        self.path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
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
