//! What the benchmark binary shares with the tests of this crate: the soak of the event
//! engine (`ccbridge-bench --soak` under `make bench`, a small one under `make test`).

#![warn(missing_docs)]

pub mod soak;
