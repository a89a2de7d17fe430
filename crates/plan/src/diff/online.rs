//! Online DDL. The differ plans plain DDL, which holds locks that stop writes (or reads and
//! writes) on a table for as long as the statement runs: on a table that already holds rows,
//! an outage that grows with the table. This pass rewrites those steps, for tables that exist
//! before the plan runs (new tables are empty: plain DDL is instant there):
//!
//! - `CREATE INDEX` becomes `CREATE INDEX CONCURRENTLY`, `DROP INDEX` `DROP INDEX CONCURRENTLY`;
//! - a changed index is built under a temporary name, the old one dropped, the new one renamed,
//!   so the table is never without it; an invalid index (left by an interrupted concurrent
//!   build) is dropped and built again;
//! - `CHECK` and `FOREIGN KEY` constraints are added `NOT VALID` (a brief lock), then validated
//!   in a step of their own, which reads the rows without blocking writes;
//! - `SET NOT NULL` goes through `CHECK (col IS NOT NULL) NOT VALID`, validated: PostgreSQL 12+
//!   then sets NOT NULL without scanning; the check is dropped afterwards;
//! - `PRIMARY KEY` and `UNIQUE` get their index built concurrently, then `ADD CONSTRAINT ...
//!   USING INDEX`.
//!
//! Whatever is not recognised exactly stays plain DDL, which is always correct. The pass runs
//! before the catalog's dependencies are added, so the steps it makes get those too.

use super::{column_key, table_key};
use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Catalog, ConstraintKind, Index, QualName, Table};
use schemactl_sqltext::{ident, qualified};
use std::collections::BTreeSet;

/// PostgreSQL truncates longer identifiers (NAMEDATALEN - 1).
const MAX_NAME: usize = 63;

const BUILD: &str = "builds the index concurrently: reads and writes continue, the build reads the table twice";
const BUILD_OUTSIDE: &str =
    "CREATE INDEX CONCURRENTLY runs outside a transaction; an interrupted build leaves an invalid index, \
     which apply drops and builds again";
const DROP_OUTSIDE: &str = "DROP INDEX CONCURRENTLY runs outside a transaction";
const VALIDATE: &str =
    "VALIDATE CONSTRAINT reads every row under a SHARE UPDATE EXCLUSIVE lock: reads and writes continue";

pub fn rewrite(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    let online = Online::new(from, to, steps);
    let mut names = Names::new(from, to);
    let swaps = online.swaps(steps);
    let old = std::mem::take(steps);
    for step in old {
        steps.extend(online.rewrite(step, &swaps, &mut names));
    }
}

struct Online<'a> {
    from: &'a Catalog,
    to: &'a Catalog,
    recreated: BTreeSet<QualName>,
    /// What the plan removes: an index that depends on one of these must go before it, and
    /// cannot wait for its replacement to be built.
    removed: BTreeSet<ObjKey>,
}

