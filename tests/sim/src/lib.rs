//! `ccbridge-sim`: a stateful, in-memory simulator of the Alvaria Cloud ("Via") REST APIs.
//!
//! It follows the API description of the core (`core/api`, through `ccbridge::ops`), not
//! any client: every documented operation is routed and its requests are validated like
//! the real service does. OAuth2 client credentials and web tokens with expiry,
//! `x-api-key`, rate-limit headers and 429, Streaming v3 and v2 sessions with long polls,
//! inactivity expiry, acknowledgement and subscriptions, the Engagement Center agent
//! commands run through an agent state machine (states, pending requests, interactions with
//! consultation legs and transfers between simulated agents, e-mail, monitoring, personal
//! greetings, voicemail, statistics, keep-alive, attachment, accept and wrap timers) into the
//! event sequences they cause, and the public chat. A control API under `/sim/` injects events and faults, routes work
//! to agents, plays the agent of web chats and exposes statistics (see `README.md`).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = ccbridge_sim::Simulator::start(ccbridge_sim::SimConfig::default()).await?;
//! println!("{}", sim.base_url());
//! sim.shutdown();
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod agent;
mod api;
mod auth;
mod checks;
mod cli;
mod config;
mod control;
mod ec;
mod email;
mod error;
mod extract;
mod faults;
mod greeting;
mod monitor;
mod server;
mod state;
mod stats;
mod streaming;
mod subscriptions;
mod voicemail;
mod webchat;

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

pub use agent::{
    AttachmentInfo, InteractionDataItem, InteractionInfo, KeepAliveInfo, LoginFailure, Offer,
    OfferDetails, PendingInfo, UserInfo,
};
pub use cli::{run_cli, run_with_args, serve_until_ctrl_c, serve_until_stopped, SimArgs};
pub use config::{SimConfig, SimOptions};
pub use ec::CORRELATION_HEADER;
pub use email::EmailInfo;
pub use error::{ApiError, ErrorDetail, INVALID_SESSION};
pub use faults::{FaultKind, FaultSpec};
pub use greeting::GreetingInfo;
pub use monitor::MonitorInfo;
pub use state::{
    ConfigUpdate, InjectEvent, InjectResult, SessionInfo, SimState, Stats, MAX_INJECT_COUNT,
};
pub use voicemail::{VoicemailInfo, VoicemailRequest};
pub use webchat::{ChatInfo, ChatMessage};

/// How the server of a [`Simulator`] runs.
enum Runner {
    /// Tasks on the caller's tokio runtime; the sender stops them.
    Tasks(watch::Sender<bool>),
    /// A thread with its own runtime; the sender stops it, then the thread is joined.
    Thread {
        stop: Option<oneshot::Sender<()>>,
        thread: Option<std::thread::JoinHandle<()>>,
    },
}

/// A running simulator. Dropping it stops the server.
pub struct Simulator {
    addr: SocketAddr,
    state: SimState,
    runner: Runner,
}

impl Simulator {
    /// Binds `config.bind` and serves on the current tokio runtime.
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let state = SimState::new(config);
        let (tx, rx) = watch::channel(false);
        tokio::spawn(server::serve(
            listener,
            state.clone(),
            server::router(state.clone()),
            state.config().http2_max_streams,
            rx.clone(),
        ));
        tokio::spawn(server::sweeper(state.clone(), rx));
        tracing::debug!(%addr, "simulator started");
        Ok(Simulator {
            addr,
            state,
            runner: Runner::Tasks(tx),
        })
    }

    /// Starts the simulator on a thread that owns its own tokio runtime, for callers
    /// without one (CLI, benches, blocking tests).
    pub fn start_blocking(config: SimConfig) -> std::io::Result<Simulator> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("ccbridge-sim".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("ccbridge-sim-worker")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match Simulator::start(config).await {
                        Ok(sim) => {
                            let _ = ready_tx.send(Ok((sim.addr, sim.state.clone())));
                            // Either an explicit stop or the handle being dropped.
                            let _ = stop_rx.await;
                            sim.shutdown();
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let (addr, state) = ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("simulator thread exited before starting"))??;
        Ok(Simulator {
            addr,
            state,
            runner: Runner::Thread {
                stop: Some(stop_tx),
                thread: Some(thread),
            },
        })
    }

    /// Starts an embedded simulator for a language binding ([`Simulator::start_blocking`]
    /// on the options' configuration); a failure to listen is the client library's
    /// [`ccbridge::Error::Transport`], as every binding reports it.
    pub fn start_embedded(options: &SimOptions) -> ccbridge::Result<Simulator> {
        Simulator::start_blocking(options.to_config()).map_err(|e| ccbridge::Error::Transport {
            message: format!("cannot start the simulator: {e}"),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration the simulator was started with.
    pub fn config(&self) -> &SimConfig {
        self.state.config()
    }

    /// A handle on the state, mirroring the control API.
    pub fn state(&self) -> SimState {
        self.state.clone()
    }

    /// Stops accepting connections and lets open ones finish (at most about a second).
    pub fn shutdown(self) {
        // Drop does the work.
    }

    fn stop(&mut self) {
        match &mut self.runner {
            Runner::Tasks(tx) => {
                let _ = tx.send(true);
            }
            Runner::Thread { stop, thread } => {
                if let Some(stop) = stop.take() {
                    let _ = stop.send(());
                }
                if let Some(thread) = thread.take() {
                    let _ = thread.join();
                }
            }
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .finish()
    }
}
