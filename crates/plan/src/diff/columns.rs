use super::partitions;
use super::sequences::option_clauses;
use super::{column_key, column_needs, comment_step, table_key};
use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{type_change_hazards, Catalog, Column, Identity, OldType, QualName, Table};
use schemactl_sqltext::{ident, qualified};
use std::collections::BTreeSet;

pub fn diff_columns(
    from: &Catalog,
    to: &Catalog,
    old: &Table,
    new: &Table,
    recreated: &BTreeSet<QualName>,
    steps: &mut Vec<Step>,
) {
    let name = &new.name;
    // Column changes of a parent reach its children: those are not planned again on them.
    let kept = partitions::kept_parents(from, to, old, new, recreated);
    let parent_adds = |col: &str| kept.iter().any(|(o, n)| o.column(col).is_none() && n.column(col).is_some());
    let parent_drops = |col: &str| {
        kept.iter().any(|(o, n)| o.column(col).is_some() && n.column(col).is_none())
            && !kept.iter().any(|(o, n)| o.column(col).is_some() && n.column(col).is_some())
    };
    for column in &new.columns {
        match old.column(&column.name) {
            None if column.inherited && parent_adds(&column.name) => {}
            None => steps.push(add_column(to, name, column).provides(
                partitions::inheriting_children(to, name, &column.name).map(|c| column_key(c, &column.name)),
            )),
            // The parent's DROP COLUMN takes the received column along; the table's own one is
            // added back afterwards.
            Some(before) if before.inherited && !before.local && parent_drops(&column.name) => {
                steps.push(add_column(to, name, column));
            }
            Some(before) => {
                let parent = kept.iter().find_map(|(o, n)| Some((o.column(&column.name)?, n.column(&column.name)?)));
                let before = match parent {
                    Some((op, np)) if before.inherited && column.inherited => {
                        partitions::after_parent_changes(op, np, before)
                    }
                    _ => before.clone(),
                };
                steps.extend(alter_column(from, to, name, &before, column));
            }
        }
        let before = old.column(&column.name).and_then(|c| c.comment.as_ref());
        // Most comments are unchanged: quoting the names (a scan of each) only for those that are not.
        if before != column.comment.as_ref() {
            let target = format!("COLUMN {}.{}", qualified(name), ident(&column.name));
            steps.extend(comment_step(&target, column_key(name, &column.name), before, column.comment.as_ref()));
        }
    }
    for column in old.columns.iter().filter(|c| new.column(&c.name).is_none()) {
        if column.inherited && !column.local && parent_drops(&column.name) {
            continue;
        }
        let mut step = drop_column(from, name, column);
        // Children's received columns go with the parent's.
        step.removes
            .extend(partitions::inheriting_children(from, name, &column.name).map(|c| column_key(c, &column.name)));
        steps.push(step);
    }
}

/// The column as it appears in CREATE TABLE and ADD COLUMN.
pub fn column_definition(table: &QualName, c: &Column) -> String {
    let mut def = format!("{} {}", ident(&c.name), c.data_type);
    if let Some(coll) = &c.collation {
        def.push_str(&format!(" COLLATE {coll}"));
    }
    if let Some(expr) = &c.generated {
        let kind = if c.generated_virtual { "VIRTUAL" } else { "STORED" };
        def.push_str(&format!(" GENERATED ALWAYS AS ({expr}) {kind}"));
    }
    if let Some(identity) = &c.identity {
        def.push_str(&format!(" {}", identity_clause(table, &c.name, identity)));
    }
    if let Some(d) = &c.default {
        def.push_str(&format!(" DEFAULT {d}"));
    }
    // A NOT VALID one cannot be declared with the column: `not_valid_not_null` adds it after.
    if c.not_null && !c.not_null_not_valid {
        if let Some(name) = &c.not_null_name {
            def.push_str(&format!(" CONSTRAINT {}", ident(name)));
        }
        def.push_str(" NOT NULL");
        if c.not_null_no_inherit {
            def.push_str(" NO INHERIT");
        }
    }
    def
}

/// `ADD CONSTRAINT ... NOT NULL` (PostgreSQL 18) for a NOT NULL that the column's own clause
/// cannot carry (`NOT VALID`) or that is set on an existing column with a name or `NO INHERIT`.
fn not_null_clause(table: &QualName, c: &Column) -> String {
    let mut sql = format!("ADD CONSTRAINT {} NOT NULL {}", ident(&c.not_null_constraint(table)), ident(&c.name));
    if c.not_null_no_inherit {
        sql.push_str(" NO INHERIT");
    }
    if c.not_null_not_valid {
        sql.push_str(" NOT VALID");
    }
    sql
}

