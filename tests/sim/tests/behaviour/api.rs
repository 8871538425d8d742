//! OAuth2, API guard (x-api-key, bearer, org, rate limit) and Streaming v3 behaviour.

use crate::common;

use std::time::{Duration, Instant};

use common::{error_body, Harness};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn token_with_basic_or_form_credentials() {
    let h = Harness::start().await;
    let resp = h
        .http
        .post(h.url("/via/v2/oauth2/token"))
        .basic_auth("sim-client", Some("sim-secret"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "streamingapi"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["scope"], "streamingapi");
    assert!(uuid_like(v["access_token"].as_str().unwrap()));

    let resp = h
        .http
        .post(h.url("/via/v2/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sim-client"),
            ("client_secret", "sim-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let resp = h
        .http
        .post(h.url("/via/v2/oauth2/token"))
        .basic_auth("sim-client", Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");

    let resp = h
        .http
        .post(h.url("/via/v2/oauth2/token"))
        .basic_auth("sim-client", Some("sim-secret"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], "unsupported_grant_type");

    let resp = h
        .http
        .post(h.url("/via/v2/oauth2/token"))
        .basic_auth("sim-client", Some("sim-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // The harness fetched one token, this test five more.
    assert_eq!(h.sim.state().stats().token_requests, 6);
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn api_requires_api_key_and_valid_token() {
    let h = Harness::start().await;
    let url = h.org_url("v3", "/streaming/session");

    let resp = h
        .http
        .post(&url)
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::UNAUTHORIZED).await;

    let resp = h
        .http
        .post(&url)
        .header("x-api-key", "sim-api-key")
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::UNAUTHORIZED).await;

    let resp = h
        .http
        .post(&url)
        .header("x-api-key", "sim-api-key")
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::UNAUTHORIZED).await;

    let resp = h
        .api(
            Method::POST,
            h.url("/via/v3/organizations/otherorg/streaming/session"),
        )
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::NOT_FOUND).await;

    let resp = h.api(Method::POST, url.clone()).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-ratelimit-limit-second"], "10000");
    assert!(resp.headers().contains_key("x-ratelimit-remaining-second"));
}

#[tokio::test]
async fn expired_tokens_answer_401() {
    let h = Harness::start().await;
    h.create_session(json!({})).await;
    let resp = h.control(Method::POST, "/sim/tokens/expire", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = h
        .api(Method::POST, h.org_url("v3", "/streaming/session"))
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::UNAUTHORIZED).await;

    // Token lifetime: a token issued with a short TTL stops working on its own.
    let h = Harness::with_config(ccbridge_sim::SimConfig {
        token_ttl: Duration::from_millis(300),
        ..common::test_config()
    })
    .await;
    h.create_session(json!({})).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let resp = h
        .api(Method::POST, h.org_url("v3", "/streaming/session"))
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let h = Harness::with_config(ccbridge_sim::SimConfig {
        rate_limit_per_second: 5,
        ..common::test_config()
    })
    .await;
    // The token request used one slot of the window. Twenty requests cannot all fit
    // unless they are spread over four windows (seconds).
    let mut saw_429 = false;
    let mut remaining = Vec::new();
    for _ in 0..20 {
        let resp = h
            .api(Method::POST, h.org_url("v3", "/streaming/session"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["x-ratelimit-limit-second"], "5");
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(resp.headers()["retry-after"], "1");
            error_body(resp, StatusCode::TOO_MANY_REQUESTS).await;
            saw_429 = true;
            break;
        }
        remaining.push(
            resp.headers()["x-ratelimit-remaining-second"]
                .to_str()
                .unwrap()
                .parse::<u32>()
                .unwrap(),
        );
    }
    assert!(saw_429, "no 429 within 20 requests at 5/s: {remaining:?}");
    assert!(remaining.iter().all(|r| *r < 5), "{remaining:?}");
}

#[tokio::test]
async fn create_session_defaults_and_validation() {
    let h = Harness::start().await;
    let url = h.org_url("v3", "/streaming/session");
    let resp = h.api(Method::POST, url.clone()).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["inactivityDelay"], 60);
    assert_eq!(v["requireAcknowledgement"], false);
    assert!(uuid_like(v["sessionId"].as_str().unwrap()));
    let created = v["creationTime"].as_str().unwrap();
    assert_eq!(created.len(), 24, "{created}");
    assert!(
        created.ends_with('Z') && created.as_bytes()[19] == b'.',
        "{created}"
    );

    let resp = h
        .api(Method::POST, url.clone())
        .json(&json!({"inactivityDelay": 300, "requireAcknowledgement": true}))
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["inactivityDelay"], 300);
    assert_eq!(v["requireAcknowledgement"], true);

    for (body, field) in [
        (json!({"inactivityDelay": 59}), "inactivityDelay"),
        (json!({"inactivityDelay": 601}), "inactivityDelay"),
        (json!({"inactivityDelay": "120"}), "inactivityDelay"),
        (json!({"inactivityDelay": 90.5}), "inactivityDelay"),
        (
            json!({"requireAcknowledgement": "yes"}),
            "requireAcknowledgement",
        ),
        (json!([1, 2]), "body"),
    ] {
        let resp = h
            .api(Method::POST, url.clone())
            .json(&body)
            .send()
            .await
            .unwrap();
        let v = error_body(resp, StatusCode::BAD_REQUEST).await;
        assert_eq!(v["errors"][0]["reason"], field, "{body}");
    }

    let resp = h
        .api(Method::POST, url.clone())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn get_events_validation() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;

    let resp = h
        .api(Method::GET, h.org_url("v3", "/streaming/events"))
        .send()
        .await
        .unwrap();
    let v = error_body(resp, StatusCode::BAD_REQUEST).await;
    assert_eq!(v["errors"][0]["reason"], "via-client-sessionid");

    for bad in ["0", "201", "abc", "-1", "1.5"] {
        let resp = h
            .api(
                Method::GET,
                h.org_url("v3", &format!("/streaming/events?maxEvents={bad}")),
            )
            .header("via-client-sessionid", &sid)
            .send()
            .await
            .unwrap();
        let v = error_body(resp, StatusCode::BAD_REQUEST).await;
        assert_eq!(v["errors"][0]["reason"], "maxEvents");
    }

    let resp = h.poll_raw("no-such-session", 1).await;
    let v = error_body(resp, StatusCode::BAD_REQUEST).await;
    assert_eq!(v["message"], "Invalid or expired session");
}

#[tokio::test]
async fn long_poll_waits_then_returns_empty() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    let started = Instant::now();
    let events = h.poll(&sid, 5).await;
    assert!(events.is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(180),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn long_poll_wakes_on_new_event() {
    let h = Harness::with_config(ccbridge_sim::SimConfig {
        poll_wait: Duration::from_secs(10),
        ..common::test_config()
    })
    .await;
    let sid = h.create_session(json!({})).await;
    let state = h.sim.state();
    let sid2 = sid.clone();
    let injector = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        state
            .inject_event(ccbridge_sim::InjectEvent {
                session_id: Some(sid2),
                event_type: "outreach.status".to_owned(),
                payload: json!({"status": "dialing"}),
                ..Default::default()
            })
            .unwrap();
    });
    let started = Instant::now();
    let events = h.poll(&sid, 5).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    injector.await.unwrap();
    assert_eq!(events.len(), 1);
    let ev = &events[0];
    assert_eq!(ev["kind"], "via#outreachEvent");
    assert_eq!(ev["eventType"], "outreach.status");
    assert_eq!(ev["schemaVersion"], "1");
    assert_eq!(common::payload(ev), json!({"status": "dialing"}));
}

