//! `schemactl`: the only crate that wires the others together. Library errors are typed; here
//! they become one friendly message on stderr and an exit code.

mod cli;
mod diff;
mod error;
mod sources;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        schemactl_shadow::install_signal_cleanup();
        match args.command {
            cli::Command::Diff(d) => diff::run(d).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
