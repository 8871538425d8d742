//! Command-line front end, shared by the `ccbridge-sim` binary and `ccbridge sim`.

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use clap::{Args, Parser};

use crate::{SimConfig, Simulator};

/// Options of the simulator command line. `#[command(flatten)]` it into another clap
/// command to reuse it.
#[derive(Args, Clone, Debug)]
pub struct SimArgs {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Long-poll wait of GET /events in milliseconds (default: the documented 15000).
    #[arg(long)]
    pub poll_wait_ms: Option<u64>,
    /// Access token lifetime in seconds (default 3600).
    #[arg(long)]
    pub token_ttl_secs: Option<u64>,
    /// Web token (public chat) lifetime in seconds (default 3600).
    #[arg(long)]
    pub web_token_ttl_secs: Option<u64>,
    /// Requests per second before 429 (0 = unlimited; default 100).
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Lifetime of an agent attachment (connect with attach=true) in milliseconds
    /// (default: the documented 30 minutes).
    #[arg(long)]
    pub attach_ttl_ms: Option<u64>,
    /// How long an agent that sent a keepAlive without sessionTimeout may go without the
    /// next one before it is logged out, in milliseconds (default 90000).
    #[arg(long)]
    pub keepalive_timeout_ms: Option<u64>,
    /// How long an offered interaction waits for its accept before AcceptCallTimeout
    /// withdraws it, in milliseconds (default: no limit; 0 = no limit).
    #[arg(long)]
    pub accept_timeout_ms: Option<u64>,
    /// How long an interaction may stay in Wrap before WrapTimeout, in milliseconds
    /// (default: no limit; 0 = no limit).
    #[arg(long)]
    pub wrap_timeout_ms: Option<u64>,
    /// Requests in flight on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS; default:
    /// no limit).
    #[arg(long)]
    pub http2_max_streams: Option<u32>,
    /// Organization id.
    #[arg(long, default_value = "simorg")]
    pub org: String,
    /// OAuth2 client id.
    #[arg(long, default_value = "sim-client")]
    pub client_id: String,
    /// OAuth2 client secret.
    #[arg(long, default_value = "sim-secret")]
    pub client_secret: String,
    /// Value required in x-api-key.
    #[arg(long, default_value = "sim-api-key")]
    pub api_key: String,
    /// Exit when standard input is closed (for test harnesses that own the process).
    #[arg(long)]
    pub exit_on_stdin_close: bool,
}

impl SimArgs {
    /// The simulator configuration these options describe.
    pub fn to_config(&self) -> std::io::Result<SimConfig> {
        let bind: SocketAddr = (self.host.as_str(), self.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "host did not resolve")
            })?;
        let defaults = SimConfig::default();
        Ok(SimConfig {
            org_id: self.org.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            api_key: self.api_key.clone(),
            token_ttl: self
                .token_ttl_secs
                .map(Duration::from_secs)
                .unwrap_or(defaults.token_ttl),
            web_token_ttl: self
                .web_token_ttl_secs
                .map(Duration::from_secs)
                .unwrap_or(defaults.web_token_ttl),
            poll_wait: self
                .poll_wait_ms
                .map(Duration::from_millis)
                .unwrap_or(defaults.poll_wait),
            rate_limit_per_second: self.rate_limit.unwrap_or(defaults.rate_limit_per_second),
            attach_ttl: self
                .attach_ttl_ms
                .map(Duration::from_millis)
                .unwrap_or(defaults.attach_ttl),
            keepalive_timeout: self
                .keepalive_timeout_ms
                .map(Duration::from_millis)
                .unwrap_or(defaults.keepalive_timeout),
            accept_timeout: self
                .accept_timeout_ms
                .and_then(crate::config::optional_millis),
            wrap_timeout: self
                .wrap_timeout_ms
                .and_then(crate::config::optional_millis),
            http2_max_streams: self.http2_max_streams,
            bind,
        })
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "ccbridge-sim",
    version,
    about = "Stateful simulator of the Alvaria Cloud (Via) REST APIs"
)]
struct Cli {
    #[command(flatten)]
    args: SimArgs,
}

/// Starts the simulator, prints `ccbridge-sim listening on <url>` on stdout, and serves
/// until SIGINT or SIGTERM.
pub async fn serve_until_ctrl_c(config: SimConfig) -> std::io::Result<()> {
    serve_until_stopped(config, false).await
}

/// Like [`serve_until_ctrl_c`], and also stops when standard input is closed if
/// `exit_on_stdin_close`.
pub async fn serve_until_stopped(
    config: SimConfig,
    exit_on_stdin_close: bool,
) -> std::io::Result<()> {
    let sim = Simulator::start(config).await?;
    // Installed before the URL line is printed: a harness may send SIGTERM as soon as it
    // has read the line, and must then still get a clean exit.
    let stop = StopSignals::install()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "ccbridge-sim listening on {}", sim.base_url())?;
        out.flush()?;
    }
    tracing::info!(url = %sim.base_url(), "simulator listening");
    stop.wait(exit_on_stdin_close).await;
    tracing::info!("shutting down");
    sim.shutdown();
    // Let connection tasks finish their graceful shutdown.
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}

/// Signal handlers registered up front (SIGINT and SIGTERM on unix, Ctrl-C elsewhere).
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(StopSignals {})
        }
    }

    #[cfg_attr(not(unix), allow(unused_mut))]
    async fn wait(mut self, exit_on_stdin_close: bool) {
        let stdin_closed = async {
            if exit_on_stdin_close {
                use tokio::io::AsyncReadExt;
                let mut stdin = tokio::io::stdin();
                let mut buf = [0u8; 1024];
                // Any read error counts as closed, like EOF.
                while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
            } else {
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
            _ = stdin_closed => {}
        }
        #[cfg(not(unix))]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = stdin_closed => {}
        }
    }
}

/// Entry point of the `ccbridge-sim` binary: parses `args` (the first item is the program
/// name), sets up logging to stderr and serves until stopped.
pub fn run_cli(args: impl IntoIterator<Item = String>) -> std::io::Result<()> {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    run_with_args(&cli.args)
}

/// Runs the simulator for already-parsed [`SimArgs`] on a runtime of its own.
pub fn run_with_args(args: &SimArgs) -> std::io::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let config = args.to_config()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(serve_until_stopped(config, args.exit_on_stdin_close));
    // tokio reads stdin on a blocking thread that only returns when input arrives; dropping
    // the runtime would wait for it forever after a signal.
    runtime.shutdown_timeout(Duration::from_millis(200));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_timers_are_command_line_options() {
        let parse = |args: &[&str]| {
            let argv = std::iter::once("ccbridge-sim").chain(args.iter().copied());
            Cli::try_parse_from(argv).unwrap().args.to_config().unwrap()
        };
        let off = parse(&[]);
        assert_eq!((off.accept_timeout, off.wrap_timeout), (None, None));
        let on = parse(&["--accept-timeout-ms", "1500", "--wrap-timeout-ms", "0"]);
        assert_eq!(on.accept_timeout, Some(Duration::from_millis(1500)));
        assert_eq!(on.wrap_timeout, None, "0 turns the timer off");
    }
}
