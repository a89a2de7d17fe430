use clap::{Args, Parser, Subcommand, ValueEnum};

/// `0.1.0 (commit 1a2b3c4)`: which build a bug report is about (build.rs reads the commit;
/// `unknown` when built without git).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("SCHEMACTL_COMMIT"), ")");

/// Declarative PostgreSQL schemas: keep the schema you want in files, let PostgreSQL work out
/// the difference, review it, apply it.
#[derive(Parser, Debug)]
#[command(name = "schemactl", version = VERSION, about)]
pub struct Cli {
    /// The project file (default: schemactl.toml in the working directory or a parent).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<std::path::PathBuf>,
    /// Log to stderr what schemactl does: `-v` the SQL statements it runs when applying and
    /// each step's time; `-vv` also the shadow's lifecycle and catalog reads' times. (`current -v`
    /// also means `current --verbose`.)
    #[arg(short = 'v', global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbosity: u8,
    /// Leave out notes and warnings that are not errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Color hazards, plan signs and errors, and show source lines under errors in schema
    /// files: `auto` on a terminal unless NO_COLOR is set (CLICOLOR_FORCE forces it); `always`
    /// even then; `never`.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = crate::output::ColorWhen::Auto)]
    pub color: crate::output::ColorWhen,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the plan that turns one schema (--from) into another (--to).
    Diff(DiffArgs),
    /// Scaffold a project: schemactl.toml, schema/, generated/.
    Init(InitArgs),
    /// Diff the state the revisions produce against schema/ and write the next revision.
    Plan(PlanArgs),
    /// Write an empty revision for hand-written SQL (data migrations).
    Revision(RevisionArgs),
    /// Re-seal generated/ after deliberate hand edits of revisions not yet applied anywhere.
    Reseal,
    /// After merging branches that each planned revisions: keep one branch's revisions and
    /// re-plan the other's after them (exit 9 when both changed the same objects differently).
    Rebase(RebaseArgs),
    /// Run pending revisions against the database (never diffs).
    Apply(ApplyArgs),
    /// Run down sections: undo the last revision, the last N, or down to a revision.
    Down(DownArgs),
    /// The database's current revision, pending revisions, and drift from what the revisions produce.
    Status(StatusArgs),
    /// The database's current revision only (`--verbose`: with its message, when and by whom, its file).
    Current(CurrentArgs),
    /// One revision: its header, up and down SQL, and whether (when, by whom) the database applied it.
    Show(ShowArgs),
    /// Every revision, oldest first, marked with whether (and when) the database applied it.
    History(HistoryArgs),
    /// Record a revision as applied without running it (adopt an existing database).
    Stamp(StampArgs),
    /// Replay every revision on a shadow: up, down to the start, up again; the end state must equal schema/.
    Verify(VerifyArgs),
    /// Find the hazards of SQL files (default: the up and down sections of every revision).
    Lint(LintArgs),
    /// Write desired-state files from an existing database (adoption: dump into schema/, plan a baseline, stamp it).
    Dump(DumpArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to stdout.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to stdout: `schemactl man > ~/.local/share/man/man1/schemactl.1`.
    Man,
    /// Many databases: list a fleet's targets and stages, or render it for Kubernetes / Argo.
    #[command(subcommand)]
    Fleet(FleetCommand),
}

#[derive(Subcommand, Debug)]
pub enum FleetCommand {
    /// The targets (names, addresses without passwords, labels) by stage, as `apply` would run them.
    Targets(FleetTargetsArgs),
    /// Write a Kubernetes Indexed Job (--k8s) and/or an Argo Workflows template (--argo) that run
    /// the fleet's apply in pods, one shard each.
    Render(FleetRenderArgs),
}

#[derive(Args, Debug)]
pub struct FleetTargetsArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub db: DbArgs,
    /// Only this stage.
    #[arg(long, value_name = "NAME")]
    pub stage: Option<String>,
}

