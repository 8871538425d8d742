//! The agent state machine over real HTTP: states, pending requests, interactions with
//! consultation legs, invalid transitions answered by Error events, the far end hanging up,
//! the keep-alive and attachment timers, failed logins, and the control API that drives
//! them (`/sim/agents/...`).

use crate::common;

use std::time::{Duration, Instant};

use ccbridge_sim::SimConfig;
use common::agent::{
    dispose_body, events_of, expect_error, failure, interaction_states, kinds, Agent, Ev,
};
use common::{error_body, Harness};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn a_full_day() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;

    // Work arrives: a ScreenPop shaped like the documents' example with the given data.
    let resp = h
        .control(
            Method::POST,
            "/sim/agents/u1/offer",
            Some(
                json!({"mediaType": "InboundACD", "screenData": {"firstName": "ADA"},
                        "interactionData": [{"key": "Account", "value": "42"}]}),
            ),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let id = resp.json::<Value>().await.unwrap()["interactionId"]
        .as_u64()
        .unwrap();
    let text = id.to_string();
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["ScreenPop"]);
    let pop = &events[0].inner;
    assert_eq!(pop["interactionId"], id);
    assert_eq!(pop["interactionIdRev"], text);
    assert_eq!(pop["mediaType"], "InboundACD");
    let info = &pop["interactionInfo"];
    assert_eq!(info["screenData"]["firstName"], "ADA");
    assert_eq!(info["screenData"]["lastName"], "FROST", "defaults kept");
    assert_eq!(
        info["interactionData"],
        json!([{"key": "Account", "value": "42"}])
    );
    assert_eq!(info["otherData"]["interactionType"], "ACD");
    assert_eq!(interaction_states(&a.info()), vec![(id, "Offered")]);

    // accept, hold, retrieve.
    let corr = a.ok(a.ix(id, "accept", json!({})).await).await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["Active"]);
    assert_eq!(
        events[0].inner,
        json!({"interactionId": id, "interactionIdRev": text, "category": 14, "statusReason": 2})
    );
    assert_eq!(events[0].correlation, corr);
    a.ok(a.ix(id, "hold", json!({})).await).await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["Held"]);
    assert_eq!(
        events[0].inner,
        json!({"interactionId": id, "interactionIdRev": text})
    );
    assert_eq!(interaction_states(&a.info()), vec![(id, "Held")]);
    a.ok(a.ix(id, "retrieve", json!({})).await).await;
    assert_eq!(kinds(&a.events().await), vec!["Active"]);

    // consult: the call is held, a consultation leg is active.
    let consult = json!({"consultType": "User", "userId": "u2", "phoneNumber": "5551234"});
    a.ok(a.ix(id, "consult", consult.clone()).await).await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["ConsultInitiated", "Consult"]);
    assert_eq!(events[0].inner["interactionId"], id);
    assert_eq!(events[0].inner["consultType"], "User");
    assert_eq!(events[0].inner["phoneNumber"], "5551234");
    let leg = events[1].inner["consultInteractionId"].as_u64().unwrap();
    assert_ne!(leg, id);
    assert_eq!(events[1].inner["interactionId"], id);
    assert_eq!(events[1].inner["consultInteractionIdRev"], leg.to_string());
    assert_eq!(events[1].inner["originalInteractionId"], id);
    let info = a.info();
    assert_eq!(
        interaction_states(&info),
        vec![(id, "Held"), (leg, "Active")]
    );
    assert_eq!(info.interactions[0].consult_interaction_id, Some(leg));
    assert_eq!(info.interactions[1].primary_interaction_id, Some(id));
    assert_eq!(info.interactions[1].media_type, "InternalConsult");

    // conference: the leg merges into the call.
    a.ok(a
        .ix(
            id,
            "conference",
            json!({"consultationInteractionId": leg.to_string()}),
        )
        .await)
        .await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["Conference"]);
    assert_eq!(events[0].inner["interactionId"], id);
    assert_eq!(events[0].inner["consultInteractionId"], leg);
    let info = a.info();
    assert_eq!(interaction_states(&info), vec![(id, "Active")]);
    assert!(info.interactions[0].conference);

    // A second consultation, transferred to the consulted party: the call goes to Wrap.
    a.ok(a.ix(id, "consult", consult).await).await;
    assert_eq!(
        kinds(&a.events().await),
        vec!["ConsultInitiated", "Consult"]
    );
    a.ok(a
        .ix(
            id,
            "transfer",
            json!({"transferType": "ConsultedParty", "workTypeId": "321"}),
        )
        .await)
        .await;
    let events = a.events().await;
    assert_eq!(
        kinds(&events),
        vec!["CallReRouted", "InteractionReleasedXferred", "Wrap"]
    );
    assert!(events.iter().all(|e| e.inner["interactionId"] == id));
    assert_eq!(interaction_states(&a.info()), vec![(id, "Wrap")]);

    // notReady while busy (Wrap counts): pending until the dispose.
    a.ok(a
        .cmd(
            "notReady",
            json!({"reasonId": "12", "notReadyType": "NotReady"}),
        )
        .await)
        .await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["NotReadyPending"]);
    assert_eq!(events[0].inner, json!({}));
    let info = a.info();
    assert_eq!(info.state, "Idle");
    let pending = info.pending.expect("pending");
    assert_eq!(
        (pending.kind.as_str(), pending.reason_id.as_deref()),
        ("NotReady", Some("12"))
    );

    let corr = a.ok(a.ix(id, "dispose", dispose_body()).await).await;
    let events = a.events().await;
    assert_eq!(
        kinds(&events),
        vec!["DispositionInitiated", "Idle", "NotReady"]
    );
    assert!(events.iter().all(|e| e.correlation == corr));
    let disposition = &events[0].inner;
    assert_eq!(disposition["interactionId"], id);
    assert_eq!(disposition["dispositionId"], "2653");
    assert_eq!(disposition["wrapRequiredFlag"], true);
    assert_eq!(disposition["saleflag"], false);
    assert_eq!(
        events[1].inner,
        json!({"interactionId": id, "interactionIdRev": text}),
        "Idle with the disposed interaction"
    );
    assert_eq!(
        events[2].inner,
        json!({"reasonId": 12, "reasonIdRev": "12"})
    );
    let info = a.info();
    assert_eq!(
        (info.state.as_str(), info.reason_id.as_deref()),
        ("NotReady", Some("12"))
    );
    assert!(info.pending.is_none() && info.interactions.is_empty());

    // Back to work, and a disconnect while busy: pending until the dispose.
    a.ok(a.cmd("ready", json!({})).await).await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["Idle"]);
    assert_eq!(
        events[0].inner,
        json!({"interactionId": 0, "interactionIdRev": "0"})
    );
    let id = a.call().await;
    a.ok(a.cmd("disconnect", json!({"reasonId": "0"})).await)
        .await;
    assert_eq!(kinds(&a.events().await), vec!["DisconnectPending"]);
    assert_eq!(a.info().pending.unwrap().kind, "Disconnect");
    a.ok(a.ix(id, "terminate", json!({})).await).await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["InteractionClear", "Wrap"]);
    assert_eq!(
        events[0].inner,
        json!({"interactionId": id, "interactionIdRev": id.to_string(), "state": 14})
    );
    a.ok(a.ix(id, "dispose", dispose_body()).await).await;
    assert_eq!(
        kinds(&a.events().await),
        vec!["DispositionInitiated", "Idle", "Disconnected"]
    );
    let info = a.info();
    assert!(!info.connected);
    assert_eq!(info.state, "Disconnected");
    assert!(info.interactions.is_empty() && info.pending.is_none());
    let v = error_body(
        a.cmd("ready", json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(v["errors"][0]["reason"], "userNotConnected");
}

#[tokio::test]
async fn invalid_transitions_are_error_events() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;
    let id = a.offer(json!({})).await;
    let t = id.to_string();

    // Offered: only accept or reject.
    expect_error(
        &a,
        a.cmd("ready", json!({})).await,
        "0",
        20,
        "Agent is not in the valid state to perform the operation",
    )
    .await;
    for (command, body, code, text) in [
        ("hold", json!({}), 31, "Hold failure"),
        ("retrieve", json!({}), 32, "Retrieve failure"),
        (
            "consult",
            json!({"consultType": "User", "userId": "u2"}),
            38,
            "Consultation failure",
        ),
        (
            "conference",
            json!({"consultationInteractionId": "1"}),
            69,
            "Call conference request failed",
        ),
        (
            "transfer",
            json!({"transferType": "User", "workTypeId": "1"}),
            28,
            "Transfer failure",
        ),
        ("terminate", json!({}), 34, "Hung up failure"),
        (
            "dispose",
            dispose_body(),
            20,
            "Agent is not in the valid state to perform the operation",
        ),
    ] {
        expect_error(&a, a.ix(id, command, body).await, &t, code, text).await;
    }
    assert_eq!(interaction_states(&a.info()), vec![(id, "Offered")]);

    // Active: accepting or rejecting again is refused, and so is disposing of it.
    a.ok(a.ix(id, "accept", json!({})).await).await;
    a.events().await;
    let invalid = "Agent is not in the valid state to perform the operation";
    expect_error(&a, a.ix(id, "accept", json!({})).await, &t, 20, invalid).await;
    expect_error(
        &a,
        a.ix(id, "reject", json!({"reason": "busy"})).await,
        &t,
        20,
        invalid,
    )
    .await;
    expect_error(
        &a,
        a.ix(id, "retrieve", json!({})).await,
        &t,
        32,
        "Retrieve failure",
    )
    .await;
    let in_call = "Can not disposition the call while call is in active or held state";
    expect_error(
        &a,
        a.ix(id, "dispose", dispose_body()).await,
        &t,
        301,
        in_call,
    )
    .await;
    expect_error(
        &a,
        a.ix(id, "conference", json!({"consultationInteractionId": "1"}))
            .await,
        &t,
        69,
        "Call conference request failed",
    )
    .await;
    expect_error(&a, a.cmd("ready", json!({})).await, "0", 20, invalid).await;

    // Held without a consultation: no second hold, no consult, no transfer, no dispose.
    a.ok(a.ix(id, "hold", json!({})).await).await;
    a.events().await;
    expect_error(
        &a,
        a.ix(id, "hold", json!({})).await,
        &t,
        31,
        "Hold failure",
    )
    .await;
    expect_error(
        &a,
        a.ix(
            id,
            "consult",
            json!({"consultType": "User", "userId": "u2"}),
        )
        .await,
        &t,
        38,
        "Consultation failure",
    )
    .await;
    expect_error(
        &a,
        a.ix(
            id,
            "transfer",
            json!({"transferType": "User", "workTypeId": "1"}),
        )
        .await,
        &t,
        28,
        "Transfer failure",
    )
    .await;
    expect_error(
        &a,
        a.ix(id, "dispose", dispose_body()).await,
        &t,
        301,
        in_call,
    )
    .await;
    assert_eq!(interaction_states(&a.info()), vec![(id, "Held")]);

    // An interaction that does not exist.
    expect_error(
        &a,
        a.ix(999_999, "accept", json!({})).await,
        "999999",
        11,
        "Call does not exist",
    )
    .await;
    expect_error(
        &a,
        a.ix("not-a-number", "hold", json!({})).await,
        "not-a-number",
        11,
        "Call does not exist",
    )
    .await;

    // cancel: nothing pending, then the wrong kind, then the right one (no event).
    for kind in ["NotReady", "Disconnect"] {
        expect_error(
            &a,
            a.cmd("cancel", json!({"cancelType": kind})).await,
            "0",
            20,
            invalid,
        )
        .await;
    }
    a.ok(a
        .cmd("notReady", json!({"reasonId": "7", "notReadyType": "Park"}))
        .await)
        .await;
    assert_eq!(kinds(&a.events().await), vec!["NotReadyPending"]);
    assert_eq!(a.info().pending.unwrap().kind, "Park");
    expect_error(
        &a,
        a.cmd("cancel", json!({"cancelType": "Disconnect"})).await,
        "0",
        20,
        invalid,
    )
    .await;
    a.ok(a.cmd("cancel", json!({"cancelType": "NotReady"})).await)
        .await;
    assert!(a.events().await.is_empty(), "no event for a cancel");
    assert!(a.info().pending.is_none());

    // HTTP errors stay HTTP errors: a wrong ehubSessionId, a user without login.
    let v = error_body(
        a.ix_raw(&t, "retrieve", json!({"ehubSessionId": "999"}))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(v["errors"][0]["reason"], "ehubSessionId");
    let v = error_body(
        h.ec(
            &a.sid,
            "nobody",
            "cancel",
            json!({"ehubSessionId": "100", "cancelType": "NotReady"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(v["errors"][0]["reason"], "userNotConnected");
    assert!(a.events().await.is_empty());
}

#[tokio::test]
async fn offers_need_an_idle_agent_and_reject_returns_to_idle() {
    let h = Harness::start().await;
    let offer = |user: &str, body: Value| {
        let (h, path) = (&h, format!("/sim/agents/{user}/offer"));
        async move { h.control(Method::POST, &path, Some(body)).await }
    };
    let v = error_body(offer("u1", json!({})).await, StatusCode::CONFLICT).await;
    assert_eq!(v["errors"][0]["reason"], "userNotConnected");

    let a = Agent::login(&h, "u1").await;
    for (body, field) in [
        (json!({"mediaType": "Carrier pigeon"}), "mediaType"),
        (json!({"mediaType": 3}), "body"),
        (json!({"priority": 1}), "body"),
        (json!({"screenData": "ani"}), "body"),
    ] {
        let v = error_body(offer("u1", body.clone()).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(v["errors"][0]["reason"], field, "{body}");
    }

    let id = a.offer(json!({"mediaType": "InboundChat"})).await;
    assert_eq!(a.info().interactions[0].media_type, "InboundChat");
    let v = error_body(offer("u1", json!({})).await, StatusCode::CONFLICT).await;
    assert_eq!(v["errors"][0]["reason"], "agentNotIdle");

    // reject: the interaction is gone and the agent idle again.
    let corr = a
        .ok(a.ix(id, "reject", json!({"reason": "busy"})).await)
        .await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["InteractionClear", "Idle"]);
    assert_eq!(events[0].inner["interactionId"], id);
    assert_eq!(
        events[1].inner,
        json!({"interactionId": 0, "interactionIdRev": "0"})
    );
    assert!(events.iter().all(|e| e.correlation == corr));
    assert!(a.info().interactions.is_empty());

    // Not ready agents are not offered work.
    a.ok(a
        .cmd(
            "notReady",
            json!({"reasonId": "3", "notReadyType": "NotReady"}),
        )
        .await)
        .await;
    a.events().await;
    let v = error_body(offer("u1", json!({})).await, StatusCode::CONFLICT).await;
    assert_eq!(v["errors"][0]["reason"], "agentNotIdle");

    // The screen-pop endpoint only emits the event, whatever the agent's state.
    let resp = h
        .control(Method::POST, "/sim/users/u1/screenPop", None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(kinds(&a.events().await), vec!["ScreenPop"]);
    assert!(a.info().interactions.is_empty());
}

#[tokio::test]
async fn dial_email_and_force_disconnect() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;

    // dial: a new outbound interaction, active at once.
    let corr = a
        .ok(a
            .ix(
                0,
                "dial",
                json!({"dialType": "External", "workTypeId": "12", "userId": "u1",
                       "phoneNumber": "9785551212", "requireWrap": false}),
            )
            .await)
        .await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["DialInitiated", "Dialing", "Active"]);
    assert!(events.iter().all(|e| e.correlation == corr));
    let id = events[0].inner["interactionId"].as_u64().unwrap();
    assert!(events.iter().all(|e| e.inner["interactionId"] == id));
    assert_eq!(events[0].inner["phoneNumber"], "9785551212");
    assert_eq!(events[0].inner["makeCallType"], "External");
    assert_eq!(events[1].inner["mediaType"], "OutboundManual");
    assert_eq!(interaction_states(&a.info()), vec![(id, "Active")]);
    a.ok(a.ix(id, "terminate", json!({})).await).await;
    a.ok(a.ix(id, "dispose", dispose_body()).await).await;
    assert_eq!(
        kinds(&a.events().await),
        vec!["InteractionClear", "Wrap", "DispositionInitiated", "Idle"]
    );
    assert_eq!(a.info().state, "Idle");

    // dial without a login: nobody to dial for.
    let lone = h.create_session(json!({})).await;
    let resp = h
        .api(
            Method::POST,
            h.org_url("v2", "/engagementCenter/interactions/0/dial"),
        )
        .header("via-client-sessionid", &lone)
        .json(
            &json!({"dialType": "User", "ehubSessionId": "555", "workTypeId": "1",
                      "userId": "u2"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let events = events_of(&h, &lone).await;
    assert_eq!(kinds(&events), vec!["Error"]);
    assert_eq!(
        events[0].inner,
        failure(
            "0",
            20,
            "Agent is not in the valid state to perform the operation"
        )
    );
    assert!(a.events().await.is_empty());

    // E-mail: emailActive accepts, emailError clears.
    let email = a.offer(json!({"mediaType": "InboundEmailNLP"})).await;
    a.ok(a.ix(email, "emailActive", json!({})).await).await;
    assert_eq!(kinds(&a.events().await), vec!["Active"]);
    a.ok(a.ix(email, "emailError", json!({"errorCode": 404})).await)
        .await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["InteractionClear"]);
    assert_eq!(events[0].inner["interactionId"], email);
    assert!(a.info().interactions.is_empty());

    // forceDisconnect by a supervisor: the call ends and u1 is logged out at once, with
    // a pending request or not.
    let id = a.call().await;
    a.ok(a.cmd("disconnect", json!({"reasonId": "0"})).await)
        .await;
    assert_eq!(kinds(&a.events().await), vec!["DisconnectPending"]);
    let sup = h.create_session(json!({})).await;
    let resp = h
        .ec(
            &sup,
            "supervisor",
            "forceDisconnect",
            json!({"ehubSessionId": "", "userId": "u1"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["InteractionClear", "Disconnected"]);
    assert_eq!(events[0].inner["interactionId"], id);
    let info = a.info();
    assert!(!info.connected && info.pending.is_none() && info.interactions.is_empty());
    // The supervisor's session does not receive u1's events; a second forceDisconnect
    // is an Error, which reaches it.
    assert!(events_of(&h, &sup).await.is_empty());
    h.ec(
        &sup,
        "supervisor",
        "forceDisconnect",
        json!({"ehubSessionId": "", "userId": "u1"}),
    )
    .await;
    let events = events_of(&h, &sup).await;
    assert_eq!(kinds(&events), vec!["Error"]);
    assert_eq!(events[0].inner["failCode"], 20);
}

#[tokio::test]
async fn the_far_end_hangs_up() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;
    let hang_up = |user: &str, id: &str| {
        let (h, path) = (&h, format!("/sim/agents/{user}/interactions/{id}/hangup"));
        async move { h.control(Method::POST, &path, None).await }
    };
    let id = a.offer(json!({})).await;
    let t = id.to_string();
    error_body(hang_up("u1", &t).await, StatusCode::CONFLICT).await;
    a.ok(a.ix(id, "accept", json!({})).await).await;
    a.events().await;

    let resp = hang_up("u1", &t).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["Error", "InteractionClear", "Wrap"]);
    let reason = "(252) Calling/Called party disconnected the call";
    assert_eq!(
        events[0].inner,
        json!({"interactionId": t, "eventCode": 225, "failCode": 252, "failReason": reason,
               "localizedFailReason": reason, "worktypeId": "0"})
    );
    assert_eq!(events[1].inner["state"], 14);
    assert_eq!(events[2].inner["interactionId"], id);
    assert_eq!(interaction_states(&a.info()), vec![(id, "Wrap")]);
    error_body(hang_up("u1", &t).await, StatusCode::CONFLICT).await;
    error_body(hang_up("u1", "4242").await, StatusCode::NOT_FOUND).await;
    error_body(hang_up("u1", "abc").await, StatusCode::NOT_FOUND).await;
    error_body(hang_up("ghost", &t).await, StatusCode::NOT_FOUND).await;
    a.ok(a.ix(id, "dispose", dispose_body()).await).await;
    a.events().await;

    // The consulted party hangs up: the leg goes away, the call stays held.
    let id = a.call().await;
    a.ok(a
        .ix(
            id,
            "consult",
            json!({"consultType": "External", "userId": "ext", "phoneNumber": "5551212"}),
        )
        .await)
        .await;
    let leg = a.events().await[1].inner["consultInteractionId"]
        .as_u64()
        .unwrap();
    assert_eq!(a.info().interactions[1].media_type, "OutboundConsult");
    h.sim.state().hang_up("u1", leg).expect("leg is active");
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["Error", "InteractionClear"]);
    assert_eq!(events[0].inner["interactionId"], leg.to_string());
    assert_eq!(events[1].inner["interactionId"], leg);
    let info = a.info();
    assert_eq!(interaction_states(&info), vec![(id, "Held")]);
    assert_eq!(info.interactions[0].consult_interaction_id, None);
    a.ok(a.ix(id, "retrieve", json!({})).await).await;
    assert_eq!(kinds(&a.events().await), vec!["Active"]);
}

#[tokio::test]
async fn a_missed_keep_alive_logs_the_agent_out() {
    let h = Harness::start().await;
    let resp = h
        .control(
            Method::POST,
            "/sim/config",
            Some(json!({"keepaliveTimeoutMs": 800})),
        )
        .await;
    assert_eq!(
        resp.json::<Value>().await.unwrap()["keepaliveTimeoutMs"],
        800
    );
    let a = Agent::login(&h, "u1").await;
    let id = a.call().await;
    assert!(
        a.info().keep_alive.is_none(),
        "no monitor before the first keepAlive"
    );

    // A sessionTimeout in the body wins over the default.
    a.ok(a.cmd("keepAlive", json!({"sessionTimeout": 600})).await)
        .await;
    assert_eq!(a.info().keep_alive.unwrap().timeout_ms, 600_000);
    a.events().await;
    // keepAlives in time keep the login.
    for _ in 0..4 {
        a.ok(a.cmd("keepAlive", json!({})).await).await;
        assert_eq!(kinds(&a.events().await), vec!["ClientSessionKeepAlive"]);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let ka = a.info().keep_alive.expect("monitor armed");
    assert_eq!(ka.timeout_ms, 800);
    assert!(ka.expires_in_ms <= 800);

    // Then none: the sweeper logs the agent out on its own (only polls touch the
    // simulator meanwhile).
    let last = Instant::now();
    a.ok(a.cmd("keepAlive", json!({})).await).await;
    let mut seen = Vec::new();
    while !seen.iter().any(|e: &Ev| e.kind == "Disconnected") {
        assert!(
            last.elapsed() < Duration::from_secs(5),
            "no logout: {seen:?}"
        );
        seen.extend(a.events().await);
    }
    let elapsed = last.elapsed();
    assert!(elapsed >= Duration::from_millis(750), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(
        kinds(&seen),
        vec![
            "ClientSessionKeepAlive",
            "InteractionClear",
            "Error",
            "Disconnected"
        ]
    );
    assert_eq!(seen[1].inner["interactionId"], id);
    assert_eq!(seen[2].inner, failure("0", 10, "General Failure"));
    assert_eq!(seen[1].correlation, seen[3].correlation);
    let info = a.info();
    assert!(!info.connected && info.keep_alive.is_none() && info.interactions.is_empty());
}

#[tokio::test]
async fn attachments_expire_unless_renewed() {
    let h = Harness::with_config(SimConfig {
        attach_ttl: Duration::from_millis(1000),
        ..common::test_config()
    })
    .await;
    let a = Agent::login(&h, "u1").await;
    let b = h.create_session(json!({})).await;
    let attach = || h.ec(&b, "u1", "connect", json!({"attach": true}));
    let ready = || a.cmd("ready", json!({}));

    assert_eq!(attach().await.status(), StatusCode::ACCEPTED);
    assert_eq!(kinds(&events_of(&h, &b).await), vec!["ConnectConfirm"]);
    assert!(
        a.events().await.is_empty(),
        "only the attaching session is told"
    );
    let info = a.info();
    assert_eq!(info.sessions, vec![a.sid.clone(), b.clone()]);
    assert_eq!(info.login_session_id.as_deref(), Some(a.sid.as_str()));
    assert_eq!(info.attachments.len(), 1);
    assert_eq!(info.attachments[0].session_id, b);
    assert!(info.attachments[0].expires_in_ms <= 1000);

    // Attaching the login session changes nothing: it never expires.
    h.ec(&a.sid, "u1", "connect", json!({"attach": true})).await;
    assert_eq!(kinds(&a.events().await), vec!["ConnectConfirm"]);
    assert_eq!(a.info().attachments.len(), 1);

    // Renewed before the end of its time to live, the attachment lives on.
    tokio::time::sleep(Duration::from_millis(600)).await;
    attach().await;
    events_of(&h, &b).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    ready().await;
    assert_eq!(kinds(&events_of(&h, &b).await), vec!["Idle"]);
    assert_eq!(kinds(&a.events().await), vec!["Idle"]);

    // Not renewed, it ends: the session stops receiving the user's events.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    ready().await;
    assert_eq!(kinds(&a.events().await), vec!["Idle"]);
    assert!(events_of(&h, &b).await.is_empty());
    let info = a.info();
    assert_eq!(info.sessions, vec![a.sid.clone()]);
    assert!(info.attachments.is_empty());
    // A command it sends still gets its own failure back.
    let resp = h
        .ec(
            &b,
            "u1",
            "cancel",
            json!({"ehubSessionId": a.ehub, "cancelType": "NotReady"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(kinds(&events_of(&h, &b).await), vec!["Error"]);
    assert_eq!(kinds(&a.events().await), vec!["Error"]);

    // Attaching again re-creates it.
    attach().await;
    assert_eq!(kinds(&events_of(&h, &b).await), vec!["ConnectConfirm"]);
    ready().await;
    assert_eq!(kinds(&events_of(&h, &b).await), vec!["Idle"]);

    // The TTL is a run-time setting too.
    let resp = h
        .control(
            Method::POST,
            "/sim/config",
            Some(json!({"attachTtlMs": 60_000})),
        )
        .await;
    assert_eq!(resp.json::<Value>().await.unwrap()["attachTtlMs"], 60_000);
    attach().await;
    assert!(a.info().attachments[0].expires_in_ms > 50_000);
}

#[tokio::test]
async fn a_login_can_be_made_to_fail() {
    let h = Harness::start().await;
    let resp = h
        .control(Method::POST, "/sim/agents/u1/fail-next-login", None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"failCode": 16, "failReason": "(16) CTI login failed"})
    );
    assert_eq!(h.sim.state().agent_info("u1").fail_next_login, Some(16));

    let sid = h.create_session(json!({})).await;
    let resp = h.ec(&sid, "u1", "connect", json!({"attach": false})).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let events = events_of(&h, &sid).await;
    assert_eq!(kinds(&events), vec!["Connecting", "Error", "Disconnected"]);
    assert_eq!(events[1].inner, failure("0", 16, "CTI login failed"));
    let info = h.sim.state().agent_info("u1");
    assert!(!info.connected && info.fail_next_login.is_none());
    let v = error_body(
        h.ec(&sid, "u1", "ready", json!({"ehubSessionId": "100"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(v["errors"][0]["reason"], "userNotConnected");

    // Only the next login fails.
    let a = Agent::login(&h, "u1").await;

    // Armed while logged in, it hits the next login; a code alone gets its text.
    let resp = h
        .control(
            Method::POST,
            "/sim/agents/u1/fail-next-login",
            Some(json!({"failCode": 219})),
        )
        .await;
    assert_eq!(
        resp.json::<Value>().await.unwrap()["failReason"],
        "(219) Agent is already logged in at station"
    );
    a.ok(a.cmd("disconnect", json!({"reasonId": "0"})).await)
        .await;
    assert_eq!(kinds(&a.events().await), vec!["Disconnected"]);
    h.ec(&a.sid, "u1", "connect", json!({"attach": false}))
        .await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["Connecting", "Error", "Disconnected"]);
    assert_eq!(events[1].inner["failCode"], 219);

    // Both given: taken as they are.
    h.sim.state().fail_next_login(
        "u1",
        ccbridge_sim::LoginFailure {
            fail_code: Some(17),
            fail_reason: Some("gateway down".to_owned()),
        },
    );
    h.ec(&a.sid, "u1", "connect", json!({"attach": false}))
        .await;
    let events = a.events().await;
    assert_eq!(events[1].inner["failReason"], "gateway down");
    assert_eq!(events[1].inner["localizedFailReason"], "gateway down");

    let v = error_body(
        h.control(
            Method::POST,
            "/sim/agents/u1/fail-next-login",
            Some(json!({"failCode": "16"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(v["errors"][0]["reason"], "body");
}

#[tokio::test]
async fn the_agent_model_over_the_control_api() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;
    let id = a.call().await;
    a.ok(a.cmd("keepAlive", json!({"sessionTimeout": 120})).await)
        .await;
    a.ok(a
        .cmd("notReady", json!({"reasonId": "9", "notReadyType": "Park"}))
        .await)
        .await;
    let v: Value = h
        .control(Method::GET, "/sim/agents/u1", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["connected"], true);
    assert_eq!(v["state"], "Idle");
    assert_eq!(v["ehubSessionId"], "100");
    assert_eq!(v["loginSessionId"], a.sid.as_str());
    assert_eq!(v["pending"], json!({"kind": "Park", "reasonId": "9"}));
    assert_eq!(
        v["interactions"],
        json!([{"interactionId": id, "mediaType": "InboundACD", "state": "Active",
                "consultInteractionId": null, "primaryInteractionId": null,
                "conference": false, "workTypeId": 191, "emailObjectId": null,
                "wrapTimedOut": false}])
    );
    assert_eq!(v["keepAlive"]["timeoutMs"], 120_000);
    assert!(v["keepAlive"]["expiresInMs"].as_u64().unwrap() <= 120_000);
    assert_eq!(v["attachments"], json!([]));
    // The older path answers the same model.
    let old: Value = h
        .control(Method::GET, "/sim/users/u1", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(old["interactions"], v["interactions"]);
}
