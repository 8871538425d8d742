//! The `/sim/` control API: injection, faults, configuration, statistics, reset; plus the
//! blocking start and the binary.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{error_body, payload, Harness};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn inject_by_user_wraps_engagement_center_payloads() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    h.ec(&sid, "u1", "connect", json!({"attach": false})).await;
    h.poll(&sid, 10).await;

    let resp = h
        .control(
            Method::POST,
            "/sim/events",
            Some(json!({
                "userId": "u1",
                "eventType": "engagementCenter.InteractionClear",
                "payload": {"interactionId": 7, "interactionIdRev": "7"},
                "correlationId": "corr-1"
            })),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["queued"], 1);
    let id = v["eventIds"][0].as_str().unwrap().to_owned();

    let events = h.poll(&sid, 10).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["eventId"], id.as_str());
    assert_eq!(events[0]["correlationId"], "corr-1");
    assert_eq!(
        payload(&events[0]),
        json!({
            "userId": "u1", "ehubSessionId": 100, "ehubSessionIdRev": "100",
            "payload": {"interactionId": 7, "interactionIdRev": "7"}
        })
    );

    // A payload that already has the envelope is kept as is.
    let full = json!({"userId": "u1", "ehubSessionId": 5, "ehubSessionIdRev": "5", "payload": {}});
    h.control(
        Method::POST,
        "/sim/events",
        Some(json!({"userId": "u1", "eventType": "engagementCenter.Wrap", "payload": full})),
    )
    .await;
    assert_eq!(payload(&h.poll(&sid, 10).await[0]), full);

    // A string payload is sent verbatim.
    h.control(
        Method::POST,
        "/sim/events",
        Some(json!({"sessionId": sid, "eventType": "chat.SendText", "payload": "not json"})),
    )
    .await;
    let events = h.poll(&sid, 10).await;
    assert_eq!(events[0]["payload"], "not json");
    assert_eq!(events[0]["kind"], "via#chatEvent");
}

