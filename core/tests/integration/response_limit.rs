//! `max_response_bytes` over real HTTP: the simulator's answers, and a server that sends a
//! body without end or in many chunks (the simulator always sends a `Content-Length`, so
//! only such a server reaches the chunk-by-chunk reading).

use crate::common;

use ccbridge::config::DEFAULT_MAX_RESPONSE_BYTES;
use ccbridge::{Error, ViaClient};
use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn assert_too_large(err: &Error, what: &str, limit: u64) {
    match err {
        Error::Decode { message } => {
            assert!(message.contains(what), "{message}");
            assert!(message.contains("max_response_bytes"), "{message}");
            assert!(message.contains(&limit.to_string()), "{message}");
        }
        other => panic!("expected Decode naming max_response_bytes, got {other:?}"),
    }
}

fn new_session(client: &ViaClient) -> String {
    let session = block(client.call(
        "streaming.createSession",
        json!({"body": {"inactivityDelay": 60}}),
    ))
    .expect("a small answer passes");
    session["sessionId"]
        .as_str()
        .expect("sessionId")
        .to_string()
}

/// Queues one event with a payload of `size` bytes through the control API.
fn inject(sim: &ccbridge_sim::Simulator, session_id: &str, size: usize) {
    let resp = block(async {
        reqwest::Client::new()
            .post(format!("{}/sim/events", sim.base_url()))
            .json(&json!({
                "sessionId": session_id,
                "eventType": "engagementCenter.ScreenPop",
                "payload": {"blob": "b".repeat(size)},
            }))
            .send()
            .await
    })
    .expect("control API answers");
    assert!(resp.status().is_success(), "{}", resp.status());
}

fn poll(client: &ViaClient, session_id: &str) -> ccbridge::Result<Value> {
    block(client.call(
        "streaming.getEvents",
        json!({"sessionId": session_id, "query": {"maxEvents": 10}}),
    ))
}

#[test]
fn an_answer_over_the_limit_is_a_decode_error_and_smaller_ones_pass() {
    let sim = start_sim();
    let limit = 16 * 1024;
    let client = client_with(&sim, |b| b.max_response_bytes(limit));
    assert_eq!(client.config().max_response_bytes(), limit);

    let small = new_session(&client);
    inject(&sim, &small, 100);
    let events = poll(&client, &small).expect("a normal batch is read");
    assert_eq!(
        events["events"].as_array().map(Vec::len),
        Some(1),
        "{events}"
    );

    let big = new_session(&client);
    inject(&sim, &big, 64 * 1024);
    let before = sim.state().stats().total_requests;
    let err = poll(&client, &big).unwrap_err();
    assert_too_large(&err, "streaming.getEvents", limit);
    assert_eq!(
        sim.state().stats().total_requests,
        before + 1,
        "the same answer would come again: not retried"
    );

    // The client stays usable, and the default limit reads such a batch.
    poll(&client, &small).expect("still works");
    let roomy = client_for(&sim);
    assert_eq!(
        roomy.config().max_response_bytes(),
        DEFAULT_MAX_RESPONSE_BYTES
    );
    let other = new_session(&roomy);
    inject(&sim, &other, 64 * 1024);
    let events = poll(&roomy, &other).expect("under the default limit");
    assert_eq!(events["events"].as_array().map(Vec::len), Some(1));
}

#[test]
fn token_answers_are_bounded_too() {
    let sim = start_sim();
    // Both token services' answers are longer than this.
    let limit = 32;
    let client = client_with(&sim, |b| b.max_response_bytes(limit));
    let err = block(client.call("streaming.createSession", json!({}))).unwrap_err();
    assert_too_large(&err, "token endpoint", limit);
    assert_eq!(sim.state().stats().token_requests, 1, "not retried");

    let err = block(client.web_client().create_session(&[])).unwrap_err();
    assert_too_large(&err, "web token service", limit);

    // A refusal over the limit is still a refusal: its status decides the category.
    let client = client_with(&sim, |b| {
        b.client_secret("wrong-secret-value")
            .max_response_bytes(limit)
    });
    match block(client.call("streaming.createSession", json!({}))).unwrap_err() {
        Error::Auth {
            status: Some(401),
            message,
        } => assert!(!message.contains("wrong-secret-value"), "{message}"),
        other => panic!("expected Auth 401, got {other:?}"),
    }
}

