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

use crate::error::{CliError, CliResult};
use crate::sources::{Opened, Source};
use crate::states;
use schemactl_model::{Catalog, ObjKey, ObjectId, ObjectKind, QualName};
use schemactl_plan::{Action, Plan, Step};
use schemactl_shadow::Shadow;
use schemactl_source::{Rename, RenameKind, ANNOTATION};
use schemactl_sqltext::{ident, literal, qualified};
use std::collections::BTreeSet;
use std::path::Path;
use tokio_postgres::Client;

/// One rename, by the names in effect when it runs (containers already renamed).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Op {
    kind: RenameKind,
    schema: String,
    container: Option<String>,
    old: String,
    new: String,
}

impl Op {
    fn from_annotation(r: &Rename) -> Op {
        Op {
            kind: r.kind,
            schema: r.schema.clone(),
            container: r.table_or_type.clone(),
            old: r.old.clone(),
            new: r.new.clone(),
        }
    }

    fn inverse(&self) -> Op {
        Op { old: self.new.clone(), new: self.old.clone(), ..self.clone() }
    }

    fn name(&self, name: &str) -> QualName {
        QualName::new(&self.schema, name)
    }

    fn container(&self) -> QualName {
        self.name(self.container.as_deref().unwrap_or_default())
    }

    fn sql(&self) -> String {
        let rename_to =
            |what: &str| format!("ALTER {what} {} RENAME TO {}", qualified(&self.name(&self.old)), ident(&self.new));
        match self.kind {
            RenameKind::Schema => format!("ALTER SCHEMA {} RENAME TO {}", ident(&self.old), ident(&self.new)),
            RenameKind::Table => rename_to("TABLE"),
            RenameKind::View => rename_to("VIEW"),
            RenameKind::MaterializedView => rename_to("MATERIALIZED VIEW"),
            RenameKind::Sequence => rename_to("SEQUENCE"),
            RenameKind::Index => rename_to("INDEX"),
            RenameKind::Type => rename_to("TYPE"),
            RenameKind::Domain => rename_to("DOMAIN"),
            RenameKind::Column => format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                qualified(&self.container()),
                ident(&self.old),
                ident(&self.new)
            ),
            RenameKind::Constraint => format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                qualified(&self.container()),
                ident(&self.old),
                ident(&self.new)
            ),
            RenameKind::EnumValue => format!(
                "ALTER TYPE {} RENAME VALUE {} TO {}",
                qualified(&self.container()),
                literal(&self.old),
                literal(&self.new)
            ),
        }
    }

    /// The object under the name it has before the step: what the step changes.
    fn key(&self, name: &str) -> ObjKey {
        let object = |kind| ObjKey::Object {
            id: ObjectId { kind, schema: self.schema.clone(), name: name.into(), table: None },
        };
        match self.kind {
            RenameKind::Schema => ObjKey::Schema { name: name.into() },
            RenameKind::Table => ObjKey::Table { name: self.name(name) },
            RenameKind::View => object(ObjectKind::View),
            RenameKind::MaterializedView => object(ObjectKind::MaterializedView),
            RenameKind::Sequence => ObjKey::Sequence { name: self.name(name) },
            RenameKind::Index => ObjKey::Index { name: self.name(name) },
            RenameKind::Type | RenameKind::Domain => ObjKey::Type { name: self.name(name) },
            RenameKind::Column => ObjKey::Column { table: self.container(), column: name.into() },
            RenameKind::Constraint => ObjKey::Constraint { table: self.container(), name: name.into() },
            RenameKind::EnumValue => ObjKey::Type { name: self.container() },
        }
    }

    /// A plan step, grouped with the object under its new name.
    fn step(&self) -> Step {
        self.step_after(&[])
    }

    /// The step when `earlier` renames ran before it: the object it changes is named as it was
    /// before all of them (its schema or table may be one of them), which is what the revision's
    /// drift check must find in the database.
    fn step_after(&self, earlier: &[Op]) -> Step {
        let renamed_from = |kind: RenameKind, schema: Option<&str>, new: &str| {
            earlier
                .iter()
                .find(|e| e.kind == kind && schema.is_none_or(|s| e.schema == s) && e.new == new)
                .map(|e| e.old.clone())
        };
        let mut before = self.clone();
        if self.kind != RenameKind::Schema {
            before.schema = renamed_from(RenameKind::Schema, None, &self.schema).unwrap_or(before.schema);
        }
        if let Some(container) = &self.container {
            let kind = if self.kind == RenameKind::EnumValue { RenameKind::Type } else { RenameKind::Table };
            before.container = renamed_from(kind, Some(&self.schema), container).or(before.container);
        }
        Step::new(Action::Alter, before.key(&self.old), self.sql()).grouped_under(self.key(&self.new).group())
    }

    fn describe(&self, name: &str) -> String {
        let r = Rename {
            kind: self.kind,
            schema: self.schema.clone(),
            table_or_type: self.container.clone(),
            old: self.old.clone(),
            new: self.new.clone(),
            file: Default::default(),
            line: 0,
            column: 0,
        };
        r.describe(name)
    }
}