impl<'a> Online<'a> {
    fn new(from: &'a Catalog, to: &'a Catalog, steps: &[Step]) -> Online<'a> {
        let recreated = super::partitions::recreated(from, to);
        let removed = steps.iter().flat_map(|s| s.removes.iter().cloned()).collect();
        Online { from, to, recreated, removed }
    }

    /// A table present before and after the plan, not recreated and not partitioned
    /// (PostgreSQL builds no index concurrently on a partitioned table).
    fn live(&self, name: &QualName) -> bool {
        let kept = |c: &Catalog| c.tables.get(name).is_some_and(|t| t.partition_by.is_none());
        kept(self.from) && kept(self.to) && !self.recreated.contains(name)
    }

    /// Indexes both dropped and created by the plan that are rebuilt under a temporary name
    /// first: valid before (an invalid one is useless, it is dropped first), and not waiting
    /// for an object the plan removes.
    fn swaps(&self, steps: &[Step]) -> BTreeSet<QualName> {
        let indexes = |action: Action, prefix: &str| -> BTreeSet<QualName> {
            steps
                .iter()
                .filter(|s| s.action == action && s.sql.starts_with(prefix))
                .filter_map(|s| match &s.object {
                    ObjKey::Index { name } => Some(name.clone()),
                    _ => None,
                })
                .collect()
        };
        let (dropped, created) = (indexes(Action::Drop, "DROP INDEX "), indexes(Action::Create, "CREATE "));
        dropped
            .intersection(&created)
            .filter(|name| {
                let Some((table, old)) = index_of(self.from, name) else { return false };
                let key = ObjKey::Index { name: (*name).clone() };
                let waits = self.from.dependencies.iter().any(|(d, r)| *d == key && self.removed.contains(r));
                // The old index goes before its table's columns are retyped or dropped, and
                // the new one is built after: it cannot stay until its replacement is ready.
                let columns_change =
                    self.removed.iter().any(|k| matches!(k, ObjKey::Column { table: t, .. } if *t == table.name));
                old.valid && self.live(&table.name) && !waits && !columns_change && index_of(self.to, name).is_some()
            })
            .cloned()
            .collect()
    }

    fn rewrite(&self, step: Step, swaps: &BTreeSet<QualName>, names: &mut Names) -> Vec<Step> {
        match (&step.object, step.action) {
            (ObjKey::Index { name }, Action::Create) if step.sql.starts_with("CREATE ") => {
                let name = name.clone();
                match index_of(self.to, &name).filter(|(t, _)| self.live(&t.name)) {
                    Some((_, index)) if swaps.contains(&name) => self.swap(step, &name, index, names),
                    Some(_) => vec![concurrent_create(step)],
                    None => vec![step],
                }
            }
            (ObjKey::Index { name }, Action::Drop) if step.sql.starts_with("DROP INDEX ") => {
                let name = &name.clone();
                let live = index_of(self.from, name).is_some_and(|(t, _)| self.live(&t.name));
                if !live {
                    return vec![step];
                }
                let mut step = step;
                step.sql = step.sql.replacen("DROP INDEX ", "DROP INDEX CONCURRENTLY ", 1);
                step.transactional = false;
                if swaps.contains(name) {
                    // The replacement is built before the old index goes.
                    let tmp = names.index_tmp(name);
                    step.requires.push(ObjKey::Index { name: QualName::new(&name.schema, tmp) });
                }
                vec![step.hazard(HazardKind::NonTransactional, DROP_OUTSIDE)]
            }
            (ObjKey::Constraint { table, name }, Action::Create) if step.sql.starts_with("ALTER TABLE ") => {
                let (table, name) = (table.clone(), name.clone());
                let wanted = self.to.tables.get(&table).and_then(|t| t.constraints.get(&name));
                match wanted {
                    Some(c)
                        if self.live(&table) && c.validated && !c.inherited && !step.sql.ends_with(" NOT VALID") =>
                    {
                        match c.kind {
                            ConstraintKind::Check | ConstraintKind::ForeignKey => {
                                not_valid_then_validate(step, &table, &name)
                            }
                            // A temporal key (PostgreSQL 18) is backed by a GiST index that
                            // no CREATE INDEX can state: it is added as declared.
                            ConstraintKind::PrimaryKey | ConstraintKind::Unique
                                if c.definition.contains(" WITHOUT OVERLAPS)") =>
                            {
                                vec![step]
                            }
                            ConstraintKind::PrimaryKey | ConstraintKind::Unique => {
                                key_using_index(step, &table, &name, &c.definition)
                            }
                            ConstraintKind::Exclusion => vec![step],
                        }
                    }
                    _ => vec![step],
                }
            }
            (ObjKey::Column { table, column }, Action::Alter) if step.sql.starts_with("ALTER TABLE ") => {
                let (table, column) = (table.clone(), column.clone());
                let col = ident(&column);
                let set = format!("ALTER COLUMN {col} SET NOT NULL");
                let retyped = step.sql.contains(&format!("ALTER COLUMN {col} TYPE "));
                let was_nullable =
                    self.from.tables.get(&table).and_then(|t| t.column(&column)).is_some_and(|c| !c.not_null);
                if self.live(&table) && was_nullable && !retyped && has_clause(&step.sql, &set) {
                    not_null_through_check(step, &table, &column, names)
                } else {
                    vec![step]
                }
            }
            _ => vec![step],
        }
    }

    /// `CREATE INDEX CONCURRENTLY tmp`, then (the drop step, which waits for it) `DROP INDEX
    /// CONCURRENTLY old`, then `ALTER INDEX tmp RENAME TO old`.
    fn swap(&self, step: Step, name: &QualName, index: &Index, names: &mut Names) -> Vec<Step> {
        let tmp = names.index_tmp(name);
        let Some(sql) = renamed_definition(&index.definition, &index.name, &tmp) else {
            return vec![concurrent_create(step)];
        };
        let tmp_key = ObjKey::Index { name: QualName::new(&name.schema, &tmp) };
        let key = ObjKey::Index { name: name.clone() };
        let mut build = concurrent_create(Step { sql, ..step });
        // It provides the temporary name only, so it need not wait for the old index to go;
        // what the index itself needs (functions, types), it needs under any name.
        build.provides = vec![tmp_key.clone()];
        let needs = self.to.dependencies.iter().filter(|(d, _)| *d == key).map(|(_, r)| r.clone());
        build.requires.extend(needs);
        let rename = Step::new(
            Action::Alter,
            key,
            format!("ALTER INDEX {} RENAME TO {}", qualified(&QualName::new(&name.schema, &tmp)), ident(&name.name)),
        )
        .grouped_under(build.group.clone())
        .requires([tmp_key]);
        vec![build, rename]
    }
}

