//! `schemactl.toml`, the project file:
//!
//! ```toml
//! schema = "schema"          # desired state (default)
//! revisions = "generated"    # revision files (default)
//!
//! [environments.live]
//! url_env = "DATABASE_URL"   # the name of an environment variable holding the address
//!
//! [environments.uat]
//! url = "postgresql://app@uat-db/app?sslmode=verify-full"
//! direct_url_env = "UAT_DIRECT_URL"   # apply/down/stamp: bypass a transaction-mode pooler
//!
//! postgres = 17              # the major plans from files alone are made for (default: newest found)
//! max_rewrite_rows = 1000000 # apply refuses a rewrite of a bigger table, even when allowed
//! max_scan_rows = 50000000   # ... a validation scan or index build of a bigger one
//!
//! [roles]
//! manage = ["app_*"]         # opt in: these roles, their memberships and the objects they own
//!                            # are desired state (CREATE ROLE in schema/; never passwords)
//!
//! [fleets.tenants]          # many databases: `apply --fleet tenants` (README, "Many databases")
//! targets = "fleet/tenants.txt"
//! parallel = 16
//! [[fleets.tenants.stages]]
//! name = "canary"
//! count = 1
//!
//! [shadow]
//! load_timeout = "60s"       # per schema statement loaded into the shadow (default; "0": none)
//! bindir = "/usr/lib/postgresql/17/bin"   # server binaries for the shadow (relative: to this file)
//! ```
//!
//! The file is found in the working directory or the nearest parent; without one, the
//! defaults apply relative to the working directory. Which database a command talks to:
//! `--db` first, then `--env NAME`, then `$DATABASE_URL`, then libpq's `PG*` variables.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use schemactl_model::{parse_duration, HazardKind, SizeLimits, Timeouts};
use serde::Deserialize;

pub const FILE_NAME: &str = "schemactl.toml";

/// The majors `postgres = N` may name: those the catalog queries are written for.
pub const MIN_MAJOR: u32 = 14;
pub const MAX_MAJOR: u32 = 18;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The project file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The project file is not valid TOML or has unknown keys (the message has line and column).
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    /// `--env` names an environment the project file does not define.
    #[error("unknown environment `{name}` (defined in {}: {})", path.display(), if known.is_empty() { "none".to_string() } else { known.join(", ") })]
    UnknownEnvironment { name: String, path: PathBuf, known: Vec<String> },
    /// An environment's variable is not set.
    #[error("environment `{name}` reads its database address from ${var}, which is not set")]
    MissingVariable { name: String, var: String },
    /// An environment gives both or neither of `url` and `url_env`.
    #[error("{}: environment `{name}` needs exactly one of `url` and `url_env`", path.display())]
    AmbiguousEnvironment { name: String, path: PathBuf },
    /// An environment gives both `direct_url` and `direct_url_env`.
    #[error("{}: environment `{name}` gives both `direct_url` and `direct_url_env`; keep one", path.display())]
    AmbiguousDirect { name: String, path: PathBuf },
    /// A command that works on a project ran where there is none: no project file in the
    /// directory or above it, and neither `schema/` nor `generated/` here.
    #[error("no schemactl.toml found in {} or its parents: run `schemactl init` to start a project there (or cd into one, or pass --config)", dir.display())]
    NoProject { dir: PathBuf },
    /// An environment's `direct_url_env` variable is not set.
    #[error("environment `{name}` reads its direct database address (direct_url_env) from ${var}, which is not set")]
    MissingDirectVariable { name: String, var: String },
}

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    schema: Option<PathBuf>,
    revisions: Option<PathBuf>,
    online: Option<bool>,
    allow_hazards: Option<Vec<HazardKind>>,
    lock_retries: Option<u32>,
    max_rewrite_rows: Option<u64>,
    max_scan_rows: Option<u64>,
    /// The PostgreSQL major the project runs on (`postgres = 17`).
    postgres: Option<u32>,
    #[serde(default)]
    timeouts: TimeoutsFile,
    #[serde(default)]
    shadow: ShadowFile,
    #[serde(default)]
    environments: BTreeMap<String, Environment>,
    /// What schemactl manages (see `ScopeFile`).
    scope: Option<ScopeFile>,
    #[serde(default)]
    roles: RolesFile,
    #[serde(default)]
    hooks: Hooks,
    /// `[fleets.NAME]`: sets of databases that `apply --fleet NAME` runs the revisions on.
    #[serde(default)]
    fleets: BTreeMap<String, Fleet>,
}

