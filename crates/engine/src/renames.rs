//! Renames declared by `-- schemactl:renamed-from` annotations (see `schemactl_source::Rename`).
//!
//! A renamed object would otherwise be planned as a drop and a create, losing its data. Each
//! annotation whose old name exists in the current state (and whose new name does not) is run
//! as `ALTER ... RENAME` on a shadow database holding that state, so that PostgreSQL itself
//! updates everything that refers to the object (views, indexes, foreign keys, sequences'
//! `OWNED BY`, defaults); the state is read again and the plan made from it. The plan then
//! starts with the renames, and its inverse ends with the inverse renames.
//!
//! Names PostgreSQL derived from a renamed table or column (`users_pkey`, `users_email_key`,
//! `users_id_seq`) are not renamed with it; when the desired state has the same constraint,
//! index or owned sequence under the new derived name, it is renamed too ("implied"), so that
//! a table rename does not rebuild its primary key or reset its serial sequence.

use crate::error::{Error, Result};
use crate::source::{close_all, Opened, Source};
use crate::{states, Engine, Level};
use schemactl_model::{Catalog, QualName, RenameKind};
use schemactl_plan::renames::{implied, Around, RenameOp};
use schemactl_plan::Plan;
use schemactl_shadow::Shadow;
use schemactl_source::{Rename, ANNOTATION};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use tokio_postgres::Client;

/// The renames run on a state.
#[derive(Debug, Default)]
pub struct Renamed {
    /// In the order they ran.
    pub ops: Vec<RenameOp>,
    /// The state after them; `None` when none ran.
    pub catalog: Option<Catalog>,
}

impl Renamed {
    /// Puts the renames at the start of `up` and their inverses at the end of `down`.
    pub fn wrap(&self, up: &mut Plan, down: Option<&mut Plan>) {
        schemactl_plan::renames::wrap(&self.ops, up, down);
    }
}

/// The rename an annotation asks for, in the object's desired schema (a move is planned by
/// [`moves`]).
fn op_of(r: &Rename) -> RenameOp {
    RenameOp::rename(r.kind, &r.schema, r.table_or_type.as_deref(), &r.old, &r.new)
}

/// The schema the object of `r` is in when its rename runs: its old schema, under the new name
/// an annotation gives that schema (schemas are renamed first).
fn from_schema(r: &Rename, renames: &[Rename]) -> String {
    if r.kind == RenameKind::Schema {
        return r.schema.clone();
    }
    renames
        .iter()
        .find(|s| s.kind == RenameKind::Schema && s.old == r.old_schema)
        .map_or_else(|| r.old_schema.clone(), |s| s.new.clone())
}

/// Remembers the tables whose constraints, indexes and sequences may be named after an old
/// name once `op` ran: a renamed or moved table, the table of a renamed column.
fn touch(op: &RenameOp, tables: &mut BTreeSet<QualName>) {
    match op.kind {
        RenameKind::Table => {
            tables.insert(QualName::new(op.schema_after(), &op.new));
        }
        RenameKind::Column => {
            tables.insert(op.container());
        }
        _ => {}
    }
}

/// What an annotation finds in a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// The old name exists and the new one does not: rename.
    Applies,
    AlreadyRenamed,
    MatchesNothing,
    BothExist,
}

