//! `ccbridge`: the command-line face of the SDK.
//!
//! - `ccbridge demo`: an agent's working minute on the embedded simulator.
//! - `ccbridge agent`: an interactive agent console, on the simulator or the service.
//! - `ccbridge sim --port N`: the simulator, for offline development.
//! - `ccbridge tail`: prints the events of a new streaming session.
//! - `ccbridge call OP JSON`: calls any operation of the table.
//! - `ccbridge ops`: lists the operations.
//!
//! `agent`, `tail` and `call` read their credentials from the environment (`CCBRIDGE_ORG_ID`,
//! `CCBRIDGE_CLIENT_ID`, `CCBRIDGE_CLIENT_SECRET`, `CCBRIDGE_API_KEY`, optional
//! `CCBRIDGE_BASE_URL`), never from arguments, so secrets stay out of shell history and `ps`.

mod agent;
mod demo;
mod format;

use ccbridge::{EventStream, StreamConfig, ViaClient};
use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "ccbridge",
    version,
    about = "ccbridge: contact-center cloud APIs from the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Log an agent in on the embedded simulator, set it ready, pop a call, log it out.
    Demo {
        /// User id of the demo agent.
        #[arg(long, default_value = "agent-1001")]
        user: String,
    },
    /// An interactive agent console: log in, then one command per line (`help` lists
    /// them), with every change of the agent's state printed as it happens.
    Agent {
        /// The agent's user id.
        #[arg(long)]
        user: String,
        /// Run on the embedded simulator (adds `offer` and `hangup`) instead of the
        /// service named by the CCBRIDGE_* environment variables.
        #[arg(long)]
        sim: bool,
        /// initialState of the login: Idle, NotReady or Park.
        #[arg(long)]
        initial_state: Option<String>,
        /// Attach to the agent's existing login instead of logging in.
        #[arg(long)]
        attach: bool,
        /// Send keepAlive every this many seconds.
        #[arg(long)]
        keep_alive: Option<u64>,
        /// Print each change's event in full.
        #[arg(long)]
        verbose: bool,
    },
    /// Run the simulator of the Via APIs.
    Sim(#[command(flatten)] ccbridge_sim::SimArgs),
    /// Print the events of a new streaming session, one line each, until Ctrl-C.
    Tail {
        /// Print each event as JSON instead of a readable line.
        #[arg(long)]
        json: bool,
        /// maxEvents of each poll (1..200).
        #[arg(long, default_value_t = 50)]
        max_events: u32,
    },
    /// Call an operation by name with JSON parameters and print the JSON result.
    Call {
        /// Operation name, e.g. `engagementCenter.ready` (see `ccbridge ops`).
        op: String,
        /// Parameters: path parameters, `sessionId`, `query`, `body`.
        #[arg(default_value = "{}")]
        params: String,
    },
    /// List the operations ccbridge knows: name, method, whether a failed attempt is
    /// retried (`retry`) or never sent twice (`once`), and path.
    Ops,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo { user } => {
            init_logging("warn");
            demo::run(&user)
        }
        Command::Agent {
            user,
            sim,
            initial_state,
            attach,
            keep_alive,
            verbose,
        } => {
            init_logging("warn");
            agent::run(agent::Settings {
                user,
                sim,
                initial_state,
                attach,
                keep_alive,
                verbose,
            })
        }
        Command::Sim(args) => ccbridge_sim::run_with_args(&args).map_err(|e| e.to_string()),
        Command::Tail { json, max_events } => {
            init_logging("warn");
            tail(json, max_events)
        }
        Command::Call { op, params } => {
            init_logging("warn");
            call(&op, &params)
        }
        Command::Ops => {
            print!("{}", ops_table());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ccbridge: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One line per operation of the table: name, method, retry safety, path, and a
/// `(deprecated)` mark where the documents deprecate the operation.
fn ops_table() -> String {
    let ops = ccbridge::ops::OPERATIONS;
    let width = ops.iter().map(|o| o.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for op in ops {
        let retry = if op.safe_to_retry { "retry" } else { "once" };
        let line = format!(
            "{:width$} {:6} {:5} /via/{}/organizations/{{orgId}}/{}{}",
            op.name,
            op.method.as_str(),
            retry,
            op.version,
            op.path,
            if op.deprecated { " (deprecated)" } else { "" },
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CCBRIDGE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default))
        // The HTTP/1.1 protocol crate under the event streams logs every response it reads
        // at trace level, event data included; the library's own records say what matters.
        .add_directive("ureq_proto=off".parse().expect("a constant directive"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .try_init();
}

pub(crate) fn client_from_env() -> Result<ViaClient, String> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let mut b = ViaClient::builder()
        .org_id(var("CCBRIDGE_ORG_ID")?)
        .client_id(var("CCBRIDGE_CLIENT_ID")?)
        .client_secret(var("CCBRIDGE_CLIENT_SECRET")?)
        .api_key(var("CCBRIDGE_API_KEY")?);
    if let Ok(u) = std::env::var("CCBRIDGE_BASE_URL") {
        b = b.base_url(u);
    }
    let config = b.build().map_err(|e| e.to_string())?;
    ViaClient::new(config).map_err(|e| e.to_string())
}

fn call(op: &str, params: &str) -> Result<(), String> {
    let params: serde_json::Value =
        serde_json::from_str(params).map_err(|e| format!("params are not JSON: {e}"))?;
    let client = client_from_env()?;
    let out = ccbridge::runtime::block_on(client.call(op, params))
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    Ok(())
}

fn tail(json: bool, max_events: u32) -> Result<(), String> {
    let client = client_from_env()?;
    let config = StreamConfig {
        max_events,
        ..StreamConfig::default()
    };
    let stream = EventStream::start_blocking(&client, config).map_err(|e| e.to_string())?;
    eprintln!("session {} (Ctrl-C to stop)", stream.session_id());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s = stop.clone();
    ccbridge::runtime::handle().spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        s.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        match stream.next_item(Duration::from_millis(250)) {
            Ok(Some(ccbridge::StreamItem::Event(e))) => {
                if json {
                    println!("{}", e.to_json());
                } else {
                    println!("{}", format::event_line(&e));
                }
            }
            Ok(Some(ccbridge::StreamItem::Status(s))) => eprintln!("-- {}", s.describe()),
            Ok(None) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    stream.stop().map_err(|e| e.to_string())
}
