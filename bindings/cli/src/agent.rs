//! `ccbridge agent`: a small agent console on an [`AgentSession`].
//!
//! One command per line on stdin (a prompt when stdin is a terminal, so a script can be
//! piped in too); every change of the agent's state is printed as it happens, with the
//! state before and after. An interaction id may be left out: the newest interaction is
//! meant. With `--sim` the console runs on the embedded simulator and two more commands
//! play the outside world: `offer` (an inbound call, chat or email) and `hangup` (the far
//! end hangs up).

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ccbridge::models::*;
use ccbridge::{
    AgentChange, AgentChangeKind, AgentListener, AgentOptions, AgentSession, AgentSnapshot,
    CommandOutcome, ViaClient,
};
use ccbridge_sim::{Offer, SimOptions, Simulator};
use serde_json::Value;

use crate::format::event_line;

/// How the console logs in.
pub struct Settings {
    /// The agent's user id.
    pub user: String,
    /// Run on the embedded simulator instead of the service named by the environment.
    pub sim: bool,
    /// `initialState` of the login.
    pub initial_state: Option<String>,
    /// Attach to an existing login instead of logging in.
    pub attach: bool,
    /// Send keepAlive every this many seconds.
    pub keep_alive: Option<u64>,
    /// Print each change's event in full.
    pub verbose: bool,
}

const HELP: &str = "\
commands (an omitted <id> means the newest interaction):
  state                          the agent's state and interactions
  ready | notready <reason> [park] | keepalive | stats
  accept|reject|hold|retrieve|terminate [<id>]
  dispose [<id>] [<dispositionId>]
  consult [<id>] <userId>        conference [<id>]
  transfer [<id>] <workTypeId>
  cmd <op> [<id>|-] [<json body>]  any Engagement Center command
  cancel                         cancel a pending not-ready or logout
  logout [<reason>]              log out (waits through DisconnectPending)
  offer [<mediaType>]            (--sim) an inbound interaction for the agent
  hangup [<id>]                  (--sim) the far end hangs up
  help | quit";

/// Prints changes as they happen.
struct Printer {
    verbose: bool,
}

impl AgentListener for Printer {
    fn on_change(&self, c: &AgentChange) {
        let states = if c.old_state == c.new_state {
            format!("[{}]", c.new_state.as_str())
        } else {
            format!("[{} -> {}]", c.old_state.as_str(), c.new_state.as_str())
        };
        let what = match (&c.event, self.verbose) {
            (Some(e), true) => event_line(e),
            (Some(e), false) => e.event_type().to_owned(),
            (None, _) => String::new(),
        };
        let mut line = format!("  {states:24} {:?} {what}", c.kind);
        if let Some(i) = &c.interaction_id {
            line.push_str(&format!(" interaction={i}"));
        }
        if let Some(m) = &c.message {
            line.push_str(&format!(" ({m})"));
        }
        println!("{}", line.trim_end());
        if c.kind == AgentChangeKind::InteractionOffered {
            if let Some(caller) = caller_line(c) {
                println!("    {caller}");
            }
        }
    }
}

/// The caller data of a screen pop, on one line.
fn caller_line(c: &AgentChange) -> Option<String> {
    let sd = c
        .event
        .as_ref()?
        .payload()
        .pointer("/payload/interactionInfo/screenData")?;
    let field = |k: &str| sd.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    Some(format!(
        "caller: {} {} ani={} dnis={}",
        field("firstName"),
        field("lastName"),
        field("ani"),
        field("dnis")
    ))
}

fn print_state(s: &AgentSnapshot) {
    println!(
        "  agent {} state={}{}{} ehub={} in_sync={}",
        s.user_id,
        s.state.as_str(),
        s.reason_id
            .as_ref()
            .map(|r| format!(" reason={r}"))
            .unwrap_or_default(),
        s.pending
            .map(|p| format!(" pending={p:?}"))
            .unwrap_or_default(),
        s.ehub_session_id.as_deref().unwrap_or("-"),
        s.in_sync
    );
    for i in &s.interactions {
        println!(
            "    interaction {} {:?} media={}{}{}{}",
            i.interaction_id,
            i.state,
            i.media_type.as_deref().unwrap_or("?"),
            if i.consulting { " consulting" } else { "" },
            if i.conference { " conference" } else { "" },
            if i.transferred { " transferred" } else { "" },
        );
    }
}

fn outcome_line(o: &CommandOutcome) -> String {
    match &o.event {
        Some(e) => format!("ok {}: {}", o.command, e.event_type()),
        None => format!("ok {}: accepted", o.command),
    }
}

