//! Client, auth and transport behaviour against the simulator.

use crate::common;

use ccbridge::models::*;
use ccbridge::{Error, EventStream, RetryPolicy, StreamConfig};
use ccbridge_sim::{FaultKind, FaultSpec};
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn create_session(client: &ccbridge::ViaClient) -> ccbridge::Result<SessionResponseV3> {
    block(client.streaming().create_session(&NewSessionV3 {
        inactivity_delay: Some(120),
        require_acknowledgement: Some(true),
    }))
}

#[test]
fn token_is_cached_and_shared_by_concurrent_callers() {
    let sim = start_sim();
    let client = client_for(&sim);
    block(async {
        let calls = (0..16).map(|_| {
            let c = client.clone();
            async move { c.streaming().create_session(&Default::default()).await }
        });
        for r in futures_join_all(calls).await {
            r.expect("session created");
        }
    });
    assert_eq!(sim.state().stats().token_requests, 1, "one token for all");
}

async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[test]
fn expired_token_is_refreshed_once_and_the_request_retried() {
    let sim = start_sim();
    let client = client_for(&sim);
    create_session(&client).unwrap();
    sim.state().expire_tokens();
    let info = create_session(&client).expect("retried after refresh");
    assert!(!info.session_id.is_empty());
    assert_eq!(sim.state().stats().token_requests, 2);
}

#[test]
fn concurrent_401s_share_one_refresh() {
    let sim = start_sim();
    let client = client_for(&sim);
    create_session(&client).unwrap();
    sim.state().expire_tokens();
    block(async {
        let calls = (0..16).map(|_| {
            let c = client.clone();
            async move { c.streaming().create_session(&Default::default()).await }
        });
        for r in futures_join_all(calls).await {
            r.expect("every caller succeeds after the refresh");
        }
    });
    assert_eq!(sim.state().stats().token_requests, 2, "one refresh for all");
}

#[test]
fn token_is_refreshed_before_it_expires() {
    let mut cfg = sim_config();
    cfg.token_ttl = Duration::from_secs(2);
    let sim = ccbridge_sim::Simulator::start_blocking(cfg).unwrap();
    let client = client_for(&sim);
    create_session(&client).unwrap();
    std::thread::sleep(Duration::from_millis(1900));
    create_session(&client).unwrap();
    let stats = sim.state().stats();
    assert_eq!(stats.token_requests, 2);
    let posts = stats
        .requests
        .iter()
        .filter(|(k, _)| k.contains("streaming/session"))
        .map(|(_, v)| *v)
        .sum::<u64>();
    assert_eq!(
        posts, 2,
        "no request was refused and resent: {:?}",
        stats.requests
    );
}