/// The step adding a column's NOT VALID NOT NULL after the column exists (new tables too).
pub fn not_valid_not_null(table: &QualName, c: &Column) -> Option<Step> {
    (c.not_null && c.not_null_not_valid).then(|| {
        let sql = format!("ALTER TABLE {} {}", qualified(table), not_null_clause(table, c));
        Step::new(Action::Alter, column_key(table, &c.name), sql).requires([column_key(table, &c.name)])
    })
}

fn identity_clause(table: &QualName, column: &str, identity: &Identity) -> String {
    let when = if identity.always { "ALWAYS" } else { "BY DEFAULT" };
    let mut options = option_clauses(&identity.options, None, false);
    // PostgreSQL names the sequence itself unless told; say so only when the name is unusual
    // (e.g. it took `..._seq1` because `..._seq` was taken), so plans stay short.
    if identity.sequence != default_identity_sequence(table, column) {
        options.insert(0, format!("SEQUENCE NAME {}", qualified(&identity.sequence)));
    }
    if options.is_empty() {
        format!("GENERATED {when} AS IDENTITY")
    } else {
        format!("GENERATED {when} AS IDENTITY ({})", options.join(" "))
    }
}

fn default_identity_sequence(table: &QualName, column: &str) -> QualName {
    QualName::new(&table.schema, format!("{}_{}_seq", table.name, column))
}

/// The identity sequence is a named object: a dropped sequence of the same name must go first.
pub fn identity_sequence_key(c: &Column) -> Option<ObjKey> {
    c.identity.as_ref().map(|i| ObjKey::Sequence { name: i.sequence.clone() })
}

fn add_column(to: &Catalog, table: &QualName, c: &Column) -> Step {
    let mut sql = format!("ALTER TABLE {} ADD COLUMN {}", qualified(table), column_definition(table, c));
    if c.not_null && c.not_null_not_valid {
        // In the same statement: ALTER TABLE adds columns before constraints.
        sql.push_str(&format!(", {}", not_null_clause(table, c)));
    }
    let mut step = Step::new(Action::Create, column_key(table, &c.name), sql)
        .requires([table_key(table)])
        .requires(column_needs(to, c))
        .provides(identity_sequence_key(c));
    if c.generated.is_some() || c.identity.is_some() || c.default.as_ref().is_some_and(|d| is_volatile_looking(d)) {
        // As lint says of the same statement: the rewrite holds ACCESS EXCLUSIVE throughout.
        step = step.hazard(HazardKind::TableRewrite, "filling the new column rewrites the table").hazard(
            HazardKind::AccessExclusiveLock,
            format!("ADD COLUMN holds an ACCESS EXCLUSIVE lock while it fills {}", c.name),
        );
    }
    step
}

/// Heuristic for "the default is not a constant": PostgreSQL 11+ adds constant defaults
/// without a rewrite, but function calls such as `now()` are evaluated per row only when volatile.
fn is_volatile_looking(default: &str) -> bool {
    default.contains("nextval(") || default.contains("random(") || default.contains("gen_random_uuid(")
}

fn drop_column(from: &Catalog, table: &QualName, c: &Column) -> Step {
    let sql = format!("ALTER TABLE {} DROP COLUMN {}", qualified(table), ident(&c.name));
    let mut step = Step::new(Action::Drop, column_key(table, &c.name), sql)
        .releases(column_needs(from, c))
        .hazard(HazardKind::DataLoss, format!("drops column {} and its values", c.name));
    // An owned sequence (serial, identity) goes with its column.
    step.removes.extend(identity_sequence_key(c));
    step.removes.extend(
        from.sequences
            .values()
            .filter(|s| s.owned_by.as_ref().is_some_and(|o| &o.table == table && *o.column == *c.name))
            .map(|s| ObjKey::Sequence { name: s.name.clone() }),
    );
    step
}