fn index_of<'c>(catalog: &'c Catalog, name: &QualName) -> Option<(&'c Table, &'c Index)> {
    catalog
        .tables
        .values()
        .filter(|t| t.name.schema == name.schema)
        .find_map(|t| t.indexes.get(&name.name).map(|i| (t, i)))
}

/// `pg_get_indexdef` reads `CREATE [UNIQUE] INDEX name ON ...`.
fn concurrent_create(mut step: Step) -> Step {
    for head in ["CREATE UNIQUE INDEX ", "CREATE INDEX "] {
        if let Some(rest) = step.sql.strip_prefix(head) {
            step.sql = format!("{head}CONCURRENTLY {rest}");
            step.transactional = false;
            step.hazards.retain(|h| !matches!(h.kind, HazardKind::IndexBuild | HazardKind::AccessExclusiveLock));
            return step.hazard(HazardKind::IndexBuild, BUILD).hazard(HazardKind::NonTransactional, BUILD_OUTSIDE);
        }
    }
    step
}

/// The index definition under another name; `None` when it does not read as expected.
fn renamed_definition(definition: &str, name: &str, tmp: &str) -> Option<String> {
    ["CREATE UNIQUE INDEX ", "CREATE INDEX "].into_iter().find_map(|head| {
        let rest = definition.strip_prefix(head)?.strip_prefix(&ident(name))?.strip_prefix(" ON ")?;
        Some(format!("{head}{} ON {rest}", ident(tmp)))
    })
}

/// Whether `clause` is one of the comma-separated actions of an `ALTER TABLE`.
fn has_clause(sql: &str, clause: &str) -> bool {
    sql.ends_with(&format!(" {clause}")) || sql.contains(&format!(" {clause}, "))
}

fn without_hazards(mut step: Step, kinds: &[HazardKind]) -> Step {
    step.hazards.retain(|h| !kinds.contains(&h.kind));
    step
}

fn not_valid_then_validate(step: Step, table: &QualName, name: &str) -> Vec<Step> {
    let mut add = without_hazards(step, &[HazardKind::ValidationScan, HazardKind::AccessExclusiveLock]);
    add.sql.push_str(" NOT VALID");
    let sql = format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", qualified(table), ident(name));
    let validate = Step::new(Action::Alter, add.object.clone(), sql)
        .requires([add.object.clone()])
        .hazard(HazardKind::ValidationScan, VALIDATE);
    vec![add, validate]
}

