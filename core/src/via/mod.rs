//! Alvaria Cloud ("Via") REST APIs: streaming and engagement center.

pub mod engagement_center;
pub mod streaming;