#[derive(Args, Debug)]
pub struct FleetRenderArgs {
    /// A Kubernetes Indexed Job: N pods, each `apply --shard $(JOB_COMPLETION_INDEX)/N`.
    #[arg(long)]
    pub k8s: bool,
    /// An Argo Workflows WorkflowTemplate: the canary stage in one pod, then each later stage in
    /// N parallel pods, a stage starting when the previous one succeeded.
    #[arg(long)]
    pub argo: bool,
    /// The fleet of schemactl.toml the pods run (`apply --fleet NAME`). Without it the pods read
    /// a targets file from the Secret NAME-targets (key `targets`).
    #[arg(long = "fleet", value_name = "NAME")]
    pub fleet: Option<String>,
    /// The image with schemactl and the project (schemactl.toml, generated/).
    #[arg(long, value_name = "IMAGE")]
    pub image: String,
    /// The manifests' name, and the prefix of the Secrets they read (NAME-env, NAME-targets).
    #[arg(long, value_name = "NAME", default_value = "schemactl-fleet")]
    pub name: String,
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Pods: the Job's completions, and the pods of each Argo stage after the canary.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub shards: usize,
    /// Targets at once in each pod (default: the fleet's `parallel`, else 8).
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,
    /// Write `job.yaml` / `argo-workflow-template.yaml` into this directory instead of printing them.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct DumpArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// `sql`, or `yaml` (with `.sql` files next to the YAML for what YAML cannot express); or a
    /// picture of the tables and their foreign keys, printed: `mermaid` (an erDiagram) or `dot`
    /// (Graphviz).
    #[arg(long, value_enum, default_value_t = DumpFormat::Sql)]
    pub format: DumpFormat,
    /// One file per object (`portal/tables/users.sql`) instead of one per schema (`portal.sql`).
    #[arg(long, requires = "out")]
    pub split: bool,
    /// The directory to write (created if missing; it must hold no schema files yet). Without it, the
    /// dump is printed.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub scope: crate::scope_args::ScopeArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DumpFormat {
    Sql,
    Yaml,
    Mermaid,
    Dot,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// SQL files to lint. Without any: the up and down sections of every revision.
    #[arg(value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
    /// Allow this hazard kind (repeatable; `all` for every kind) in addition to `allow_hazards`
    /// in schemactl.toml. Any other hazard found exits 6.
    #[arg(long = "allow-hazard", value_name = "KIND")]
    pub allow_hazards: Vec<String>,
}

/// Where throwaway databases come from.
#[derive(Args, Debug, Clone)]
pub struct ShadowArgs {
    /// A server where schemactl may create (and always drops) throwaway databases. Without it,
    /// a throwaway local PostgreSQL cluster is started.
    #[arg(long, env = "SCHEMACTL_DEV_URL", hide_env_values = true)]
    pub dev_url: Option<String>,
    /// Use a --dev-url server whose major differs from the target database's (or from
    /// `postgres = N` in schemactl.toml), with a warning, instead of refusing it.
    #[arg(long)]
    pub allow_major_mismatch: bool,
    /// What the command manages (`plan`, `status` and `verify` read catalogs with it).
    #[command(flatten)]
    pub scope: crate::scope_args::ScopeArgs,
}

/// Which database to talk to, and how patiently.
#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// The database address (URL or conninfo). Default: --env, then $DATABASE_URL, then PG* variables.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// An environment from schemactl.toml.
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// Keep retrying the connection (with backoff) this long while the database comes up: 60s, 2m, 500ms.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub wait: std::time::Duration,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The directory to scaffold (created if missing).
    #[arg(default_value = ".")]
    pub dir: std::path::PathBuf,
}

