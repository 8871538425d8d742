//! Shared helpers for the simulator's integration tests: a simulator per test and a thin
//! authenticated reqwest client.

#![allow(dead_code)]

pub mod agent;

use std::time::Duration;

use ccbridge_sim::{SimConfig, Simulator};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};

/// A running simulator plus a client that holds a valid token.
pub struct Harness {
    pub sim: Simulator,
    pub http: reqwest::Client,
    pub token: String,
}

/// Simulator config for tests: short long-poll wait, generous rate limit.
pub fn test_config() -> SimConfig {
    SimConfig {
        poll_wait: Duration::from_millis(200),
        rate_limit_per_second: 10_000,
        ..SimConfig::default()
    }
}

impl Harness {
    pub async fn start() -> Harness {
        Self::with_config(test_config()).await
    }

    pub async fn with_config(config: SimConfig) -> Harness {
        let sim = Simulator::start(config).await.expect("simulator starts");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let mut h = Harness {
            sim,
            http,
            token: String::new(),
        };
        h.token = h.fetch_token().await;
        h
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.sim.base_url(), path)
    }

    /// URL of a Via API path below `/via/vN/organizations/simorg`.
    pub fn org_url(&self, version: &str, rest: &str) -> String {
        self.url(&format!("/via/{version}/organizations/simorg{rest}"))
    }

    pub async fn fetch_token(&self) -> String {
        let resp = self
            .http
            .post(self.url("/via/v2/oauth2/token"))
            .basic_auth("sim-client", Some("sim-secret"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", "streamingapi"),
            ])
            .send()
            .await
            .expect("token request");
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.expect("token json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// An authenticated request.
    pub fn api(&self, method: Method, url: String) -> RequestBuilder {
        self.http
            .request(method, url)
            .header("x-api-key", "sim-api-key")
            .bearer_auth(&self.token)
    }

    pub async fn create_session(&self, body: Value) -> String {
        let resp = self
            .api(Method::POST, self.org_url("v3", "/streaming/session"))
            .json(&body)
            .send()
            .await
            .expect("create session");
        assert_eq!(resp.status(), StatusCode::OK);
        let v: Value = resp.json().await.expect("json");
        v["sessionId"].as_str().expect("sessionId").to_owned()
    }

    pub async fn poll_raw(&self, session: &str, max: u32) -> Response {
        self.api(
            Method::GET,
            self.org_url("v3", &format!("/streaming/events?maxEvents={max}")),
        )
        .header("via-client-sessionid", session)
        .send()
        .await
        .expect("poll")
    }

    /// One successful poll; returns the events array.
    pub async fn poll(&self, session: &str, max: u32) -> Vec<Value> {
        let resp = self.poll_raw(session, max).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let v: Value = resp.json().await.expect("json");
        assert_eq!(v["kind"], "via#streamingEventCollection");
        let events = v["events"].as_array().cloned().unwrap_or_default();
        assert_eq!(v["totalItems"], json!(events.len()));
        events
    }

    pub async fn ec(&self, session: &str, user: &str, command: &str, body: Value) -> Response {
        self.api(
            Method::POST,
            self.org_url("v2", &format!("/engagementCenter/users/{user}/{command}")),
        )
        .header("via-client-sessionid", session)
        .json(&body)
        .send()
        .await
        .expect("ec command")
    }

    /// A web token from `webToken.createToken` (x-api-key only).
    pub async fn web_token(&self) -> String {
        let resp = self
            .http
            .post(self.org_url("v2", "/webToken/tokens"))
            .header("x-api-key", "sim-api-key")
            .send()
            .await
            .expect("web token");
        assert_eq!(resp.status(), StatusCode::OK);
        let v: Value = resp.json().await.expect("json");
        v["tokenId"].as_str().expect("tokenId").to_owned()
    }

    /// A request of the public chat, authenticated with a web token.
    pub fn web(&self, method: Method, url: String, token: &str) -> RequestBuilder {
        self.http
            .request(method, url)
            .header("x-api-key", "sim-api-key")
            .bearer_auth(token)
    }

    /// A web-client streaming session (`webClient.createSession`).
    pub async fn web_session(&self, token: &str) -> String {
        let resp = self
            .web(
                Method::POST,
                self.org_url("v2", "/streaming/session/webClient"),
                token,
            )
            .send()
            .await
            .expect("web session");
        assert_eq!(resp.status(), StatusCode::OK);
        let v: Value = resp.json().await.expect("json");
        v["sessionId"].as_str().expect("sessionId").to_owned()
    }

    /// One successful `webClient.getEvents`; returns the events array (v2 envelopes).
    pub async fn web_poll(&self, token: &str, session: &str, max: u32) -> Vec<Value> {
        let resp = self
            .web(
                Method::GET,
                self.org_url(
                    "v2",
                    &format!("/streaming/events/webClient?maxEvents={max}"),
                ),
                token,
            )
            .header("via-client-sessionid", session)
            .send()
            .await
            .expect("web poll");
        assert_eq!(resp.status(), StatusCode::OK);
        let v: Value = resp.json().await.expect("json");
        let events = v["events"].as_array().cloned().unwrap_or_default();
        assert_eq!(v["totalItems"], json!(events.len()));
        events
    }

    /// A `messaging.*` command of the customer.
    pub async fn messaging(
        &self,
        token: &str,
        session: &str,
        command: &str,
        body: Option<Value>,
    ) -> Response {
        let mut req = self
            .web(
                Method::POST,
                self.org_url("v2", &format!("/messaging/{command}")),
                token,
            )
            .header("via-client-sessionid", session);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("messaging command")
    }

    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("control request")
    }
}

/// The `payload` string of an event, parsed.
pub fn payload(event: &Value) -> Value {
    serde_json::from_str(event["payload"].as_str().expect("payload is a string"))
        .expect("payload is JSON")
}

/// Asserts an ErrorResponse with `status` and returns it.
pub async fn error_body(resp: Response, status: StatusCode) -> Value {
    assert_eq!(resp.status(), status);
    let v: Value = resp.json().await.expect("error body is JSON");
    assert_eq!(v["code"], json!(status.as_u16()));
    assert!(v["message"].is_string());
    v
}