#[tokio::test]
async fn max_events_batches_and_unique_ids() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    h.sim
        .state()
        .inject_event(ccbridge_sim::InjectEvent {
            session_id: Some(sid.clone()),
            event_type: "messaging.EntitySendText".to_owned(),
            payload: json!({"text": "hi"}),
            count: Some(5),
            ..Default::default()
        })
        .unwrap();
    let first = h.poll(&sid, 2).await;
    assert_eq!(first.len(), 2);
    let rest = h.poll(&sid, 10).await;
    assert_eq!(rest.len(), 3);
    let ids: Vec<&str> = first
        .iter()
        .chain(rest.iter())
        .map(|e| e["eventId"].as_str().unwrap())
        .collect();
    let mut dedup = ids.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 5);
    for id in ids {
        let (ms, seq) = id.split_once('-').unwrap();
        assert!(
            ms.parse::<u64>().is_ok() && seq.parse::<u64>().is_ok(),
            "{id}"
        );
    }
    assert_eq!(first[0]["kind"], "via#messagingEvent");
    // Without acknowledgement, delivered events are gone.
    assert!(h.poll(&sid, 10).await.is_empty());
}

async fn ack(h: &Harness, sid: &str, body: Value) -> reqwest::Response {
    h.api(Method::POST, h.org_url("v3", "/streaming/acknowledge"))
        .header("via-client-sessionid", sid)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn acknowledgement_and_redelivery() {
    let h = Harness::start().await;
    let sid = h
        .create_session(json!({"requireAcknowledgement": true}))
        .await;
    h.sim
        .state()
        .inject_event(ccbridge_sim::InjectEvent {
            session_id: Some(sid.clone()),
            event_type: "engagementCenter.Idle".to_owned(),
            count: Some(3),
            ..Default::default()
        })
        .unwrap();
    let batch = h.poll(&sid, 10).await;
    assert_eq!(batch.len(), 3);
    let ids: Vec<String> = batch
        .iter()
        .map(|e| e["eventId"].as_str().unwrap().to_owned())
        .collect();
    let info = h.sim.state().session_info(&sid).unwrap();
    assert_eq!((info.queued, info.in_flight), (0, 3));

    let resp = ack(&h, &sid, json!({"events": [{"eventId": ids[0]}]})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["eventIdsAcknowledged"], json!([ids[0]]));
    assert_eq!(v["eventIdsNotFound"], json!([]));

    // The two unacknowledged events come again, same ids, same order.
    let again = h.poll(&sid, 10).await;
    let again_ids: Vec<&str> = again
        .iter()
        .map(|e| e["eventId"].as_str().unwrap())
        .collect();
    assert_eq!(again_ids, vec![ids[1].as_str(), ids[2].as_str()]);

    let resp = ack(
        &h,
        &sid,
        json!({"events": [{"eventId": ids[1]}, {"eventId": ids[2]}, {"eventId": "1-999"}]}),
    )
    .await;
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["eventIdsAcknowledged"], json!([ids[1], ids[2]]));
    assert_eq!(v["eventIdsNotFound"], json!(["1-999"]));
    assert!(h.poll(&sid, 10).await.is_empty());
    assert_eq!(h.sim.state().stats().acknowledged, 3);

    for body in [
        json!({}),
        json!({"events": []}),
        json!({"events": "x"}),
        json!({"events": [{}]}),
        json!({"events": [{"eventId": 5}]}),
    ] {
        let resp = ack(&h, &sid, body.clone()).await;
        error_body(resp, StatusCode::BAD_REQUEST).await;
    }
    let resp = ack(&h, "nope", json!({"events": [{"eventId": "1-0"}]})).await;
    let v = error_body(resp, StatusCode::BAD_REQUEST).await;
    assert_eq!(v["message"], "Invalid or expired session");
}

