use clap::{Args, Parser, Subcommand, ValueEnum};

/// Declarative PostgreSQL schemas: keep the schema you want in files, let PostgreSQL work out
/// the difference, review it, apply it.
#[derive(Parser, Debug)]
#[command(name = "schemactl", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the plan that turns one schema (--from) into another (--to).
    Diff(DiffArgs),
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
    /// Output: `sql` (an executable script, empty when in sync), `human` (a review summary),
    /// `json` (the plan as data).
    #[arg(long, value_enum, default_value_t = Format::Sql)]
    pub format: Format,
    /// Fail when either side holds objects schemactl does not manage, instead of listing them.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Sql,
    Human,
    Json,
}
