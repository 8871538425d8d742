//! Engagement Center agent-control commands.
//!
//! Every command answers `202 Accepted` with no body; its outcome arrives as events on the
//! streaming session named by `via-client-sessionid`. The commands are generated from the
//! description: [`EngagementCenter`] has one method per command, and each command's
//! confirming and failure events are in the operation table
//! ([`crate::ops::Operation::confirmed_by`]).

pub use crate::generated::services::EngagementCenter;
