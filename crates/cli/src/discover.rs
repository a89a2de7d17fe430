//! `schemactl completions SHELL` and `schemactl man`: both generated from the clap definition
//! at run time, so they always describe the binary that prints them. A man page generated into
//! the repository would need a check that it is current and would still not match an older or
//! newer installed binary; printing it keeps one source of truth and works after
//! `cargo install` too.

use crate::cli::Cli;
use crate::error::{CliError, CliResult};
use clap::CommandFactory;

pub fn completions(shell: clap_complete::Shell) -> CliResult<()> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "schemactl", &mut buf);
    out!("{}", String::from_utf8_lossy(&buf));
    Ok(())
}

pub fn man() -> CliResult<()> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .map_err(|source| CliError::Io { path: "the manual page".into(), source })?;
    out!("{}", String::from_utf8_lossy(&buf));
    Ok(())
}