fn assert_auth_401(err: &Error) {
    assert!(
        matches!(
            err,
            Error::Auth {
                status: Some(401),
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn wrong_credentials_give_auth_errors_without_secrets() {
    let sim = start_sim();
    let client = client_with(&sim, |b| b.client_secret("wrong-secret-value"));
    let err = create_session(&client).unwrap_err();
    assert_auth_401(&err);
    assert_eq!(err.http_status(), Some(401));
    let text = format!("{err} {err:?} {client:?}");
    assert!(!text.contains("wrong-secret-value"), "{text}");

    let client = client_with(&sim, |b| b.api_key("wrong-api-key-value"));
    let err = create_session(&client).unwrap_err();
    assert_auth_401(&err);
    assert!(!format!("{err} {client:?}").contains("wrong-api-key-value"));
}

#[test]
fn server_errors_and_dropped_connections_are_retried() {
    let sim = start_sim();
    let client = client_for(&sim);
    sim.state()
        .add_fault(FaultSpec {
            path_contains: Some("/streaming/session".into()),
            count: 2,
            ..FaultSpec::new(FaultKind::Status)
        })
        .unwrap();
    create_session(&client).expect("third attempt succeeds");
    sim.state()
        .add_fault(FaultSpec {
            path_contains: Some("/streaming/session".into()),
            ..FaultSpec::new(FaultKind::Drop)
        })
        .unwrap();
    create_session(&client).expect("succeeds after a dropped connection");
    assert_eq!(sim.state().stats().faults_injected, 3);
}

#[test]
fn rate_limited_requests_honour_retry_after() {
    let sim = start_sim();
    let client = client_for(&sim);
    sim.state()
        .add_fault(FaultSpec {
            path_contains: Some("/streaming/session".into()),
            status: 429,
            retry_after: Some(1),
            ..FaultSpec::new(FaultKind::Status)
        })
        .unwrap();
    let started = Instant::now();
    create_session(&client).expect("succeeds after waiting");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for Retry-After"
    );
    let limits = client.rate_limits();
    let second = limits
        .iter()
        .find(|l| l.window == "second")
        .expect("rate-limit headers read");
    assert!(
        second.limit.is_some() && second.remaining.is_some(),
        "{limits:?}"
    );
}

#[test]
fn conflicts_are_never_retried_and_retries_stop_at_the_limit() {
    let sim = start_sim();
    let client = client_for(&sim);
    sim.state()
        .add_fault(FaultSpec {
            path_contains: Some("/streaming/session".into()),
            status: 409,
            count: 0,
            ..FaultSpec::new(FaultKind::Status)
        })
        .unwrap();
    assert!(matches!(
        create_session(&client).unwrap_err(),
        Error::Conflict { .. }
    ));
    assert_eq!(sim.state().stats().faults_injected, 1, "409 sent once");
    sim.state().clear_faults();
    sim.state()
        .add_fault(FaultSpec {
            path_contains: Some("/streaming/session".into()),
            status: 503,
            count: 0,
            ..FaultSpec::new(FaultKind::Status)
        })
        .unwrap();
    match create_session(&client).unwrap_err() {
        Error::Api { status: 503, .. } => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sim.state().stats().faults_injected,
        1 + u64::from(RetryPolicy::default().max_attempts)
    );
}

#[test]
fn retry_budget_stops_hammering_a_failing_server() {
    let sim = start_sim();
    let client = client_with(&sim, |b| {
        b.retry(RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            budget_capacity: 10,
            budget_retry_cost: 5,
            ..RetryPolicy::default()
        })
    });
    sim.state()
        .add_fault(FaultSpec {
            path_contains: Some("/streaming/session".into()),
            count: 0,
            ..FaultSpec::new(FaultKind::Status)
        })
        .unwrap();
    for _ in 0..3 {
        assert!(create_session(&client).is_err());
    }
    // Budget 10 / cost 5: two retries in all, then first attempts only.
    assert_eq!(sim.state().stats().faults_injected, 3 + 2);
}

#[test]
fn generic_call_reaches_every_table_operation() {
    let sim = start_sim();
    let client = client_for(&sim);
    let session = block(client.call(
        "streaming.createSession",
        json!({"body": {"inactivityDelay": 60}}),
    ))
    .unwrap();
    let sid = session["sessionId"].as_str().unwrap().to_string();
    assert_eq!(session["inactivityDelay"], 60);
    let r = block(client.call(
        "engagementCenter.connect",
        json!({"userId": "generic-1", "sessionId": sid, "body": {"attach": false, "initialState": "NotReady"}}),
    ))
    .unwrap();
    assert!(r.is_null(), "202 has no body");
    let events = block(client.call(
        "streaming.getEvents",
        json!({"sessionId": sid, "query": {"maxEvents": 10}}),
    ))
    .unwrap();
    let types: Vec<_> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types.last().map(String::as_str),
        Some("engagementCenter.NotReady"),
        "{types:?}"
    );
    block(client.call("streaming.deleteSession", json!({"sessionId": sid}))).unwrap();
}

#[test]
fn generic_call_rejects_bad_parameters_before_sending() {
    let sim = start_sim();
    let client = client_for(&sim);
    let field = |r: ccbridge::Result<serde_json::Value>| match r.unwrap_err() {
        Error::InvalidArgument { field, .. } => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(field(block(client.call("no.such", json!({})))), "op");
    assert_eq!(
        field(block(client.call("streaming.getEvents", json!({})))),
        "sessionId"
    );
    assert_eq!(
        field(block(client.call("streaming.getEvents", json!([1])))),
        "params"
    );
    assert_eq!(
        field(block(client.call(
            "engagementCenter.ready",
            json!({"sessionId": "s", "body": {}})
        ))),
        "userId"
    );
    assert_eq!(
        field(block(client.call(
            "engagementCenter.ready",
            json!({"userId": "", "sessionId": "s", "body": {}})
        ))),
        "userId"
    );
    assert_eq!(
        field(block(client.call(
            "engagementCenter.ready",
            json!({"userId": "u", "sessionId": "s"})
        ))),
        "body"
    );
    assert_eq!(
        field(block(client.call(
            "streaming.deleteSession",
            json!({"sessionId": "s", "extra": 1})
        ))),
        "extra"
    );
    assert_eq!(sim.state().stats().token_requests, 0, "nothing was sent");
}

#[test]
fn server_validation_errors_carry_the_error_response() {
    let sim = start_sim();
    let client = client_for(&sim);
    let sid = create_session(&client).unwrap().session_id;
    // extraBody passes the client's checks on purpose, so the service's own validation
    // answers.
    let err = block(client.call(
        "engagementCenter.notReady",
        json!({"userId": "u-val", "sessionId": sid,
               "body": {"ehubSessionId": "1", "reasonId": "1", "notReadyType": "Park"},
               "extraBody": {"lunchBreak": true}}),
    ))
    .unwrap_err();
    match err {
        Error::Api {
            status: 400,
            errors,
            ..
        } => assert!(!errors.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn typed_methods_validate_their_arguments() {
    let sim = start_sim();
    let client = client_for(&sim);
    let ec = client.engagement_center();
    let check = |r: ccbridge::Result<()>, f: &str| match r.unwrap_err() {
        Error::InvalidArgument { field, .. } => assert_eq!(field, f),
        other => panic!("{other:?}"),
    };
    let ready = |e: &str| ReadyParams {
        ehub_session_id: e.into(),
    };
    check(block(ec.ready("", "u", &ready("1"))), "sessionId");
    check(block(ec.ready("s", " ", &ready("1"))), "userId");
    check(block(ec.ready("s", "u", &ready(""))), "ehubSessionId");
    let keep_alive = |timeout: Option<f64>, at: Option<&str>| KeepAliveParams {
        ehub_session_id: "1".into(),
        session_timeout: timeout,
        request_timestamp: at.map(str::to_string),
    };
    check(
        block(ec.keep_alive("s", "u", &keep_alive(Some(0.0), None))),
        "sessionTimeout",
    );
    check(
        block(ec.keep_alive("s", "u", &keep_alive(None, Some("yesterday")))),
        "requestTimestamp",
    );
    check(
        block(ec.not_ready(
            "s",
            "u",
            &NotReadyParams {
                ehub_session_id: "1".into(),
                reason_id: "2".into(),
                not_ready_type: NotReadyType::Other("Ready".into()),
            },
        )),
        "notReadyType",
    );
    let st = client.streaming();
    let opts = |d| NewSessionV3 {
        inactivity_delay: Some(d),
        require_acknowledgement: None,
    };
    check(
        block(st.create_session(&opts(30))).map(drop),
        "inactivityDelay",
    );
    check(
        block(st.create_session(&opts(700))).map(drop),
        "inactivityDelay",
    );
    check(block(st.get_events("s", Some(0))).map(drop), "maxEvents");
    check(block(st.get_events("s", Some(500))).map(drop), "maxEvents");
    check(
        block(st.acknowledge("s", &AcknowledgePayload { events: vec![] })).map(drop),
        "events",
    );
    assert_eq!(sim.state().stats().token_requests, 0, "nothing was sent");
}

#[test]
fn unknown_session_is_reported_as_expired() {
    let sim = start_sim();
    let client = client_for(&sim);
    let err = block(client.streaming().get_events("no-such-session", Some(1))).unwrap_err();
    assert!(matches!(err, Error::SessionExpired { .. }), "{err:?}");
}

#[test]
fn raw_requests_take_the_same_transport() {
    use ccbridge::ops::HttpMethod;
    use ccbridge::RawRequest;
    let sim = start_sim();
    let client = client_for(&sim);
    let sid = create_session(&client).unwrap().session_id;
    // A documented path reached raw: same auth, headers and answer.
    let mut poll = RawRequest::new(HttpMethod::Get, "v3", "streaming/events");
    poll.session_id = Some(sid);
    poll.query = vec![("maxEvents".into(), "1".into())];
    let answer = block(client.raw(poll)).unwrap();
    assert_eq!(answer["totalItems"], 0);
    // An API the simulator does not serve: a typed error, not a panic or a hang.
    let missing = RawRequest::new(HttpMethod::Get, "v2", "provisioning/users");
    assert!(matches!(
        block(client.raw(missing)),
        Err(Error::NotFound { .. })
    ));
    // Nothing leaves the organization's Via APIs.
    let before = sim.state().stats().requests.values().sum::<u64>();
    for (version, path, field) in [
        ("2", "provisioning/users", "version"),
        ("v2", "../../oauth2/token", "path"),
        ("v2", "a//b", "path"),
        ("v2", "", "path"),
    ] {
        match block(client.raw(RawRequest::new(HttpMethod::Get, version, path))) {
            Err(Error::InvalidArgument { field: f, .. }) => assert_eq!(f, field, "{path}"),
            other => panic!("{version} {path}: {other:?}"),
        }
    }
    let mut get_with_body = RawRequest::new(HttpMethod::Get, "v2", "provisioning/users");
    get_with_body.body = Some(json!({}));
    assert!(matches!(
        block(client.raw(get_with_body)),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(
        sim.state().stats().requests.values().sum::<u64>(),
        before,
        "nothing was sent"
    );
}

/// How many requests of `op` the simulator received (faulted ones included).
fn handled(sim: &ccbridge_sim::Simulator, op: &str) -> u64 {
    sim.state().stats().operations.get(op).copied().unwrap_or(0)
}

fn fault_on(sim: &ccbridge_sim::Simulator, path: &str, kind: FaultKind, status: u16) {
    sim.state()
        .add_fault(FaultSpec {
            method: Some("POST".into()),
            path_contains: Some(path.into()),
            status,
            ..FaultSpec::new(kind)
        })
        .unwrap();
}

#[test]
fn a_command_that_is_not_safe_to_repeat_is_never_sent_twice() {
    use ccbridge::models::{HoldParams, KeepAliveParams};
    let sim = start_sim();
    let client = client_for(&sim);
    let stream = EventStream::start_blocking(&client, StreamConfig::default()).unwrap();
    let sid = stream.session_id();
    let ehub = common::login(&client, &stream, "agent-once");
    let ec = client.engagement_center();
    let hold = HoldParams {
        ehub_session_id: ehub.clone(),
    };
    // After a 500, a 502 or a dropped connection the service may have acted: one attempt,
    // and an error that says the outcome is unknown.
    for (kind, status) in [
        (FaultKind::Status, 500),
        (FaultKind::Status, 502),
        (FaultKind::Drop, 500),
    ] {
        let faults = sim.state().stats().faults_injected;
        fault_on(&sim, "/hold", kind, status);
        match block(ec.hold(&sid, "77", &hold)) {
            Err(Error::OutcomeUnknown { message }) => {
                assert!(message.contains("not sent again"), "{message}")
            }
            other => panic!("{kind:?} {status}: expected OutcomeUnknown, got {other:?}"),
        }
        assert_eq!(
            sim.state().stats().faults_injected,
            faults + 1,
            "one attempt only"
        );
    }
    assert_eq!(
        handled(&sim, "engagementCenter.hold"),
        3,
        "one request per fault"
    );
    // A 429 says the service did nothing: sent again, once, and it goes through.
    fault_on(&sim, "/hold", FaultKind::Status, 429);
    block(ec.hold(&sid, "77", &hold)).expect("retried after 429");
    assert_eq!(
        handled(&sim, "engagementCenter.hold"),
        5,
        "the 429, then the retry"
    );
    // keepAlive is safe to repeat: it keeps the full retry policy.
    fault_on(&sim, "/keepAlive", FaultKind::Status, 502);
    block(ec.keep_alive(
        &sid,
        "agent-once",
        &KeepAliveParams {
            ehub_session_id: ehub,
            ..KeepAliveParams::default()
        },
    ))
    .expect("retried after 502");
    assert_eq!(
        handled(&sim, "engagementCenter.keepAlive"),
        2,
        "the 502, then the retry"
    );
    stream.stop().unwrap();
}

#[test]
fn a_token_endpoint_that_is_busy_or_down_delays_a_command_without_sending_it_twice() {
    use ccbridge::models::HoldParams;
    let sim = start_sim();
    let client = client_for(&sim);
    let stream = EventStream::start_blocking(&client, StreamConfig::default()).unwrap();
    let sid = stream.session_id();
    let ehub = common::login(&client, &stream, "agent-token");
    let hold = HoldParams {
        ehub_session_id: ehub,
    };
    // The token is revoked, and its endpoint answers 429, then 503, then drops the
    // connection: the command, refused with 401, is held until a new token comes, and then
    // sent once.
    sim.state().expire_tokens();
    for (kind, status) in [
        (FaultKind::Status, 429),
        (FaultKind::Status, 503),
        (FaultKind::Drop, 500),
    ] {
        fault_on(&sim, "oauth2/token", kind, status);
    }
    let before = sim.state().stats().faults_injected;
    block(client.engagement_center().hold(&sid, "78", &hold)).expect("sent once a token came");
    assert_eq!(sim.state().stats().faults_injected, before + 3);
    assert_eq!(
        handled(&sim, "engagementCenter.hold"),
        2,
        "the request refused with 401, then the one with the new token"
    );
    stream.stop().unwrap();
}

#[test]
fn a_token_endpoint_that_never_answers_times_out_instead_of_holding_the_requests() {
    let sim = start_sim();
    // Longer than the test would wait: without a bound, the request would succeed late.
    sim.state()
        .add_fault(FaultSpec {
            path_contains: Some("/oauth2/token".into()),
            stall_ms: 30_000,
            ..FaultSpec::new(FaultKind::Stall)
        })
        .unwrap();
    let client = client_with(&sim, |b| {
        b.request_timeout(Duration::from_millis(300))
            .retry(RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            })
    });
    let err = create_session(&client).expect_err("the token never came");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(
        sim.state()
            .stats()
            .operations
            .get("streaming.createSession"),
        None,
        "nothing sent without a token"
    );
}