impl Engine {
    /// Runs, on the database behind `client`, every annotated rename that applies (schemas
    /// first, then objects in schemas, then columns, constraints and enum values), then the
    /// implied renames of constraints, indexes and sequences named after a renamed table or
    /// column. Annotations that do not apply become notes.
    pub async fn rename(&self, client: &Client, renames: &[Rename], desired: &Catalog) -> Result<Renamed> {
        let mut ordered: Vec<&Rename> = renames.iter().collect();
        ordered.sort_by_key(|r| r.kind.phase());
        let mut renamed = Renamed::default();
        let mut tables = BTreeSet::new();
        let swaps = swap_cycles(renames);
        let mut swapped: BTreeSet<usize> = BTreeSet::new();
        for r in ordered {
            if let Some((index, cycle)) = swaps.iter().enumerate().find(|(_, c)| c.iter().any(|m| std::ptr::eq(*m, r)))
            {
                if swapped.insert(index) {
                    self.swap(client, cycle, desired, &mut renamed, &mut tables).await?;
                }
                continue;
            }
            let from = from_schema(r, renames);
            let status = status(client, r, &from).await?;
            self.report(r, status);
            if status != Status::Applies {
                continue;
            }
            let ops = if from == r.schema { vec![op_of(r)] } else { moves(client, r, &from).await? };
            for op in ops {
                execute(client, &op, &format!("{}: renaming {}", r.location(), r.describe_old())).await?;
                touch(&op, &mut tables);
                renamed.ops.push(op);
            }
        }
        if renamed.ops.is_empty() {
            return Ok(renamed);
        }
        let mut catalog = self.read(client).await?;
        let mut implied_ran = false;
        let ops = implied(&catalog, desired, &tables);
        // Tables that exchanged names exchange their keys' names too: a name another implied
        // rename frees is taken until that one ran, so such renames wait under a temporary name.
        let frees = |op: &RenameOp| ops.iter().any(|o| o.schema == op.schema && o.old == op.new);
        let mut blocked = Vec::new();
        for op in &ops {
            blocked.push(frees(op) && relation_taken(client, op).await?);
        }
        let (mut waiting, mut parked) = (Vec::new(), Vec::new());
        for (op, blocked) in ops.iter().zip(blocked) {
            if blocked {
                let aside = RenameOp { new: swap_name(&op.old), ..op.clone() };
                execute(client, &aside, &format!("renaming {} aside", op.describe(&op.old))).await?;
                renamed.ops.push(aside.clone());
                parked.push((RenameOp { old: aside.new, ..op.clone() }, op.old.clone()));
            } else {
                waiting.push((op.clone(), op.old.clone()));
            }
        }
        waiting.extend(parked);
        for (op, was) in waiting {
            if relation_taken(client, &op).await? {
                if op.old != was {
                    // Parked, and its name still taken: put it back, the plan handles it.
                    let back = RenameOp { new: was, ..op };
                    execute(client, &back, "putting back a rename").await?;
                    renamed.ops.push(back);
                }
                continue;
            }
            execute(client, &op, &format!("renaming {}", op.describe(&was))).await?;
            self.note(
                Level::Note,
                None,
                format!("also renaming {} to {} (named after a renamed table or column)", op.describe(&was), op.new),
            );
            renamed.ops.push(op);
            implied_ran = true;
        }
        if implied_ran {
            catalog = self.read(client).await?;
        }
        renamed.catalog = Some(catalog);
        Ok(renamed)
    }

    /// Runs the inverse renames on `client`, which must then hold `before` again (checked).
    pub async fn undo_renames(&self, renamed: &Renamed, client: &Client, before: &Catalog) -> Result<()> {
        for op in renamed.ops.iter().rev() {
            execute(client, &op.inverse(), "undoing a rename").await?;
        }
        if !renamed.ops.is_empty() {
            let now = self.read(client).await?;
            if !now.same_schema(before) {
                return Err(Error::Diverged(
                    "undoing the renames on a copy of the current state did not restore it (please report this)".into(),
                ));
            }
        }
        Ok(())
    }

    /// `diff`: runs the renames on the current side. A shadow database is renamed in place. A
    /// live database (`live`) is never changed: when some annotation may apply to it, the
    /// script that creates its schema is loaded into a fresh shadow database and the renames
    /// run there.
    pub async fn rename_for_diff(
        &self,
        live: bool,
        current: &Opened,
        desired: &Opened,
        renames: &[Rename],
        shadow: Option<&Shadow>,
    ) -> Result<Renamed> {
        if renames.is_empty() {
            return Ok(Renamed::default());
        }
        if !live {
            return self.rename(&current.client, renames, &desired.catalog).await;
        }
        if !may_apply(&current.client, renames).await? {
            for r in renames {
                self.report(r, status(&current.client, r, &from_schema(r, renames)).await?);
            }
            return Ok(Renamed::default());
        }
        let Some(shadow) = shadow else {
            return Err(Error::Usage("planning renames needs a shadow database".into()));
        };
        let empty = self.open_all(shadow, &[&Source::Empty]).await?;
        let script = states::creation_script(&empty[0].catalog, &current.catalog);
        close_all(shadow, empty).await;
        let statements = schemactl_source::split_script(Path::new("(schema of --from)"), &script?)?;
        let copy = self.open_all(shadow, &[&Source::Script { statements }]).await.map_err(|e| Error::Database {
            context: "planning renames: loading the schema of the --from database into a shadow database".into(),
            message: e.to_string(),
        })?;
        let result = async {
            let copy = &copy[0];
            let difference = schemactl_plan::plan(&current.catalog, &copy.catalog)?;
            if !difference.steps.is_empty() {
                return Err(Error::Diverged(format!(
                    "planning renames: a shadow copy of the --from database differs from it by {} step(s) (please report this):\n{}",
                    difference.steps.len(),
                    schemactl_plan::render_sql(&difference)
                )));
            }
            let mut renamed = self.rename(&copy.client, renames, &desired.catalog).await?;
            if let Some(catalog) = &mut renamed.catalog {
                // What the copy cannot hold: the live database's unmanaged objects and role.
                catalog.unmanaged = current.catalog.unmanaged.clone();
                catalog.session_role = current.catalog.session_role.clone();
            }
            Ok(renamed)
        }
        .await;
        close_all(shadow, copy).await;
        result
    }

