//! Sources (a database, schema files, a script of migrations) and reading them into catalogs.

use crate::error::{Error, Result};
use crate::{Engine, Level};
use schemactl_connect::DbUrl;
use schemactl_model::{Catalog, QualName};
use schemactl_shadow::{LoadProgress, Shadow};
use schemactl_source::{Rename, Statement};
use std::collections::BTreeMap;
use std::path::Path;
use tokio_postgres::Client;

/// What a catalog is read from.
pub enum Source {
    /// A freshly created database: what `--from` means when omitted.
    Empty,
    Database(Box<DbUrl>),
    /// Schema files: declarations, loaded in dependency order.
    Files {
        statements: Vec<Statement>,
    },
    /// Migration statements (revisions, the state cache), run strictly in order.
    Script {
        statements: Vec<Statement>,
    },
}

impl Source {
    /// A database address or schema files (`*.sql`, `*.yaml`, a directory of them). Files are
    /// read and parsed here, before any database is touched, so syntax errors come back at once.
    pub fn resolve(arg: &str) -> Result<Source> {
        Ok(Source::desired(arg)?.0)
    }

    /// [`Source::resolve`] for the desired side, with the `-- schemactl:renamed-from`
    /// annotations of its schema files (none for a database).
    pub fn desired(arg: &str) -> Result<(Source, Vec<Rename>)> {
        if is_database(arg) {
            return Ok((Source::Database(Box::new(DbUrl::parse(arg)?)), Vec::new()));
        }
        let (statements, renames) = schemactl_yaml::load_schema_files_with_renames(Path::new(arg))?;
        Ok((Source::Files { statements }, renames))
    }

    /// The schema text of one SQL file, split and ordered as schema files are.
    pub fn sql_text(file: &Path, text: &str) -> Result<Source> {
        let statements = schemactl_source::parse_source(file, text)?;
        Ok(Source::Files { statements: schemactl_source::order_statements(statements) })
    }

    pub fn needs_shadow(&self) -> bool {
        matches!(self, Source::Files { .. } | Source::Script { .. } | Source::Empty)
    }

    fn statements(&self) -> (&[Statement], bool) {
        match self {
            Source::Files { statements } => (statements, false),
            Source::Script { statements } => (statements, true),
            Source::Empty | Source::Database(_) => (&[], true),
        }
    }
}

/// Whether a SOURCE argument names a database rather than files. A file or directory that
/// exists is files, whatever its name. Anything else that looks like an address, well formed
/// or not (a misspelt scheme, conninfo, `user:password@`), goes to the address parser, whose
/// errors hide the password, rather than to the file reader, which would echo it whole.
pub fn is_database(arg: &str) -> bool {
    if schemactl_connect::looks_like_url(arg) {
        return true;
    }
    if Path::new(arg).exists() {
        return false;
    }
    schemactl_connect::looks_like_address(arg)
}

/// The server's major version, so the shadow can match it.
pub async fn server_major(url: &DbUrl) -> Result<u32> {
    let client = url.connect().await?;
    let row = client.query_one("SELECT current_setting('server_version_num')::int", &[]).await.map_err(|e| {
        Error::Database {
            context: format!("reading the server version of {url}"),
            message: schemactl_connect::server_message(&e),
        }
    })?;
    let num: i32 = row.get(0);
    Ok((num / 10000) as u32)
}

impl Engine {
    /// Starts the shadow `dev_url` names, or an embedded one, of the major wanted: the target
    /// database's (`target`, when the command has one), else the project's `postgres = N`,
    /// else (embedded only) the newest installed. A `--dev-url` server of another major is
    /// refused unless allowed (`--allow-major-mismatch`); then it is used with a warning.
    pub async fn start_shadow(&self, dev_url: Option<&str>, target: Option<u32>) -> Result<Shadow> {
        let dev = dev_url.map(DbUrl::parse).transpose()?;
        if let (Some(target), Some(pin)) = (target, schemactl_shadow::pinned_major()) {
            if target != pin {
                self.note(
                    Level::Warning,
                    None,
                    format!(
                        "schemactl.toml pins `postgres = {pin}`, but the database runs PostgreSQL {target}: \
                         the shadow is made of {target} to match the database"
                    ),
                );
            }
        }
        let shadow = Shadow::start(dev.as_ref(), target).await?;
        if let Some((wanted, why)) = schemactl_shadow::wanted_major(target) {
            if shadow.major_version() != wanted {
                self.note(
                    Level::Warning,
                    None,
                    format!(
                        "planning on a PostgreSQL {} --dev-url server although {why} (--allow-major-mismatch): \
                         differences in how the two majors print a schema may show up in the plan",
                        shadow.major_version()
                    ),
                );
            }
        }
        Ok(shadow)
    }
}