/// `PRIMARY KEY (a, b)` / `UNIQUE NULLS NOT DISTINCT (a) INCLUDE (b) WITH (...) DEFERRABLE
/// INITIALLY DEFERRED`, as `pg_get_constraintdef` prints them: the unique index built
/// concurrently, then the constraint made from it.
fn key_using_index(step: Step, table: &QualName, name: &str, definition: &str) -> Vec<Step> {
    let Some(key) = KeyDefinition::parse(definition) else { return vec![step] };
    let index_name = QualName::new(&table.schema, name);
    let index_key = ObjKey::Index { name: index_name.clone() };
    let mut sql =
        format!("CREATE UNIQUE INDEX CONCURRENTLY {} ON {} USING btree {}", ident(name), qualified(table), key.columns);
    if let Some(include) = key.include {
        sql.push_str(&format!(" INCLUDE {include}"));
    }
    if key.nulls_not_distinct {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(with) = key.with {
        sql.push_str(&format!(" WITH {with}"));
    }
    let mut build = Step::new(Action::Create, index_key.clone(), sql)
        .grouped_under(step.group.clone())
        .requires(step.requires.iter().cloned())
        .hazard(HazardKind::IndexBuild, BUILD)
        .hazard(HazardKind::NonTransactional, BUILD_OUTSIDE);
    build.transactional = false;
    let mut add = without_hazards(step, &[HazardKind::IndexBuild, HazardKind::AccessExclusiveLock]);
    add.sql = format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {} USING INDEX {}{}",
        qualified(table),
        ident(name),
        key.kind,
        ident(name),
        key.deferrable
    );
    add.requires.push(index_key);
    vec![build, add]
}

struct KeyDefinition<'a> {
    kind: &'static str,
    nulls_not_distinct: bool,
    /// With their parentheses.
    columns: &'a str,
    include: Option<&'a str>,
    with: Option<&'a str>,
    /// Empty, ` DEFERRABLE` or ` DEFERRABLE INITIALLY DEFERRED`.
    deferrable: &'a str,
}