    /// Names exchanged among columns of a table, or among tables, views, materialized views,
    /// sequences or enum types of a schema (`a` renamed from `b` and `b` from `a`, or a longer
    /// cycle): every one moves to a temporary name first, then to its new name. Only when every
    /// name of the cycle exists and the definitions show the exchange is still to do (alike
    /// objects look the same exchanged or not: that is refused, not guessed).
    async fn swap(
        &self,
        client: &Client,
        cycle: &[&Rename],
        desired: &Catalog,
        renamed: &mut Renamed,
        tables: &mut BTreeSet<QualName>,
    ) -> Result<()> {
        let mut found = Vec::new();
        for r in cycle {
            found.push(status(client, r, &r.schema).await?);
        }
        if found.iter().any(|s| *s != Status::BothExist) || !swappable(cycle[0].kind) {
            for (r, s) in cycle.iter().zip(found) {
                self.report(r, s);
            }
            return Ok(());
        }
        // Both names exist before the exchange and after it: only the definitions tell whether
        // it is still to do. It is when the objects match the schema once exchanged and do not
        // as they are.
        let current = self.read(client).await?;
        let exchanged = cycle.iter().all(|r| definition(&current, r, &r.old) == definition(desired, r, &r.new));
        let as_is = cycle.iter().all(|r| definition(&current, r, &r.new) == definition(desired, r, &r.new));
        let kinds = format!("{}s", cycle[0].kind.as_str());
        if !exchanged || as_is {
            let names: Vec<String> = cycle.iter().map(|r| format!("{} -> {}", r.old, r.new)).collect();
            self.note(
                Level::Warning,
                Some(cycle[0].location()),
                format!(
                    "names not exchanged ({}): {}; remove the annotations once applied, and write a \
                     revision by hand (`schemactl revision`) to exchange {kinds} that are alike",
                    names.join(", "),
                    if as_is {
                        format!("the {kinds} already match the schema files (exchanged before, or alike)")
                    } else {
                        "exchanging them would not make them match the schema files".to_string()
                    }
                ),
            );
            return Ok(());
        }
        let parked: Vec<RenameOp> = cycle.iter().map(|r| RenameOp { new: swap_name(&r.old), ..op_of(r) }).collect();
        for (r, op) in cycle.iter().zip(&parked) {
            execute(client, op, &format!("{}: moving {} aside", r.location(), r.describe(&r.old))).await?;
        }
        let mut finals = Vec::new();
        for (r, op) in cycle.iter().zip(&parked) {
            let last = RenameOp { old: op.new.clone(), ..op_of(r) };
            execute(client, &last, &format!("{}: renaming {}", r.location(), r.describe(&r.old))).await?;
            touch(&last, tables);
            finals.push(last);
        }
        // In the order they ran: `down` runs the inverses backwards, which undoes the exchange.
        renamed.ops.extend(parked);
        renamed.ops.extend(finals);
        let names: Vec<String> = cycle.iter().map(|r| format!("{} -> {}", r.old, r.new)).collect();
        self.note(
            Level::Note,
            Some(cycle[0].location()),
            format!("names exchanged through temporary names: {}", names.join(", ")),
        );
        Ok(())
    }

    fn report(&self, r: &Rename, status: Status) {
        let at = Some(r.location());
        match status {
            Status::Applies => {}
            Status::AlreadyRenamed => self.note(
                Level::Note,
                at,
                format!(
                    "{} is already renamed (from {}); the annotation can be removed",
                    r.describe(&r.new),
                    r.describe_old()
                ),
            ),
            Status::MatchesNothing => self.note(
                Level::Warning,
                at,
                format!(
                    "`-- {ANNOTATION} {}` matches nothing: neither {} nor {} exists in the current state",
                    written_old(r),
                    r.describe_old(),
                    r.describe(&r.new)
                ),
            ),
            Status::BothExist => self.note(
                Level::Warning,
                at,
                format!("not renamed: both {} and {} exist in the current state", r.describe_old(), r.describe(&r.new)),
            ),
        }
    }
}

