//! Streaming subscriptions: CRUD per session and the filter they put on its events; and the
//! deprecated v2 streaming API on the shared session store.

use crate::common;

use common::{error_body, payload, Harness};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn types(events: &[Value], key: &str) -> Vec<String> {
    events
        .iter()
        .map(|e| e[key].as_str().unwrap().to_owned())
        .collect()
}

async fn sub_call(
    h: &Harness,
    method: Method,
    sid: &str,
    id: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let rest = match id {
        Some(id) => format!("/streaming/subscriptions/{id}"),
        None => "/streaming/subscriptions".to_owned(),
    };
    let mut req = h
        .api(method, h.org_url("v2", &rest))
        .header("via-client-sessionid", sid);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

fn idle_of(users: &[&str]) -> Value {
    json!({
        "description": "Idle of some users",
        "filterCriteria": {
            "catalogType": "engagementCenterThirdParty",
            "catalogTypeEvents": ["Idle"],
            "resources": {"resourceType": "users", "resourceIds": users},
        }
    })
}

fn is_iso_millis(s: &str) -> bool {
    s.len() == 24 && s.ends_with('Z') && s.as_bytes()[19] == b'.'
}

#[tokio::test]
async fn subscription_crud() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;

    let resp = sub_call(&h, Method::POST, &sid, None, Some(idle_of(&["u1"]))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["kind"], "via#subscription");
    assert_eq!(created["description"], "Idle of some users");
    assert_eq!(
        created["filterCriteria"],
        idle_of(&["u1"])["filterCriteria"]
    );
    let id = created["subscriptionId"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 8);
    assert!(is_iso_millis(created["creationTime"].as_str().unwrap()));
    assert_eq!(created["creationTime"], created["lastModifiedTime"]);

    // Without a description, the answer still has one (required in the response).
    let mut bare = idle_of(&["u2"]);
    bare.as_object_mut().unwrap().remove("description");
    let second: Value = sub_call(&h, Method::POST, &sid, None, Some(bare))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["description"], "");
    assert_ne!(second["subscriptionId"], created["subscriptionId"]);

    let list: Value = sub_call(&h, Method::GET, &sid, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["kind"], "via#subscriptionsCollection");
    assert_eq!(list["subscriptions"].as_array().unwrap().len(), 2);
    assert_eq!(list["subscriptions"][0], created);

    let got: Value = sub_call(&h, Method::GET, &sid, Some(&id), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got, created);

    // PUT replaces an existing one (200) ...
    let resp = sub_call(&h, Method::PUT, &sid, Some(&id), Some(idle_of(&["u3"]))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let updated: Value = resp.json().await.unwrap();
    assert_eq!(updated["subscriptionId"], id.as_str());
    assert_eq!(updated["creationTime"], created["creationTime"]);
    assert_eq!(
        updated["filterCriteria"]["resources"]["resourceIds"],
        json!(["u3"])
    );
    assert!(updated["lastModifiedTime"].as_str() >= created["lastModifiedTime"].as_str());
    // ... and creates one under the given id when there is none (201).
    let resp = sub_call(&h, Method::PUT, &sid, Some("mine"), Some(idle_of(&[]))).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let mine: Value = resp.json().await.unwrap();
    assert_eq!(mine["subscriptionId"], "mine");
    assert_eq!(h.sim.state().session_info(&sid).unwrap().subscriptions, 3);

    let resp = sub_call(&h, Method::DELETE, &sid, Some("mine"), None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    for method in [Method::GET, Method::DELETE] {
        error_body(
            sub_call(&h, method, &sid, Some("mine"), None).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }

    // Subscriptions belong to their session.
    let other = h.create_session(json!({})).await;
    error_body(
        sub_call(&h, Method::GET, &other, Some(&id), None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let list: Value = sub_call(&h, Method::GET, &other, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["subscriptions"], json!([]));
}

#[tokio::test]
async fn subscription_validation() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    let cases = [
        (json!({"description": "x"}), "filterCriteria"),
        (
            json!({"filterCriteria": {"catalogType": "everything", "catalogTypeEvents": ["all"],
                "resources": {"resourceType": "*", "resourceIds": []}}}),
            "filterCriteria.catalogType",
        ),
        (
            json!({"filterCriteria": {"catalogType": "engagementCenterThirdParty", "catalogTypeEvents": [],
                "resources": {"resourceType": "*", "resourceIds": []}}}),
            "filterCriteria.catalogTypeEvents",
        ),
        (
            json!({"filterCriteria": {"catalogType": "engagementCenterThirdParty",
                "catalogTypeEvents": ["Idle", "user"],
                "resources": {"resourceType": "*", "resourceIds": []}}}),
            "filterCriteria.catalogTypeEvents[1]",
        ),
        (
            json!({"filterCriteria": {"catalogType": "engagementCenterThirdParty",
                "catalogTypeEvents": ["Idle"],
                "resources": {"resourceType": "teams", "resourceIds": []}}}),
            "filterCriteria.resources.resourceType",
        ),
        (
            json!({"filterCriteria": {"catalogType": "engagementCenterThirdParty",
                "catalogTypeEvents": ["Idle"], "resources": {"resourceType": "users"}}}),
            "filterCriteria.resources.resourceIds",
        ),
    ];
    for (body, field) in cases {
        let v = error_body(
            sub_call(&h, Method::POST, &sid, None, Some(body.clone())).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(v["errors"][0]["reason"], field, "{body}");
    }
    let v = error_body(
        sub_call(&h, Method::POST, "nope", None, Some(idle_of(&[]))).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(v["message"], "Invalid or expired session");
    assert_eq!(h.sim.state().session_info(&sid).unwrap().subscriptions, 0);
}

#[tokio::test]
async fn subscriptions_filter_the_events_of_their_session() {
    let h = Harness::start().await;
    let filtered = h.create_session(json!({})).await;
    let open = h.create_session(json!({})).await;
    let resp = sub_call(&h, Method::POST, &filtered, None, Some(idle_of(&["u1"]))).await;
    assert_eq!(resp.status(), StatusCode::OK);

    let inject = |sid: &str, event_type: &str, user: &str| {
        h.sim.state().inject_event(ccbridge_sim::InjectEvent {
            session_id: Some(sid.to_owned()),
            user_id: Some(user.to_owned()),
            event_type: event_type.to_owned(),
            payload: json!({"interactionId": 0}),
            ..Default::default()
        })
    };
    let mut queued = 0;
    for (t, u) in [
        ("engagementCenter.Idle", "u1"),
        ("engagementCenter.Held", "u1"),
        ("engagementCenter.Idle", "u2"),
        ("messaging.EntitySendText", "u1"),
    ] {
        queued += inject(&filtered, t, u).unwrap().queued;
        assert_eq!(inject(&open, t, u).unwrap().queued, 1);
    }
    assert_eq!(queued, 1, "only the Idle of u1 passes");
    let events = h.poll(&filtered, 10).await;
    assert_eq!(types(&events, "eventType"), vec!["engagementCenter.Idle"]);
    assert_eq!(payload(&events[0])["userId"], "u1");
    assert_eq!(
        h.poll(&open, 10).await.len(),
        4,
        "no subscription: everything"
    );

    // The agent's own events are filtered too: of the connect sequence only Idle passes.
    let resp = h
        .ec(&filtered, "u1", "connect", json!({"attach": false}))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(
        types(&h.poll(&filtered, 10).await, "eventType"),
        vec!["engagementCenter.Idle"]
    );

    // A second subscription widens the filter (any one of them matches).
    let all = json!({"filterCriteria": {"catalogType": "engagementCenterThirdParty",
        "catalogTypeEvents": ["all"], "resources": {"resourceType": "*", "resourceIds": []}}});
    let second: Value = sub_call(&h, Method::POST, &filtered, None, Some(all))
        .await
        .json()
        .await
        .unwrap();
    let resp = h
        .ec(
            &filtered,
            "u1",
            "notReady",
            json!({"ehubSessionId": "100", "reasonId": "1", "notReadyType": "NotReady"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(
        types(&h.poll(&filtered, 10).await, "eventType"),
        vec!["engagementCenter.NotReady"]
    );
    assert_eq!(
        inject(&filtered, "outreach.status", "u1").unwrap().queued,
        0
    );

    // Without subscriptions the session gets everything again.
    let list: Value = sub_call(&h, Method::GET, &filtered, None, None)
        .await
        .json()
        .await
        .unwrap();
    for s in list["subscriptions"].as_array().unwrap() {
        let id = s["subscriptionId"].as_str().unwrap();
        let resp = sub_call(&h, Method::DELETE, &filtered, Some(id), None).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    }
    assert!(second["subscriptionId"].is_string());
    assert_eq!(
        inject(&filtered, "outreach.status", "u1").unwrap().queued,
        1
    );
}

#[tokio::test]
async fn change_notification_subscriptions_follow_the_simulator_convention() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    let body = json!({"filterCriteria": {"catalogType": "changeNotification",
        "catalogTypeEvents": ["user"], "resources": {"resourceType": "teams", "resourceIds": ["t1"]}}});
    assert_eq!(
        sub_call(&h, Method::POST, &sid, None, Some(body))
            .await
            .status(),
        StatusCode::OK
    );
    for (t, n) in [
        ("changeNotification.user", 1),
        ("changeNotification.team", 0),
        ("engagementCenter.Idle", 0),
    ] {
        let r = h
            .sim
            .state()
            .inject_event(ccbridge_sim::InjectEvent {
                session_id: Some(sid.clone()),
                event_type: t.to_owned(),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(r.queued, n, "{t}");
    }
}

#[tokio::test]
async fn legacy_v2_sessions_and_envelope() {
    let h = Harness::start().await;
    let create = |body: Option<Value>| {
        let mut req = h.api(Method::POST, h.org_url("v2", "/streaming/session"));
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send()
    };
    let resp = create(Some(
        json!([{"propertyName": "inactivityDelay", "propertyValue": "300"}]),
    ))
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["inactivityDelay"], 300);
    assert!(is_iso_millis(v["creationTime"].as_str().unwrap()));
    assert!(
        v.get("requireAcknowledgement").is_none(),
        "SessionResponse, not V3: {v}"
    );
    let sid = v["sessionId"].as_str().unwrap().to_owned();
    let info = h.sim.state().session_info(&sid).unwrap();
    assert_eq!((info.kind.as_str(), info.inactivity_delay), ("v2", 300));

    let v: Value = create(None).await.unwrap().json().await.unwrap();
    assert_eq!(v["inactivityDelay"], 60);

    for (body, field) in [
        (
            json!([{"propertyName": "inactivityDelay", "propertyValue": "30"}]),
            "[0].propertyValue",
        ),
        (
            json!([{"propertyName": "inactivityDelay", "propertyValue": "120"},
                   {"propertyName": "requireAcknowledgement", "propertyValue": "true"}]),
            "[1].propertyName",
        ),
        (json!({"inactivityDelay": 120}), "body"),
    ] {
        let v = error_body(
            create(Some(body.clone())).await.unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(v["errors"][0]["reason"], field, "{body}");
    }

    // Events in the v2 envelope: `id` and `type`, no correlation id.
    let r = h
        .sim
        .state()
        .inject_event(ccbridge_sim::InjectEvent {
            session_id: Some(sid.clone()),
            event_type: "engagementCenter.Idle".to_owned(),
            payload: json!({"interactionId": 0}),
            count: Some(3),
            ..Default::default()
        })
        .unwrap();
    let ids = r.event_ids.unwrap();
    let poll_v2 = |max: u32| {
        h.api(
            Method::GET,
            h.org_url("v2", &format!("/streaming/events?maxEvents={max}")),
        )
        .header("via-client-sessionid", &sid)
        .send()
    };
    let v: Value = poll_v2(2).await.unwrap().json().await.unwrap();
    assert_eq!(v["kind"], "via#streamingEventCollection");
    assert_eq!(v["totalItems"], 2);
    let ev = &v["events"][0];
    let mut keys: Vec<&str> = ev.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "id",
            "kind",
            "payload",
            "publishedTime",
            "schemaVersion",
            "type"
        ]
    );
    assert_eq!(ev["id"], ids[0].as_str());
    assert_eq!(ev["type"], "engagementCenter.Idle");
    assert_eq!(ev["kind"], "via#engagementCenterEvent");
    assert_eq!(ev["schemaVersion"], "1");
    assert_eq!(payload(ev), json!({"interactionId": 0}));

    // One store: the v3 poll reads the same session, in the v3 envelope.
    let events = h.poll(&sid, 10).await;
    assert_eq!(types(&events, "eventId"), vec![ids[2].clone()]);
    // And a v3 session can be polled through v2.
    let v3 = h.create_session(json!({})).await;
    let resp = h
        .api(Method::GET, h.org_url("v2", "/streaming/events"))
        .header("via-client-sessionid", &v3)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let v = error_body(poll_v2(0).await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(v["errors"][0]["reason"], "maxEvents");

    let delete = || {
        h.api(Method::DELETE, h.org_url("v2", "/streaming/session"))
            .header("via-client-sessionid", &sid)
            .send()
    };
    assert_eq!(delete().await.unwrap().status(), StatusCode::NO_CONTENT);
    let v = error_body(delete().await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(v["message"], "Invalid or expired session");
    let v = error_body(poll_v2(1).await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(v["message"], "Invalid or expired session");
}
