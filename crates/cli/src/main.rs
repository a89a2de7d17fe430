//! `schemactl`: the only crate that wires the others together. Library errors are typed; here
//! they become one friendly message on stderr and an exit code.

mod apply_cmd;
mod cli;
mod diff;
mod drift;
mod dump;
mod error;
mod hazards;
mod init;
mod lint_cmd;
mod plan_cmd;
mod project;
mod renames;
mod sources;
mod states;
mod status;
mod verify;

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
        let config = args.config.as_deref();
        match args.command {
            cli::Command::Diff(d) => diff::run(d).await,
            cli::Command::Init(a) => init::run(a),
            cli::Command::Plan(a) => plan_cmd::plan(config, a).await,
            cli::Command::Revision(a) => plan_cmd::revision(config, a),
            cli::Command::Reseal => plan_cmd::reseal(config),
            cli::Command::Verify(a) => verify::run(config, a).await,
            cli::Command::Status(a) => status::run(config, a).await,
            cli::Command::Apply(a) => apply_cmd::apply(config, a).await,
            cli::Command::Down(a) => apply_cmd::down(config, a).await,
            cli::Command::Current(a) => apply_cmd::current(config, a).await,
            cli::Command::History(a) => apply_cmd::history(config, a).await,
            cli::Command::Stamp(a) => apply_cmd::stamp(config, a).await,
            cli::Command::Lint(a) => lint_cmd::run(config, a),
            cli::Command::Dump(a) => dump::run(config, a).await,
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
