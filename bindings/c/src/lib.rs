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

use error::guard;

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

/// Sets the number of worker threads of the library's runtime (default 2), which carries
/// every stream, command and token request. Only the first setting made before the runtime's
/// first use counts (the first client call, stream or simulator starts it): `*applied`
/// (when `applied` is not NULL) is true when this one will, false when the runtime already
/// runs or an earlier setting stands. A count of 0 or above 256 is
/// CCB_ERR_INVALID_ARGUMENT naming `workers`.
///
/// One worker suits a process whose sessions are mostly idle: each re-poll then wakes one
/// thread instead of two, about 15 % less idle CPU.
///
/// # Safety
/// `applied` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_configure_worker_threads(
    workers: u32,
    applied: *mut bool,
) -> *mut ccb_error_t {
    guard(|| {
        let set = ccbridge::runtime::configure_worker_threads(workers as usize)?;
        if !applied.is_null() {
            // SAFETY: the caller's contract: NULL (checked) or writable.
            unsafe { *applied = set };
        }
        Ok(())
    })
}

/// The library version (`"0.1.0"`), a static string: never free it.
#[no_mangle]
pub extern "C" fn ccb_version() -> *const std::os::raw::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