pub(crate) fn alter_column(from: &Catalog, to: &Catalog, table: &QualName, old: &Column, new: &Column) -> Vec<Step> {
    if old.generated != new.generated || old.generated_virtual != new.generated_virtual {
        // PostgreSQL 15 cannot change a generation expression in place.
        let mut drop = drop_column(from, table, old);
        if old.generated.is_some() {
            drop.hazards.clear();
        }
        return vec![drop, add_column(to, table, new)];
    }
    let col = ident(&new.name);
    let type_changed = old.data_type != new.data_type || old.collation != new.collation;
    let mut clauses = Vec::new();
    let mut hazards = Vec::new();
    let default_changed = old.default != new.default;
    // A default of the old type may not cast to the new one: drop it and set it again after.
    if old.default.is_some() && (new.default.is_none() || type_changed) {
        clauses.push(format!("ALTER COLUMN {col} DROP DEFAULT"));
    }
    if old.identity.is_some() && new.identity.is_none() {
        clauses.push(format!("ALTER COLUMN {col} DROP IDENTITY"));
    }
    if type_changed {
        let mut clause = format!("ALTER COLUMN {col} TYPE {}", new.data_type);
        if let Some(coll) = &new.collation {
            clause.push_str(&format!(" COLLATE {coll}"));
        }
        let using = needs_using(to, old, new);
        let declared = to.conversions.get(&(table.clone(), new.name.to_string()));
        if let Some(expression) = declared {
            // The user's conversion, checked by the loader to be exactly one expression.
            clause.push_str(&format!(" USING ({expression})"));
        } else if using {
            // Between user types (enum to enum, say) there is no cast, but both read text.
            let via = if old.type_ref.is_some() { "::text" } else { "" };
            clause.push_str(&format!(" USING {col}{via}::{}", new.data_type));
        }
        clauses.push(clause);
        // The verdict lint gives too (`apply` checks planned revisions against this header):
        // binary-coercible changes (varchar widening, varchar to text...) carry none.
        // `USING c::new` is the cast PostgreSQL would apply anyway (to a domain, say); only the
        // detour through text converts every value.
        let mut change =
            super::narrowing::type_change(from, to, old, new, declared.is_some() || (using && old.type_ref.is_some()));
        // The user's expression computes new values: whatever the types, a reviewer must see
        // that they are not the old ones carried over.
        change.keeps_values &= declared.is_none();
        hazards.extend(type_change_hazards(&new.name, &new.data_type, OldType::Known { old: &old.data_type, change }));
    }
    let mut rename_not_null = None;
    // PostgreSQL 18: the same NOT NULL under another name, validated, or with NO INHERIT
    // changed. A change of NO INHERIT or back to NOT VALID has no ALTER: drop and add again,
    // in the one statement (ALTER TABLE drops before it adds).
    let both = old.not_null && new.not_null;
    let recreate_not_null = both
        && (old.not_null_no_inherit != new.not_null_no_inherit || (!old.not_null_not_valid && new.not_null_not_valid));
    if both && !recreate_not_null {
        let (before, after) = (old.not_null_constraint(table), new.not_null_constraint(table));
        // An inherited one cannot be renamed: `partitions::diff_parents` detaches it first.
        if before != after && !(old.inherited && new.inherited) {
            let sql =
                format!("ALTER TABLE {} RENAME CONSTRAINT {} TO {}", qualified(table), ident(&before), ident(&after));
            rename_not_null = Some(Step::new(Action::Alter, column_key(table, &new.name), sql));
        }
        if old.not_null_not_valid && !new.not_null_not_valid {
            // Under its old name: the rename, a statement of its own, may come after.
            clauses.push(format!("VALIDATE CONSTRAINT {}", ident(&before)));
            hazards.push((HazardKind::ValidationScan, format!("VALIDATE scans the table for NULLs in {}", new.name)));
        }
    }
    if recreate_not_null {
        clauses.push(format!("ALTER COLUMN {col} DROP NOT NULL"));
    }
    if (!old.not_null || recreate_not_null) && new.not_null_is_special() {
        clauses.push(not_null_clause(table, new));
        if !new.not_null_not_valid {
            hazards.push((
                HazardKind::ValidationScan,
                format!("adding NOT NULL scans the table for NULLs in {}", new.name),
            ));
        }
    } else if (!old.not_null || recreate_not_null) && new.not_null {
        clauses.push(format!("ALTER COLUMN {col} SET NOT NULL"));
        hazards.push((HazardKind::ValidationScan, format!("SET NOT NULL scans the table for NULLs in {}", new.name)));
        hazards.push((
            HazardKind::AccessExclusiveLock,
            format!("SET NOT NULL holds an ACCESS EXCLUSIVE lock while it scans for NULLs in {}", new.name),
        ));
    }
    let mut follow_up = None;
    match (&old.identity, &new.identity) {
        (None, Some(identity)) => {
            // A separate step, so that a serial sequence the column stops using can be dropped
            // in between and the identity sequence can take its name.
            let sql = format!(
                "ALTER TABLE {} ALTER COLUMN {col} ADD {}",
                qualified(table),
                identity_clause(table, &new.name, identity)
            );
            let step = Step::new(Action::Alter, column_key(table, &new.name), sql)
                .requires([column_key(table, &new.name)])
                .provides(identity_sequence_key(new));
            follow_up = Some(step);
        }
        (Some(before), Some(after)) if before != after => {
            if before.sequence != after.sequence {
                let sql =
                    format!("ALTER SEQUENCE {} RENAME TO {}", qualified(&before.sequence), ident(&after.sequence.name));
                let mut step =
                    Step::new(Action::Alter, column_key(table, &new.name), sql).provides(identity_sequence_key(new));
                step.removes.extend(identity_sequence_key(old));
                follow_up = Some(step);
            }
            if before.always != after.always {
                let when = if after.always { "ALWAYS" } else { "BY DEFAULT" };
                clauses.push(format!("ALTER COLUMN {col} SET GENERATED {when}"));
            }
            for option in option_clauses(&after.options, Some(&before.options), false) {
                clauses.push(format!("ALTER COLUMN {col} SET {option}"));
            }
        }
        _ => {}
    }
    if let Some(d) = &new.default {
        if default_changed || type_changed {
            clauses.push(format!("ALTER COLUMN {col} SET DEFAULT {d}"));
        }
    }
    if old.not_null && !new.not_null {
        clauses.push(format!("ALTER COLUMN {col} DROP NOT NULL"));
    }
    let mut steps = Vec::new();
    if !clauses.is_empty() {
        let sql = format!("ALTER TABLE {} {}", qualified(table), clauses.join(", "));
        let mut step = Step::new(Action::Alter, column_key(table, &new.name), sql)
            .requires(column_needs(to, new))
            .releases(column_needs(from, old));
        if old.identity.is_some() && new.identity.is_none() {
            step.removes.extend(identity_sequence_key(old));
        }
        // A retyped column is a new column to its dependents (views, policies): they are
        // dropped before and recreated after.
        if type_changed {
            step.removes.push(column_key(table, &new.name));
        }
        for (kind, message) in hazards {
            step = step.hazard(kind, message);
        }
        steps.push(step);
    }
    steps.extend(follow_up);
    steps.extend(rename_not_null);
    steps
}

