//! Code generated from the API description (`core/api`) by `make codegen`.
//!
//! Nothing here is edited by hand: `make test` fails when a file differs from what the
//! generator writes from the description.

mod agent;
pub mod events;
pub mod models;
pub mod operations;
pub mod services;