/// `[fleets.NAME]`: where a fleet's targets come from (exactly one of `targets`,
/// `targets_query`, `targets_cmd`), how many run at once, and its stages.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Fleet {
    /// A targets file: one target per line (relative paths: to the project file's directory).
    pub targets: Option<PathBuf>,
    /// A query run on the control database: each row a target (column `url`, or the first
    /// column; `name` and every other column are labels).
    pub targets_query: Option<String>,
    /// The environment variable that holds the control database's address (default
    /// `DATABASE_URL`'s environment: `--control-url` overrides).
    pub control_url_env: Option<String>,
    /// A command run through `sh -c` that prints a targets file on stdout.
    pub targets_cmd: Option<String>,
    /// How many targets run at once (default 8).
    pub parallel: Option<usize>,
    /// How long one target may take, retries included (`"10m"`; default: no limit).
    pub timeout: Option<String>,
    /// How many more times a target whose failure a retry can cure (unreachable, lock not
    /// obtained) is tried (default 2).
    pub retries: Option<u32>,
    /// The environment whose policy (allowed hazards, size limits, lock settings) applies.
    pub env: Option<String>,
    /// In order; the targets no stage took run last, in a stage named `rest`. Without any: a
    /// canary of one target, then the rest.
    #[serde(default)]
    pub stages: Vec<Stage>,
}

/// One stage of a fleet: which targets it takes from those earlier stages left.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub name: String,
    /// At most this many targets.
    pub count: Option<usize>,
    /// At most this percentage of the whole fleet (rounded up).
    pub percent: Option<u32>,
    /// Only targets with all these labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// What a failed target does to the run (default `halt`).
    pub on_error: Option<OnError>,
}

/// What a failed target does to a fleet run.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Start no further target (those running finish); later stages do not run.
    #[default]
    Halt,
    /// Go on with the stage and the stages after it.
    Continue,
}

impl OnError {
    pub fn as_str(self) -> &'static str {
        match self {
            OnError::Halt => "halt",
            OnError::Continue => "continue",
        }
    }
}

/// The checks of `[fleets.NAME]` that serde cannot make.
fn check_fleet(name: &str, fleet: &Fleet) -> std::result::Result<(), String> {
    let sources = [fleet.targets.is_some(), fleet.targets_query.is_some(), fleet.targets_cmd.is_some()];
    if sources.iter().filter(|s| **s).count() != 1 {
        return Err(format!("fleets.{name}: needs exactly one of `targets`, `targets_query` and `targets_cmd`"));
    }
    if fleet.parallel == Some(0) {
        return Err(format!("fleets.{name}.parallel: must be at least 1"));
    }
    if let Some(text) = &fleet.timeout {
        parse_duration(text).map_err(|reason| format!("fleets.{name}.timeout: {reason}"))?;
    }
    let mut seen = BTreeSet::new();
    for stage in &fleet.stages {
        let at = format!("fleets.{name}.stages `{}`", stage.name);
        if stage.name.trim().is_empty() || stage.name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("fleets.{name}.stages: a stage needs a name without spaces"));
        }
        if !seen.insert(stage.name.as_str()) {
            return Err(format!("{at}: two stages have this name"));
        }
        if stage.count.is_some() && stage.percent.is_some() {
            return Err(format!("{at}: give `count` or `percent`, not both"));
        }
        if stage.count == Some(0) {
            return Err(format!("{at}: count must be at least 1"));
        }
        if stage.percent.is_some_and(|p| p == 0 || p > 100) {
            return Err(format!("{at}: percent must be 1 to 100"));
        }
    }
    Ok(())
}

/// `[roles]`: which roles the project manages.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RolesFile {
    /// Globs over role names.
    #[serde(default)]
    manage: Vec<String>,
}

/// `[hooks]`: commands run on files schemactl writes.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Hooks {
    /// Run through `sh -c` on each new revision after it is written and before it is sealed,
    /// in order, `{file}` replaced by the file's quoted path: formatters and linters. A hook
    /// that fails leaves the revision unsealed.
    #[serde(default)]
    pub post_write: Vec<String>,
}