/// The renames run on a state.
#[derive(Debug, Default)]
pub struct Renamed {
    ops: Vec<Op>,
    /// The state after them; `None` when none ran.
    pub catalog: Option<Catalog>,
}

impl Renamed {
    /// Puts the renames at the start of `up` and their inverses, last renamed first, at the end
    /// of `down` (the plan back from the desired state).
    pub fn wrap(&self, up: &mut Plan, down: Option<&mut Plan>) {
        let mut steps: Vec<Step> = self.ops.iter().enumerate().map(|(i, op)| op.step_after(&self.ops[..i])).collect();
        steps.append(&mut up.steps);
        up.steps = steps;
        if let Some(down) = down {
            down.steps.extend(self.ops.iter().rev().map(|op| op.inverse().step()));
        }
    }

    /// Runs the inverse renames on `client`, which must then hold `before` again (checked).
    pub async fn undo(&self, client: &Client, before: &Catalog) -> CliResult<()> {
        for op in self.ops.iter().rev() {
            execute(client, &op.inverse(), "undoing a rename").await?;
        }
        if !self.ops.is_empty() {
            let now = crate::scope_args::introspect(client).await?;
            if !now.same_schema(before) {
                return Err(CliError::Diverged(
                    "undoing the renames on a copy of the current state did not restore it (please report this)".into(),
                ));
            }
        }
        Ok(())
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

/// Runs, on the database behind `client`, every annotated rename that applies (schemas first,
/// then objects in schemas, then columns, constraints and enum values), then the implied
/// renames of constraints, indexes and sequences named after a renamed table or column.
/// Annotations that do not apply are reported on stderr.
pub async fn apply(client: &Client, renames: &[Rename], desired: &Catalog) -> CliResult<Renamed> {
    let mut ordered: Vec<&Rename> = renames.iter().collect();
    ordered.sort_by_key(|r| r.kind.phase());
    let mut renamed = Renamed::default();
    let mut tables = BTreeSet::new();
    for r in ordered {
        let status = status(client, r).await?;
        report(r, status);
        if status != Status::Applies {
            continue;
        }
        let op = Op::from_annotation(r);
        execute(client, &op, &format!("{}: renaming {}", r.location(), r.describe(&r.old))).await?;
        match op.kind {
            RenameKind::Table => {
                tables.insert(op.name(&op.new));
            }
            RenameKind::Column => {
                tables.insert(op.container());
            }
            _ => {}
        }
        renamed.ops.push(op);
    }
    if renamed.ops.is_empty() {
        return Ok(renamed);
    }
    let mut catalog = crate::scope_args::introspect(client).await?;
    let mut implied_ran = false;
    for op in implied(&catalog, desired, &tables) {
        if relation_taken(client, &op).await? {
            continue;
        }
        execute(client, &op, &format!("renaming {}", op.describe(&op.old))).await?;
        errln!("note: also renaming {} to {} (named after a renamed table or column)", op.describe(&op.old), op.new);
        renamed.ops.push(op);
        implied_ran = true;
    }
    if implied_ran {
        catalog = crate::scope_args::introspect(client).await?;
    }
    renamed.catalog = Some(catalog);
    Ok(renamed)
}

/// `diff`: runs the renames on the current side. A shadow database is renamed in place. A live
/// database (`live`) is never changed: when some annotation may apply to it, the script that
/// creates its schema is loaded into a fresh shadow database and the renames run there.
pub async fn for_diff(
    live: bool,
    current: &Opened,
    desired: &Opened,
    renames: &[Rename],
    shadow: Option<&Shadow>,
) -> CliResult<Renamed> {
    if renames.is_empty() {
        return Ok(Renamed::default());
    }
    if !live {
        return apply(&current.client, renames, &desired.catalog).await;
    }
    if !may_apply(&current.client, renames).await? {
        report_all(&current.client, renames).await?;
        return Ok(Renamed::default());
    }
    let Some(shadow) = shadow else {
        return Err(CliError::Usage("planning renames needs a shadow database".into()));
    };
    let empty = states::open_all(shadow, &[&Source::Empty]).await?;
    let script = states::creation_script(&empty[0].catalog, &current.catalog);
    states::close_all(shadow, empty).await;
    let statements = schemactl_source::split_script(Path::new("(schema of --from)"), &script?)?;
    let copy = states::open_all(shadow, &[&Source::Script { statements }]).await.map_err(|e| CliError::Database {
        context: "planning renames: loading the schema of the --from database into a shadow database".into(),
        message: e.to_string(),
    })?;
    let result = async {
        let copy = &copy[0];
        let difference = schemactl_plan::plan(&current.catalog, &copy.catalog)?;
        if !difference.steps.is_empty() {
            return Err(CliError::Diverged(format!(
                "planning renames: a shadow copy of the --from database differs from it by {} step(s) (please report this):\n{}",
                difference.steps.len(),
                schemactl_plan::render_sql(&difference)
            )));
        }
        let mut renamed = apply(&copy.client, renames, &desired.catalog).await?;
        if let Some(catalog) = &mut renamed.catalog {
            // What the copy cannot hold: the live database's unmanaged objects and role.
            catalog.unmanaged = current.catalog.unmanaged.clone();
            catalog.session_role = current.catalog.session_role.clone();
        }
        Ok(renamed)
    }
    .await;
    states::close_all(shadow, copy).await;
    result
}

/// Reports every annotation's status without changing anything: for a database no annotation
/// applies to (see [`may_apply`]).
pub async fn report_all(client: &Client, renames: &[Rename]) -> CliResult<()> {
    for r in renames {
        report(r, status(client, r).await?);
    }
    Ok(())
}

/// Whether some annotation may apply to the database behind `client`, checked read-only: its
/// old name exists in its container under the container's new name or under an old name an
/// annotation gives the container. Never false when [`apply`] would rename something.
pub async fn may_apply(client: &Client, renames: &[Rename]) -> CliResult<bool> {
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
            if exists(client, &Op::from_annotation(r), &r.old).await? {
                return Ok(true);
            }
            continue;
        }
        let container_kind = if r.kind == RenameKind::EnumValue { RenameKind::Type } else { RenameKind::Table };
        for schema in olds(RenameKind::Schema, None, &r.schema) {
            let containers = match &r.table_or_type {
                Some(c) => olds(container_kind, Some(&r.schema), c).into_iter().map(Some).collect(),
                None => vec![None],
            };
            for container in containers {
                let op = Op { schema: schema.clone(), container, ..Op::from_annotation(r) };
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
) -> CliResult<Plan> {
    let mut wanted = to.clone();
    schemactl_introspect::reconcile_checks(from, &mut wanted, to_client).await;
    schemactl_plan::plan_with(from, &wanted, options).map_err(CliError::from)
}

fn report(r: &Rename, status: Status) {
    let at = r.location();
    match status {
        Status::Applies => {}
        Status::AlreadyRenamed => errln!(
            "{at}: note: {} is already renamed (from {}); the annotation can be removed",
            r.describe(&r.new),
            r.old
        ),
        Status::MatchesNothing => errln!(
            "{at}: warning: `-- {ANNOTATION} {}` matches nothing: neither {} nor {} exists in the current state",
            r.old,
            r.describe(&r.old),
            r.describe(&r.new)
        ),
        Status::BothExist => errln!(
            "{at}: warning: not renamed: both {} and {} exist in the current state",
            r.describe(&r.old),
            r.describe(&r.new)
        ),
    }
}

async fn status(client: &Client, r: &Rename) -> CliResult<Status> {
    let op = Op::from_annotation(r);
    let old = exists(client, &op, &r.old).await?;
    let new = exists(client, &op, &r.new).await?;
    Ok(match (old, new) {
        (true, false) => Status::Applies,
        (false, true) => Status::AlreadyRenamed,
        (false, false) => Status::MatchesNothing,
        (true, true) => Status::BothExist,
    })
}

async fn execute(client: &Client, op: &Op, context: &str) -> CliResult<()> {
    client.batch_execute(&op.sql()).await.map_err(|e| CliError::Database {
        context: format!("{context} ({})", op.sql()),
        message: e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_string()),
    })
}

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
async fn exists(client: &Client, op: &Op, name: &str) -> CliResult<bool> {
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
    };
    let row = row.map_err(|e| CliError::Database {
        context: format!("looking for {}", op.describe(name)),
        message: e.to_string(),
    })?;
    Ok(row.get(0))
}

/// Whether an implied rename's new name is already used by a relation of its schema (an index
/// or sequence, or the index behind a constraint, would collide): such a rename is left to the
/// plan.
async fn relation_taken(client: &Client, op: &Op) -> CliResult<bool> {
    let all = ["r", "p", "v", "m", "S", "i", "I", "c", "f"].map(String::from).to_vec();
    let row = client.query_one(RELATION, &[&op.schema, &op.new, &all]).await.map_err(|e| CliError::Database {
        context: format!("looking for relation {}.{}", op.schema, op.new),
        message: e.to_string(),
    })?;
    Ok(row.get(0))
}

/// Constraints, indexes and owned sequences of `tables` that exist in `current` only, matched
/// one to one with an identical one that exists in `desired` only under another name.
fn implied(current: &Catalog, desired: &Catalog, tables: &BTreeSet<QualName>) -> Vec<Op> {
    let mut ops = Vec::new();
    for name in tables {
        let (Some(cur), Some(want)) = (current.tables.get(name), desired.tables.get(name)) else { continue };
        let op = |kind, old: &str, new: &str| Op {
            kind,
            schema: name.schema.clone(),
            container: Some(name.name.clone()),
            old: old.into(),
            new: new.into(),
        };
        let gone: Vec<_> =
            cur.constraints.values().filter(|c| !c.inherited && !want.constraints.contains_key(&c.name)).collect();
        let added: Vec<_> =
            want.constraints.values().filter(|c| !c.inherited && !cur.constraints.contains_key(&c.name)).collect();
        let same = |a: &schemactl_model::Constraint, b: &schemactl_model::Constraint| {
            a.kind == b.kind && a.definition == b.definition
        };
        for (old, new) in one_to_one(&gone, &added, |a, b| same(a, b)) {
            ops.push(op(RenameKind::Constraint, &old.name, &new.name));
        }
        let gone: Vec<_> =
            cur.indexes.values().filter(|i| !i.inherited && !want.indexes.contains_key(&i.name)).collect();
        let added: Vec<_> =
            want.indexes.values().filter(|i| !i.inherited && !cur.indexes.contains_key(&i.name)).collect();
        let unnamed = |i: &schemactl_model::Index| {
            i.definition.replacen(&format!(" INDEX {} ON ", ident(&i.name)), " INDEX ON ", 1)
        };
        for (old, new) in one_to_one(&gone, &added, |a, b| unnamed(a) == unnamed(b)) {
            ops.push(Op { container: None, ..op(RenameKind::Index, &old.name, &new.name) });
        }
        let owned = |catalog: &Catalog, other: &Catalog| -> Vec<(QualName, String)> {
            catalog
                .sequences
                .values()
                .filter(|s| !other.sequences.contains_key(&s.name))
                .filter_map(|s| {
                    s.owned_by.as_ref().filter(|o| o.table == *name).map(|o| (s.name.clone(), o.column.clone()))
                })
                .collect()
        };
        let (gone, added) = (owned(current, desired), owned(desired, current));
        for (old, new) in one_to_one(&gone, &added, |a, b| a.1 == b.1 && a.0.schema == b.0.schema) {
            ops.push(Op { container: None, ..op(RenameKind::Sequence, &old.0.name, &new.0.name) });
        }
    }
    ops
}

/// Pairs of `(gone, added)` that match each other and nothing else.
fn one_to_one<'a, T>(gone: &'a [T], added: &'a [T], same: impl Fn(&T, &T) -> bool) -> Vec<(&'a T, &'a T)> {
    let mut pairs = Vec::new();
    for g in gone {
        let mut matches = added.iter().filter(|a| same(g, a));
        let (Some(a), None) = (matches.next(), matches.next()) else { continue };
        if gone.iter().filter(|other| same(other, a)).count() == 1 {
            pairs.push((g, a));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(kind: RenameKind, container: Option<&str>, old: &str, new: &str) -> Op {
        Op { kind, schema: "app".into(), container: container.map(str::to_string), old: old.into(), new: new.into() }
    }

    #[test]
    fn sql_of_each_kind_and_its_inverse() {
        let cases = [
            (op(RenameKind::Schema, None, "old", "app"), "ALTER SCHEMA old RENAME TO app"),
            (op(RenameKind::Table, None, "accounts", "user"), "ALTER TABLE app.accounts RENAME TO \"user\""),
            (op(RenameKind::MaterializedView, None, "m0", "m"), "ALTER MATERIALIZED VIEW app.m0 RENAME TO m"),
            (op(RenameKind::Domain, None, "d0", "d"), "ALTER DOMAIN app.d0 RENAME TO d"),
            (
                op(RenameKind::Column, Some("users"), "Full", "name"),
                "ALTER TABLE app.users RENAME COLUMN \"Full\" TO name",
            ),
            (op(RenameKind::Constraint, Some("users"), "a", "b"), "ALTER TABLE app.users RENAME CONSTRAINT a TO b"),
            (
                op(RenameKind::EnumValue, Some("mood"), "meh", "it's ok"),
                "ALTER TYPE app.mood RENAME VALUE 'meh' TO 'it''s ok'",
            ),
        ];
        for (op, sql) in cases {
            assert_eq!(op.sql(), sql);
            assert_eq!(op.inverse().inverse(), op);
        }
        assert_eq!(op(RenameKind::Index, None, "a", "b").inverse().sql(), "ALTER INDEX app.b RENAME TO a");
    }

    #[test]
    fn steps_change_the_old_object_and_are_grouped_under_the_new() {
        let step = op(RenameKind::Column, Some("users"), "full_name", "name").step();
        assert_eq!(step.object, ObjKey::Column { table: QualName::new("app", "users"), column: "full_name".into() });
        assert_eq!(step.group, "table app.users");
        assert!(step.hazards.is_empty() && step.action == Action::Alter);
        let mut up = Plan {
            steps: vec![Step::new(Action::Create, ObjKey::Schema { name: "x".into() }, "CREATE SCHEMA x")],
            ..Plan::default()
        };
        let mut down = Plan::default();
        let renamed = Renamed {
            ops: vec![op(RenameKind::Table, None, "a", "b"), op(RenameKind::Column, Some("b"), "c", "d")],
            catalog: None,
        };
        renamed.wrap(&mut up, Some(&mut down));
        let sql = |p: &Plan| p.steps.iter().map(|s| s.sql.clone()).collect::<Vec<_>>();
        assert_eq!(
            sql(&up),
            ["ALTER TABLE app.a RENAME TO b", "ALTER TABLE app.b RENAME COLUMN c TO d", "CREATE SCHEMA x"]
        );
        assert_eq!(sql(&down), ["ALTER TABLE app.b RENAME COLUMN d TO c", "ALTER TABLE app.b RENAME TO a"]);
        // The column step changes the column of the table as it was before the revision.
        assert_eq!(up.steps[1].object, ObjKey::Column { table: QualName::new("app", "a"), column: "c".into() });
        assert_eq!(up.steps[1].group, "table app.b");
        let in_renamed_schema = op(RenameKind::EnumValue, Some("mood"), "meh", "ok")
            .step_after(&[Op { schema: "app".into(), ..op(RenameKind::Schema, None, "core", "app") }]);
        assert_eq!(in_renamed_schema.object, ObjKey::Type { name: QualName::new("core", "mood") });
    }

    #[test]
    fn one_to_one_skips_ambiguous_matches() {
        // 2 and 12 both match 32: neither is renamed; 1 matches 21 alone.
        let pairs = one_to_one(&[1, 2, 12], &[21, 32], |a, b| a % 10 == b % 10);
        assert_eq!(pairs, [(&1, &21)]);
        // 3 matches both 13 and 23.
        assert!(one_to_one(&[3], &[13, 23], |a, b| a % 10 == b % 10).is_empty());
    }
}
