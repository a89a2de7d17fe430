//! Where a fleet's databases come from: a targets file, a query on a control database, or a
//! command that prints a targets file. Each target has a unique name (its `name` label, else
//! derived from its address without the password) and labels that stages select on.
//!
//! A targets file has one target per line: an address (a `postgresql://` URL, or `env:NAME`
//! for the variable that holds one), then `key=value` labels; `#` starts a comment line.
//!
//! ```text
//! # tenant databases
//! postgresql://app@db-eu-1/tenant_001  name=tenant-001 region=eu tier=gold
//! env:TENANT_002_URL                   region=us
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use schemactl_connect::DbUrl;

use crate::error::{Error, Result};

/// One database of the fleet.
#[derive(Clone, Debug)]
pub struct Target {
    /// Unique in the fleet; what output, reports and shards name it by.
    pub name: String,
    pub url: DbUrl,
    /// `name` included when it was given as a label.
    pub labels: BTreeMap<String, String>,
}

impl Target {
    /// The address as output shows it: without the password.
    pub fn address(&self) -> String {
        self.url.to_string()
    }
}

/// Where the targets are read from.
#[derive(Clone, Debug)]
pub enum TargetSource {
    /// A targets file.
    File(PathBuf),
    /// Rows of a query on a control database: column `url` (else the first column) is the
    /// address, every other column a label (`NULL`s left out).
    Query { control: Box<DbUrl>, sql: String },
    /// A command run through `sh -c` in `dir`, printing a targets file on stdout; the variables
    /// in `hidden` (addresses and passwords) are not passed to it.
    Command { command: String, dir: PathBuf, hidden: Vec<String> },
}

impl TargetSource {
    /// How messages name this source.
    pub fn describe(&self) -> String {
        match self {
            TargetSource::File(path) => path.display().to_string(),
            TargetSource::Query { control, .. } => format!("the targets query on {control}"),
            TargetSource::Command { command, .. } => format!("`{}`", schemactl_sqltext::visible(command)),
        }
    }
}

/// Reads the targets; `env` looks up the variables that `env:NAME` lines name.
pub async fn load(source: &TargetSource, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Target>> {
    let targets = match source {
        TargetSource::File(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::Targets(format!("{}: cannot read the targets file: {e}", path.display())))?;
            parse(&text, &path.display().to_string(), env)?
        }
        TargetSource::Query { control, sql } => from_query(control, sql, env).await?,
        TargetSource::Command { command, dir, hidden } => {
            let text = run_command(command, dir, hidden).await?;
            parse(&text, "targets command output", env)?
        }
    };
    if targets.is_empty() {
        return Err(Error::Targets(format!("{} lists no target", source.describe())));
    }
    Ok(targets)
}

/// Parses a targets file (`origin` names it in errors).
pub fn parse(text: &str, origin: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Target>> {
    let mut targets = Vec::new();
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let syntax =
            |column: usize, message: String| Error::Syntax { origin: origin.into(), line: i + 1, column, message };
        let mut words = words(line);
        let (column, address) = words.next().expect("a line that is not blank has a word");
        let mut labels = BTreeMap::new();
        for (column, word) in words {
            let Some((key, value)) = word.split_once('=') else {
                return Err(syntax(
                    column,
                    format!("`{}` is not a label: labels are key=value", schemactl_sqltext::visible(word)),
                ));
            };
            if !valid_key(key) {
                return Err(syntax(
                    column,
                    format!(
                        "`{}` is not a label name: letters, digits, `_`, `-` and `.`",
                        schemactl_sqltext::visible(key)
                    ),
                ));
            }
            if labels.insert(key.to_string(), value.to_string()).is_some() {
                return Err(syntax(column, format!("label `{key}` is given twice")));
            }
        }
        let (url, fallback) = resolve(address, env).map_err(|message| syntax(column, message))?;
        targets.push(named(url, labels, fallback));
        lines.push(i + 1);
    }
    unique(&targets, |i| format!("{origin}:{}", lines[i]))?;
    Ok(targets)
}