/// `scope = "supabase"`, `scope = ["supabase", "pg_cron"]`, or a `[scope]` table with
/// `schemas`, `exclude`, `include` and `presets`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ScopeFile {
    Preset(String),
    Presets(Vec<String>),
    Table(schemactl_model::ScopeConfig),
}

impl ScopeFile {
    pub fn config(&self) -> schemactl_model::ScopeConfig {
        match self {
            ScopeFile::Preset(p) => schemactl_model::ScopeConfig { presets: vec![p.clone()], ..Default::default() },
            ScopeFile::Presets(p) => schemactl_model::ScopeConfig { presets: p.clone(), ..Default::default() },
            ScopeFile::Table(t) => t.clone(),
        }
    }
}

/// Safety settings a project sets and an environment may override.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Plans use online DDL (CONCURRENTLY, NOT VALID then VALIDATE...). Default true.
    pub online: Option<bool>,
    /// Hazard kinds allowed without `--allow-hazard`.
    pub allow_hazards: Option<Vec<HazardKind>>,
    /// How many times `apply` retries a step whose lock was not granted in time. Default 5.
    pub lock_retries: Option<u32>,
    /// The most rows of a table a rewrite may copy, and a scan or index build may read, even
    /// where their hazards are allowed (`apply` reads the sizes before it runs anything).
    pub max_rewrite_rows: Option<u64>,
    pub max_scan_rows: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct TimeoutsFile {
    lock: Option<String>,
    statement: Option<String>,
    long_statement: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct ShadowFile {
    load_timeout: Option<String>,
    bindir: Option<PathBuf>,
}

/// The `[shadow]` table: how schema files are loaded into the throwaway databases.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShadowSettings {
    /// `load_timeout`: how long one schema statement may take to load (its
    /// `statement_timeout`); `None` for the shadow's default, zero for none.
    pub load_timeout: Option<Duration>,
    /// `bindir`: a directory holding `initdb` and `postgres` for the embedded shadow,
    /// absolute (relative paths are resolved against the project file's directory).
    pub bindir: Option<PathBuf>,
}

/// The settings in force for one command: the project's, overridden by the environment's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub online: bool,
    pub allow_hazards: BTreeSet<HazardKind>,
    pub lock_retries: u32,
    pub timeouts: Timeouts,
    pub limits: SizeLimits,
}

/// One deployment target.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The address itself (URL or conninfo).
    pub url: Option<String>,
    /// The name of an environment variable holding the address.
    pub url_env: Option<String>,
    /// Extends the project's scope (lists are added to; `schemas` replaces the project's).
    pub scope: Option<ScopeFile>,
    /// An address that reaches PostgreSQL itself, not through a pooler in transaction mode
    /// (where a session advisory lock means nothing): `apply`, `down` and `stamp` run
    /// everything on it (the lock, the bookkeeping, every statement) and do not use `url`.
    pub direct_url: Option<String>,
    /// The name of an environment variable holding that direct address.
    pub direct_url_env: Option<String>,
    /// Overrides of the project's policy for this environment (allowed hazards replace the
    /// project's list rather than adding to it).
    pub online: Option<bool>,
    pub allow_hazards: Option<Vec<HazardKind>>,
    pub lock_retries: Option<u32>,
    pub max_rewrite_rows: Option<u64>,
    pub max_scan_rows: Option<u64>,
}

impl Environment {
    fn policy(&self) -> Policy {
        Policy {
            online: self.online,
            allow_hazards: self.allow_hazards.clone(),
            lock_retries: self.lock_retries,
            max_rewrite_rows: self.max_rewrite_rows,
            max_scan_rows: self.max_scan_rows,
        }
    }
}

/// A project: its directories (absolute, or relative to the working directory) and environments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// The project file, when there is one.
    pub file: Option<PathBuf>,
    pub root: PathBuf,
    pub schema_dir: PathBuf,
    pub revisions_dir: PathBuf,
    pub environments: BTreeMap<String, Environment>,
    pub policy: Policy,
    pub timeouts: Timeouts,
    pub shadow: ShadowSettings,
    /// `postgres = N`: the major the project's databases run. Plans made from files alone
    /// (no database to match) load them into a shadow of this major.
    pub postgres: Option<u32>,
    /// The project's scope (`scope` / `[scope]`); environments extend it.
    pub scope: schemactl_model::ScopeConfig,
    /// `[hooks]`.
    pub hooks: Hooks,
    /// `[fleets.NAME]`, target files resolved against the project file's directory.
    pub fleets: BTreeMap<String, Fleet>,
}

