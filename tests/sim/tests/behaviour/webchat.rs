//! The public chat: web tokens, web-client sessions, the customer's messaging commands, and
//! the control API playing the agent.

use crate::common;

use std::time::Duration;

use base64::Engine;
use common::{error_body, payload, Harness};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn connect_body() -> Value {
    json!({"workTypeId": "32", "contactName": "Joe Bloggs",
           "contactEmail": "Joe.Bloggs@somewhere.com",
           "contactDataCollection": [{"contactDataKey": "UserDefined1", "contactDataValue": "1234"}]})
}

async fn chat(h: &Harness, sid: &str) -> Value {
    let resp = h
        .control(Method::GET, &format!("/sim/chats/{sid}"), None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// Waits (bounded) until `cond` holds on the simulator's state.
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn web_token_and_web_session() {
    let h = Harness::start().await;
    let resp = h
        .http
        .post(h.org_url("v2", "/webToken/tokens"))
        .header("x-api-key", "sim-api-key")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    let token = v["tokenId"].as_str().unwrap().to_owned();
    // Shaped like the documents' JWT example.
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["orgId"], "simorg");
    let expires = time::OffsetDateTime::parse(
        v["expirationTime"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let ttl = expires - time::OffsetDateTime::now_utc();
    assert!(
        ttl > time::Duration::minutes(59) && ttl <= time::Duration::hours(1),
        "{ttl}"
    );

    // No x-api-key: 401; the token endpoint needs nothing else.
    let resp = h
        .http
        .post(h.org_url("v2", "/webToken/tokens"))
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::UNAUTHORIZED).await;

    let url = h.org_url("v2", "/streaming/session/webClient");
    let resp = h
        .web(Method::POST, url.clone(), &token)
        .json(&json!([{"propertyName": "inactivityDelay", "propertyValue": "120"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["inactivityDelay"], 120);
    let sid = v["sessionId"].as_str().unwrap().to_owned();
    assert_eq!(h.sim.state().session_info(&sid).unwrap().kind, "webClient");
    assert_eq!(chat(&h, &sid).await["state"], "open");

    // The access token is not a web token, and the web token opens no agent API.
    let resp = h.api(Method::POST, url.clone()).send().await.unwrap();
    error_body(resp, StatusCode::UNAUTHORIZED).await;
    let resp = h
        .web(Method::POST, h.org_url("v3", "/streaming/session"), &token)
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::UNAUTHORIZED).await;

    // Web and agent sessions do not mix.
    let agent_session = h.create_session(json!({})).await;
    let resp = h
        .web(
            Method::GET,
            h.org_url("v2", "/streaming/events/webClient"),
            &token,
        )
        .header("via-client-sessionid", &agent_session)
        .send()
        .await
        .unwrap();
    let v = error_body(resp, StatusCode::UNAUTHORIZED).await;
    assert_eq!(v["message"], "Invalid or expired session");
    let v = error_body(h.poll_raw(&sid, 1).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(v["message"], "Invalid or expired session");

    // Expired web tokens answer 401, like access tokens.
    h.control(Method::POST, "/sim/tokens/expire", None).await;
    let resp = h.web(Method::POST, url, &token).send().await.unwrap();
    error_body(resp, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn web_token_ttl_is_configurable() {
    let h = Harness::with_config(ccbridge_sim::SimConfig {
        web_token_ttl: Duration::from_millis(300),
        ..common::test_config()
    })
    .await;
    let token = h.web_token().await;
    h.web_session(&token).await;
    let expires = h.sim.state().web_token_ttl();
    assert_eq!(expires, Duration::from_millis(300));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let resp = h
        .web(
            Method::POST,
            h.org_url("v2", "/streaming/session/webClient"),
            &token,
        )
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::UNAUTHORIZED).await;

    let v: Value = h
        .control(
            Method::POST,
            "/sim/config",
            Some(json!({"webTokenTtlSecs": 120})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["webTokenTtlSecs"], 120);
}

#[tokio::test]
async fn customer_chat_round_trip() {
    let h = Harness::with_config(ccbridge_sim::SimConfig {
        poll_wait: Duration::from_secs(10),
        ..common::test_config()
    })
    .await;
    let token = h.web_token().await;
    let web = h.web_session(&token).await;

    // Nothing can be said before the chat is connected.
    let resp = h
        .messaging(&token, &web, "sendText", Some(json!({"text": "anyone?"})))
        .await;
    error_body(resp, StatusCode::UNPROCESSABLE_ENTITY).await;

    let resp = h
        .messaging(&token, &web, "connect", Some(connect_body()))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let resp = h
        .messaging(&token, &web, "connect", Some(connect_body()))
        .await;
    error_body(resp, StatusCode::UNPROCESSABLE_ENTITY).await;

    let resp = h
        .messaging(&token, &web, "sendText", Some(json!({"text": "Hello"})))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let c = chat(&h, &web).await;
    assert_eq!(c["state"], "connected");
    assert_eq!(c["contact"]["contactName"], "Joe Bloggs");
    let interaction = c["interactionId"].as_u64().unwrap();
    assert_eq!(c["messages"][0]["from"], "customer");
    assert_eq!(c["messages"][0]["kind"], "text");
    assert_eq!(c["messages"][0]["text"], "Hello");

    // An agent logs in and is attached to the chat: both sides learn about the other.
    let agent = h.create_session(json!({})).await;
    let resp = h
        .ec(&agent, "agent-1", "connect", json!({"attach": false}))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(h.poll(&agent, 10).await.len(), 4);
    let resp = h
        .control(
            Method::POST,
            &format!("/sim/chats/{web}/agent"),
            Some(json!({"userId": "agent-1", "name": "Cheryl"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let events = h.poll(&agent, 10).await;
    assert_eq!(events[0]["eventType"], "messaging.EntityAdded");
    assert_eq!(payload(&events[0])["payload"]["entityName"], "Joe Bloggs");
    let events = h.web_poll(&token, &web, 10).await;
    assert_eq!(events[0]["type"], "messaging.EntityAdded");
    assert_eq!(payload(&events[0])["payload"]["entityName"], "Cheryl");
    assert_eq!(payload(&events[0])["payload"]["entityType"], 1);

    // The customer's text reaches the agent's session.
    let resp = h
        .messaging(
            &token,
            &web,
            "sendText",
            Some(json!({"text": "I need help"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let events = h.poll(&agent, 10).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["eventType"], "messaging.EntitySendText");
    assert_eq!(events[0]["kind"], "via#messagingEvent");
    let p = payload(&events[0]);
    assert_eq!(p["userId"], "agent-1");
    assert_eq!(p["ehubSessionId"], 100);
    assert_eq!(p["payload"]["text"], "I need help");
    assert_eq!(p["payload"]["entityName"], "Joe Bloggs");
    assert_eq!(p["payload"]["entityType"], 3);
    assert_eq!(p["payload"]["interactionId"], interaction);
    assert_eq!(p["payload"]["interactionIdRev"], interaction.to_string());

    // The agent replies while the customer's long poll waits: the poll wakes with it.
    let state = h.sim.state();
    let (events, reply) = tokio::join!(h.web_poll(&token, &web, 10), async {
        until("the customer's poll waits", || {
            state
                .session_info(&web)
                .is_some_and(|i| i.active_polls == 1)
        })
        .await;
        h.control(
            Method::POST,
            &format!("/sim/chats/{web}/reply"),
            Some(json!({"text": "How can I help?"})),
        )
        .await
    });
    assert_eq!(reply.status(), StatusCode::OK);
    let reply: Value = reply.json().await.unwrap();
    assert_eq!(events.len(), 1);
    let ev = &events[0];
    assert_eq!(ev["id"], reply["eventId"]);
    assert_eq!(ev["type"], "messaging.EntitySendText");
    assert_eq!(ev["kind"], "via#messagingEvent");
    assert!(ev.get("eventId").is_none(), "v2 envelope: {ev}");
    let p = payload(ev);
    assert_eq!(p["payload"]["text"], "How can I help?");
    assert_eq!(p["payload"]["entityName"], "Cheryl");
    assert_eq!(p["payload"]["entityType"], 1);
    assert_eq!(p["payload"]["interactionId"], interaction);

    // URLs and phone numbers go to the agent too; typing notifications are only recorded.
    for (command, body) in [
        ("pushUrl", json!({"url": "https://www.bing.com/#"})),
        ("dial", json!({"digits": "555 1234"})),
        (
            "notification",
            json!({"state": "composing", "expiresAfterSeconds": 10}),
        ),
    ] {
        let resp = h.messaging(&token, &web, command, Some(body)).await;
        assert_eq!(resp.status(), StatusCode::ACCEPTED, "{command}");
    }
    let events = h.poll(&agent, 10).await;
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["messaging.EntityPushURL", "messaging.EntityDialRequest"]
    );
    assert_eq!(
        payload(&events[0])["payload"]["url"],
        "https://www.bing.com/#"
    );
    assert_eq!(payload(&events[1])["payload"]["phoneNumber"], "555 1234");

    let c = chat(&h, &web).await;
    let transcript: Vec<(String, String)> = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["from"].as_str().unwrap().to_owned(),
                m["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("customer", "Hello"),
        ("customer", "I need help"),
        ("agent", "How can I help?"),
        ("customer", "https://www.bing.com/#"),
        ("customer", "555 1234"),
        ("customer", "composing"),
    ];
    assert_eq!(
        transcript,
        expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(c["agentUserId"], "agent-1");

    // Disconnect ends the chat, tells the agent, and disposes of the session.
    let resp = h.messaging(&token, &web, "disconnect", None).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let events = h.poll(&agent, 10).await;
    assert_eq!(events[0]["eventType"], "messaging.EntityRemoved");
    assert_eq!(chat(&h, &web).await["state"], "ended");
    let v = error_body(
        h.messaging(&token, &web, "disconnect", None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(v["message"], "Invalid or expired session");
    let resp = h
        .control(
            Method::POST,
            &format!("/sim/chats/{web}/reply"),
            Some(json!({"text": "still there?"})),
        )
        .await;
    error_body(resp, StatusCode::CONFLICT).await;

    let all: Value = h
        .control(Method::GET, "/sim/chats", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0]["sessionId"], web.as_str());
}

#[tokio::test]
async fn callbacks_and_messaging_validation() {
    let h = Harness::start().await;
    let token = h.web_token().await;
    let web = h.web_session(&token).await;
    let callback = json!({"workTypeId": "32", "contactName": "Joe", "digits": "555 1234",
                          "delayStartDuration": 30});
    let resp = h
        .messaging(&token, &web, "scheduleCallBack", Some(callback.clone()))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let c = chat(&h, &web).await;
    assert_eq!(c["state"], "open", "a call back needs no chat");
    assert_eq!(c["callbacks"][0]["delayStartDuration"], 30);

    let mut both = callback.clone();
    both["callBackTime"] = json!("2017-11-12T18:00:00.000Z");
    let mut neither = callback.clone();
    neither
        .as_object_mut()
        .unwrap()
        .remove("delayStartDuration");
    let mut bad_time = neither.clone();
    bad_time["callBackTime"] = json!("tomorrow");
    let long = "x".repeat(2001);
    let cases = [
        ("scheduleCallBack", Some(both), "delayStartDuration"),
        ("scheduleCallBack", Some(neither), "callBackTime"),
        ("scheduleCallBack", Some(bad_time), "callBackTime"),
        ("connect", Some(json!({"contactName": "Joe"})), "workTypeId"),
        (
            "connect",
            Some(json!({"workTypeId": "32", "contactName": "Joe",
                        "contactDataCollection": (0..21).map(|_| json!({})).collect::<Vec<_>>()})),
            "contactDataCollection",
        ),
        ("sendText", Some(json!({"text": long})), "text"),
        ("sendText", Some(json!({"txt": "typo"})), "txt"),
        ("sendText", None, "body"),
        (
            "notification",
            Some(json!({"state": "typing", "expiresAfterSeconds": 5})),
            "state",
        ),
        (
            "notification",
            Some(json!({"state": "composing", "expiresAfterSeconds": 31})),
            "expiresAfterSeconds",
        ),
    ];
    for (command, body, field) in cases {
        let v = error_body(
            h.messaging(&token, &web, command, body.clone()).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(v["errors"][0]["reason"], field, "{command} {body:?}");
    }
    // An unknown session: the public-chat document's 401.
    let v = error_body(
        h.messaging(&token, "nope", "connect", Some(connect_body()))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(v["message"], "Invalid or expired session");
    // An OAuth token is not a web token.
    let resp = h
        .api(Method::POST, h.org_url("v2", "/messaging/connect"))
        .header("via-client-sessionid", &web)
        .json(&connect_body())
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::UNAUTHORIZED).await;
    assert_eq!(chat(&h, &web).await["state"], "open");

    // The control API refuses what it cannot do.
    for (path, body, status) in [
        (
            "/sim/chats/nope/reply",
            json!({"text": "hi"}),
            StatusCode::NOT_FOUND,
        ),
        (
            &*format!("/sim/chats/{web}/reply"),
            json!({"text": "hi"}),
            StatusCode::CONFLICT,
        ),
        (
            &*format!("/sim/chats/{web}/agent"),
            json!({"userId": "a"}),
            StatusCode::CONFLICT,
        ),
        (
            &*format!("/sim/chats/{web}/reply"),
            json!({"txt": "hi"}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        error_body(h.control(Method::POST, path, Some(body)).await, status).await;
    }
    error_body(
        h.control(Method::GET, "/sim/chats/nope", None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn an_expired_web_session_ends_its_chat() {
    let h = Harness::start().await;
    let token = h.web_token().await;
    let web = h.web_session(&token).await;
    let resp = h
        .messaging(&token, &web, "connect", Some(connect_body()))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let agent = h.create_session(json!({})).await;
    h.ec(&agent, "agent-2", "connect", json!({"attach": false}))
        .await;
    h.poll(&agent, 10).await;
    let resp = h
        .control(
            Method::POST,
            &format!("/sim/chats/{web}/agent"),
            Some(json!({"userId": "agent-2"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    h.poll(&agent, 10).await;

    // As if the customer closed the browser: the session expires.
    let resp = h
        .control(Method::POST, &format!("/sim/sessions/{web}/expire"), None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let events = h.poll(&agent, 10).await;
    assert_eq!(events[0]["eventType"], "messaging.EntityRemoved");
    assert_eq!(payload(&events[0])["payload"]["entityName"], "Joe Bloggs");
    assert_eq!(chat(&h, &web).await["state"], "ended");
}
