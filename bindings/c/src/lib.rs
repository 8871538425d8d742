//! C ABI of ccbridge: the functions and types of `include/ccbridge.h`.
//!
//! Only conversion and glue live here. Every entry point
//! - checks its pointers (NULL gives `CCB_ERR_INVALID_ARGUMENT` naming the argument),
//! - decodes its strings as UTF-8 (the same error otherwise),
//! - runs its body under `catch_unwind`, so no panic unwinds into C,
//! - and calls into the `ccbridge` core, blocking on the core's global runtime.
//!
//! The C types carry their C names (`ccb_client_t`...) so the header reads the same as the
//! Rust sources.
//!
//! The cargo feature `simulator` (on by default) adds `ccb_simulator_*`, the simulator of
//! the APIs embedded in the library. The header declares those functions either way;
//! without the feature they are not in the library (`cargo build -p ccbridge-c
//! --no-default-features`).

#![allow(non_camel_case_types)]
#![warn(missing_docs)]

mod agent;
mod agent_commands;
mod client;
mod error;
mod event;
mod ffi;
mod operations;
#[cfg(feature = "simulator")]
mod simulator;
mod stream;

pub use agent::*;
pub use agent_commands::*;
pub use client::*;
pub use error::*;
pub use event::*;
pub use ffi::ccb_string_free;
pub use operations::*;
#[cfg(feature = "simulator")]
pub use simulator::*;
pub use stream::*;

/// The library version (`"0.1.0"`), a static string: never free it.
#[no_mangle]
pub extern "C" fn ccb_version() -> *const std::os::raw::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