impl<'a> KeyDefinition<'a> {
    fn parse(definition: &'a str) -> Option<KeyDefinition<'a>> {
        let (kind, rest) = if let Some(rest) = definition.strip_prefix("PRIMARY KEY ") {
            ("PRIMARY KEY", rest)
        } else {
            ("UNIQUE", definition.strip_prefix("UNIQUE ")?)
        };
        let (nulls_not_distinct, rest) = match rest.strip_prefix("NULLS NOT DISTINCT ") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let (columns, mut rest) = parenthesized(rest)?;
        let mut include = None;
        if let Some(after) = rest.strip_prefix(" INCLUDE ") {
            let (group, after) = parenthesized(after)?;
            include = Some(group);
            rest = after;
        }
        let mut with = None;
        if let Some(after) = rest.strip_prefix(" WITH ") {
            let (group, after) = parenthesized(after)?;
            with = Some(group);
            rest = after;
        }
        // Anything else (USING INDEX TABLESPACE ...) is left to plain DDL.
        if !["", " DEFERRABLE", " DEFERRABLE INITIALLY DEFERRED"].contains(&rest) {
            return None;
        }
        Some(KeyDefinition { kind, nulls_not_distinct, columns, include, with, deferrable: rest })
    }
}

/// Splits `(...) rest` at the parenthesis that closes the first one, quotes respected.
fn parenthesized(text: &str) -> Option<(&str, &str)> {
    if !text.starts_with('(') {
        return None;
    }
    let (mut depth, mut quoted, mut single) = (0usize, false, false);
    for (i, c) in text.char_indices() {
        match c {
            '"' if !single => quoted = !quoted,
            '\'' if !quoted => single = !single,
            '(' if !quoted && !single => depth += 1,
            ')' if !quoted && !single => {
                depth -= 1;
                if depth == 0 {
                    return Some(text.split_at(i + 1));
                }
            }
            _ => {}
        }
    }
    None
}

/// `CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE`, the original step (which sets NOT NULL,
/// now without a scan), then the check is dropped.
fn not_null_through_check(step: Step, table: &QualName, column: &str, names: &mut Names) -> Vec<Step> {
    let tmp = names.constraint_tmp(table, column);
    let key = ObjKey::Constraint { table: table.clone(), name: tmp.clone() };
    let t = qualified(table);
    let add = Step::new(
        Action::Create,
        key.clone(),
        format!("ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID", ident(&tmp), ident(column)),
    )
    .requires([table_key(table)]);
    let validate =
        Step::new(Action::Alter, key.clone(), format!("ALTER TABLE {t} VALIDATE CONSTRAINT {}", ident(&tmp)))
            .requires([key.clone()])
            .hazard(HazardKind::ValidationScan, VALIDATE);
    let set =
        without_hazards(step, &[HazardKind::ValidationScan, HazardKind::AccessExclusiveLock]).requires([key.clone()]);
    let mut drop = Step::new(Action::Drop, key.clone(), format!("ALTER TABLE {t} DROP CONSTRAINT {}", ident(&tmp)));
    // Not a removal in the graph's sense: the name is not taken over by anything, and a
    // removal would have to run before the steps that create it.
    drop.removes.clear();
    let drop = drop.requires([key, column_key(table, column)]);
    vec![add, validate, set, drop]
}

/// Temporary names: deterministic (the same plan every time), and free on both sides.
struct Names {
    /// Relation names (tables, indexes, sequences, constraint indexes) by schema.
    relations: BTreeSet<(String, String)>,
    constraints: BTreeSet<(QualName, String)>,
    /// Names already handed out, by what they stand for.
    given: Vec<(ObjKey, String)>,
}

impl Names {
    fn new(from: &Catalog, to: &Catalog) -> Names {
        let mut relations = BTreeSet::new();
        let mut constraints = BTreeSet::new();
        for catalog in [from, to] {
            for table in catalog.tables.values() {
                let schema = &table.name.schema;
                relations.insert((schema.clone(), table.name.name.clone()));
                relations.extend(table.indexes.keys().map(|i| (schema.clone(), i.clone())));
                relations.extend(table.constraints.keys().map(|c| (schema.clone(), c.clone())));
                constraints.extend(table.constraints.keys().map(|c| (table.name.clone(), c.clone())));
            }
            relations.extend(catalog.sequences.keys().map(|s| (s.schema.clone(), s.name.clone())));
            relations.extend(catalog.objects.keys().map(|o| (o.schema.clone(), o.name.clone())));
        }
        Names { relations, constraints, given: Vec::new() }
    }

    fn index_tmp(&mut self, index: &QualName) -> String {
        let key = ObjKey::Index { name: index.clone() };
        if let Some((_, name)) = self.given.iter().find(|(k, _)| *k == key) {
            return name.clone();
        }
        let relations = &self.relations;
        let name = free_name(&index.name, "_ccnew", |n| relations.contains(&(index.schema.clone(), n.to_string())));
        self.relations.insert((index.schema.clone(), name.clone()));
        self.given.push((key, name.clone()));
        name
    }

    fn constraint_tmp(&mut self, table: &QualName, column: &str) -> String {
        let constraints = &self.constraints;
        let base = format!("{}_{column}", table.name);
        let name = free_name(&base, "_nn_tmp", |n| constraints.contains(&(table.clone(), n.to_string())));
        self.constraints.insert((table.clone(), name.clone()));
        name
    }
}

/// `base` + `suffix` (then `suffix2`, `suffix3`...) cut to PostgreSQL's name length, the first
/// that is not `taken`.
fn free_name(base: &str, suffix: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut n = 1usize;
    loop {
        let suffix = if n == 1 { suffix.to_string() } else { format!("{suffix}{n}") };
        let mut cut = MAX_NAME.saturating_sub(suffix.len()).min(base.len());
        while !base.is_char_boundary(cut) {
            cut -= 1;
        }
        let name = format!("{}{suffix}", &base[..cut]);
        if !taken(&name) {
            return name;
        }
        n += 1;
    }
}

#[cfg(test)]
#[path = "online_tests.rs"]
mod tests;