/// The words of a line with their 1-based columns (in characters).
fn words(line: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut words = Vec::new();
    let mut start: Option<(usize, usize)> = None;
    for (column, (at, c)) in line.char_indices().enumerate() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some((column + 1, at)),
            (true, Some((col, from))) => {
                words.push((col, &line[from..at]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some((col, from)) = start {
        words.push((col, &line[from..]));
    }
    words.into_iter()
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// An address or `env:NAME`; with the name a target gets when no `name` label says.
fn resolve(address: &str, env: &dyn Fn(&str) -> Option<String>) -> std::result::Result<(DbUrl, String), String> {
    if let Some(var) = address.strip_prefix("env:") {
        if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("`env:{}` does not name a variable", schemactl_sqltext::visible(var)));
        }
        let value = env(var).filter(|v| !v.is_empty()).ok_or_else(|| format!("${var} is not set"))?;
        let url = DbUrl::parse_with_env(&value, env).map_err(|e| format!("${var}: {e}"))?;
        return Ok((url, var.to_string()));
    }
    if !schemactl_connect::looks_like_url(address) {
        return Err(format!(
            "`{}` is neither a postgresql:// URL nor env:NAME",
            schemactl_connect::redact(&schemactl_sqltext::visible(address))
        ));
    }
    let url = DbUrl::parse_with_env(address, env).map_err(|e| e.to_string())?;
    let fallback = default_name(&url);
    Ok((url, fallback))
}

/// `host/db`, `host:port/db` off the default port, or `db` over a local socket: short, and
/// without user or password.
fn default_name(url: &DbUrl) -> String {
    let port = url.config().get_ports().first().copied().unwrap_or(5432);
    let port = if port == 5432 { String::new() } else { format!(":{port}") };
    match url.config().get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => format!("{host}{port}/{}", url.dbname()),
        _ => format!("{}{port}", url.dbname()),
    }
}

fn named(url: DbUrl, labels: BTreeMap<String, String>, fallback: String) -> Target {
    let name = labels.get("name").cloned().unwrap_or(fallback);
    Target { name: schemactl_sqltext::visible(&name), url, labels }
}

/// Two targets with one name would make reports and shards ambiguous.
fn unique(targets: &[Target], place: impl Fn(usize) -> String) -> Result<()> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, t) in targets.iter().enumerate() {
        if let Some(first) = seen.insert(&t.name, i) {
            return Err(Error::Targets(format!(
                "{} and {} are both named `{}`: give one a name=... label",
                place(first),
                place(i),
                t.name
            )));
        }
    }
    Ok(())
}

async fn from_query(control: &DbUrl, sql: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Target>> {
    let client = control.connect().await?;
    let failed = |e: tokio_postgres::Error| {
        Error::Targets(format!("the targets query on {control} failed: {}", schemactl_connect::server_message(&e)))
    };
    let messages = client.simple_query(sql).await.map_err(failed)?;
    let mut targets = Vec::new();
    for message in messages {
        let tokio_postgres::SimpleQueryMessage::Row(row) = message else { continue };
        let columns = row.columns();
        let url_at = columns.iter().position(|c| c.name() == "url").unwrap_or(0);
        let row_number = targets.len() + 1;
        let address = row
            .get(url_at)
            .ok_or_else(|| Error::Targets(format!("the targets query: row {row_number} has no address (NULL)")))?;
        let mut labels = BTreeMap::new();
        for (i, column) in columns.iter().enumerate() {
            if i != url_at {
                if let Some(value) = row.get(i) {
                    labels.insert(column.name().to_string(), value.to_string());
                }
            }
        }
        let (url, fallback) =
            resolve(address, env).map_err(|m| Error::Targets(format!("the targets query: row {row_number}: {m}")))?;
        targets.push(named(url, labels, fallback));
    }
    unique(&targets, |i| format!("row {}", i + 1))?;
    Ok(targets)
}

async fn run_command(command: &str, dir: &Path, hidden: &[String]) -> Result<String> {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c").arg(command).current_dir(dir).stdin(Stdio::null()).kill_on_drop(true);
    for var in hidden {
        cmd.env_remove(var);
    }
    let shown = schemactl_sqltext::visible(command);
    let output = cmd
        .output()
        .await
        .map_err(|e| Error::Targets(format!("the targets command `{shown}` could not start: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Error::Targets(format!(
            "the targets command `{shown}` failed ({}){}",
            output.status,
            if stderr.trim().is_empty() {
                String::new()
            } else {
                format!(":\n{}", schemactl_connect::redact(stderr.trim_end()))
            }
        )));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| Error::Targets(format!("the targets command `{shown}` printed something that is not UTF-8")))
}

/// `--shard i/N`: the `i`-th of `N` parts (0-based, as `JOB_COMPLETION_INDEX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub of: usize,
}