#[derive(Args, Debug)]
pub struct RebaseArgs {
    /// A revision (id, prefix or file name) of the branch whose revisions stay as they are.
    /// Default: the branch git merged into, else the branch planned first.
    #[arg(long, value_name = "REV")]
    pub keep: Option<String>,
    /// Objects both branches changed differently are planned as schema/ declares them (as
    /// the merge was settled there), instead of stopping with the list (exit 9).
    #[arg(long)]
    pub take_schema: bool,
    /// Plan online (CREATE INDEX CONCURRENTLY...) or not, as `plan` does.
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The revision message (required unless --dry-run or --check).
    #[arg(short, long)]
    pub message: Option<String>,
    /// Print the plan, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write nothing; exit 2 when schema/ and generated/ disagree (the CI gate).
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,
    /// How the plan is printed.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Allow steps with this hazard kind (repeatable; `all` for every kind) in addition to
    /// `allow_hazards` in schemactl.toml. Without it, a plan with other hazards is not written.
    #[arg(long = "allow-hazard", value_name = "KIND")]
    pub allow_hazards: Vec<String>,
    /// Plain DDL (CREATE INDEX, ADD CONSTRAINT, SET NOT NULL as they are) even where
    /// schemactl.toml says `online = true` (the default).
    #[arg(long)]
    pub offline: bool,
    /// The revision is a baseline that takes over from another tool's history: `alembic:REV`
    /// (the Alembic revision the dumped database was at), or `alembic` to read REV from the
    /// database's `alembic_version` (--db, --env or $DATABASE_URL). `stamp` and `apply` then
    /// refuse a database whose `alembic_version` records another revision.
    #[arg(long, value_name = "TOOL[:REV]")]
    pub replaces: Option<String>,
    /// With `--replaces alembic`: the database to read the Alembic revision from.
    #[arg(long, value_name = "URL", requires = "replaces")]
    pub db: Option<String>,
    /// With `--replaces alembic`: the environment (schemactl.toml) to read it from.
    #[arg(long, value_name = "NAME", requires = "replaces")]
    pub env: Option<String>,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

#[derive(Args, Debug)]
pub struct RevisionArgs {
    /// The revision message.
    #[arg(short, long)]
    pub message: String,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// `human` (the default) or `json` (a versioned document, see docs/json.md; not with --sql).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human, conflicts_with = "sql")]
    pub format: ReportFormat,
    /// Where to stop: `head` (default), a revision id (or unique prefix), or `+N` for the next N.
    #[arg(long, value_name = "REV|+N", default_value = "head")]
    pub to: String,
    /// Print the pending revisions as one SQL script (bookkeeping included) instead of running them.
    #[arg(long)]
    pub sql: bool,
    /// With --sql: render from this revision (`base` for the start) without connecting.
    #[arg(long, value_name = "REV", requires = "sql")]
    pub from: Option<String>,
    /// How long to wait for the advisory lock another applier holds.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
    /// Run revisions even when the objects they change differ from what they were planned
    /// against (the drift guard refuses otherwise, exit 7).
    #[arg(long)]
    pub force: bool,
    /// Allow revisions with this hazard kind (repeatable; `all` for every kind) in addition to the
    /// environment's `allow_hazards`. Revisions with other hazards are refused (exit 6).
    #[arg(long = "allow-hazard", value_name = "KIND")]
    pub allow_hazards: Vec<String>,
    /// An address that reaches PostgreSQL itself, for when the database address leads to a
    /// pooler in transaction mode (PgBouncer): the lock, the bookkeeping and every statement run
    /// on it. Default: the environment's `direct_url`/`direct_url_env` in schemactl.toml.
    #[arg(long, value_name = "URL")]
    pub direct_url: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub fleet: FleetRunArgs,
}

/// Many databases instead of one (README, "Many databases"): where the targets come from.
#[derive(Args, Debug, Default, Clone)]
#[command(next_help_heading = "Many databases (fleets)")]
pub struct TargetArgs {
    /// A targets file: one database per line, a postgresql:// URL or env:NAME, then key=value
    /// labels (`name=` names it).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["targets_query", "targets_cmd", "fleet_name"])]
    pub targets: Option<std::path::PathBuf>,
    /// A query on the control database whose rows are targets: column `url` (else the first)
    /// and labels (every other column).
    #[arg(long, value_name = "SQL", conflicts_with_all = ["targets_cmd", "fleet_name"])]
    pub targets_query: Option<String>,
    /// The control database of --targets-query. Default: the fleet's `control_url_env`, else the
    /// environment's database (--env, $DATABASE_URL).
    #[arg(long, value_name = "URL")]
    pub control_url: Option<String>,
    /// A command (run by `sh -c`) that prints a targets file.
    #[arg(long, value_name = "CMD", conflicts_with = "fleet_name")]
    pub targets_cmd: Option<String>,
    /// A fleet of schemactl.toml (`[fleets.NAME]`): its targets, stages, parallelism, timeout.
    #[arg(long = "fleet", id = "fleet_name", value_name = "NAME")]
    pub fleet: Option<String>,
    /// How many targets at once (default: the fleet's `parallel`, else 8).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub parallel: Option<u32>,
    /// Only this part of the targets: I of N (0-based), as a Kubernetes Indexed Job's
    /// $(JOB_COMPLETION_INDEX)/N. Shards partition every stage exactly.
    #[arg(long, value_name = "I/N", value_parser = schemactl_fleet::Shard::parse)]
    pub shard: Option<schemactl_fleet::Shard>,
}

impl TargetArgs {
    /// Some source of targets was given: the command runs on a fleet.
    pub fn any(&self) -> bool {
        self.targets.is_some() || self.targets_query.is_some() || self.targets_cmd.is_some() || self.fleet.is_some()
    }
}

/// How `apply --targets` runs (besides the fleet's settings).
#[derive(Args, Debug, Default, Clone)]
#[command(next_help_heading = "Many databases (fleets)")]
pub struct FleetRunArgs {
    /// Run only this stage of the fleet (Argo runs one stage per step).
    #[arg(long, value_name = "NAME")]
    pub stage: Option<String>,
    /// Write the run's JSON report (each target's revision before and after, outcome, error).
    #[arg(long, value_name = "FILE")]
    pub report: Option<std::path::PathBuf>,
    /// How long one target may take, retries included (default: the fleet's `timeout`, else none).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub target_timeout: Option<std::time::Duration>,
    /// Further tries for a target that was unreachable or did not get a lock (default: the
    /// fleet's `retries`, else 2).
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// What a failed target does, for every stage: `halt` (start nothing more) or `continue`.
    /// Default: each stage's `on_error`, else halt.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub on_error: Option<OnErrorArg>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnErrorArg {
    Halt,
    Continue,
}

#[derive(Args, Debug)]
pub struct DownArgs {
    /// `-N`, as Alembic's `downgrade -1`: undo the last N revisions (the same as `-n N`).
    #[arg(
        value_name = "-N",
        allow_negative_numbers = true,
        value_parser = parse_relative,
        conflicts_with_all = ["count", "to"]
    )]
    pub relative: Option<usize>,
    /// Undo this many revisions (default 1).
    #[arg(short = 'n', long = "count", value_name = "N", conflicts_with = "to")]
    pub count: Option<usize>,
    /// Undo down to this revision (it stays applied); `base` undoes everything.
    #[arg(long, value_name = "REV")]
    pub to: Option<String>,
    /// Print the down script instead of running it.
    #[arg(long)]
    pub sql: bool,
    /// Undo the applied revisions that no revision file has (a branch's, re-planned or dropped
    /// since), newest first, each from the down SQL the database stored when it applied it.
    #[arg(long, conflicts_with_all = ["count", "to", "sql"])]
    pub unknown: bool,
    /// How long to wait for the advisory lock another applier holds.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
    /// Allow down sections with this hazard kind (repeatable; `all` for every kind) in addition
    /// to the environment's `allow_hazards`. Down sections with other hazards are refused (exit 6).
    #[arg(long = "allow-hazard", value_name = "KIND")]
    pub allow_hazards: Vec<String>,
    /// An address that reaches PostgreSQL itself, for when the database address leads to a
    /// pooler in transaction mode (PgBouncer): the lock, the bookkeeping and every statement run
    /// on it. Default: the environment's `direct_url`/`direct_url_env` in schemactl.toml.
    #[arg(long, value_name = "URL")]
    pub direct_url: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// `human` (the default) or `json` (a versioned document, see docs/json.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub db: DbArgs,
    /// Skip the drift check (it loads the revisions into a shadow database).
    #[arg(long)]
    pub no_drift: bool,
    #[command(flatten)]
    pub targets: TargetArgs,
    /// Report only: exit 0 even when revisions are pending (else 8) or the schema drifted
    /// (else 7).
    #[arg(long)]
    pub exit_zero: bool,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// `human` (the default) or `json` (a versioned document, see docs/json.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// List the revision files only, without asking a database what it applied.
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Args, Debug)]
pub struct CurrentArgs {
    /// `human` (the default) or `json` (a versioned document, see docs/json.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Also the revision's message, when and by whom it was applied, and its file (`-v`, the
    /// global flag, means this here too).
    #[arg(long)]
    pub verbose: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The revision: an id, a unique prefix, a file name, or `head`.
    pub revision: String,
    /// The database to ask whether it applied the revision (else --env, else $DATABASE_URL;
    /// without any, only the file is shown).
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Args, Debug)]
pub struct StampArgs {
    /// The revision to record as current: an id, a unique prefix, `head`, or `base` (forget all).
    pub revision: String,
    /// An address that reaches PostgreSQL itself, for when the database address leads to a
    /// pooler in transaction mode (PgBouncer): the lock, the bookkeeping and every statement run
    /// on it. Default: the environment's `direct_url`/`direct_url_env` in schemactl.toml.
    #[arg(long, value_name = "URL")]
    pub direct_url: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

/// `down -N`: a minus sign, then how many revisions to undo (at least 1).
pub fn parse_relative(text: &str) -> Result<usize, String> {
    match text.strip_prefix('-').map(str::parse::<usize>) {
        Some(Ok(n)) if n > 0 => Ok(n),
        Some(_) => Err("expected -N, how many revisions to undo, at least 1 (`down -1` undoes the last one)".into()),
        None => Err(format!(
            "expected -N, how many revisions to undo (`down -1` undoes the last one); to undo down to a revision: --to {}",
            schemactl_sqltext::visible(text)
        )),
    }
}

/// `60s`, `2m`, `1h`, `500ms`, or a number of seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    schemactl_config::parse_duration(text)
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The current state: a database URL (postgres://, postgresql://, postgresql+psycopg2://),
    /// a .sql file, or a directory of .sql files. Omitted: an empty database.
    #[arg(long)]
    pub from: Option<String>,
    /// The desired state, in any of the forms --from accepts.
    #[arg(long)]
    pub to: String,
    /// A server where schemactl may create (and always drops) throwaway databases to load
    /// schema files. Without it, a throwaway local PostgreSQL cluster is started.
    #[arg(long, env = "SCHEMACTL_DEV_URL", hide_env_values = true)]
    pub dev_url: Option<String>,
    /// Use a --dev-url server whose major differs from the --from/--to database's (or from
    /// `postgres = N` in schemactl.toml), with a warning, instead of refusing it.
    #[arg(long)]
    pub allow_major_mismatch: bool,
    /// Output: `sql` (an executable script, empty when in sync), `human` (a review summary),
    /// `json` (the plan as data), `markdown` (for a pull-request comment).
    #[arg(long, value_enum, default_value_t = Format::Sql)]
    pub format: Format,
    /// Fail when either side holds objects schemactl does not manage, instead of listing them.
    #[arg(long)]
    pub strict: bool,
    /// Online DDL for tables that exist (the default): CREATE/DROP INDEX CONCURRENTLY,
    /// constraints NOT VALID then VALIDATE, SET NOT NULL through a validated check.
    #[arg(long, conflicts_with = "offline")]
    pub online: bool,
    /// Plain DDL, all of it able to run in one transaction.
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub scope: crate::scope_args::ScopeArgs,
}

/// How a command's result is printed (`status`, `history`, `current`, `apply`, `verify`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// `human` (the default) or `json` (a versioned document, see docs/json.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Sql,
    Human,
    Json,
    Markdown,
}
