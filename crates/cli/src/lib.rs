//! `schemactl`'s command line: the only crate that wires the others together. Library errors
//! are typed; here they become one friendly message on stderr and an exit code.
//!
//! A library with one public function, [`main`]: the `schemactl` binary itself belongs to the
//! workspace's root package (`src/bin.rs` here is its source), so that the end-to-end tests in
//! `tests/` get it from Cargo (`CARGO_BIN_EXE_schemactl`) instead of building it themselves.

// `println!` and friends panic when a pipe closes: every write goes through `output`.
#![warn(clippy::print_stdout, clippy::print_stderr)]

// First: the printing macros (`out!`, `outln!`, `errln!`) are used by every module below.
#[macro_use]
mod output;
mod apply_cmd;
mod cli;
mod diff;
mod discover;
mod dump;
mod error;
mod fleet_cmd;
mod hazards;
mod init;
mod lint_cmd;
mod plan_cmd;
mod post_write;
mod progress;
mod project;
mod scope_args;
mod show;
mod snippet;
mod status;
mod verify;

use clap::Parser;
use std::process::ExitCode;
use std::time::Duration;

/// Runs the command line (`std::env::args`) and returns the exit status.
pub fn main() -> ExitCode {
    let args = cli::Cli::parse();
    output::set_quiet(args.quiet);
    output::set_color(args.color);
    output::init_logging(args.verbosity);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        schemactl_engine::on_interrupt(say_interrupted);
        schemactl_engine::install_signal_cleanup();
        let result = run(args).await;
        if let Some(signal) = schemactl_engine::interrupted() {
            // The signal handler is stopping the shadow and exits with 128 + the signal when
            // done. Whatever the command made of its shadow going away (most likely a refused
            // connection) is not the news: wait for the handler instead of reporting it.
            tokio::time::sleep(Duration::from_secs(30)).await;
            std::process::exit(128 + signal);
        }
        result
    });
    let result = result.and_then(|code| match output::stdout_error() {
        Some(source) => Err(error::CliError::Io { path: "standard output".into(), source }),
        None => Ok(code),
    });
    progress::finish();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            output::write_error(&e.to_string());
            ExitCode::from(e.exit_code())
        }
    }
}

/// Runs the command; the exit code is 0 unless the command reports a state (see `status`).
async fn run(args: cli::Cli) -> error::CliResult<u8> {
    let config = args.config.as_deref();
    let verbosity = args.verbosity;
    let done = |r: error::CliResult<()>| r.map(|()| 0);
    let allow_major_mismatch = match &args.command {
        cli::Command::Diff(d) => d.allow_major_mismatch,
        cli::Command::Plan(a) => a.shadow.allow_major_mismatch,
        cli::Command::Rebase(a) => a.shadow.allow_major_mismatch,
        cli::Command::Verify(a) => a.shadow.allow_major_mismatch,
        cli::Command::Status(a) => a.shadow.allow_major_mismatch,
        _ => false,
    };
    schemactl_engine::set_allow_major_mismatch(allow_major_mismatch);
    match args.command {
        cli::Command::Diff(d) => done(diff::run(d).await),
        cli::Command::Init(a) => done(init::run(a)),
        cli::Command::Plan(a) => done(plan_cmd::plan(config, a).await),
        cli::Command::Revision(a) => done(plan_cmd::revision(config, a)),
        cli::Command::Reseal => done(plan_cmd::reseal(config)),
        cli::Command::Rebase(a) => done(plan_cmd::rebase(config, a).await),
        cli::Command::Verify(a) => done(verify::run(config, a).await),
        cli::Command::Status(a) if a.targets.any() => fleet_cmd::status(config, a).await,
        cli::Command::Status(a) => status::run(config, a).await,
        cli::Command::Apply(a) if a.targets.any() => fleet_cmd::apply(config, a).await,
        cli::Command::Apply(a) => done(apply_cmd::apply(config, a).await),
        cli::Command::Down(a) => done(apply_cmd::down(config, a).await),
        cli::Command::Current(mut a) => {
            // `current -v` meant `current --verbose` before `-v` became global: it still does.
            a.verbose |= verbosity > 0;
            done(apply_cmd::current(config, a).await)
        }
        cli::Command::Show(a) => done(show::show(config, a).await),
        cli::Command::History(a) => done(apply_cmd::history(config, a).await),
        cli::Command::Stamp(a) => done(apply_cmd::stamp(config, a).await),
        cli::Command::Lint(a) => done(lint_cmd::run(config, a)),
        cli::Command::Dump(a) => done(dump::run(config, a).await),
        cli::Command::Completions(a) => done(discover::completions(a.shell)),
        cli::Command::Man => done(discover::man()),
        cli::Command::Fleet(cli::FleetCommand::Targets(a)) => done(fleet_cmd::list(config, a).await),
        cli::Command::Fleet(cli::FleetCommand::Render(a)) => done(fleet_cmd::render(config, a)),
    }
}

/// Said as soon as the signal arrives, before the shadow is torn down.
fn say_interrupted(signal: i32) {
    let name = match signal {
        2 => "SIGINT".to_string(),
        15 => "SIGTERM".to_string(),
        1 => "SIGHUP".to_string(),
        n => format!("signal {n}"),
    };
    // The process exits from the signal handler: a progress line would stay on the terminal.
    progress::finish();
    errln!("interrupted ({name})");
}