impl Project {
    /// Reads `explicit`, or looks for `schemactl.toml` from `cwd` upwards.
    pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<Project> {
        let file = match explicit {
            Some(path) => Some(path.to_path_buf()),
            None => cwd.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file()),
        };
        let Some(path) = file else {
            return Ok(Project::defaults(cwd, None, File::default(), Timeouts::default()));
        };
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
        let parsed: File =
            toml::from_str(&text).map_err(|e| Error::Parse { path: path.clone(), message: e.to_string() })?;
        let scopes = parsed.scope.iter().chain(parsed.environments.values().filter_map(|e| e.scope.as_ref()));
        for scope in scopes {
            if let Err(e) = scope.config().compile() {
                return Err(Error::Parse { path: path.clone(), message: format!("scope: {e}") });
            }
        }
        let roles = schemactl_model::ScopeConfig { roles: parsed.roles.manage.clone(), ..Default::default() };
        if let Err(e) = roles.compile() {
            return Err(Error::Parse { path: path.clone(), message: format!("roles.manage: {e}") });
        }
        if let Some(p) = parsed.roles.manage.iter().find(|p| p.starts_with("pg_")) {
            return Err(Error::Parse {
                path: path.clone(),
                message: format!("roles.manage: `{p}`: roles named pg_* are PostgreSQL's own and cannot be managed"),
            });
        }
        for (name, env) in &parsed.environments {
            if env.url.is_some() == env.url_env.is_some() {
                return Err(Error::AmbiguousEnvironment { name: name.clone(), path });
            }
            if env.direct_url.is_some() && env.direct_url_env.is_some() {
                return Err(Error::AmbiguousDirect { name: name.clone(), path });
            }
        }
        for (name, fleet) in &parsed.fleets {
            check_fleet(name, fleet).map_err(|message| Error::Parse { path: path.clone(), message })?;
            if let Some(env) = &fleet.env {
                if !parsed.environments.contains_key(env) {
                    return Err(Error::Parse {
                        path: path.clone(),
                        message: format!("fleets.{name}.env: no environment `{env}` is defined"),
                    });
                }
            }
        }
        if let Some(i) = parsed.hooks.post_write.iter().position(|c| c.trim().is_empty()) {
            return Err(Error::Parse {
                path: path.clone(),
                message: format!("hooks.post_write: command {} is empty", i + 1),
            });
        }
        let root = path.parent().map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
        let root = if root.as_os_str().is_empty() { cwd.to_path_buf() } else { root };
        let mut timeouts = Timeouts::default();
        let durations = [
            ("timeouts.lock", &parsed.timeouts.lock, &mut timeouts.lock),
            ("timeouts.statement", &parsed.timeouts.statement, &mut timeouts.statement),
            ("timeouts.long_statement", &parsed.timeouts.long_statement, &mut timeouts.long_statement),
        ];
        for (key, text, slot) in durations {
            if let Some(text) = text {
                *slot = parse_duration(text)
                    .map_err(|reason| Error::Parse { path: path.clone(), message: format!("{key}: {reason}") })?;
            }
        }
        let load_timeout = match &parsed.shadow.load_timeout {
            Some(text) => Some(parse_duration(text).map_err(|reason| Error::Parse {
                path: path.clone(),
                message: format!("shadow.load_timeout: {reason}"),
            })?),
            None => None,
        };
        if let Some(major) = parsed.postgres {
            if !(MIN_MAJOR..=MAX_MAJOR).contains(&major) {
                return Err(Error::Parse {
                    path: path.clone(),
                    message: format!(
                        "postgres: {major} is not a PostgreSQL major schemactl supports ({MIN_MAJOR} to {MAX_MAJOR})"
                    ),
                });
            }
        }
        let bindir = parsed.shadow.bindir.as_ref().map(|dir| root.join(dir));
        let mut project = Project::defaults(&root, Some(path), parsed, timeouts);
        project.shadow = ShadowSettings { load_timeout, bindir };
        Ok(project)
    }

    /// Refuses to go on outside a project, for the commands that read schema/ or the
    /// revisions: with neither a project file nor those directories, "schema: No such file or
    /// directory" (or every applied revision called missing) would send the user the wrong way.
    /// A directory laid out like a project without the file still works, as it always did.
    pub fn require(&self) -> Result<()> {
        if self.file.is_none() && !self.schema_dir.exists() && !self.revisions_dir.exists() {
            return Err(Error::NoProject { dir: self.root.clone() });
        }
        Ok(())
    }

    fn defaults(root: &Path, file: Option<PathBuf>, parsed: File, timeouts: Timeouts) -> Project {
        Project {
            file,
            root: root.to_path_buf(),
            schema_dir: root.join(parsed.schema.unwrap_or_else(|| "schema".into())),
            revisions_dir: root.join(parsed.revisions.unwrap_or_else(|| "generated".into())),
            environments: parsed.environments,
            policy: Policy {
                online: parsed.online,
                allow_hazards: parsed.allow_hazards,
                lock_retries: parsed.lock_retries,
                max_rewrite_rows: parsed.max_rewrite_rows,
                max_scan_rows: parsed.max_scan_rows,
            },
            timeouts,
            shadow: ShadowSettings::default(),
            postgres: parsed.postgres,
            scope: schemactl_model::ScopeConfig {
                roles: parsed.roles.manage.clone(),
                ..parsed.scope.as_ref().map(ScopeFile::config).unwrap_or_default()
            },
            hooks: parsed.hooks,
            fleets: parsed
                .fleets
                .into_iter()
                .map(|(name, mut fleet)| {
                    fleet.targets = fleet.targets.map(|t| root.join(t));
                    (name, fleet)
                })
                .collect(),
        }
    }

    /// The scope for a command run against environment `env` (or none): the project's,
    /// extended by the environment's. Checked when the file is loaded.
    pub fn scope_config(&self, env: Option<&str>) -> schemactl_model::ScopeConfig {
        match env.and_then(|e| self.environments.get(e)).and_then(|e| e.scope.as_ref()) {
            Some(extra) => self.scope.extended(&extra.config()),
            None => self.scope.clone(),
        }
    }

    /// The settings for a command run against environment `env` (or none).
    pub fn settings(&self, env: Option<&str>) -> Settings {
        let overrides = env.and_then(|e| self.environments.get(e)).map(Environment::policy);
        let overrides = overrides.as_ref();
        let allow = overrides.and_then(|p| p.allow_hazards.as_ref()).or(self.policy.allow_hazards.as_ref());
        Settings {
            online: overrides.and_then(|p| p.online).or(self.policy.online).unwrap_or(true),
            allow_hazards: allow.map(|v| v.iter().copied().collect()).unwrap_or_default(),
            lock_retries: overrides.and_then(|p| p.lock_retries).or(self.policy.lock_retries).unwrap_or(5),
            timeouts: self.timeouts,
            limits: SizeLimits {
                rewrite_rows: overrides.and_then(|p| p.max_rewrite_rows).or(self.policy.max_rewrite_rows),
                scan_rows: overrides.and_then(|p| p.max_scan_rows).or(self.policy.max_scan_rows),
            },
        }
    }

    /// The database address a command should use, or `None` for libpq's defaults (`PG*`).
    /// `lookup` reads environment variables (`std::env::var` in the binary).
    pub fn database_address(
        &self,
        db: Option<&str>,
        env: Option<&str>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<String>> {
        if let Some(db) = db {
            return Ok(Some(db.to_string()));
        }
        if let Some(name) = env {
            let Some(environment) = self.environments.get(name) else {
                return Err(Error::UnknownEnvironment {
                    name: name.to_string(),
                    path: self.file.clone().unwrap_or_else(|| self.root.join(FILE_NAME)),
                    known: self.environments.keys().cloned().collect(),
                });
            };
            if let Some(url) = &environment.url {
                return Ok(Some(url.clone()));
            }
            let var = environment.url_env.clone().unwrap_or_default();
            return match lookup(&var).filter(|v| !v.trim().is_empty()) {
                Some(value) => Ok(Some(value)),
                None => Err(Error::MissingVariable { name: name.to_string(), var }),
            };
        }
        Ok(lookup("DATABASE_URL").filter(|v| !v.trim().is_empty()))
    }
}