#[tokio::test]
async fn delete_session_invalidates_it() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    let delete = || {
        h.api(Method::DELETE, h.org_url("v3", "/streaming/session"))
            .header("via-client-sessionid", &sid)
            .send()
    };
    assert_eq!(delete().await.unwrap().status(), StatusCode::NO_CONTENT);
    let v = error_body(delete().await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(v["message"], "Invalid or expired session");
    let v = error_body(h.poll_raw(&sid, 1).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(v["message"], "Invalid or expired session");
}

#[tokio::test]
async fn expiring_a_session_ends_its_pending_poll() {
    let h = Harness::with_config(ccbridge_sim::SimConfig {
        poll_wait: Duration::from_secs(10),
        ..common::test_config()
    })
    .await;
    let sid = h.create_session(json!({})).await;
    let url = format!("/sim/sessions/{sid}/expire");
    let started = Instant::now();
    let (resp, _) = tokio::join!(h.poll_raw(&sid, 1), async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let r = h.control(Method::POST, &url, None).await;
        assert_eq!(r.status(), StatusCode::OK);
    });
    assert!(started.elapsed() < Duration::from_secs(5));
    let v = error_body(resp, StatusCode::BAD_REQUEST).await;
    assert_eq!(v["message"], "Invalid or expired session");
    let r = h.control(Method::POST, &url, None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Expire all.
    let a = h.create_session(json!({})).await;
    let b = h.create_session(json!({})).await;
    let r = h.control(Method::POST, "/sim/sessions/expire", None).await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["expired"], 2);
    for s in [a, b] {
        error_body(h.poll_raw(&s, 1).await, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn concurrent_polls_are_counted() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    h.poll(&sid, 1).await;
    assert_eq!(h.sim.state().stats().max_concurrent_polls, 1);
    let (a, b) = tokio::join!(h.poll(&sid, 1), h.poll(&sid, 1));
    assert!(a.is_empty() && b.is_empty());
    assert_eq!(h.sim.state().stats().max_concurrent_polls, 2);
    let info = h.sim.state().session_info(&sid).unwrap();
    assert_eq!(info.max_concurrent_polls, 2);
    assert_eq!(info.active_polls, 0);
}
