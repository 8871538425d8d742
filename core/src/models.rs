//! The models of every request body, response and event payload of the description.
//!
//! Generated from `core/api`; see [`crate::lenient`] for how server data is decoded.

pub use crate::generated::models::*;