#[tokio::test]
async fn inject_validation() {
    let h = Harness::start().await;
    for body in [
        json!({"eventType": "x.Y"}),
        json!({"userId": "u1"}),
        json!({"userId": "u1", "eventType": "x.Y", "count": 0}),
        json!({"userId": "u1", "eventType": "x.Y", "bogus": 1}),
    ] {
        error_body(
            h.control(Method::POST, "/sim/events", Some(body)).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    error_body(
        h.control(
            Method::POST,
            "/sim/events",
            Some(json!({"sessionId": "nope", "eventType": "x.Y"})),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // A user with no subscribed sessions: nothing queued.
    let v: Value = h
        .control(
            Method::POST,
            "/sim/events",
            Some(json!({"userId": "nobody", "eventType": "x.Y"})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["queued"], 0);
}

#[tokio::test]
async fn bulk_injection() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    let resp = h
        .control(
            Method::POST,
            "/sim/events",
            Some(json!({"sessionId": sid, "eventType": "outreach.status", "payload": {"n": 1}, "count": 100000})),
        )
        .await;
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["queued"], 100000);
    assert!(v.get("eventIds").is_none());
    let info: Value = h
        .control(Method::GET, &format!("/sim/sessions/{sid}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["queued"], 100000);
    assert_eq!(info["inFlight"], 0);
    assert_eq!(info["requireAcknowledgement"], false);
    assert_eq!(h.poll(&sid, 200).await.len(), 200);
    assert_eq!(h.sim.state().session_info(&sid).unwrap().queued, 99800);

    let v: Value = h
        .control(
            Method::POST,
            "/sim/events",
            Some(json!({"sessionId": sid, "eventType": "outreach.status", "count": 3})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["eventIds"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn screen_pop_shape() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    h.ec(&sid, "u1", "connect", json!({"attach": false})).await;
    h.poll(&sid, 10).await;
    let v: Value = h
        .control(Method::POST, "/sim/users/u1/screenPop", None)
        .await
        .json()
        .await
        .unwrap();
    let id = v["interactionId"].as_u64().unwrap();
    let events = h.poll(&sid, 10).await;
    assert_eq!(events[0]["eventType"], "engagementCenter.ScreenPop");
    let p = payload(&events[0]);
    assert_eq!(p["userId"], "u1");
    assert_eq!(p["ehubSessionIdRev"], "100");
    assert_eq!(p["payload"]["interactionId"], id);
    assert_eq!(p["payload"]["interactionIdRev"], id.to_string());
    assert_eq!(p["payload"]["mediaType"], "InboundACD");
    assert!(p["payload"]["interactionInfo"]["screenData"]["ani"].is_string());

    let v: Value = h
        .control(
            Method::POST,
            "/sim/users/u1/screenPop",
            Some(json!({"mediaType": "Chat"})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["interactionId"], id + 1);
    let events = h.poll(&sid, 10).await;
    assert_eq!(payload(&events[0])["payload"]["mediaType"], "Chat");
}

#[tokio::test]
async fn status_fault_429_with_retry_after_then_normal() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    let resp = h
        .control(
            Method::POST,
            "/sim/faults",
            Some(json!({"method": "get", "pathContains": "/streaming/events", "kind": "status", "status": 429, "retryAfter": 2})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = h.poll_raw(&sid, 1).await;
    assert_eq!(resp.headers()["retry-after"], "2");
    error_body(resp, StatusCode::TOO_MANY_REQUESTS).await;
    // count defaults to 1: the next poll is normal.
    assert!(h.poll(&sid, 1).await.is_empty());
    assert_eq!(h.sim.state().stats().faults_injected, 1);
}

#[tokio::test]
async fn status_fault_500_comes_before_auth() {
    let h = Harness::start().await;
    h.control(
        Method::POST,
        "/sim/faults",
        Some(json!({"pathContains": "/streaming/session", "kind": "status", "status": 503, "count": 2})),
    )
    .await;
    // No credentials at all, still the fault.
    let resp = h
        .http
        .post(h.org_url("v3", "/streaming/session"))
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::SERVICE_UNAVAILABLE).await;
    let resp = h
        .api(Method::POST, h.org_url("v3", "/streaming/session"))
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::SERVICE_UNAVAILABLE).await;
    h.create_session(json!({})).await;

    // Method filter: a POST fault does not hit GET.
    h.control(
        Method::POST,
        "/sim/faults",
        Some(json!({"method": "POST", "kind": "status", "status": 500, "count": 0})),
    )
    .await;
    let sid = h.sim.state().stats().sessions;
    assert_eq!(sid, 1);
    let resp = h
        .api(Method::POST, h.org_url("v3", "/streaming/session"))
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::INTERNAL_SERVER_ERROR).await;
    let resp = h
        .api(Method::POST, h.org_url("v3", "/streaming/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "count 0 = until cleared"
    );
    let resp = h.control(Method::DELETE, "/sim/faults", None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    h.create_session(json!({})).await;
}

#[tokio::test]
async fn drop_fault_closes_the_connection() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    h.control(
        Method::POST,
        "/sim/faults",
        Some(json!({"pathContains": "/streaming/events", "kind": "drop"})),
    )
    .await;
    let err = h
        .api(Method::GET, h.org_url("v3", "/streaming/events"))
        .header("via-client-sessionid", &sid)
        .send()
        .await
        .expect_err("the connection is dropped without a response");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    // The simulator keeps working.
    assert!(h.poll(&sid, 1).await.is_empty());
}

#[tokio::test]
async fn drop_response_fault_acts_then_closes_the_connection() {
    let h = Harness::start().await;
    let sid = h
        .create_session(json!({"requireAcknowledgement": true}))
        .await;
    let v: Value = h
        .control(
            Method::POST,
            "/sim/events",
            Some(json!({"sessionId": sid, "eventType": "engagementCenter.Idle", "count": 2})),
        )
        .await
        .json()
        .await
        .unwrap();
    h.control(
        Method::POST,
        "/sim/faults",
        Some(json!({"method": "GET", "pathContains": "/streaming/events", "kind": "dropResponse"})),
    )
    .await;
    let err = h
        .api(
            Method::GET,
            h.org_url("v3", "/streaming/events?maxEvents=10"),
        )
        .header("via-client-sessionid", &sid)
        .send()
        .await
        .expect_err("the answer is dropped");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    // The poll did take the events: they are in flight, and come back on the next poll.
    let info = h.sim.state().session_info(&sid).unwrap();
    assert_eq!((info.queued, info.in_flight), (0, 2));
    let again: Vec<Value> = h
        .poll(&sid, 10)
        .await
        .into_iter()
        .map(|e| e["eventId"].clone())
        .collect();
    assert_eq!(again, v["eventIds"].as_array().unwrap().clone());
    assert_eq!(h.sim.state().stats().faults_injected, 1);
}

#[tokio::test]
async fn expiring_a_session_lists_the_events_that_died_with_it() {
    let h = Harness::start().await;
    let sid = h
        .create_session(json!({"requireAcknowledgement": true}))
        .await;
    let inject = |count: u64| {
        let h = &h;
        let sid = sid.clone();
        async move {
            let v: Value = h
                .control(
                    Method::POST,
                    "/sim/events",
                    Some(json!({"sessionId": sid, "eventType": "engagementCenter.Idle", "count": count})),
                )
                .await
                .json()
                .await
                .unwrap();
            v["eventIds"].as_array().unwrap().clone()
        }
    };
    let mut ids = inject(3).await;
    assert_eq!(h.poll(&sid, 2).await.len(), 2, "two in flight, one queued");
    ids.extend(inject(1).await);
    let resp = h
        .control(Method::POST, &format!("/sim/sessions/{sid}/expire"), None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v, json!({"expired": 1, "discardedEventIds": ids}));
    assert_eq!(h.sim.state().stats().events_discarded, 4);
    let resp = h
        .control(Method::POST, &format!("/sim/sessions/{sid}/expire"), None)
        .await;
    error_body(resp, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn stall_fault_and_probability() {
    let h = Harness::start().await;
    h.control(
        Method::POST,
        "/sim/faults",
        Some(json!({"pathContains": "/oauth2/token", "kind": "stall", "stallMs": 300})),
    )
    .await;
    let started = Instant::now();
    h.fetch_token().await;
    assert!(started.elapsed() >= Duration::from_millis(280));

    // Probability 0 never fires.
    h.control(
        Method::POST,
        "/sim/faults",
        Some(json!({"kind": "status", "status": 500, "probability": 0.0, "count": 0})),
    )
    .await;
    for _ in 0..5 {
        h.create_session(json!({})).await;
    }
    for bad in [
        json!({"kind": "explode"}),
        json!({"kind": "status", "status": 42}),
        json!({"kind": "status", "probability": 2.0}),
    ] {
        error_body(
            h.control(Method::POST, "/sim/faults", Some(bad)).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
}

#[tokio::test]
async fn config_stats_and_reset() {
    let h = Harness::start().await;
    let v: Value = h
        .control(
            Method::POST,
            "/sim/config",
            Some(json!({"pollWaitMs": 50, "rateLimitPerSecond": 500})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["pollWaitMs"], 50);
    assert_eq!(v["rateLimitPerSecond"], 500);
    let sid = h.create_session(json!({})).await;
    let started = Instant::now();
    assert!(h.poll(&sid, 1).await.is_empty());
    assert!(started.elapsed() < Duration::from_millis(180));

    let stats: Value = h
        .control(Method::GET, "/sim/stats", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats["tokenRequests"], 1);
    assert_eq!(stats["sessions"], 1);
    assert_eq!(
        stats["requests"]["GET /via/v3/organizations/{orgId}/streaming/events"],
        1
    );
    assert_eq!(
        stats["requests"]["POST /via/v3/organizations/{orgId}/streaming/session"],
        1
    );
    for key in [
        "maxConcurrentPolls",
        "acknowledged",
        "faultsInjected",
        "eventsDiscarded",
    ] {
        assert!(stats[key].is_u64(), "{key}");
    }

    let user: Value = h
        .control(Method::GET, "/sim/users/nobody", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        user,
        json!({"connected": false, "state": "Disconnected", "ehubSessionId": null, "sessions": [],
               "reasonId": null, "pending": null, "loginSessionId": null, "interactions": [],
               "keepAlive": null, "attachments": [], "failNextLogin": null, "station": null,
               "monitor": null, "voicemails": [],
               "greeting": {"state": "None", "recordingState": 1, "fileName": null,
                            "recordingIndex": null, "playing": null,
                            "personalGreetingId": null, "recordingId": null}})
    );

    let resp = h.control(Method::POST, "/sim/reset", None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let stats = h.sim.state().stats();
    assert_eq!((stats.sessions, stats.token_requests), (0, 0));
    error_body(
        h.control(Method::GET, &format!("/sim/sessions/{sid}"), None)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Tokens are gone too.
    let resp = h
        .api(Method::POST, h.org_url("v3", "/streaming/session"))
        .send()
        .await
        .unwrap();
    error_body(resp, StatusCode::UNAUTHORIZED).await;
    error_body(
        h.control(Method::POST, "/sim/config", Some(json!({"pollWait": 1})))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let h = Harness::start().await;
    error_body(
        h.control(Method::GET, "/nothing/here", None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_body(
        h.control(Method::GET, "/sim/events", None).await,
        StatusCode::METHOD_NOT_ALLOWED,
    )
    .await;
    error_body(
        h.control(Method::GET, "/via/v2/oauth2/token", None).await,
        StatusCode::METHOD_NOT_ALLOWED,
    )
    .await;
}

#[test]
fn start_blocking_serves_without_a_caller_runtime() {
    let sim = ccbridge_sim::Simulator::start_blocking(common::test_config()).unwrap();
    assert!(sim.base_url().starts_with("http://127.0.0.1:"));
    let addr = sim.addr();
    let token = sim.state().issue_token();
    assert_eq!(token.len(), 36);
    std::net::TcpStream::connect(addr).expect("simulator accepts connections");
    sim.shutdown();
    assert!(
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err(),
        "listener closed after shutdown"
    );
}

#[test]
fn binary_prints_its_url_and_exits_when_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccbridge-sim"))
        .args([
            "--port",
            "0",
            "--poll-wait-ms",
            "100",
            "--exit-on-stdin-close",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("ccbridge-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        reqwest::get(format!("{url}/sim/stats"))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, StatusCode::OK);
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("simulator did not exit after stdin closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn binary_exits_cleanly_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccbridge-sim"))
        .args(["--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("ccbridge-sim listening on http://"),
        "{line:?}"
    );
    // No delay: the handlers are installed before the line is printed.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("simulator did not exit on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
