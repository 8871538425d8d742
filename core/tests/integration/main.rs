//! The core against the simulator over real HTTP: clients, streams, agent sessions, web chat,
//! the operation table and the response size limit. One test binary for all of it: each
//! binary links the whole HTTP stack, so one per area cost a link and tens of MB of disk
//! apiece. `runtime.rs` stays a binary of its own, since it sets up the process-wide runtime,
//! and so does `fuzz.rs`, which is also run alone with more cases.

mod common;

mod agent;
mod client;
mod response_limit;
mod stream;
mod table;
mod webchat;
