//! `ccbridge-sim`: runs the Via API simulator until SIGINT/SIGTERM.

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    if let Err(e) = ccbridge_sim::run_cli(std::env::args()) {
        eprintln!("ccbridge-sim: {e}");
        std::process::exit(1);
    }
}
