//! The public-chat operations with their web token: fetched with the API key alone, shared,
//! refreshed before it expires; a customer's chat round trip through the typed methods.

use crate::common;

use ccbridge::models::{Connect, SendText, SessionProperty};
use common::*;

fn token_requests(sim: &ccbridge_sim::Simulator) -> u64 {
    sim.state()
        .stats()
        .operations
        .get("webToken.createToken")
        .copied()
        .unwrap_or(0)
}

#[test]
fn a_customer_chat_round_trip_on_one_shared_web_token() {
    let sim = start_sim();
    let client = client_for(&sim);
    let web = client.web_client();
    let session = block(web.create_session(&[SessionProperty {
        property_name: Some(ccbridge::models::PropertyName::InactivityDelay),
        property_value: Some("120".into()),
    }]))
    .expect("web-client session");
    let sid = session.session_id;
    let messaging = client.messaging();
    block(messaging.connect(
        &sid,
        &Connect {
            work_type_id: "79".into(),
            contact_name: "Ryan Tucker".into(),
            ..Default::default()
        },
    ))
    .expect("connected");
    block(messaging.send_text(
        &sid,
        &SendText {
            text: Some("Hello".into()),
        },
    ))
    .expect("sent");
    // The agent answers (the simulator's control API).
    sim.state()
        .chat_agent_reply(&sid, "Hi, how can I help?", None)
        .expect("the chat is connected");
    let mut texts = Vec::new();
    for _ in 0..20 {
        let batch = block(web.get_events(&sid, Some(10))).expect("poll");
        texts.extend(batch.events.iter().filter_map(|e| {
            let payload: serde_json::Value = serde_json::from_str(&e.payload).ok()?;
            payload["payload"]["text"].as_str().map(str::to_string)
        }));
        if !texts.is_empty() {
            break;
        }
    }
    assert_eq!(texts, ["Hi, how can I help?"]);
    // Four calls, one web token; none for the OAuth2 token.
    assert_eq!(token_requests(&sim), 1);
    assert_eq!(sim.state().stats().token_requests, 0);
}

#[test]
fn a_refused_web_token_is_fetched_again_once() {
    let sim = start_sim();
    let client = client_for(&sim);
    let web = client.web_client();
    block(web.create_session(&[])).expect("first session");
    // The service forgets every token: the next call is refused once, then succeeds with a
    // fresh web token.
    sim.state().expire_tokens();
    block(web.create_session(&[])).expect("second session, with a new token");
    assert_eq!(token_requests(&sim), 2);
}

#[test]
fn a_rate_limited_web_token_endpoint_is_waited_for() {
    use ccbridge_sim::{FaultKind, FaultSpec};
    let sim = start_sim();
    let client = client_for(&sim);
    // Refused with 429 and Retry-After twice: the call waits as told, then gets its token.
    sim.state()
        .add_fault(FaultSpec {
            path_contains: Some("webToken".into()),
            status: 429,
            retry_after: Some(1),
            count: 2,
            ..FaultSpec::new(FaultKind::Status)
        })
        .unwrap();
    let started = std::time::Instant::now();
    block(client.web_client().create_session(&[])).expect("a session once the token came");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "Retry-After honoured: {:?}",
        started.elapsed()
    );
    assert_eq!(token_requests(&sim), 3, "two refused, one granted");
}
