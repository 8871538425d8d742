//! [`ViaClient`]: the entry point to the Alvaria Cloud APIs.

use crate::auth::{AuthProvider, ClientCredentials};
use crate::config::{ViaConfig, ViaConfigBuilder};
use crate::error::{Error, Result};
use crate::ops::{self, SessionHeader};
use crate::transport::{ApiRequest, RateLimit, Transport};
use crate::via::engagement_center::EngagementCenter;
use crate::via::streaming::Streaming;
use serde_json::{Map, Value};
use std::sync::Arc;

/// A client of the Alvaria Cloud ("Via") APIs for one organization.
///
/// Cheap to clone: clones share the HTTP connection pool, the token cache, the retry
/// budget and the rate-limit state.
#[derive(Debug, Clone)]
pub struct ViaClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ViaConfig,
    transport: Transport,
}

impl ViaClient {
    /// Starts a configuration builder.
    pub fn builder() -> ViaConfigBuilder {
        ViaConfig::builder()
    }

    /// Creates a client. No request is sent until the first call.
    pub fn new(config: ViaConfig) -> Result<Self> {
        let http = Transport::http_client(config.connect_timeout)?;
        let auth: Arc<dyn AuthProvider> = Arc::new(ClientCredentials::new(
            http.clone(),
            config.token_url.clone(),
            config.client_id.clone(),
            config.client_secret.clone(),
            config.scopes.clone(),
        ));
        let transport = Transport::new(
            http,
            config.base_url.clone(),
            config.api_key.clone(),
            auth,
            config.retry.clone(),
            config.request_timeout,
        );
        Ok(ViaClient {
            inner: Arc::new(Inner { config, transport }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ViaConfig {
        &self.inner.config
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The last rate-limit figures the service reported.
    pub fn rate_limits(&self) -> Vec<RateLimit> {
        self.inner.transport.rate_limits()
    }

    /// Streaming API v3.
    pub fn streaming(&self) -> Streaming {
        Streaming::new(self.clone())
    }

    /// Engagement Center commands.
    pub fn engagement_center(&self) -> EngagementCenter {
        EngagementCenter::new(self.clone())
    }

    /// A request for a table operation, with its path rendered.
    pub(crate) fn request(
        &self,
        op_name: &str,
        path_params: &[(&str, &str)],
    ) -> Result<ApiRequest> {
        let op = ops::require(op_name)?;
        let params: Map<String, Value> = path_params
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect();
        let path = op.render_path(&self.inner.config.org_id, &params)?;
        Ok(ApiRequest::new(op.name, op.method.to_reqwest(), path))
    }

    /// Calls any operation of the table by name with JSON parameters, and returns the JSON
    /// response body (`null` when the service sent none, as for `202 Accepted`).
    ///
    /// `params` is an object whose keys are the operation's path parameters (`"userId"`),
    /// plus `"sessionId"` (the `via-client-sessionid` header, for session-bound operations),
    /// `"query"` (an object of query parameters) and `"body"` (the JSON body).
    pub async fn call(&self, op_name: &str, params: Value) -> Result<Value> {
        let op = ops::require(op_name)?;
        let mut params = match params {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            _ => return Err(Error::invalid("params", "must be a JSON object")),
        };
        let path = op.render_path(&self.inner.config.org_id, &params)?;
        for name in op.path_params() {
            params.remove(name);
        }
        let mut req = ApiRequest::new(op.name, op.method.to_reqwest(), path);
        match (op.session, params.remove("sessionId")) {
            (SessionHeader::Required, Some(Value::String(s))) if !s.trim().is_empty() => {
                req.session_id = Some(s)
            }
            (SessionHeader::Required, _) => {
                return Err(Error::invalid(
                    "sessionId",
                    format!(
                        "{} needs a non-empty string sessionId (via-client-sessionid)",
                        op.name
                    ),
                ))
            }
            (SessionHeader::None, Some(_)) => {
                return Err(Error::invalid(
                    "sessionId",
                    format!("{} takes no session", op.name),
                ))
            }
            (SessionHeader::None, None) => {}
        }
        if let Some(q) = params.remove("query") {
            let Value::Object(q) = q else {
                return Err(Error::invalid("query", "must be a JSON object"));
            };
            for (k, v) in q {
                let s = match v {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => {
                        return Err(Error::invalid(
                            "query",
                            format!("{k}: must be a string, number or boolean"),
                        ))
                    }
                };
                req.query.push((k, s));
            }
        }
        match params.remove("body") {
            Some(b) if !op.has_body => {
                let _ = b;
                return Err(Error::invalid("body", format!("{} takes no body", op.name)));
            }
            Some(Value::Null) | None if op.body_required => {
                return Err(Error::invalid("body", format!("{} needs a body", op.name)))
            }
            Some(Value::Null) | None => {}
            Some(b) => req.body = Some(b),
        }
        if let Some(extra) = params.keys().next() {
            return Err(Error::invalid(
                extra.clone(),
                format!("unknown parameter for {}", op.name),
            ));
        }
        let resp = self.inner.transport.send(req).await?;
        Ok(resp.body.unwrap_or(Value::Null))
    }
}