impl Project {
    /// The direct address for the commands that take the lock (`apply`, `down`, `stamp`), or
    /// `None` to use [`Project::database_address`]'s: `--direct-url` (`flag`) first, then the
    /// environment's `direct_url`/`direct_url_env` when `--env` chose the database (an address
    /// given with `--db` replaces the environment's, its direct one included).
    pub fn direct_address(
        &self,
        flag: Option<&str>,
        db: Option<&str>,
        env: Option<&str>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<String>> {
        if let Some(flag) = flag {
            return Ok(Some(flag.to_string()));
        }
        let (None, Some(name)) = (db, env) else { return Ok(None) };
        let Some(environment) = self.environments.get(name) else { return Ok(None) };
        if let Some(url) = &environment.direct_url {
            return Ok(Some(url.clone()));
        }
        let Some(var) = &environment.direct_url_env else { return Ok(None) };
        match lookup(var).filter(|v| !v.trim().is_empty()) {
            Some(value) => Ok(Some(value)),
            None => Err(Error::MissingDirectVariable { name: name.to_string(), var: var.clone() }),
        }
    }
}

/// The project file `schemactl init` writes.
pub fn template() -> &'static str {
    "# schemactl project file.\n\
     # Desired state: every *.sql file below this directory.\n\
     schema = \"schema\"\n\
     # Revision files written by `schemactl plan` and `schemactl revision`.\n\
     revisions = \"generated\"\n\
     \n\
     # Databases, chosen with `--env NAME`. Without --env (and without --db), schemactl uses\n\
     # $DATABASE_URL, then libpq's PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE.\n\
     [environments.live]\n\
     url_env = \"DATABASE_URL\"\n\
     \n\
     [environments.uat]\n\
     url_env = \"UAT_DATABASE_URL\"\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) {
        std::fs::write(dir.join(FILE_NAME), text).unwrap();
    }

    #[test]
    fn defaults_without_a_file() {
        let tmp = tempfile::tempdir().unwrap();
        let p = Project::load(None, tmp.path()).unwrap();
        assert_eq!(p.schema_dir, tmp.path().join("schema"));
        assert_eq!(p.revisions_dir, tmp.path().join("generated"));
        assert_eq!(p.database_address(None, None, |_| None).unwrap(), None);
        let url = p.database_address(None, None, |v| (v == "DATABASE_URL").then(|| "postgres://x/y".into())).unwrap();
        assert_eq!(url.as_deref(), Some("postgres://x/y"));
    }

    #[test]
    fn outside_a_project_commands_are_told_to_init() {
        let tmp = tempfile::tempdir().unwrap();
        let p = Project::load(None, tmp.path()).unwrap();
        let e = p.require().unwrap_err().to_string();
        assert!(e.contains("no schemactl.toml found in") && e.contains("run `schemactl init`"), "{e}");
        std::fs::create_dir(tmp.path().join("schema")).unwrap();
        Project::load(None, tmp.path()).unwrap().require().unwrap();
    }

    #[test]
    fn found_from_a_subdirectory_with_environments() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), template());
        let sub = tmp.path().join("schema/deep");
        std::fs::create_dir_all(&sub).unwrap();
        let p = Project::load(None, &sub).unwrap();
        assert_eq!(p.revisions_dir, tmp.path().join("generated"));
        let lookup = |v: &str| (v == "UAT_DATABASE_URL").then(|| "postgresql://uat/app".to_string());
        assert_eq!(p.database_address(None, Some("uat"), lookup).unwrap().as_deref(), Some("postgresql://uat/app"));
        assert_eq!(
            p.database_address(Some("postgres://cli/x"), Some("uat"), lookup).unwrap().as_deref(),
            Some("postgres://cli/x")
        );
        let err = p.database_address(None, Some("live"), lookup).unwrap_err().to_string();
        assert_eq!(err, "environment `live` reads its database address from $DATABASE_URL, which is not set");
        let err = p.database_address(None, Some("prod"), lookup).unwrap_err().to_string();
        assert!(err.starts_with("unknown environment `prod`") && err.ends_with("live, uat)"), "{err}");
    }

    #[test]
    fn policy_from_project_and_environment() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "allow_hazards = [\"index-build\", \"validation-scan\"]\n\
             [timeouts]\nlock = \"2s\"\nlong_statement = \"30m\"\n\
             [environments.live]\nurl_env = \"DATABASE_URL\"\nallow_hazards = [\"index-build\"]\nlock_retries = 9\n\
             [environments.dev]\nurl = \"postgres://x/y\"\nonline = false\n",
        );
        let p = Project::load(None, tmp.path()).unwrap();
        let project = p.settings(None);
        assert!(project.online);
        assert_eq!(project.allow_hazards, [HazardKind::IndexBuild, HazardKind::ValidationScan].into());
        assert_eq!(project.lock_retries, 5);
        assert_eq!(project.timeouts.lock, Duration::from_secs(2));
        assert_eq!(project.timeouts.statement, Duration::from_secs(60));
        assert_eq!(project.timeouts.long_statement, Duration::from_secs(1800));
        let live = p.settings(Some("live"));
        assert_eq!(live.allow_hazards, [HazardKind::IndexBuild].into());
        assert_eq!(live.lock_retries, 9);
        let dev = p.settings(Some("dev"));
        assert!(!dev.online);
        assert_eq!(dev.allow_hazards, project.allow_hazards);

        write(tmp.path(), "allow_hazards = [\"lockdown\"]\n");
        let err = Project::load(None, tmp.path()).unwrap_err().to_string();
        assert!(err.contains("lockdown"), "{err}");
        write(tmp.path(), "[timeouts]\nlock = \"soon\"\n");
        let err = Project::load(None, tmp.path()).unwrap_err().to_string();
        assert!(err.contains("timeouts.lock"), "{err}");
    }

    #[test]
    fn direct_addresses_for_the_commands_that_lock() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "[environments.live]\nurl_env = \"DATABASE_URL\"\ndirect_url_env = \"DIRECT_URL\"\n\
             [environments.uat]\nurl = \"postgres://pooler/app\"\ndirect_url = \"postgres://db/app\"\n\
             [environments.dev]\nurl = \"postgres://dev/app\"\n",
        );
        let p = Project::load(None, tmp.path()).unwrap();
        let lookup = |v: &str| (v == "DIRECT_URL").then(|| "postgres://live-db/app".to_string());
        let direct = |flag, db, env| p.direct_address(flag, db, env, lookup).unwrap();
        assert_eq!(direct(None, None, Some("uat")).as_deref(), Some("postgres://db/app"));
        assert_eq!(direct(None, None, Some("live")).as_deref(), Some("postgres://live-db/app"));
        assert_eq!(direct(Some("postgres://flag/x"), None, Some("uat")).as_deref(), Some("postgres://flag/x"));
        assert_eq!(direct(None, Some("postgres://given/x"), Some("uat")), None);
        assert_eq!(direct(None, None, Some("dev")), None);
        assert_eq!(direct(None, None, None), None);
        let err = p.direct_address(None, None, Some("live"), |_| None).unwrap_err().to_string();
        assert_eq!(
            err,
            "environment `live` reads its direct database address (direct_url_env) from $DIRECT_URL, which is not set"
        );

        write(tmp.path(), "[environments.x]\nurl = \"a\"\ndirect_url = \"b\"\ndirect_url_env = \"C\"\n");
        let err = Project::load(None, tmp.path()).unwrap_err().to_string();
        assert!(err.ends_with("environment `x` gives both `direct_url` and `direct_url_env`; keep one"), "{err}");
    }

    #[test]
    fn postgres_pin_and_shadow_bindir() {
        let tmp = tempfile::tempdir().unwrap();
        let project = Project::load(None, tmp.path()).unwrap();
        assert_eq!((project.postgres, project.shadow.bindir), (None, None));
        write(tmp.path(), "postgres = 17\n[shadow]\nbindir = \"pg/17/bin\"\n");
        let project = Project::load(None, tmp.path()).unwrap();
        assert_eq!(project.postgres, Some(17));
        assert_eq!(project.shadow.bindir, Some(tmp.path().join("pg/17/bin")));
        write(tmp.path(), "[shadow]\nbindir = \"/opt/pg/bin\"\n");
        assert_eq!(Project::load(None, tmp.path()).unwrap().shadow.bindir, Some(PathBuf::from("/opt/pg/bin")));
        for (text, wanted) in [
            ("postgres = 12\n", "postgres: 12 is not a PostgreSQL major schemactl supports (14 to 18)"),
            ("postgres = \"17\"\n", "invalid type"),
            ("postgres = -1\n", "postgres"),
        ] {
            write(tmp.path(), text);
            let err = Project::load(None, tmp.path()).unwrap_err().to_string();
            assert!(err.contains(wanted), "{text}: {err}");
        }
    }

    #[test]
    fn shadow_load_timeout() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(Project::load(None, tmp.path()).unwrap().shadow.load_timeout, None);
        write(tmp.path(), "[shadow]\nload_timeout = \"1.5s\"\n");
        let project = Project::load(None, tmp.path()).unwrap();
        assert_eq!(project.shadow.load_timeout, Some(Duration::from_millis(1500)));
        write(tmp.path(), "[shadow]\nload_timeout = \"soon\"\n");
        let err = Project::load(None, tmp.path()).unwrap_err().to_string();
        assert!(err.contains("shadow.load_timeout: `soon` is not a duration"), "{err}");
        write(tmp.path(), "[shadow]\nload_timout = \"1s\"\n");
        let err = Project::load(None, tmp.path()).unwrap_err().to_string();
        assert!(err.contains("load_timout"), "{err}");
    }

    #[test]
    fn scope_from_project_and_environment() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "[scope]\nschemas = [\"app\"]\nexclude = [\"app.tmp_*\"]\n\
             [environments.prod]\nurl = \"postgres://x/y\"\nscope = \"supabase\"\n\
             [environments.dev]\nurl = \"postgres://x/z\"\nscope = { schemas = [\"app\", \"dev\"], include = [\"app.tmp_keep\"] }\n",
        );
        let p = Project::load(None, tmp.path()).unwrap();
        assert_eq!(p.scope_config(None).schemas, ["app"]);
        let prod = p.scope_config(Some("prod"));
        assert_eq!(
            (prod.schemas, prod.exclude, prod.presets),
            (vec!["app".into()], vec!["app.tmp_*".into()], vec!["supabase".into()])
        );
        let dev = p.scope_config(Some("dev"));
        assert_eq!((dev.schemas.len(), dev.include.len(), dev.exclude.len()), (2, 1, 1));
        write(tmp.path(), "scope = [\"supabase\", \"pg_cron\"]\n");
        assert_eq!(Project::load(None, tmp.path()).unwrap().scope_config(None).presets, ["supabase", "pg_cron"]);
        write(tmp.path(), "scope = \"heroku\"\n");
        let err = Project::load(None, tmp.path()).unwrap_err().to_string();
        assert!(err.contains("unknown scope preset `heroku`"), "{err}");
    }

    #[test]
    fn post_write_hooks() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(Project::load(None, tmp.path()).unwrap().hooks.post_write.is_empty());
        write(tmp.path(), "[hooks]\npost_write = [\"sqlfluff fix --dialect postgres {file}\", \"squawk {file}\"]\n");
        let p = Project::load(None, tmp.path()).unwrap();
        assert_eq!(p.hooks.post_write, ["sqlfluff fix --dialect postgres {file}", "squawk {file}"]);
        for (text, wanted) in [
            ("[hooks]\npost_write = [\"fmt {file}\", \" \"]\n", "hooks.post_write: command 2 is empty"),
            ("[hooks]\npost_write = \"fmt {file}\"\n", "invalid type"),
            ("[hooks]\npre_write = [\"x\"]\n", "pre_write"),
        ] {
            write(tmp.path(), text);
            let err = Project::load(None, tmp.path()).unwrap_err().to_string();
            assert!(err.contains(wanted), "{text}: {err}");
        }
    }

    #[test]
    fn mistakes_are_located() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "schema = \"s\"\nrevison = \"g\"\n");
        let err = Project::load(None, tmp.path()).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("revison"), "{err}");
        write(tmp.path(), "[environments.x]\nurl = \"a\"\nurl_env = \"B\"\n");
        let err = Project::load(None, tmp.path()).unwrap_err().to_string();
        assert!(err.ends_with("environment `x` needs exactly one of `url` and `url_env`"), "{err}");
    }
}
