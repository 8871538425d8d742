//! The simulator's behaviour over real HTTP. One test binary for all of it: each binary
//! links the whole HTTP stack, so one per area cost a link and tens of MB of disk apiece.

mod common;

mod agent;
mod api;
mod control;
mod desk;
mod email;
mod engagement_center;
mod operations;
mod subscriptions;
mod webchat;