/// What the test server sends after its headers.
#[derive(Clone)]
enum Body {
    /// Chunk after chunk until the client goes away.
    Endless,
    /// This JSON text, in chunks of `chunk` bytes.
    Chunked { text: String, chunk: usize },
}

/// An HTTP/1.1 server on loopback that answers every request `200` with `body`, chunked,
/// without a `Content-Length`. Returns its URL and the count of body bytes it sent.
fn chunked_server(body: Body) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let (body, counter) = (body.clone(), counter.clone());
            std::thread::spawn(move || {
                let _ = answer(conn, &body, &counter);
            });
        }
    });
    (url, sent)
}

fn answer(conn: TcpStream, body: &Body, sent: &AtomicU64) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    // Read the request body (the token form), so closing does not reset the connection.
    let mut request_body = vec![0; content_length];
    reader.read_exact(&mut request_body)?;
    let mut w = conn;
    w.write_all(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
    )?;
    let mut send = |piece: &[u8]| -> std::io::Result<()> {
        write!(w, "{:x}\r\n", piece.len())?;
        w.write_all(piece)?;
        w.write_all(b"\r\n")?;
        w.flush()?;
        sent.fetch_add(piece.len() as u64, Ordering::Relaxed);
        Ok(())
    };
    match body {
        Body::Endless => {
            let piece = vec![b' '; 64 * 1024];
            // Ends when the client closes the connection: a write fails.
            loop {
                send(&piece)?;
            }
        }
        Body::Chunked { text, chunk } => {
            for piece in text.as_bytes().chunks(*chunk) {
                send(piece)?;
            }
            w.write_all(b"0\r\n\r\n")?;
            w.flush()
        }
    }
}

/// A client whose API answers come from `base_url` and whose tokens come from the
/// simulator, or from `token_url` when given.
fn client_of(
    sim: &ccbridge_sim::Simulator,
    base_url: &str,
    token_url: Option<&str>,
    limit: u64,
) -> ViaClient {
    let token_url = token_url.map_or_else(
        || format!("{}/via/v2/oauth2/token", sim.base_url()),
        str::to_string,
    );
    client_with(sim, |b| {
        b.base_url(base_url)
            .token_url(token_url)
            .max_response_bytes(limit)
            .request_timeout(Duration::from_secs(20))
    })
}

#[test]
fn an_endless_body_is_cut_at_the_limit() {
    let sim = start_sim();
    let (url, sent) = chunked_server(Body::Endless);
    let limit = 256 * 1024;
    let client = client_of(&sim, &url, None, limit);
    let started = Instant::now();
    let err = poll(&client, "any-session").unwrap_err();
    // Without the limit this would read until the request timeout, or memory ran out.
    assert_too_large(&err, "streaming.getEvents", limit);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(sent.load(Ordering::Relaxed) > limit);

    // The token endpoint's answer too.
    let client = client_of(&sim, &sim.base_url(), Some(&url), limit);
    let err = block(client.call("streaming.createSession", json!({}))).unwrap_err();
    assert_too_large(&err, "token endpoint", limit);
}

#[test]
fn a_chunked_body_is_read_whole_up_to_the_limit_exactly() {
    let sim = start_sim();
    let text = json!({"events": [], "padding": "p".repeat(100_000)}).to_string();
    let size = text.len() as u64;
    let (url, _) = chunked_server(Body::Chunked {
        text: text.clone(),
        chunk: 7_919,
    });

    let client = client_of(&sim, &url, None, size);
    let got = poll(&client, "any-session").expect("a body of exactly the limit is read");
    assert_eq!(got.to_string(), text);

    let client = client_of(&sim, &url, None, size - 1);
    let err = poll(&client, "any-session").unwrap_err();
    assert_too_large(&err, "streaming.getEvents", size - 1);
}
