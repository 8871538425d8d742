//! Engagement Center agent commands and the event sequences they cause.

use crate::common;

use common::{error_body, payload, Harness};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect()
}

/// Connects `user` on a new session and drains the connect sequence.
async fn connected(h: &Harness, user: &str) -> String {
    let sid = h.create_session(json!({})).await;
    let resp = h.ec(&sid, user, "connect", json!({"attach": false})).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(h.poll(&sid, 10).await.len(), 4);
    sid
}

#[tokio::test]
async fn connect_emits_the_documented_sequence() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    let resp = h
        .ec(
            &sid,
            "u1",
            "connect",
            json!({"attach": false, "station": "9785551212", "emailAddress": "a@b.c"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let correlation = resp.headers()["x-correlation-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(resp.bytes().await.unwrap().is_empty());

    let events = h.poll(&sid, 10).await;
    assert_eq!(
        types(&events),
        vec![
            "engagementCenter.Connecting",
            "engagementCenter.ConnectConfirm",
            "engagementCenter.Connected",
            "engagementCenter.Idle",
        ]
    );
    for e in &events {
        assert_eq!(e["kind"], "via#engagementCenterEvent");
        assert_eq!(e["correlationId"], correlation.as_str());
        let p = payload(e);
        assert_eq!(p["userId"], "u1");
        assert_eq!(p["ehubSessionId"], 100);
        assert_eq!(p["ehubSessionIdRev"], "100");
    }
    assert_eq!(payload(&events[0])["payload"], json!({}));
    assert_eq!(
        payload(&events[1])["payload"],
        json!({"userId": "u1", "ehubSessionId": "100"})
    );
    assert_eq!(
        payload(&events[3])["payload"],
        json!({"interactionId": 0, "interactionIdRev": "0"})
    );

    let info = h.sim.state().user_info("u1");
    assert!(info.connected);
    assert_eq!(info.state, "Idle");
    assert_eq!(info.ehub_session_id.as_deref(), Some("100"));
    assert_eq!(info.sessions, vec![sid.clone()]);

    // A second user gets the next ehubSessionId.
    let sid2 = h.create_session(json!({})).await;
    h.ec(&sid2, "u2", "connect", json!({"attach": false})).await;
    let events = h.poll(&sid2, 10).await;
    assert_eq!(payload(&events[1])["payload"]["ehubSessionId"], "101");
}

#[tokio::test]
async fn connect_initial_states() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    h.ec(
        &sid,
        "nr",
        "connect",
        json!({"attach": false, "initialState": "NotReady"}),
    )
    .await;
    let events = h.poll(&sid, 10).await;
    assert_eq!(events[3]["eventType"], "engagementCenter.NotReady");
    assert_eq!(
        payload(&events[3])["payload"],
        json!({"reasonId": 0, "reasonIdRev": "0"})
    );

    h.ec(
        &sid,
        "pk",
        "connect",
        json!({"attach": false, "initialState": "Park"}),
    )
    .await;
    let events = h.poll(&sid, 10).await;
    assert_eq!(events[3]["eventType"], "engagementCenter.Park");
    assert_eq!(
        payload(&events[3])["payload"],
        json!({"reasonId": 0, "reasonIdRev": "0", "ehubSessionId": "101"})
    );
    assert_eq!(h.sim.state().user_info("pk").state, "Park");
}

#[tokio::test]
async fn connect_validation() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    for (body, field) in [
        (json!({}), "attach"),
        (json!({"attach": "false"}), "attach"),
        (
            json!({"attach": false, "initialState": "Busy"}),
            "initialState",
        ),
        (
            json!({"attach": false, "station": 9785551212_u64}),
            "station",
        ),
    ] {
        let v = error_body(
            h.ec(&sid, "u1", "connect", body.clone()).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(v["errors"][0]["reason"], field, "{body}");
        assert!(v["message"].as_str().unwrap().contains(field));
    }

    // Missing header.
    let resp = h
        .api(
            reqwest::Method::POST,
            h.org_url("v2", "/engagementCenter/users/u1/connect"),
        )
        .json(&json!({"attach": false}))
        .send()
        .await
        .unwrap();
    let v = error_body(resp, StatusCode::BAD_REQUEST).await;
    assert_eq!(v["errors"][0]["reason"], "via-client-sessionid");

    // Unknown session.
    let v = error_body(
        h.ec("nope", "u1", "connect", json!({"attach": false}))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(v["message"], "Invalid or expired session");

    // Malformed JSON.
    let resp = h
        .api(
            reqwest::Method::POST,
            h.org_url("v2", "/engagementCenter/users/u1/connect"),
        )
        .header("via-client-sessionid", &sid)
        .header("content-type", "application/json")
        .body("{\"attach\":")
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::BAD_REQUEST).await;

    // Nothing was queued by rejected commands.
    assert_eq!(h.sim.state().session_info(&sid).unwrap().queued, 0);
}

#[tokio::test]
async fn connect_twice_and_attach() {
    let h = Harness::start().await;
    let sid = connected(&h, "u1").await;
    let v = error_body(
        h.ec(&sid, "u1", "connect", json!({"attach": false})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(v["message"], "user already connected");

    let v = error_body(
        h.ec(&sid, "ghost", "connect", json!({"attach": true}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(v["message"], "user not connected");

    // Attach a second session: only it gets a ConnectConfirm.
    let second = h.create_session(json!({})).await;
    let resp = h
        .ec(&second, "u1", "connect", json!({"attach": true}))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let events = h.poll(&second, 10).await;
    assert_eq!(types(&events), vec!["engagementCenter.ConnectConfirm"]);
    assert_eq!(
        payload(&events[0])["payload"],
        json!({"userId": "u1", "ehubSessionId": "100"})
    );
    assert!(h.poll(&sid, 10).await.is_empty());

    // Later events go to both subscribers.
    let resp = h
        .ec(&sid, "u1", "ready", json!({"ehubSessionId": "100"}))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    for s in [&sid, &second] {
        assert_eq!(types(&h.poll(s, 10).await), vec!["engagementCenter.Idle"]);
    }
    assert_eq!(h.sim.state().user_info("u1").sessions.len(), 2);
}

#[tokio::test]
async fn not_ready_and_park() {
    let h = Harness::start().await;
    let sid = connected(&h, "u1").await;

    let resp = h
        .ec(
            &sid,
            "u1",
            "notReady",
            json!({"ehubSessionId": "100", "reasonId": "12", "notReadyType": "Park"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let correlation = resp.headers()["x-correlation-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let events = h.poll(&sid, 10).await;
    assert_eq!(types(&events), vec!["engagementCenter.Park"]);
    assert_eq!(events[0]["correlationId"], correlation.as_str());
    assert_eq!(
        payload(&events[0]),
        json!({
            "userId": "u1", "ehubSessionId": 100, "ehubSessionIdRev": "100",
            "payload": {"reasonId": 12, "reasonIdRev": "12", "ehubSessionId": "100"}
        })
    );
    assert_eq!(h.sim.state().user_info("u1").state, "Park");

    h.ec(
        &sid,
        "u1",
        "notReady",
        json!({"ehubSessionId": "100", "reasonId": "lunch", "notReadyType": "NotReady"}),
    )
    .await;
    let events = h.poll(&sid, 10).await;
    assert_eq!(types(&events), vec!["engagementCenter.NotReady"]);
    assert_eq!(
        payload(&events[0])["payload"],
        json!({"reasonId": 0, "reasonIdRev": "lunch"})
    );
    assert_eq!(h.sim.state().user_info("u1").state, "NotReady");

    for (body, field) in [
        (
            json!({"reasonId": "1", "notReadyType": "Park"}),
            "ehubSessionId",
        ),
        (
            json!({"ehubSessionId": 100, "reasonId": "1", "notReadyType": "Park"}),
            "ehubSessionId",
        ),
        (
            json!({"ehubSessionId": "100", "notReadyType": "Park"}),
            "reasonId",
        ),
        (
            json!({"ehubSessionId": "100", "reasonId": 12, "notReadyType": "Park"}),
            "reasonId",
        ),
        (
            json!({"ehubSessionId": "100", "reasonId": "1"}),
            "notReadyType",
        ),
        (
            json!({"ehubSessionId": "100", "reasonId": "1", "notReadyType": "Lunch"}),
            "notReadyType",
        ),
    ] {
        let v = error_body(
            h.ec(&sid, "u1", "notReady", body.clone()).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(v["errors"][0]["reason"], field, "{body}");
    }
}

#[tokio::test]
async fn ready_checks_login_and_ehub_session() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    let v = error_body(
        h.ec(&sid, "u1", "ready", json!({"ehubSessionId": "100"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(v["message"], "user not connected");

    let sid = connected(&h, "u1").await;
    let v = error_body(
        h.ec(&sid, "u1", "ready", json!({"ehubSessionId": "999"}))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(v["errors"][0]["reason"], "ehubSessionId");
    let v = error_body(
        h.ec(&sid, "u1", "ready", json!({})).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(v["errors"][0]["reason"], "ehubSessionId");

    let resp = h
        .ec(&sid, "u1", "ready", json!({"ehubSessionId": "100"}))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let events = h.poll(&sid, 10).await;
    assert_eq!(types(&events), vec!["engagementCenter.Idle"]);
    assert_eq!(
        payload(&events[0])["payload"],
        json!({"interactionId": 0, "interactionIdRev": "0"})
    );
}

#[tokio::test]
async fn keep_alive_echoes_the_timestamp() {
    let h = Harness::start().await;
    let sid = connected(&h, "u1").await;
    let resp = h
        .ec(
            &sid,
            "u1",
            "keepAlive",
            json!({"ehubSessionId": "100", "sessionTimeout": 600, "requestTimestamp": "2021-06-30T20:15:07.134Z"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let events = h.poll(&sid, 10).await;
    assert_eq!(
        types(&events),
        vec!["engagementCenter.ClientSessionKeepAlive"]
    );
    assert_eq!(
        payload(&events[0])["payload"],
        json!({"requestTimestamp": "2021-06-30T20:15:07.134Z"})
    );

    h.ec(&sid, "u1", "keepAlive", json!({"ehubSessionId": "100"}))
        .await;
    let events = h.poll(&sid, 10).await;
    let ts = payload(&events[0])["payload"]["requestTimestamp"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(ts.ends_with('Z') && ts.len() == 24, "{ts}");

    for (body, field) in [
        (
            json!({"ehubSessionId": "100", "requestTimestamp": "yesterday"}),
            "requestTimestamp",
        ),
        (
            json!({"ehubSessionId": "100", "sessionTimeout": "600"}),
            "sessionTimeout",
        ),
    ] {
        let v = error_body(
            h.ec(&sid, "u1", "keepAlive", body).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(v["errors"][0]["reason"], field);
    }
}

#[tokio::test]
async fn disconnect_ends_the_login() {
    let h = Harness::start().await;
    let sid = connected(&h, "u1").await;
    let v = error_body(
        h.ec(&sid, "u1", "disconnect", json!({"ehubSessionId": "100"}))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(v["errors"][0]["reason"], "reasonId");

    let resp = h
        .ec(
            &sid,
            "u1",
            "disconnect",
            json!({"ehubSessionId": "100", "reasonId": "548"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let events = h.poll(&sid, 10).await;
    assert_eq!(types(&events), vec!["engagementCenter.Disconnected"]);
    assert_eq!(payload(&events[0])["payload"], json!({}));

    let info = h.sim.state().user_info("u1");
    assert!(!info.connected);
    assert_eq!(info.state, "Disconnected");
    assert!(info.ehub_session_id.is_none());

    let v = error_body(
        h.ec(&sid, "u1", "ready", json!({"ehubSessionId": "100"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(v["message"], "user not connected");

    // A new login gets a new ehubSessionId.
    h.ec(&sid, "u1", "connect", json!({"attach": false})).await;
    let events = h.poll(&sid, 10).await;
    assert_eq!(payload(&events[1])["payload"]["ehubSessionId"], "101");
}

#[tokio::test]
async fn unknown_command_and_wrong_method() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    error_body(
        h.ec(&sid, "u1", "fly", json!({})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let resp = h
        .api(
            reqwest::Method::GET,
            h.org_url("v2", "/engagementCenter/users/u1/connect"),
        )
        .header("via-client-sessionid", &sid)
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn other_commands_emit_their_confirming_events() {
    let h = Harness::start().await;
    let sid = connected(&h, "u1").await;
    let second = h.create_session(json!({})).await;
    let resp = h
        .ec(&second, "u1", "connect", json!({"attach": true}))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    h.poll(&second, 10).await;

    let interaction = |id: &str, command: &str, body: Value| {
        let h = &h;
        let sid = sid.clone();
        let url = h.org_url(
            "v2",
            &format!("/engagementCenter/interactions/{id}/{command}"),
        );
        async move {
            h.api(reqwest::Method::POST, url)
                .header("via-client-sessionid", sid)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };

    // A call in progress (the state machine's own commands are tested in agent.rs).
    let id = h
        .sim
        .state()
        .offer("u1", Default::default())
        .expect("u1 is idle");
    let text = id.to_string();
    interaction(&text, "accept", json!({"ehubSessionId": "100"})).await;
    for s in [&sid, &second] {
        assert_eq!(
            types(&h.poll(s, 10).await),
            vec!["engagementCenter.ScreenPop", "engagementCenter.Active"]
        );
    }

    // playMessage has no behaviour of its own: engagementCenter.MessageStatus, shaped like
    // the documents' example, about u1's login and the path's interaction, to every session
    // of the user.
    let resp = interaction(
        &text,
        "playMessage",
        json!({"ehubSessionId": "100", "audioMessageId": "53", "language": "en-US"}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let correlation = resp.headers()["x-correlation-id"]
        .to_str()
        .unwrap()
        .to_owned();
    for s in [&sid, &second] {
        let events = h.poll(s, 10).await;
        assert_eq!(types(&events), vec!["engagementCenter.MessageStatus"]);
        assert_eq!(events[0]["correlationId"], correlation.as_str());
        assert_eq!(
            payload(&events[0]),
            json!({"userId": "u1", "ehubSessionId": 100, "ehubSessionIdRev": "100",
                   "payload": {"interactionId": id, "interactionIdRev": text, "status": "1"}})
        );
    }

    // Fields the body and the event share carry the body's value.
    let resp = h
        .ec(
            &sid,
            "u1",
            "removeEmail",
            json!({"ehubSessionId": "100", "emailObjectId": "email/sim-1/2-0"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let events = h.poll(&sid, 10).await;
    assert_eq!(types(&events), vec!["engagementCenter.EmailRemoved"]);
    assert_eq!(
        payload(&events[0])["payload"]["emailObjectId"],
        "email/sim-1/2-0"
    );
    h.poll(&second, 10).await;

    // A command the documents confirm by no event answers 202 and queues nothing.
    let resp = interaction(
        &text,
        "digits",
        json!({"ehubSessionId": "100", "digits": "12#"}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(h.sim.state().session_info(&sid).unwrap().queued, 0);

    // Without its interaction, a command without a behaviour of its own is still refused
    // by an Error event (failCode 11), to the user of the requesting session; an id that is
    // not a number keeps its text.
    for missing in ["151", "chat-7"] {
        let resp = interaction(
            missing,
            "playMessage",
            json!({"ehubSessionId": "100", "audioMessageId": "53", "language": "en-US"}),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        for s in [&sid, &second] {
            let events = h.poll(s, 10).await;
            assert_eq!(types(&events), vec!["engagementCenter.Error"]);
            let p = payload(&events[0]);
            assert_eq!(p["userId"], "u1");
            assert_eq!(p["payload"]["interactionId"], missing);
            assert_eq!(p["payload"]["failCode"], 11);
            assert_eq!(p["payload"]["failReason"], "(11) Call does not exist");
        }
    }

    // Without a login, the Error goes to the requesting session alone.
    let lone = h.create_session(json!({})).await;
    let resp = h
        .api(
            reqwest::Method::POST,
            h.org_url("v2", "/engagementCenter/interactions/9/retrieve"),
        )
        .header("via-client-sessionid", &lone)
        .json(&json!({"ehubSessionId": "4875"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let events = h.poll(&lone, 10).await;
    assert_eq!(types(&events), vec!["engagementCenter.Error"]);
    let p = payload(&events[0]);
    assert_eq!(p["userId"], "");
    assert_eq!(p["payload"]["interactionId"], "9");
    assert_eq!(p["payload"]["failCode"], 11);
    assert!(h.poll(&sid, 10).await.is_empty());
}
