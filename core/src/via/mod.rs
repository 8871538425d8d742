//! Alvaria Cloud ("Via") REST APIs: engagement center, streaming, public-chat messaging.

pub mod engagement_center;
pub mod streaming;

pub use crate::generated::services::{Messaging, WebClient, WebToken};