/// Runs the console until `quit`, end of input, or a logout.
pub fn run(settings: Settings) -> Result<(), String> {
    let sim = if settings.sim {
        let sim = Simulator::start_embedded(&SimOptions {
            poll_wait: Some(Duration::from_secs(2)),
            ..SimOptions::default()
        })
        .map_err(|e| e.to_string())?;
        println!("simulator at {}", sim.base_url());
        Some(sim)
    } else {
        None
    };
    let client = match &sim {
        Some(sim) => sim_client(sim)?,
        None => crate::client_from_env()?,
    };
    let initial_state = settings
        .initial_state
        .as_deref()
        .map(|s| {
            InitialState::ALL
                .iter()
                .find(|v| v.as_str().eq_ignore_ascii_case(s))
                .cloned()
                .ok_or_else(|| format!("unknown initial state {s:?}: Idle, NotReady or Park"))
        })
        .transpose()?;
    let options = AgentOptions {
        initial_state,
        station: Some("9785551212".into()),
        keep_alive: settings.keep_alive.map(Duration::from_secs),
        ..AgentOptions::default()
    };
    let agent = if settings.attach {
        AgentSession::attach_blocking(&client, &settings.user, options)
    } else {
        AgentSession::login_blocking(&client, &settings.user, options)
    }
    .map_err(|e| e.to_string())?;
    println!(
        "agent {} logged in (ehub {}); type `help`",
        settings.user,
        agent.ehub_session_id().unwrap_or_default()
    );
    print_state(&agent.snapshot());
    agent.set_listener(Some(Arc::new(Printer {
        verbose: settings.verbose,
    })));

    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut lines = stdin.lock().lines();
    loop {
        if interactive {
            print!("agent> ");
            let _ = std::io::stdout().flush();
        }
        let Some(line) = lines.next() else { break };
        let line = line.map_err(|e| e.to_string())?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some((&verb, args)) = words.split_first() else {
            continue;
        };
        if !interactive {
            println!("agent> {}", line.trim());
        }
        match verb {
            "quit" | "exit" => break,
            "help" => println!("{HELP}"),
            "state" => print_state(&agent.snapshot()),
            _ => match execute(&agent, sim.as_ref(), verb, args) {
                Ok(Some(text)) => println!("  {text}"),
                Ok(None) => {}
                Err(e) => println!("  error: {e}"),
            },
        }
        if verb == "logout" && agent.snapshot().ehub_session_id.is_none() {
            break;
        }
    }
    // Changes still on their way are printed before the console goes.
    std::thread::sleep(Duration::from_millis(100));
    agent.set_listener(None);
    agent.close_blocking().map_err(|e| e.to_string())?;
    if let Some(sim) = sim {
        sim.shutdown();
    }
    Ok(())
}

fn sim_client(sim: &Simulator) -> Result<ViaClient, String> {
    let c = sim.config();
    let config = ViaClient::builder()
        .org_id(&c.org_id)
        .client_id(&c.client_id)
        .client_secret(c.client_secret.as_str())
        .api_key(c.api_key.as_str())
        .base_url(sim.base_url())
        .build()
        .map_err(|e| e.to_string())?;
    ViaClient::new(config).map_err(|e| e.to_string())
}

/// The interaction `args[at]` names, or the newest one.
fn interaction(agent: &AgentSession, args: &[&str], at: usize) -> Result<String, String> {
    if let Some(id) = args
        .get(at)
        .filter(|a| a.chars().all(|c| c.is_ascii_digit()))
    {
        return Ok((*id).to_string());
    }
    agent
        .snapshot()
        .interactions
        .last()
        .map(|i| i.interaction_id.clone())
        .ok_or_else(|| "no interaction: give its id".to_string())
}

