//! The HTTP/2 connections of one client, and which event stream polls on which.
//!
//! A server caps the requests in flight on one HTTP/2 connection
//! (`SETTINGS_MAX_CONCURRENT_STREAMS`) and hyper never opens a second connection past that
//! cap (hyperium/hyper#2197): a long poll over it would wait for another to end, and its
//! session could expire meanwhile, and so could a command queued behind long polls. So
//! each event stream polls on a [`Lane`], shared by at most `per_lane` streams (their
//! polls, one each, are all its connection carries); a new lane opens when every lane is
//! full, and a place is given back when its stream ends. Everything else (commands,
//! acknowledgements, tokens: short requests) goes on the first lane, the client's reqwest
//! pool, which no long poll occupies; only an acknowledgement pipelined before its
//! stream's poll over HTTP/1.1 goes on the poll's connection
//! ([`crate::transport::Transport::send_pair`]).
//!
//! Lanes exist whenever HTTP/2 may be spoken: with prior knowledge, and over TLS with
//! negotiation. A lane is then one HTTP/2 connection of our own
//! ([`crate::h2_connection`]), which holds a waiting poll in a fraction of the memory
//! reqwest needs. Where the server picks HTTP/1.1 in TLS negotiation, its polls go over
//! HTTP/1.1 connections of our own ([`crate::h1_connections`]), a connection per poll in
//! flight as HTTP/1.1 must; the lanes share that answer, and the server is asked again
//! after 5 minutes. With a proxy in the environment a lane is a reqwest pool of its own,
//! which follows the proxy. With HTTP/2 ruled out (`off`, or negotiation over plain
//! `http://`) there are no lanes: the polls go over those HTTP/1.1 connections of our own
//! (a reqwest pool, with a proxy), the rest on the client's pool.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::Result;
use crate::h1_connections::H1Connections;
use crate::h2_connection::H2Connection;
use crate::sync::lock;

/// Where the requests of a lane go.
#[derive(Debug, Clone)]
pub(crate) enum LaneHttp {
    /// A reqwest client (connection pool): the first lane, and every lane with a proxy.
    Pool(reqwest::Client),
    /// One HTTP/2 connection, shared by the lane's streams.
    Direct(Arc<H2Connection>),
    /// HTTP/1.1 connections of our own, one per poll in flight: where there are no lanes,
    /// the route of the event streams' polls and acknowledgements (never a lane's).
    Http1(Arc<H1Connections>),
}

/// Builds the connection of one more lane.
pub(crate) type BuildLane = Box<dyn Fn() -> Result<LaneHttp> + Send + Sync>;

struct Slot {
    http: LaneHttp,
    streams: usize,
}

/// The lanes of one client.
pub(crate) struct Lanes {
    build: BuildLane,
    per_lane: usize,
    slots: Mutex<Vec<Slot>>,
}

impl std::fmt::Debug for Lanes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lanes")
            .field("per_lane", &self.per_lane)
            .field("lanes", &self.slots().len())
            .finish()
    }
}

impl Lanes {
    /// Lanes besides `first`, the client of every request that is not a poll.
    pub(crate) fn new(first: reqwest::Client, build: BuildLane, per_lane: usize) -> Arc<Self> {
        Arc::new(Lanes {
            build,
            per_lane: per_lane.max(1),
            slots: Mutex::new(vec![Slot {
                http: LaneHttp::Pool(first),
                streams: 0,
            }]),
        })
    }

    fn slots(&self) -> MutexGuard<'_, Vec<Slot>> {
        lock(&self.slots)
    }

    /// A place for one stream: the first lane with room, or a new one. When a new lane
    /// cannot be set up, the stream shares the least busy lane (the first when there is no
    /// other) rather than fail.
    pub(crate) fn take(self: &Arc<Self>) -> Lane {
        let mut slots = self.slots();
        let room = slots
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, s)| s.streams < self.per_lane)
            .map(|(i, _)| i);
        let index = match room {
            Some(i) => i,
            None => match (self.build)() {
                Ok(http) => {
                    slots.push(Slot { http, streams: 0 });
                    slots.len() - 1
                }
                Err(error) => {
                    tracing::warn!(%error, "no new HTTP/2 lane; sharing a full one");
                    slots
                        .iter()
                        .enumerate()
                        .skip(1)
                        .min_by_key(|(_, s)| s.streams)
                        .map_or(0, |(i, _)| i)
                }
            },
        };
        slots[index].streams += 1;
        Lane {
            index: Some(index),
            lanes: Some(self.clone()),
        }
    }

    /// Where lane `index` sends (the first lane for `None` or an index never given).
    pub(crate) fn http(&self, index: Option<usize>) -> LaneHttp {
        let slots = self.slots();
        let i = index.filter(|i| *i < slots.len()).unwrap_or(0);
        slots[i].http.clone()
    }

    /// How many lanes are open, the first included.
    #[cfg(test)]
    pub(crate) fn count(&self) -> usize {
        self.slots().len()
    }
}

/// One stream's place on a lane; the place is given back when it is dropped.
#[derive(Debug, Default)]
pub(crate) struct Lane {
    index: Option<usize>,
    lanes: Option<Arc<Lanes>>,
}

impl Lane {
    /// The lane's index, for [`crate::transport::ApiRequest::lane`]; `None` when the client
    /// has no lanes (HTTP/2 ruled out).
    pub(crate) fn index(&self) -> Option<usize> {
        self.index
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        if let (Some(i), Some(lanes)) = (self.index, &self.lanes) {
            if let Some(s) = lanes.slots().get_mut(i) {
                s.streams = s.streams.saturating_sub(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lanes(per_lane: usize) -> Arc<Lanes> {
        Lanes::new(
            reqwest::Client::new(),
            Box::new(|| Ok(LaneHttp::Pool(reqwest::Client::new()))),
            per_lane,
        )
    }

    #[test]
    fn streams_fill_a_lane_before_the_next_opens_and_places_are_given_back() {
        let l = lanes(2);
        let taken: Vec<Lane> = (0..5).map(|_| l.take()).collect();
        let idx: Vec<_> = taken.iter().map(|t| t.index().unwrap()).collect();
        assert_eq!(idx, [1, 1, 2, 2, 3], "the first lane carries no poll");
        assert_eq!(l.count(), 4);
        drop(taken.into_iter().nth(1));
        assert_eq!(l.take().index(), Some(1), "the freed place is taken first");
    }

    #[test]
    fn a_lane_that_cannot_open_shares_the_least_busy_one() {
        let l = Lanes::new(
            reqwest::Client::new(),
            Box::new(|| {
                Err(crate::Error::Transport {
                    message: "no".into(),
                })
            }),
            1,
        );
        let a = l.take();
        let b = l.take();
        assert_eq!((a.index(), b.index()), (Some(0), Some(0)));
        assert_eq!(l.count(), 1, "nothing to share but the first");
    }
}