/// ALTER COLUMN TYPE converts with an assignment cast when one exists; otherwise it needs
/// `USING`. Conversions to string types always work (I/O conversion is an assignment cast).
/// A column type change of the plan from `from` to `to`: which column, from what type to what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeChange {
    pub table: QualName,
    pub column: String,
    pub old_type: String,
    pub new_type: String,
    /// PostgreSQL has no assignment cast for it: without a declared conversion the plan casts
    /// explicitly (`c::new`, through text from a user type), which fails on rows that do not
    /// read as the new type.
    pub needs_conversion: bool,
}

/// The type changes of columns that exist on both sides (the columns the plan converts).
pub fn type_changes(from: &Catalog, to: &Catalog) -> Vec<TypeChange> {
    let mut out = Vec::new();
    for (name, new_table) in &to.tables {
        let Some(old_table) = from.tables.get(name) else { continue };
        for new in new_table.columns.iter().filter(|c| !c.inherited || c.local) {
            let Some(old) = old_table.column(&new.name) else { continue };
            if old.data_type != new.data_type && old.generated.is_none() && new.generated.is_none() {
                out.push(TypeChange {
                    table: name.clone(),
                    column: new.name.to_string(),
                    old_type: old.data_type.to_string(),
                    new_type: new.data_type.to_string(),
                    needs_conversion: needs_using(to, old, new),
                });
            }
        }
    }
    out
}

fn needs_using(to: &Catalog, old: &Column, new: &Column) -> bool {
    if old.base_type == new.base_type {
        return false;
    }
    let string_types = ["text", "character varying", "character", "name"];
    if string_types.contains(&&*new.base_type) {
        return false;
    }
    !to.assignment_casts.contains(&(old.base_type.to_string(), new.base_type.to_string()))
}