/// The `-- schemactl:using` conversions of schema files (and YAML `using:`), by column.
fn conversions(source: &Source) -> Result<BTreeMap<(QualName, String), String>> {
    let mut out = BTreeMap::new();
    if let Source::Files { statements } = source {
        for statement in statements {
            for c in schemactl_source::conversions(statement)? {
                out.insert((QualName::new(c.schema, c.table), c.column), c.expression);
            }
        }
    }
    Ok(out)
}

impl Engine {
    /// What a user should hear about the column type changes of a plan: a change PostgreSQL
    /// cannot convert on assignment and no `-- schemactl:using` says how (the plan's explicit
    /// cast fails on rows that do not read as the new type), and annotations with nothing to
    /// convert any more (applied, or on a column that is new).
    /// A column dropped and another of the same type added to the same table, in one plan, is
    /// most often a rename written as a new column: the plan would lose the values. Says how to
    /// keep them, as a note: it may well be meant.
    pub(crate) fn note_rename_candidates(&self, current: &Catalog, desired: &Catalog) {
        for (name, new_table) in &desired.tables {
            let Some(old_table) = current.tables.get(name) else { continue };
            let own = |c: &&schemactl_model::Column| !c.inherited || c.local;
            let mut added: Vec<&schemactl_model::Column> =
                new_table.columns.iter().filter(own).filter(|c| old_table.column(&c.name).is_none()).collect();
            for old in old_table.columns.iter().filter(own).filter(|c| new_table.column(&c.name).is_none()) {
                let Some(i) = added.iter().position(|c| c.data_type == old.data_type) else { continue };
                let new = added.remove(i);
                self.note(
                    Level::Note,
                    None,
                    format!(
                        "{name}: the plan drops column {} and adds column {} of the same type ({}), which loses \
                         the values of {}. If it is a rename, write `-- schemactl:renamed-from {}` on the line \
                         before column {} in schema/ (YAML: `renamed_from: {}`) and plan again",
                        old.name, new.name, old.data_type, old.name, old.name, new.name, old.name
                    ),
                );
            }
        }
    }

    pub(crate) fn note_conversions(&self, current: &Catalog, desired: &Catalog) {
        let changes = schemactl_plan::type_changes(current, desired);
        for change in &changes {
            let key = (change.table.clone(), change.column.clone());
            if change.needs_conversion && !desired.conversions.contains_key(&key) {
                self.note(
                    Level::Warning,
                    None,
                    format!(
                        "{}.{} changes from {} to {}, which PostgreSQL cannot convert on assignment: the plan \
                         casts each value, and fails on any row that does not read as {}. Say how to convert \
                         with `-- schemactl:using EXPRESSION` (YAML: `using:`) directly before the column",
                        change.table, change.column, change.old_type, change.new_type, change.new_type
                    ),
                );
            }
        }
        for (table, column) in desired.conversions.keys() {
            if !changes.iter().any(|c| &c.table == table && &c.column == column) {
                self.note(
                    Level::Note,
                    None,
                    format!(
                        "`-- schemactl:using` on {table}.{column} has nothing to convert (the column keeps \
                         its type here); remove it once every database has the new type"
                    ),
                );
            }
        }
    }
}

/// A source read into a catalog, with the connection kept open for follow-up questions
/// (CHECK reconciliation, renames) and the shadow database to drop afterwards.
pub struct Opened {
    pub catalog: Catalog,
    pub client: Client,
    pub shadow_db: Option<DbUrl>,
    /// The role statements behind `catalog.roles` (a shadow's: see the roles module), so that
    /// a plan run on this database later can be read with them.
    pub declared_roles: Vec<Statement>,
    /// Whether the shadow may create roles its statements name (an embedded one).
    pub create_roles: bool,
}

/// Runs a source's statements on `client`: schema files as the shadow loads them (batches,
/// retried one by one in dependency order), scripts strictly in order. `create_roles` only in
/// a throwaway cluster of our own: roles are cluster-wide.
pub async fn load(client: &Client, source: &Source, create_roles: bool) -> Result<()> {
    load_reporting(client, source, create_roles, &|_| {}).await
}

