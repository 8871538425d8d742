//! A logged-in agent over real HTTP, for the tests of the agent model: its commands, the
//! events of its login session, the control API that offers it work.

use ccbridge_sim::UserInfo;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use super::{payload, Harness};

/// One event as a test reads it: the type without `engagementCenter.`, the inner payload,
/// the correlation id.
#[derive(Debug)]
pub struct Ev {
    pub kind: String,
    pub inner: Value,
    pub correlation: String,
}

pub fn kinds(events: &[Ev]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

/// A logged-in agent and the session of its login.
pub struct Agent<'a> {
    pub h: &'a Harness,
    pub user: String,
    pub sid: String,
    pub ehub: String,
}

impl<'a> Agent<'a> {
    /// Logs `user` in (Idle) on a new session and drains the login events.
    pub async fn login(h: &'a Harness, user: &str) -> Agent<'a> {
        let sid = h.create_session(json!({})).await;
        let resp = h.ec(&sid, user, "connect", json!({"attach": false})).await;
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        let agent = Agent {
            h,
            user: user.to_owned(),
            sid,
            ehub: h
                .sim
                .state()
                .user_info(user)
                .ehub_session_id
                .expect("logged in"),
        };
        assert_eq!(
            kinds(&agent.events().await),
            vec!["Connecting", "ConnectConfirm", "Connected", "Idle"]
        );
        agent
    }

    /// `body` with this login's ehubSessionId added.
    pub fn with_ehub(&self, mut body: Value) -> Value {
        body["ehubSessionId"] = json!(self.ehub);
        body
    }

    /// A user command from the login session; the body gets the ehubSessionId.
    pub async fn cmd(&self, command: &str, body: Value) -> Response {
        self.h
            .ec(&self.sid, &self.user, command, self.with_ehub(body))
            .await
    }

    /// An interaction command from the login session; the body gets the ehubSessionId.
    pub async fn ix(&self, id: impl ToString, command: &str, body: Value) -> Response {
        self.ix_raw(&id.to_string(), command, self.with_ehub(body))
            .await
    }

    pub async fn ix_raw(&self, id: &str, command: &str, body: Value) -> Response {
        self.h
            .api(
                Method::POST,
                self.h.org_url(
                    "v2",
                    &format!("/engagementCenter/interactions/{id}/{command}"),
                ),
            )
            .header("via-client-sessionid", &self.sid)
            .json(&body)
            .send()
            .await
            .expect("interaction command")
    }

    /// A command that must be accepted; returns its correlation id.
    pub async fn ok(&self, resp: Response) -> String {
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        resp.headers()["x-correlation-id"]
            .to_str()
            .expect("correlation header")
            .to_owned()
    }

    /// The events queued on the login session.
    pub async fn events(&self) -> Vec<Ev> {
        events_of(self.h, &self.sid).await
    }

    pub fn info(&self) -> UserInfo {
        self.h.sim.state().agent_info(&self.user)
    }

    /// `POST /sim/agents/{user}/offer`; returns the new interactionId and drains the
    /// ScreenPop.
    pub async fn offer(&self, body: Value) -> u64 {
        let resp = self
            .h
            .control(
                Method::POST,
                &format!("/sim/agents/{}/offer", self.user),
                Some(body),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let v: Value = resp.json().await.expect("json");
        let id = v["interactionId"].as_u64().expect("interactionId");
        let events = self.events().await;
        assert_eq!(kinds(&events), vec!["ScreenPop"]);
        assert_eq!(events[0].inner["interactionId"], id);
        id
    }

    /// Offers a call and accepts it.
    pub async fn call(&self) -> u64 {
        let id = self.offer(json!({})).await;
        self.ok(self.ix(id, "accept", json!({})).await).await;
        assert_eq!(kinds(&self.events().await), vec!["Active"]);
        id
    }
}

pub async fn events_of(h: &Harness, sid: &str) -> Vec<Ev> {
    h.poll(sid, 100)
        .await
        .iter()
        .map(|e| Ev {
            kind: e["eventType"]
                .as_str()
                .expect("eventType")
                .trim_start_matches("engagementCenter.")
                .to_owned(),
            inner: payload(e)["payload"].clone(),
            correlation: e["correlationId"].as_str().unwrap_or("").to_owned(),
        })
        .collect()
}

/// The documented Error payload of a failed request.
pub fn failure(interaction: &str, code: i64, text: &str) -> Value {
    let reason = format!("({code}) {text}");
    json!({"interactionId": interaction, "eventCode": 10, "failCode": code,
           "failReason": reason, "localizedFailReason": reason, "worktypeId": "0"})
}

/// Asserts that the only event is an Error with `code` about `interaction`.
pub async fn expect_error(a: &Agent<'_>, resp: Response, interaction: &str, code: i64, text: &str) {
    let correlation = a.ok(resp).await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["Error"], "expected failCode {code}");
    assert_eq!(events[0].inner, failure(interaction, code, text));
    assert_eq!(events[0].correlation, correlation);
}

pub fn interaction_states(info: &UserInfo) -> Vec<(u64, &str)> {
    info.interactions
        .iter()
        .map(|i| (i.interaction_id, i.state.as_str()))
        .collect()
}

pub fn dispose_body() -> Value {
    json!({"dispositionId": "2653", "wrapRequired": true, "salesFlag": false,
           "callbackFlag": false,
           "interactionDataCollection": [{"key": "Name", "value": "XYZ", "isMasked": false}]})
}