impl Shard {
    pub fn parse(text: &str) -> std::result::Result<Shard, String> {
        let invalid = || format!("`{text}` is not a shard: I/N with 0 <= I < N, as 3/8");
        let (i, n) = text.split_once('/').ok_or_else(invalid)?;
        let index: usize = i.trim().parse().map_err(|_| invalid())?;
        let of: usize = n.trim().parse().map_err(|_| invalid())?;
        if of == 0 || index >= of {
            return Err(invalid());
        }
        Ok(Shard { index, of })
    }

    /// The targets of this shard: those at positions `index`, `index + of`, ... in name order,
    /// so that the shards of one list are disjoint, cover it, and differ in size by at most one
    /// whatever order the list came in.
    pub fn select(&self, targets: Vec<Target>) -> Vec<Target> {
        let mut names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        let mine: std::collections::BTreeSet<String> =
            names.iter().skip(self.index).step_by(self.of).map(|n| n.to_string()).collect();
        targets.into_iter().filter(|t| mine.contains(&t.name)).collect()
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "T2" => Some("postgresql://app:s3cret@db2/two".into()),
            "PGUSER" => Some("me".into()),
            _ => None,
        }
    }

    #[test]
    fn a_targets_file_gives_addresses_names_and_labels() {
        let text = "# fleet\n\npostgresql://app:pw@db1:5433/one name=first region=eu\n  env:T2 region=us tier=gold\npostgresql://db3/three\n";
        let targets = parse(text, "fleet.txt", &env).unwrap();
        let shown: Vec<_> = targets.iter().map(|t| (t.name.as_str(), t.address(), t.labels.len())).collect();
        assert_eq!(
            shown,
            [
                ("first", "postgresql://app@db1:5433/one".to_string(), 2),
                ("T2", "postgresql://app@db2:5432/two".to_string(), 2),
                ("db3/three", "postgresql://me@db3:5432/three".to_string(), 0),
            ]
        );
        assert_eq!(targets[1].labels["tier"], "gold");
    }

    #[test]
    fn a_bad_line_is_named_by_file_line_and_column() {
        let err = parse("postgresql://db/a\npostgresql://db/b  region\n", "f.txt", &env).unwrap_err();
        assert_eq!(err.to_string(), "f.txt:2:20: `region` is not a label: labels are key=value");
        let err = parse("env:NOPE\n", "f.txt", &env).unwrap_err();
        assert_eq!(err.to_string(), "f.txt:1:1: $NOPE is not set");
        let err = parse("db.example.com/app\n", "f.txt", &env).unwrap_err();
        assert_eq!(err.to_string(), "f.txt:1:1: `db.example.com/app` is neither a postgresql:// URL nor env:NAME");
    }

    #[test]
    fn names_are_unique() {
        let err = parse("postgresql://db/a name=x\npostgresql://db/b name=x\n", "f.txt", &env).unwrap_err();
        assert_eq!(err.to_string(), "f.txt:1 and f.txt:2 are both named `x`: give one a name=... label");
    }

    #[test]
    fn a_password_never_reaches_a_message() {
        let err = parse("postgresql://u:hunter2@db/a  =x\n", "f.txt", &env).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let err = parse("mysql://u:hunter2@db/a\n", "f.txt", &env).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn shards_partition_exactly_whatever_the_order() {
        let text: String = (0..103).map(|i| format!("postgresql://db/d{i}\n")).collect();
        let targets = parse(&text, "f", &env).unwrap();
        for of in [1, 2, 7, 103, 200] {
            let mut seen = Vec::new();
            for index in 0..of {
                let shard = Shard { index, of };
                let mut reversed = targets.clone();
                reversed.reverse();
                let part: Vec<String> = shard.select(targets.clone()).into_iter().map(|t| t.name).collect();
                let mut again: Vec<String> = shard.select(reversed).into_iter().map(|t| t.name).collect();
                again.reverse();
                assert_eq!(part, again, "shard {shard} depends on the list's order");
                assert!(part.len() <= 103_usize.div_ceil(of) && part.len() + 1 >= 103 / of);
                seen.extend(part);
            }
            seen.sort();
            let mut all: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
            all.sort();
            assert_eq!(seen, all, "{of} shards do not partition the list");
        }
    }

    #[test]
    fn shard_specs() {
        assert_eq!(Shard::parse("3/8"), Ok(Shard { index: 3, of: 8 }));
        assert!(Shard::parse("8/8").is_err());
        assert!(Shard::parse("1/0").is_err());
        assert!(Shard::parse("x").is_err());
    }
}