/// The arguments after an optional leading interaction id.
fn rest<'a>(args: &'a [&'a str]) -> &'a [&'a str] {
    match args.first() {
        Some(a) if a.chars().all(|c| c.is_ascii_digit()) && args.len() > 1 => &args[1..],
        _ => args,
    }
}

fn block<T>(f: impl std::future::Future<Output = ccbridge::Result<T>>) -> Result<T, String> {
    ccbridge::runtime::block_on(f)
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

fn execute(
    agent: &AgentSession,
    sim: Option<&Simulator>,
    verb: &str,
    args: &[&str],
) -> Result<Option<String>, String> {
    let outcome = match verb {
        "ready" => block(agent.ready())?,
        "notready" => {
            let reason = args.first().ok_or("notready <reason> [park]")?;
            let park = args.get(1).is_some_and(|a| a.eq_ignore_ascii_case("park"));
            block(agent.not_ready(&NotReadyParams {
                reason_id: (*reason).to_string(),
                not_ready_type: if park {
                    NotReadyType::Park
                } else {
                    NotReadyType::NotReady
                },
                ..NotReadyParams::default()
            }))?
        }
        "keepalive" => block(agent.keep_alive(&KeepAliveParams::default()))?,
        "stats" => block(agent.agent_statistics())?,
        "accept" => block(agent.accept(&interaction(agent, args, 0)?))?,
        "reject" => {
            let id = interaction(agent, args, 0)?;
            let reason = rest(args).first().copied().unwrap_or("0");
            block(agent.reject(
                &id,
                &RejectParams {
                    reason: reason.to_string(),
                    ..RejectParams::default()
                },
            ))?
        }
        "hold" => block(agent.hold(&interaction(agent, args, 0)?))?,
        "retrieve" => block(agent.retrieve(&interaction(agent, args, 0)?))?,
        "terminate" => block(agent.terminate(&interaction(agent, args, 0)?))?,
        "dispose" => {
            let id = interaction(agent, args, 0)?;
            let disposition = args.get(1).copied().unwrap_or("1");
            block(agent.dispose(
                &id,
                &DisposeParams {
                    disposition_id: disposition.to_string(),
                    ..DisposeParams::default()
                },
            ))?
        }
        "consult" => {
            let id = interaction(agent, args, 0)?;
            let user = rest(args).first().ok_or("consult [<id>] <userId>")?;
            block(agent.consult(
                &id,
                &ConsultParams {
                    consult_type: ConsultType::User,
                    user_id: (*user).to_string(),
                    ..ConsultParams::default()
                },
            ))?
        }
        "conference" => {
            let id = interaction(agent, args, 0)?;
            block(agent.conference(
                &id,
                &ConferenceParams {
                    consultation_interaction_id: id.clone(),
                    ..ConferenceParams::default()
                },
            ))?
        }
        "transfer" => {
            let id = interaction(agent, args, 0)?;
            let work_type = rest(args).first().ok_or("transfer [<id>] <workTypeId>")?;
            block(agent.transfer(
                &id,
                &TransferParams {
                    transfer_type: TransferType::WorkType,
                    work_type_id: (*work_type).to_string(),
                    ..TransferParams::default()
                },
            ))?
        }
        "cmd" => {
            let op = args.first().ok_or("cmd <op> [<id>|-] [<json body>]")?;
            let id = args.get(1).copied().filter(|a| *a != "-");
            let body = if args.len() > 2 {
                serde_json::from_str(&args[2..].join(" "))
                    .map_err(|e| format!("the body is not JSON: {e}"))?
            } else {
                Value::Object(Default::default())
            };
            block(agent.command(op, id, body))?
        }
        "cancel" => block(agent.cancel())?,
        "logout" => {
            let reason = args.first().copied().unwrap_or("0");
            println!("  logging out (waits until the agent's work is disposed)");
            block(agent.logout(reason, Duration::from_secs(600)))?
        }
        "offer" => {
            let sim = sim.ok_or("offer plays an inbound interaction on the simulator (--sim)")?;
            let id = sim
                .state()
                .offer(
                    agent.user_id(),
                    Offer {
                        media_type: args.first().map(|m| (*m).to_string()),
                        ..Offer::default()
                    },
                )
                .map_err(|e| e.to_string())?
                .to_string();
            wait_for_interaction(agent, &id)?;
            return Ok(Some(format!("offered interaction {id}")));
        }
        "hangup" => {
            let sim = sim.ok_or("hangup plays the far end on the simulator (--sim)")?;
            let id = interaction(agent, args, 0)?;
            let n: u64 = id
                .parse()
                .map_err(|_| format!("not an interaction id: {id}"))?;
            sim.state()
                .hang_up(agent.user_id(), n)
                .map_err(|e| e.to_string())?;
            return Ok(Some(format!("the far end of {id} hung up")));
        }
        other => return Err(format!("unknown command {other:?}; type `help`")),
    };
    Ok(Some(outcome_line(&outcome)))
}

/// Waits until the session has seen the offered interaction, so the next line may name it
/// implicitly.
fn wait_for_interaction(agent: &AgentSession, id: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if agent
            .snapshot()
            .interactions
            .iter()
            .any(|i| i.interaction_id == id)
        {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err(format!("interaction {id} was not offered within 10 s"))
}