/// Whether some annotation may apply to the database behind `client`, checked read-only: its
/// old name exists in its container under the container's new name or under an old name an
/// annotation gives the container. Never false when [`Engine::rename`] would rename something.
async fn may_apply(client: &Client, renames: &[Rename]) -> Result<bool> {
    let olds = |kind: RenameKind, schema: Option<&str>, new: &str| -> Vec<String> {
        let mut names = vec![new.to_string()];
        names.extend(
            renames
                .iter()
                .filter(|r| r.kind == kind && schema.is_none_or(|s| r.schema == s) && r.new == new)
                .map(|r| r.old.clone()),
        );
        names
    };
    for r in renames {
        if r.kind == RenameKind::Schema {
            if exists(client, &op_of(r), &r.old).await? {
                return Ok(true);
            }
            continue;
        }
        let container_kind = if r.kind == RenameKind::EnumValue { RenameKind::Type } else { RenameKind::Table };
        for schema in olds(RenameKind::Schema, None, &r.old_schema) {
            let containers = match &r.table_or_type {
                Some(c) => olds(container_kind, Some(&r.schema), c).into_iter().map(Some).collect(),
                None => vec![None],
            };
            for container in containers {
                let op = RenameOp { schema: schema.clone(), container, ..op_of(r) };
                if exists(client, &op, &r.old).await? {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

/// The plan from `from` to `to`, a state read from the database behind `to_client`, CHECK
/// expressions reconciled as `states::plan_from` does.
pub async fn plan_to(
    from: &Catalog,
    to: &Catalog,
    to_client: &Client,
    options: &schemactl_plan::PlanOptions,
) -> Result<Plan> {
    let mut wanted = to.clone();
    schemactl_introspect::reconcile_checks(from, &mut wanted, to_client).await;
    schemactl_plan::plan_with(from, &wanted, options).map_err(Error::from)
}

/// Annotations that exchange names: cycles of one kind and container in which each new name
/// is another's old name (`a` from `b`, `b` from `a`).
fn swap_cycles(renames: &[Rename]) -> Vec<Vec<&Rename>> {
    let place = |r: &Rename| (r.kind, r.schema.clone(), r.table_or_type.clone());
    // Moves take no part: their old name is in another schema.
    let renames: Vec<&Rename> = renames.iter().filter(|r| !r.moves()).collect();
    let mut cycles: Vec<Vec<&Rename>> = Vec::new();
    for &start in &renames {
        if cycles.iter().flatten().any(|m| std::ptr::eq(*m, start)) {
            continue;
        }
        let mut cycle = vec![start];
        let mut current = start;
        loop {
            let next = renames.iter().copied().find(|r| place(r) == place(start) && r.old == current.new);
            match next {
                Some(n) if std::ptr::eq(n, start) => {
                    cycles.push(cycle);
                    break;
                }
                Some(n) if !cycle.iter().any(|m| std::ptr::eq(*m, n)) => {
                    cycle.push(n);
                    current = n;
                }
                _ => break,
            }
        }
    }
    cycles
}

/// Where an object waits during an exchange of names: its old name and a suffix, within
/// PostgreSQL's 63 bytes.
fn swap_name(old: &str) -> String {
    const SUFFIX: &str = "__schemactl_swap";
    let mut keep = old.len().min(63 - SUFFIX.len());
    while !old.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}{SUFFIX}", &old[..keep])
}

/// What `r` finds, its object looked for in `from` (its old schema, see [`from_schema`]).
async fn status(client: &Client, r: &Rename, from: &str) -> Result<Status> {
    let op = op_of(r);
    let old = exists(client, &RenameOp { schema: from.to_string(), ..op.clone() }, &r.old).await?;
    let new = exists(client, &op, &r.new).await?;
    Ok(match (old, new) {
        (true, false) => Status::Applies,
        (false, true) => Status::AlreadyRenamed,
        (false, false) => Status::MatchesNothing,
        (true, true) => Status::BothExist,
    })
}

/// The old name as the annotation gave it: `old_schema.old` for a move.
fn written_old(r: &Rename) -> String {
    if r.moves() {
        format!("{}.{}", r.old_schema, r.old)
    } else {
        r.old.clone()
    }
}

/// The statements that move the object of `r` from schema `from` to its desired schema and
/// name. `SET SCHEMA` keeps the name, so a renamed object is renamed where its new name is
/// free: in its old schema before the move, or in its new one after; through a temporary name
/// when both are taken.
async fn moves(client: &Client, r: &Rename, from: &str) -> Result<Vec<RenameOp>> {
    let (kind, to) = (r.kind, r.schema.as_str());
    let mut ops = if r.old == r.new {
        vec![RenameOp::moving(kind, from, &r.old, to)]
    } else if !name_taken(client, kind, from, &r.new).await? {
        vec![RenameOp::rename(kind, from, None, &r.old, &r.new), RenameOp::moving(kind, from, &r.new, to)]
    } else if !name_taken(client, kind, to, &r.old).await? {
        vec![RenameOp::moving(kind, from, &r.old, to), RenameOp::rename(kind, to, None, &r.old, &r.new)]
    } else {
        let aside = swap_name(&r.old);
        vec![
            RenameOp::rename(kind, from, None, &r.old, &aside),
            RenameOp::moving(kind, from, &aside, to),
            RenameOp::rename(kind, to, None, &aside, &r.new),
        ]
    };
    // A schema the files add: it must exist before anything moves into it.
    if !schema_exists(client, to).await? {
        if let Some(first) = ops.iter_mut().find(|op| op.moved_to.is_some()) {
            first.schemas = Around::CreateTarget;
        }
    }
    Ok(ops)
}

async fn schema_exists(client: &Client, name: &str) -> Result<bool> {
    let row = client
        .query_one("SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $1)", &[&name])
        .await
        .map_err(|e| Error::Database {
            context: format!("looking for schema {name}"),
            message: schemactl_connect::server_message(&e),
        })?;
    Ok(row.get(0))
}

/// Whether `name` is used in `schema` where an object of `kind` would collide with it:
/// relations and types share one namespace (a table is also a type), routines another.
async fn name_taken(client: &Client, kind: RenameKind, schema: &str, name: &str) -> Result<bool> {
    let query = if kind == RenameKind::Routine { ROUTINE } else { RELATION_OR_TYPE };
    let row = client.query_one(query, &[&schema, &name]).await.map_err(|e| Error::Database {
        context: format!("looking for {schema}.{name}"),
        message: schemactl_connect::server_message(&e),
    })?;
    Ok(row.get(0))
}

/// What [`Engine::swap`] can compare: the definition of an object of a cycle under `name`,
/// without its name.
fn swappable(kind: RenameKind) -> bool {
    matches!(
        kind,
        RenameKind::Column
            | RenameKind::Table
            | RenameKind::View
            | RenameKind::MaterializedView
            | RenameKind::Sequence
            | RenameKind::Type
    )
}

/// The definition of the object of `r` called `name` in `catalog`, without its name, for
/// [`Engine::swap`]; `None` when there is none.
fn definition(catalog: &Catalog, r: &Rename, name: &str) -> Option<String> {
    let qual = QualName::new(&r.schema, name);
    match r.kind {
        RenameKind::Column => {
            let table = QualName::new(&r.schema, r.table_or_type.as_deref().unwrap_or_default());
            let mut c = catalog.tables.get(&table)?.column(name)?.clone();
            c.name = Arc::from("");
            c.not_null_name = None;
            Some(format!("{c:?}"))
        }
        RenameKind::Table => {
            // The columns tell the tables apart; constraint and index names derive from the
            // table's name and follow it (implied renames).
            let mut columns = catalog.tables.get(&qual)?.columns.clone();
            for c in &mut columns {
                c.not_null_name = None;
            }
            Some(format!("{columns:?}"))
        }
        RenameKind::Sequence => Some(format!("{:?}", catalog.sequences.get(&qual)?.options)),
        RenameKind::Type => Some(format!("{:?}", catalog.types.get(&qual)?.kind)),
        RenameKind::View | RenameKind::MaterializedView => {
            let kind = if r.kind == RenameKind::View {
                schemactl_model::ObjectKind::View
            } else {
                schemactl_model::ObjectKind::MaterializedView
            };
            let id = schemactl_model::ObjectId { kind, schema: r.schema.clone(), name: name.into(), table: None };
            let create = &catalog.objects.get(&id)?.create;
            Some(create.replacen(&schemactl_sqltext::qualified(&qual), "", 1))
        }
        _ => None,
    }
}

async fn execute(client: &Client, op: &RenameOp, context: &str) -> Result<()> {
    client.batch_execute(&op.sql()).await.map_err(|e| Error::Database {
        context: format!("{context} ({})", op.sql()),
        message: e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_string()),
    })
}

const ROUTINE: &str = "SELECT EXISTS (SELECT FROM pg_catalog.pg_proc p \
     JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
     WHERE n.nspname = $1 AND p.proname = $2 AND p.prokind IN ('f', 'p'))";

const RELATION_OR_TYPE: &str = "SELECT EXISTS (SELECT FROM pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2) \
     OR EXISTS (SELECT FROM pg_catalog.pg_type t \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2)";

const RELATION: &str = "SELECT EXISTS (SELECT FROM pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind::text = ANY ($3::text[]))";

const TYPE: &str = "SELECT EXISTS (SELECT FROM pg_catalog.pg_type t \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
     LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid \
     WHERE n.nspname = $1 AND t.typname = $2 \
       AND (t.typtype::text = ANY ($3::text[]) OR (t.typtype = 'c' AND c.relkind = 'c' AND 'c' = ANY ($3::text[]))))";

const COLUMN: &str = "SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute a \
     JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') \
       AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped)";

const CONSTRAINT: &str = "SELECT EXISTS (SELECT FROM pg_catalog.pg_constraint k \
     JOIN pg_catalog.pg_class c ON c.oid = k.conrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = $1 AND c.relname = $2 AND k.conname = $3)";

const ENUM_VALUE: &str = "SELECT EXISTS (SELECT FROM pg_catalog.pg_enum e \
     JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
     WHERE n.nspname = $1 AND t.typname = $2 AND e.enumlabel = $3)";

