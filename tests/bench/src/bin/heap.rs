//! Live heap per idle event stream, in bytes: what `make bench`'s RSS figures are made of,
//! measured exactly (RSS also counts the allocator's free pages and the runtime's) and
//! without noise, so that a change of a few hundred bytes per stream shows.
//!
//! A counting global allocator (this binary's only) tracks the bytes in use. For each
//! connection kind (HTTP/1.1; HTTP/2 with prior knowledge, as the simulator speaks it) it
//! measures N streams of each kind (pulled, nobody pulling; with a no-op handler), each
//! with its poll waiting on a simulator whose long poll waits the documented 15 s, and N
//! bare polls in flight (`Streaming::poll_events` on sessions made beforehand): what the
//! HTTP request alone holds. Over HTTP/1.1 the streams poll the same way (on the client's
//! HTTP/1.1 connections for polls), and the difference is the engine's share; over HTTP/2
//! they poll on connections of the engine's own (lanes) while a bare poll goes through
//! the client's general HTTP client, so there is no such difference to take
//! (`engine_share_bytes` is null).
//!
//! Usage: `ccbridge-heap --sim PATH [--streams N]` (default 500). Prints one JSON object.

use ccbridge::models::NewSessionV3;
use ccbridge::{Event, EventStream, RetryPolicy, StreamConfig, ViaClient};
use serde_json::json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

/// The system allocator, counting the bytes it has handed out and not taken back.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the counter is only
// arithmetic on the sizes the caller passes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Long enough for the last started poll to be waiting at the simulator.
const SETTLE: Duration = Duration::from_secs(2);

#[derive(Clone, Copy)]
enum Kind {
    Pull,
    Callback,
    PollAlone,
}

/// Live bytes per item of `n` items of `kind` on `client`, all held at once.
async fn per_item(client: &ViaClient, kind: Kind, n: usize) -> isize {
    let streaming = client.streaming();
    let mut sessions = Vec::new();
    if let Kind::PollAlone = kind {
        for _ in 0..n {
            let body = NewSessionV3 {
                inactivity_delay: Some(120),
                require_acknowledgement: Some(true),
            };
            sessions.push(
                streaming
                    .create_session(&body)
                    .await
                    .expect("session")
                    .session_id,
            );
        }
    }
    tokio::time::sleep(SETTLE).await;
    let before = LIVE.load(Ordering::Relaxed);
    let config = || StreamConfig {
        max_events: 200,
        ..StreamConfig::default()
    };
    let mut streams = Vec::new();
    let mut polls = Vec::new();
    match kind {
        Kind::Pull => {
            for _ in 0..n {
                streams.push(EventStream::start(client, config()).await.expect("stream"));
            }
        }
        Kind::Callback => {
            for _ in 0..n {
                let stream = EventStream::start_with_handler(client, config(), |_: &Event| {});
                streams.push(stream.await.expect("stream"));
            }
        }
        Kind::PollAlone => {
            for sid in &sessions {
                let (streaming, sid) = (client.streaming(), sid.clone());
                polls.push(ccbridge::runtime::handle().spawn(async move {
                    let _ = streaming.poll_events(&sid, 200).await;
                }));
            }
        }
    }
    tokio::time::sleep(SETTLE).await;
    let per = (LIVE.load(Ordering::Relaxed) - before) / n as isize;
    for stream in streams {
        stream.stop_async().await.expect("stop");
    }
    for poll in polls {
        poll.abort();
    }
    for sid in sessions {
        let _ = streaming.delete_session(&sid).await;
    }
    per
}

fn main() {
    let sim_path = ccbridge_bench::arg_str("--sim").expect("--sim PATH");
    let n: usize = ccbridge_bench::arg_str("--streams")
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let (mut sim, base_url) = ccbridge_bench::spawn_simulator(&sim_path, 15_000);
    let mut report = serde_json::Map::new();
    for (name, http2) in [("http1", false), ("http2", true)] {
        let client = ccbridge_bench::sim_client(&base_url, RetryPolicy::default(), http2);
        let figures = ccbridge::runtime::block_on(async {
            // Warm: the runtime, the token, the connection pools, one stream's life.
            let warm = EventStream::start(&client, StreamConfig::default()).await;
            warm.expect("stream").stop_async().await.expect("stop");
            let pull = per_item(&client, Kind::Pull, n).await;
            let callback = per_item(&client, Kind::Callback, n).await;
            let poll = per_item(&client, Kind::PollAlone, n).await;
            json!({
                "pull_bytes": pull,
                "callback_bytes": callback,
                "poll_alone_bytes": poll,
                "engine_share_bytes": (!http2).then_some(callback - poll),
            })
        })
        .expect("not in a runtime");
        report.insert(name.into(), figures);
    }
    let _ = sim.kill();
    let _ = sim.wait();
    report.insert("streams".into(), json!(n));
    println!("{}", json!({ "heap_per_idle_stream": report }));
}
