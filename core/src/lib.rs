//! # ccbridge
//!
//! One Rust core for contact-center cloud APIs: the Alvaria Cloud ("Via") Engagement Center
//! and Streaming APIs, with an event engine that neither loses nor duplicates events.
//!
//! ```no_run
//! use ccbridge::{ViaClient, stream::{EventStream, StreamConfig}};
//! # async fn demo() -> ccbridge::Result<()> {
//! let client = ViaClient::new(
//!     ViaClient::builder()
//!         .org_id("acme")
//!         .client_id("my-client")
//!         .client_secret("my-secret")
//!         .api_key("my-api-key")
//!         .build()?,
//! )?;
//! let stream = EventStream::start(&client, StreamConfig::default()).await?;
//! client
//!     .engagement_center()
//!     .connect(
//!         &stream.session_id(),
//!         "agent-user-id",
//!         &ccbridge::models::ConnectParams { attach: false, ..Default::default() },
//!     )
//!     .await?;
//! while let Some(event) = stream.next_event_async(std::time::Duration::from_secs(30)).await? {
//!     println!("{} {}", event.event_type(), event.payload());
//! }
//! # Ok(()) }
//! ```
//!
//! ## Logging
//!
//! The library logs through `tracing`, under targets that start with `ccbridge`, and never
//! a secret. Where HTTP/2 is not spoken, event streams read their responses with
//! `ureq-proto`, which logs each response it reads (event data included) at trace level
//! through the `log` crate: a subscriber that takes `log` records (`tracing-subscriber`'s
//! `tracing-log`) and enables trace everywhere shows them, unless it filters the target
//! `ureq_proto` out, as the `ccbridge` command-line tool does.

#![warn(missing_docs)]

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod agent;
pub mod auth;
mod client;
pub mod config;
mod doorbell;
pub mod error;
pub mod events;
mod generated;
mod h1_connections;
mod h2_connection;
mod lanes;
pub(crate) mod lenient;
pub mod models;
pub mod ops;
pub mod runtime;
pub mod schema;
mod secret;
pub mod stream;
mod sync;
pub mod transport;
pub mod validate;
pub mod via;

pub use agent::{
    AgentChange, AgentChangeKind, AgentFeed, AgentListener, AgentOptions, AgentSession,
    AgentSnapshot, AgentState, CommandOutcome, Interaction, InteractionState, PendingRequest,
};
pub use client::ViaClient;
pub use config::{ClientOptions, Http2, RetryPolicy, ViaConfig, ViaConfigBuilder};
pub use error::{ApiErrorDetail, Error, ErrorCode, ErrorResponse, Recovery, Result};
pub use events::{Event, EventPayload, EventType};
pub use ops::RawRequest;
pub use secret::Secret;
pub use stream::{EventHandler, EventStream, StreamConfig, StreamItem, StreamStats, StreamStatus};
pub use transport::RateLimit;
pub use via::engagement_center::EngagementCenter;
pub use via::streaming::Streaming;
pub use via::{Messaging, WebClient, WebToken};