/// Whether the object `op` renames exists under `name` (in `op`'s schema and container).
async fn exists(client: &Client, op: &RenameOp, name: &str) -> Result<bool> {
    let container = op.container.clone().unwrap_or_default();
    let kinds = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    let row = match op.kind {
        RenameKind::Schema => {
            client.query_one("SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $1)", &[&name]).await
        }
        RenameKind::Table => client.query_one(RELATION, &[&op.schema, &name, &kinds(&["r", "p"])]).await,
        RenameKind::View => client.query_one(RELATION, &[&op.schema, &name, &kinds(&["v"])]).await,
        RenameKind::MaterializedView => client.query_one(RELATION, &[&op.schema, &name, &kinds(&["m"])]).await,
        RenameKind::Sequence => client.query_one(RELATION, &[&op.schema, &name, &kinds(&["S"])]).await,
        RenameKind::Index => client.query_one(RELATION, &[&op.schema, &name, &kinds(&["i", "I"])]).await,
        RenameKind::Type => client.query_one(TYPE, &[&op.schema, &name, &kinds(&["e", "r", "c"])]).await,
        RenameKind::Domain => client.query_one(TYPE, &[&op.schema, &name, &kinds(&["d"])]).await,
        RenameKind::Column => client.query_one(COLUMN, &[&op.schema, &container, &name]).await,
        RenameKind::Constraint => client.query_one(CONSTRAINT, &[&op.schema, &container, &name]).await,
        RenameKind::EnumValue => client.query_one(ENUM_VALUE, &[&op.schema, &container, &name]).await,
        RenameKind::Routine => client.query_one(ROUTINE, &[&op.schema, &name]).await,
    };
    let row = row.map_err(|e| Error::Database {
        context: format!("looking for {}", op.describe(name)),
        message: schemactl_connect::server_message(&e),
    })?;
    Ok(row.get(0))
}

/// Whether an implied rename's new name is already used by a relation of its schema (an index
/// or sequence, or the index behind a constraint, would collide): such a rename is left to the
/// plan.
async fn relation_taken(client: &Client, op: &RenameOp) -> Result<bool> {
    let all = ["r", "p", "v", "m", "S", "i", "I", "c", "f"].map(String::from).to_vec();
    let row = client.query_one(RELATION, &[&op.schema, &op.new, &all]).await.map_err(|e| Error::Database {
        context: format!("looking for relation {}.{}", op.schema, op.new),
        message: schemactl_connect::server_message(&e),
    })?;
    Ok(row.get(0))
}
