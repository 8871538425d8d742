//! [`ViaClient`]: the exported client.

use crate::error::CcbError;
use crate::runtime::on_core_runtime;
use crate::stream::{EventListener, EventStreamHandle, ListenerAdapter};
use crate::types::{RateLimit, StreamOptions};
use ccbridge::ClientOptions;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// A client of the Alvaria Cloud ("Via") APIs for one organization.
///
/// Every operation of the API description is a method of a service object, generated from
/// it: `engagementCenter()` (agent control: `connect`, `ready`, `notReady`, `keepAlive`,
/// `disconnect`...), `streaming()`, `messaging()`, `webToken()` and `webClient()`, each
/// taking the documented records. `startStream` runs the event engine on a session of its
/// own; `call` reaches any operation by name and `raw` the Via APIs the description does
/// not cover.
///
/// Every command is `suspend` in Kotlin and `async` in Swift; none blocks the caller's
/// thread. One client serves any number of streams and agents.
#[derive(uniffi::Object)]
pub struct ViaClient {
    pub(crate) inner: ccbridge::ViaClient,
}

impl std::fmt::Debug for ViaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The core's Debug redacts the secrets.
        self.inner.fmt(f)
    }
}

#[uniffi::export]
impl ViaClient {
    /// Creates a client. The secret and the API key are arguments rather than fields of a
    /// record so that no generated `toString()` can print them. No request is sent until
    /// the first call; bad values fail here with `InvalidArgument` naming the field.
    #[uniffi::constructor(default(options = None))]
    pub fn new(
        org_id: String,
        client_id: String,
        client_secret: String,
        api_key: String,
        options: Option<ClientOptions>,
    ) -> Result<Arc<Self>, CcbError> {
        let b = ccbridge::ViaConfig::builder()
            .org_id(org_id)
            .client_id(client_id)
            .client_secret(client_secret)
            .api_key(api_key)
            .options(options.unwrap_or_default());
        let inner = ccbridge::ViaClient::new(b.build()?)?;
        Ok(Arc::new(ViaClient { inner }))
    }

    /// The organization id.
    pub fn org_id(&self) -> String {
        self.inner.config().org_id().to_string()
    }

    /// The API base URL in use.
    pub fn base_url(&self) -> String {
        self.inner.config().base_url().to_string()
    }

    /// Calls any operation by name (see `operationNames()`) with JSON parameters and
    /// returns the JSON response (`"null"` when the service sent no body).
    ///
    /// `params_json` is an object with the operation's path parameters (`"userId"`),
    /// `"sessionId"` for session-bound operations, `"query"` and `"body"`. An empty string
    /// means no parameters. Everything is checked against the API description before
    /// anything is sent.
    pub async fn call(&self, op: String, params_json: String) -> Result<String, CcbError> {
        let params = if params_json.trim().is_empty() {
            serde_json::Value::Null
        } else {
            ccbridge::validate::json_text("params_json", &params_json)?
        };
        let value = on_core_runtime(self.inner.call(&op, params)).await?;
        Ok(value.to_string())
    }

    /// Sends a request to a Via API the description does not cover (provisioning, campaign,
    /// reporting...) through the same transport as every operation, and returns the JSON
    /// answer (`"null"` when there is none). `path` is relative to
    /// `/via/{version}/organizations/{orgId}/` and cannot leave it; `body_json` empty means
    /// no body.
    #[uniffi::method(default(version = "v2", query = None, session_id = None, body_json = None))]
    pub async fn raw(
        &self,
        method: String,
        path: String,
        version: String,
        query: Option<HashMap<String, String>>,
        session_id: Option<String>,
        body_json: Option<String>,
    ) -> Result<String, CcbError> {
        let method: ccbridge::ops::HttpMethod = method.parse()?;
        let mut request = ccbridge::RawRequest::new(method, version, path);
        request.query = query.unwrap_or_default().into_iter().collect();
        request.session_id = session_id;
        request.body = match body_json {
            Some(text) => {
                Some(ccbridge::validate::json_text("body_json", &text)?).filter(|b| !b.is_null())
            }
            None => None,
        };
        let value = on_core_runtime(self.inner.raw(request)).await?;
        Ok(value.to_string())
    }

    /// The last rate-limit figures the service reported (no request is sent).
    pub fn rate_limits(&self) -> Vec<RateLimit> {
        self.inner
            .rate_limits()
            .into_iter()
            .map(Into::into)
            .collect()
    }

    /// Creates a streaming session and starts receiving its events.
    ///
    /// With a `listener`, events and statuses are delivered to it on the stream's own
    /// thread, one at a time, in order; without one, pull them with
    /// `EventStreamHandle.nextEvent`. Options out of range fail with `InvalidArgument`
    /// before any request.
    #[uniffi::method(default(options = None, listener = None))]
    pub async fn start_stream(
        &self,
        options: Option<StreamOptions>,
        listener: Option<Arc<dyn EventListener>>,
    ) -> Result<Arc<EventStreamHandle>, CcbError> {
        let config = options.unwrap_or_default().to_core()?;
        let listener_errors = Arc::new(AtomicU64::new(0));
        let stream = match listener {
            Some(listener) => {
                let adapter = ListenerAdapter::new(listener, listener_errors.clone());
                on_core_runtime(ccbridge::EventStream::start_with_handler(
                    &self.inner,
                    config,
                    adapter,
                ))
                .await?
            }
            None => on_core_runtime(ccbridge::EventStream::start(&self.inner, config)).await?,
        };
        Ok(Arc::new(EventStreamHandle::new(stream, listener_errors)))
    }
}

/// The names `ViaClient.call` accepts (`"engagementCenter.ready"`...).
#[uniffi::export]
pub fn operation_names() -> Vec<String> {
    ccbridge::ops::OPERATIONS
        .iter()
        .map(|o| o.name.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secrets() {
        let client = ViaClient::new(
            "acme".into(),
            "cid".into(),
            "s3cr3t-value".into(),
            "k3y-value".into(),
            Some(ClientOptions {
                base_url: Some("http://127.0.0.1:9".into()),
                ..Default::default()
            }),
        )
        .unwrap();
        let printed = format!("{client:?}");
        assert!(printed.contains("acme"), "{printed}");
        assert!(
            !printed.contains("s3cr3t-value") && !printed.contains("k3y-value"),
            "{printed}"
        );
    }

    #[test]
    fn bad_configuration_names_the_field() {
        let make = |org: &str, url: &str| {
            ViaClient::new(
                org.into(),
                "cid".into(),
                "secret".into(),
                "key".into(),
                Some(ClientOptions {
                    base_url: Some(url.into()),
                    ..Default::default()
                }),
            )
        };
        for (org, url, field) in [
            ("", "https://x.example", "org_id"),
            ("acme", "not a url", "base_url"),
            ("acme", "http://example.com", "base_url"),
        ] {
            match make(org, url) {
                Err(CcbError::InvalidArgument { field: f, .. }) => assert_eq!(f, field),
                other => panic!("expected InvalidArgument({field}), got {other:?}"),
            }
        }
        assert_eq!(operation_names().len(), ccbridge::ops::OPERATIONS.len());
    }
}