/// [`load`], with schema files' progress reported to `on` (see `schemactl_shadow::load_reporting`).
async fn load_reporting(
    client: &Client,
    source: &Source,
    create_roles: bool,
    on: &(dyn Fn(&LoadProgress) + Send + Sync),
) -> Result<()> {
    let (statements, in_order) = source.statements();
    if in_order {
        schemactl_shadow::run_script(client, statements, create_roles).await?;
    } else {
        schemactl_shadow::load_reporting(client, statements, create_roles, on).await?;
    }
    Ok(())
}

impl Engine {
    /// Reads the catalog a source describes; files and scripts go through a fresh database of
    /// `shadow`, dropped again when that fails.
    pub async fn open(&self, source: &Source, shadow: Option<&Shadow>) -> Result<Opened> {
        if let Source::Database(url) = source {
            let client = url.connect().await?;
            let catalog = self.read(&client).await?;
            return Ok(Opened { catalog, client, shadow_db: None, declared_roles: Vec::new(), create_roles: false });
        }
        let Some(shadow) = shadow else {
            return Err(Error::Usage("loading schema files needs a shadow database".into()));
        };
        // Read before anything is loaded: a malformed annotation is the user's to fix first.
        let conversions = conversions(source)?;
        let url = shadow.create_database().await?;
        let create_roles = shadow.is_embedded();
        match self.load_and_read(&url, source, create_roles).await {
            Ok((mut catalog, client, declared_roles)) => {
                catalog.conversions = conversions;
                Ok(Opened { catalog, client, shadow_db: Some(url), declared_roles, create_roles })
            }
            Err(e) => {
                let _ = shadow.drop_database(&url).await;
                Err(e)
            }
        }
    }

    /// Opens every source in its own shadow database, concurrently. On any failure the others
    /// are dropped again and the first error returned.
    pub async fn open_all(&self, shadow: &Shadow, sources: &[&Source]) -> Result<Vec<Opened>> {
        // With managed roles, a state's rolled-back roles transaction renames the cluster's
        // roles aside while it runs; another state loading at the same time could then miss
        // one (or create it in the way). One state at a time, then.
        let results = if self.scope().manages_roles() {
            let mut results = Vec::new();
            for s in sources {
                results.push(self.open(s, Some(shadow)).await);
            }
            results
        } else {
            futures_util::future::join_all(sources.iter().map(|s| self.open(s, Some(shadow)))).await
        };
        let mut opened = Vec::new();
        let mut first_error = None;
        for r in results {
            match r {
                Ok(o) => opened.push(o),
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        if let Some(e) = first_error {
            close_all(shadow, opened).await;
            return Err(e);
        }
        Ok(opened)
    }

    async fn load_and_read(
        &self,
        url: &DbUrl,
        source: &Source,
        create_roles: bool,
    ) -> Result<(Catalog, Client, Vec<Statement>)> {
        let client = url.connect().await?;
        let (declared, rest) = self.split_roles(source)?;
        let report = |p: &LoadProgress| self.progress.iter().for_each(|on| on(p));
        load_reporting(&client, rest.as_ref().unwrap_or(source), create_roles, &report).await?;
        // A fresh shadow has no planner statistics on its catalogs (autovacuum is off there):
        // without them the catalog queries can pick quadratic plans on large schemas.
        if source.statements().0.len() > 1000 {
            client
                .batch_execute("ANALYZE pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_depend, pg_catalog.pg_constraint, pg_catalog.pg_index, pg_catalog.pg_sequence, pg_catalog.pg_type, pg_catalog.pg_attrdef")
                .await
                .map_err(|e| Error::Database { context: "analyzing the shadow catalog".into(), message: schemactl_connect::server_message(&e) })?;
        }
        let mut catalog = self.read(&client).await?;
        self.read_declared_roles(&mut catalog, &client, &declared, create_roles).await?;
        Ok((catalog, client, declared))
    }
}

/// Drops the shadow databases behind `opened` (errors are not worth failing a command for:
/// the shadow itself is removed at exit).
pub async fn close_all(shadow: &Shadow, opened: Vec<Opened>) {
    for o in opened {
        if let Some(db) = o.shadow_db {
            drop(o.client);
            let _ = shadow.drop_database(&db).await;
        }
    }
}
