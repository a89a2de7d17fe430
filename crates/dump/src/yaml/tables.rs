//! Tables: columns, constraints, indexes, triggers and policies, each parsed from the text
//! PostgreSQL printed and kept only when printing it back gives that text.

use schemactl_model::{Column, Constraint, ConstraintKind, DbObject, Index, ObjKey, ObjectKind, QualName, Table};
use schemactl_yaml::model::{
    Action, Check, Column as YamlColumn, ColumnReference, Command, Exclusion, ForEach, ForeignKey, Generated,
    Generation, Identity, Index as YamlIndex, IndexMap, Match, PartitionOf, Policy, PrimaryKey, Statistics,
    Table as YamlTable, Timing, Trigger, Unique,
};

use super::grants::{express_where, initial};
use super::{collation, nameable, sequence_defaults, Builder};
use crate::text::{ident, matching_paren, name_list, names, qualified, split_top, strip_parens, unquote};

/// PostgreSQL truncates longer names: a default name is only PostgreSQL's when it fits.
const MAX_NAME_BYTES: usize = 63;

pub(super) fn table(b: &mut Builder<'_>, t: &Table) {
    let name = &t.name;
    if !nameable(&name.schema) || !nameable(&name.name) {
        return;
    }
    let mut covered = t.clone();
    let mut y = YamlTable {
        unlogged: t.unlogged,
        row_security: t.row_security,
        force_row_security: t.force_row_security,
        partition_by: t.partition_by.clone(),
        partition_of: t
            .partition_of
            .as_ref()
            .map(|p| PartitionOf { parent: qualified(&p.parent.schema, &p.parent.name), bound: p.bound.clone() }),
        inherits: t.inherits.iter().map(|p| qualified(&p.schema, &p.name)).collect(),
        comment: t.comment.clone(),
        ..YamlTable::default()
    };
    let primary_key = t.constraints.values().find(|c| c.kind == ConstraintKind::PrimaryKey && !c.inherited);
    let pk_columns: Vec<String> = primary_key.map(|c| c.columns.clone()).unwrap_or_default();
    for (i, column) in t.columns.iter().enumerate() {
        if !declared(column) {
            // Received from a parent: the YAML creates it as the parent has it; the planner
            // changes what differs (a partition's own default).
            if let Some(implied) = implied_column(b, t, column) {
                covered.columns[i] = implied;
            }
            continue;
        }
        let Some(mut c) = self::column(name, column) else { return };
        if pk_columns.iter().any(|p| **p == *column.name) {
            c.nullable = true; // the primary key makes it NOT NULL
        }
        y.columns.insert(column.name.to_string(), c);
    }
    for c in t.constraints.values().filter(|c| !c.inherited) {
        if !constraint(&mut y, name, c) {
            covered.constraints.remove(&c.name);
        }
    }
    for index in t.indexes.values().filter(|i| !i.inherited) {
        match self::index(index, name) {
            Some(i) => {
                y.indexes.insert(index.name.clone(), i);
            }
            None => {
                covered.indexes.remove(&index.name);
            }
        }
    }
    let key = ObjKey::Table { name: name.clone() };
    let on_table = |id: &schemactl_model::ObjectId| id.table.as_ref() == Some(name);
    let hanging: Vec<&DbObject> = b.source.objects.values().filter(|o| on_table(&o.id)).collect();
    for object in hanging {
        let converted = match object.id.kind {
            ObjectKind::Trigger => trigger(object, name).map(|tr| {
                y.triggers.insert(object.id.name.clone(), tr);
            }),
            ObjectKind::Policy => policy(object, name).map(|p| {
                y.policies.insert(object.id.name.clone(), p);
            }),
            ObjectKind::Statistics => statistics(object, name).map(|st| {
                y.statistics.insert(object.id.name.clone(), st);
            }),
            _ => None,
        };
        if converted.is_some() {
            b.covered.objects.insert(object.id.clone(), object.clone());
        }
    }
    let local: Vec<String> = t.columns.iter().filter(|c| declared(c)).map(|c| c.name.to_string()).collect();
    let mut grants = express_where(b, &key, initial(b.source, "TABLES", Some(&name.schema)), |column| {
        column.is_none_or(|c| local.iter().any(|l| l == c))
    });
    y.grants = grants.remove(&None).unwrap_or_default();
    for (column, g) in grants {
        if let Some(c) = column.and_then(|column| y.columns.get_mut(&column)) {
            c.grants = g;
        }
    }
    let (doc, k) = b.doc_key(&key, &name.schema, &name.name);
    doc.tables.insert(k, y);
    b.covered.tables.insert(name.clone(), covered);
}

/// Whether the table declares the column (else it only receives it from a parent).
fn declared(c: &Column) -> bool {
    c.local || !c.inherited
}

/// The column a child receives from its first parent that has it (as the planner takes it).
fn implied_column(b: &Builder<'_>, t: &Table, column: &Column) -> Option<Column> {
    let parents: Vec<&QualName> = match &t.partition_of {
        Some(p) => vec![&p.parent],
        None => t.inherits.iter().collect(),
    };
    let parent = parents.into_iter().filter_map(|p| b.source.tables.get(p)).find_map(|p| p.column(&column.name))?;
    Some(Column { identity: None, comment: None, local: column.local, inherited: column.inherited, ..parent.clone() })
}

fn column(table: &QualName, c: &Column) -> Option<YamlColumn> {
    let identity = match &c.identity {
        None => None,
        Some(i) => {
            // The format cannot name the identity sequence: only PostgreSQL's own name.
            if i.sequence != QualName::new(&table.schema, format!("{}_{}_seq", table.name, c.name)) {
                return None;
            }
            let o = &i.options;
            let d = sequence_defaults(&o.data_type, o.increment);
            let differs = |value: i64, default: i64| (value != default).then_some(value);
            Some(Identity {
                generation: if i.always { Generation::Always } else { Generation::ByDefault },
                data_type: None,
                start: differs(o.start, d.start),
                increment: differs(o.increment, 1),
                min_value: differs(o.min_value, d.min_value),
                max_value: differs(o.max_value, d.max_value),
                cache: differs(o.cache, 1),
                cycle: o.cycle,
            })
        }
    };
    Some(YamlColumn {
        data_type: c.data_type.to_string(),
        nullable: !c.not_null,
        default: c.default.clone(),
        identity,
        generated: c.generated.as_ref().map(|e| Generated { expression: e.clone(), stored: true }),
        collation: match &c.collation {
            Some(printed) => Some(collation(printed)?),
            None => None,
        },
        comment: c.comment.clone(),
        ..YamlColumn::default()
    })
}

/// Adds the constraint to the YAML table; false when the format cannot say it exactly.
fn constraint(y: &mut YamlTable, table: &QualName, c: &Constraint) -> bool {
    let validated = c.validated;
    match c.kind {
        ConstraintKind::PrimaryKey => {
            let Some(key) = key_constraint(&c.definition, "PRIMARY KEY") else { return false };
            if key.nulls_not_distinct || !validated {
                return false;
            }
            let default_name = format!("{}_pkey", table.name);
            let named = c.name != default_name || default_name.len() > MAX_NAME_BYTES;
            let plain = !named && key.include.is_empty() && !key.deferrable && c.comment.is_none();
            if let (true, [column]) = (plain, key.columns.as_slice()) {
                if let Some(col) = y.columns.get_mut(column) {
                    col.primary_key = true;
                    return true;
                }
            }
            y.primary_key = Some(PrimaryKey {
                columns: key.columns,
                name: named.then(|| c.name.clone()),
                include: key.include,
                deferrable: key.deferrable,
                initially_deferred: key.initially_deferred,
                comment: c.comment.clone(),
                renamed_from: None,
            });
            true
        }
        ConstraintKind::Unique => {
            let Some(key) = key_constraint(&c.definition, "UNIQUE") else { return false };
            if !validated {
                return false;
            }
            y.unique.insert(
                c.name.clone(),
                Unique {
                    columns: key.columns,
                    nulls_not_distinct: key.nulls_not_distinct,
                    include: key.include,
                    deferrable: key.deferrable,
                    initially_deferred: key.initially_deferred,
                    comment: c.comment.clone(),
                    renamed_from: None,
                },
            );
            true
        }
        ConstraintKind::Check => {
            let Some(rest) = c.definition.strip_prefix("CHECK ") else { return false };
            let (condition, no_inherit) = match rest.strip_suffix(" NO INHERIT") {
                Some(condition) => (condition, true),
                None => (rest, false),
            };
            let Some(inner) = strip_parens(condition) else { return false };
            let expression = strip_parens(inner).unwrap_or(inner).to_string();
            let check =
                Check { expression, no_inherit, not_valid: !validated, comment: c.comment.clone(), renamed_from: None };
            y.checks.insert(c.name.clone(), check);
            true
        }
        ConstraintKind::ForeignKey => {
            let Some(fk) = foreign_key(&c.definition) else { return false };
            let default_name = format!("{}_{}_fkey", table.name, fk.columns.join("_"));
            let column_form = fk.columns.len() == 1 && validated && c.comment.is_none();
            if column_form {
                if let Some(col) = y.columns.get_mut(&fk.columns[0]) {
                    let named = c.name != default_name || default_name.len() > MAX_NAME_BYTES;
                    col.references = Some(ColumnReference {
                        table: fk.references,
                        name: named.then(|| c.name.clone()),
                        on_delete: fk.on_delete,
                        on_update: fk.on_update,
                        match_type: fk.match_type,
                        deferrable: fk.deferrable,
                        initially_deferred: fk.initially_deferred,
                    });
                    return true;
                }
            }
            y.foreign_keys
                .insert(c.name.clone(), ForeignKey { not_valid: !validated, comment: c.comment.clone(), ..fk });
            true
        }
        ConstraintKind::Exclusion => {
            let Some(mut rest) = c.definition.strip_prefix("EXCLUDE ") else { return false };
            let initially_deferred = strip_suffix(&mut rest, " INITIALLY DEFERRED");
            let deferrable = strip_suffix(&mut rest, " DEFERRABLE");
            if !validated {
                return false;
            }
            y.exclusions.insert(
                c.name.clone(),
                Exclusion {
                    definition: rest.to_string(),
                    deferrable,
                    initially_deferred,
                    comment: c.comment.clone(),
                    renamed_from: None,
                },
            );
            true
        }
    }
}

fn strip_suffix(text: &mut &str, suffix: &str) -> bool {
    match text.strip_suffix(suffix) {
        Some(rest) => {
            *text = rest;
            true
        }
        None => false,
    }
}

/// A primary key or unique constraint's parts.
struct Key {
    columns: Vec<String>,
    nulls_not_distinct: bool,
    include: Vec<String>,
    deferrable: bool,
    initially_deferred: bool,
}

/// `PRIMARY KEY (a, b) INCLUDE (c) DEFERRABLE INITIALLY DEFERRED`, `UNIQUE NULLS NOT
/// DISTINCT (a)`, printed back to check nothing else is in it (`WITH`, `USING INDEX
/// TABLESPACE`).
fn key_constraint(definition: &str, word: &str) -> Option<Key> {
    let rest = definition.strip_prefix(word)?.strip_prefix(' ')?;
    let (nulls_not_distinct, rest) = match rest.strip_prefix("NULLS NOT DISTINCT ") {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let close = matching_paren(rest, 0)?;
    let columns = names(&rest[1..close])?;
    let mut tail = &rest[close + 1..];
    let mut include = Vec::new();
    if let Some(after) = tail.strip_prefix(" INCLUDE ") {
        let close = matching_paren(after, 0)?;
        include = names(&after[1..close])?;
        tail = &after[close + 1..];
    }
    let initially_deferred = strip_suffix(&mut tail, " INITIALLY DEFERRED");
    let deferrable = strip_suffix(&mut tail, " DEFERRABLE");
    let key = Key { columns, nulls_not_distinct, include, deferrable, initially_deferred };
    (tail.is_empty() && print_key(word, &key) == definition).then_some(key)
}

fn print_key(word: &str, k: &Key) -> String {
    let mut out = format!("{word} ");
    if k.nulls_not_distinct {
        out.push_str("NULLS NOT DISTINCT ");
    }
    out.push_str(&format!("({})", name_list(&k.columns)));
    if !k.include.is_empty() {
        out.push_str(&format!(" INCLUDE ({})", name_list(&k.include)));
    }
    out.push_str(&deferral(k.deferrable, k.initially_deferred));
    out
}

fn deferral(deferrable: bool, initially_deferred: bool) -> String {
    let mut out = String::new();
    if deferrable {
        out.push_str(" DEFERRABLE");
    }
    if initially_deferred {
        out.push_str(" INITIALLY DEFERRED");
    }
    out
}

/// `FOREIGN KEY (a) REFERENCES s.t(id) MATCH FULL ON UPDATE CASCADE ON DELETE SET NULL
/// DEFERRABLE INITIALLY DEFERRED`.
fn foreign_key(definition: &str) -> Option<ForeignKey> {
    let rest = definition.strip_prefix("FOREIGN KEY ")?;
    let close = matching_paren(rest, 0)?;
    let columns = names(&rest[1..close])?;
    let rest = rest[close + 1..].strip_prefix(" REFERENCES ")?;
    let open = crate::text::find_top(rest, "(").first().copied()?;
    let close = matching_paren(rest, open)?;
    let target = &rest[..open];
    let referenced = names(&rest[open + 1..close])?;
    let mut tail = &rest[close + 1..];
    let initially_deferred = strip_suffix(&mut tail, " INITIALLY DEFERRED");
    let deferrable = strip_suffix(&mut tail, " DEFERRABLE");
    let mut match_type = None;
    if let Some(after) = tail.strip_prefix(" MATCH FULL") {
        match_type = Some(Match::Full);
        tail = after;
    }
    let mut on_update = None;
    let mut on_delete = None;
    for (prefix, slot) in [(" ON UPDATE ", &mut on_update), (" ON DELETE ", &mut on_delete)] {
        if let Some(after) = tail.strip_prefix(prefix) {
            let (action, after) = [
                ("RESTRICT", Action::Restrict),
                ("CASCADE", Action::Cascade),
                ("SET NULL", Action::SetNull),
                ("SET DEFAULT", Action::SetDefault),
                ("NO ACTION", Action::NoAction),
            ]
            .into_iter()
            .find_map(|(word, action)| after.strip_prefix(word).map(|a| (action, a)))?;
            *slot = Some(action);
            tail = after;
        }
    }
    if !tail.is_empty() {
        return None;
    }
    let fk = ForeignKey {
        columns,
        references: format!("{target} ({})", name_list(&referenced)),
        on_delete,
        on_update,
        match_type,
        deferrable,
        initially_deferred,
        ..ForeignKey::default()
    };
    let mut printed =
        format!("FOREIGN KEY ({}) REFERENCES {target}({})", name_list(&fk.columns), name_list(&referenced));
    if fk.match_type == Some(Match::Full) {
        printed.push_str(" MATCH FULL");
    }
    for (word, action) in [(" ON UPDATE ", fk.on_update), (" ON DELETE ", fk.on_delete)] {
        if let Some(action) = action {
            printed.push_str(word);
            printed.push_str(action.sql());
        }
    }
    printed.push_str(&deferral(deferrable, initially_deferred));
    (printed == definition).then_some(fk)
}

/// `CREATE [UNIQUE] INDEX name ON s.t USING method (keys) [INCLUDE (...)] [NULLS NOT
/// DISTINCT] [WITH (...)] [WHERE (...)]` of a table or materialized view.
pub(crate) fn index(index: &Index, on: &QualName) -> Option<YamlIndex> {
    let unique = if index.unique { "UNIQUE " } else { "" };
    let head = format!("CREATE {unique}INDEX {} ON {} USING ", ident(&index.name), qualified(&on.schema, &on.name));
    let rest = index.definition.strip_prefix(&head)?;
    let open = rest.find(" (")? + 1;
    let method = &rest[..open - 1];
    if method.is_empty() || !method.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return None;
    }
    let close = matching_paren(rest, open)?;
    let columns: Vec<String> = split_top(&rest[open + 1..close], ", ").into_iter().map(str::to_string).collect();
    let mut tail = &rest[close + 1..];
    let mut include = Vec::new();
    if let Some(after) = tail.strip_prefix(" INCLUDE ") {
        let close = matching_paren(after, 0)?;
        include = names(&after[1..close])?;
        tail = &after[close + 1..];
    }
    let nulls_not_distinct = match tail.strip_prefix(" NULLS NOT DISTINCT") {
        Some(after) => {
            tail = after;
            true
        }
        None => false,
    };
    let mut with = IndexMap::new();
    let mut printed_with = String::new();
    if let Some(after) = tail.strip_prefix(" WITH ") {
        let close = matching_paren(after, 0)?;
        for option in split_top(&after[1..close], ", ") {
            let (name, value) = option.split_once('=')?;
            with.insert(unquote(name)?, option_value(value));
        }
        printed_with = format!(" WITH {}", &after[..=close]);
        tail = &after[close + 1..];
    }
    let mut r#where = None;
    let mut printed_where = String::new();
    if let Some(after) = tail.strip_prefix(" WHERE ") {
        r#where = Some(strip_parens(after).unwrap_or(after).to_string());
        printed_where = format!(" WHERE {after}");
        tail = "";
    }
    if !tail.is_empty() || columns.iter().any(|c| c.is_empty()) {
        return None;
    }
    let y = YamlIndex {
        columns,
        unique: index.unique,
        method: (method != "btree").then(|| method.to_string()),
        include,
        nulls_not_distinct,
        with,
        r#where,
        comment: index.comment.clone(),
        renamed_from: None,
    };
    let mut printed = format!("{head}{method} ({})", y.columns.join(", "));
    if !y.include.is_empty() {
        printed.push_str(&format!(" INCLUDE ({})", name_list(&y.include)));
    }
    if y.nulls_not_distinct {
        printed.push_str(" NULLS NOT DISTINCT");
    }
    printed.push_str(&printed_with);
    printed.push_str(&printed_where);
    (printed == index.definition).then_some(y)
}

/// A storage parameter's value as SQL: PostgreSQL prints `'70'`, people write `70`.
pub(crate) fn option_value(printed: &str) -> String {
    match printed.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        Some(inner)
            if !inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') =>
        {
            inner.to_string()
        }
        _ => printed.to_string(),
    }
}

/// `pg_get_triggerdef` of a plain trigger: `CREATE TRIGGER t BEFORE INSERT OR UPDATE OF a ON
/// s.t FOR EACH ROW WHEN ((new.a > 0)) EXECUTE FUNCTION s.f()`. Constraint triggers,
/// transition tables and disabled triggers are left to SQL.
fn trigger(object: &DbObject, table: &QualName) -> Option<Trigger> {
    let head = format!("CREATE TRIGGER {} ", ident(&object.id.name));
    let rest = object.create.strip_prefix(&head)?;
    let (timing, rest) = [("BEFORE ", Timing::Before), ("AFTER ", Timing::After), ("INSTEAD OF ", Timing::InsteadOf)]
        .into_iter()
        .find_map(|(word, timing)| rest.strip_prefix(word).map(|r| (timing, r)))?;
    let on = format!(" ON {} ", qualified(&table.schema, &table.name));
    let at = crate::text::find_top(rest, &on).first().copied()?;
    let events = split_top(&rest[..at], " OR ")
        .into_iter()
        .map(|e| match e {
            "INSERT" | "UPDATE" | "DELETE" | "TRUNCATE" => Some(e.to_lowercase()),
            _ => e.strip_prefix("UPDATE OF ").map(|columns| format!("update of {columns}")),
        })
        .collect::<Option<Vec<String>>>()?;
    let rest = &rest[at + on.len()..];
    let (for_each, mut rest) = match (rest.strip_prefix("FOR EACH ROW "), rest.strip_prefix("FOR EACH STATEMENT ")) {
        (Some(r), _) => (ForEach::Row, r),
        (None, Some(r)) => (ForEach::Statement, r),
        _ => return None,
    };
    let mut when = None;
    let mut printed_when = String::new();
    if rest.starts_with("WHEN (") {
        let close = matching_paren(rest, 5)?;
        let condition = &rest[6..close];
        when = Some(strip_parens(condition).unwrap_or(condition).to_string());
        printed_when = format!("WHEN ({condition}) ");
        rest = rest[close + 1..].strip_prefix(' ')?;
    }
    let execute = rest.strip_prefix("EXECUTE FUNCTION ")?.to_string();
    // A disabled trigger is followed by the ALTER TABLE that disables it.
    if !crate::text::find_top(&execute, ";").is_empty() {
        return None;
    }
    let y = Trigger { timing, events, for_each, when, execute, comment: object.comment.clone() };
    let timing = match y.timing {
        Timing::Before => "BEFORE",
        Timing::After => "AFTER",
        Timing::InsteadOf => "INSTEAD OF",
    };
    let events: Vec<String> = y
        .events
        .iter()
        .map(|e| match e.strip_prefix("update of ") {
            Some(columns) => format!("UPDATE OF {columns}"),
            None => e.to_uppercase(),
        })
        .collect();
    let each = if y.for_each == ForEach::Row { "ROW" } else { "STATEMENT" };
    let printed = format!(
        "{head}{timing} {}{on}FOR EACH {each} {printed_when}EXECUTE FUNCTION {}",
        events.join(" OR "),
        y.execute
    );
    (printed == object.create).then_some(y)
}

/// `CREATE STATISTICS s.st (ndistinct) ON a, (b + 1) FROM s.t`, then its target if set.
fn statistics(object: &DbObject, table: &QualName) -> Option<Statistics> {
    if object.id.schema != table.schema {
        return None; // the format puts statistics in their table's schema
    }
    let name = qualified(&object.id.schema, &object.id.name);
    let (definition, target) = match object.create.split_once(";\n") {
        Some((definition, alter)) => {
            let target = alter.strip_prefix(&format!("ALTER STATISTICS {name} SET STATISTICS "))?;
            (definition, Some(target.parse::<i32>().ok()?))
        }
        None => (object.create.as_str(), None),
    };
    let rest = definition.strip_prefix(&format!("CREATE STATISTICS {name}"))?;
    let (kinds, rest) = match rest.strip_prefix(" (") {
        Some(after) => {
            let close = after.find(')')?;
            (split_top(&after[..close], ", ").into_iter().map(str::to_string).collect(), &after[close + 1..])
        }
        None => (Vec::new(), rest),
    };
    let from = format!(" FROM {}", qualified(&table.schema, &table.name));
    let list = rest.strip_prefix(" ON ")?.strip_suffix(&from)?;
    let columns: Vec<String> = split_top(list, ", ").into_iter().map(str::to_string).collect();
    let kinds_text = if kinds.is_empty() { String::new() } else { format!(" ({})", kinds.join(", ")) };
    let printed = format!("CREATE STATISTICS {name}{kinds_text} ON {}{from}", columns.join(", "));
    (printed == definition).then(|| Statistics { columns, kinds, target, comment: object.comment.clone() })
}

/// `CREATE POLICY p ON s.t AS PERMISSIVE FOR SELECT TO a, b USING (...) WITH CHECK (...)`, as
/// the catalog reader assembles it.
fn policy(object: &DbObject, table: &QualName) -> Option<Policy> {
    let head = format!("CREATE POLICY {} ON {} AS ", ident(&object.id.name), qualified(&table.schema, &table.name));
    let rest = object.create.strip_prefix(&head)?;
    let (restrictive, rest) = match (rest.strip_prefix("PERMISSIVE FOR "), rest.strip_prefix("RESTRICTIVE FOR ")) {
        (Some(r), _) => (false, r),
        (None, Some(r)) => (true, r),
        _ => return None,
    };
    let (command, rest) = [
        ("ALL ", Command::All),
        ("SELECT ", Command::Select),
        ("INSERT ", Command::Insert),
        ("UPDATE ", Command::Update),
        ("DELETE ", Command::Delete),
    ]
    .into_iter()
    .find_map(|(word, command)| rest.strip_prefix(word).map(|r| (command, r)))?;
    let rest = rest.strip_prefix("TO ")?;
    let ends = [crate::text::find_top(rest, " USING ("), crate::text::find_top(rest, " WITH CHECK (")];
    let roles_end = ends.iter().filter_map(|e| e.first().copied()).min().unwrap_or(rest.len());
    let roles = split_top(&rest[..roles_end], ", ")
        .into_iter()
        .map(|r| if r == "PUBLIC" { Some("public".to_string()) } else { unquote(r) })
        .collect::<Option<Vec<String>>>()?;
    let mut tail = &rest[roles_end..];
    let mut expression = |prefix: &str| -> Option<Option<String>> {
        match tail.strip_prefix(prefix) {
            Some(after) => {
                let close = matching_paren(after, 0)?;
                let inner = &after[1..close];
                tail = &after[close + 1..];
                Some(Some(strip_parens(inner).unwrap_or(inner).to_string()))
            }
            None => Some(None),
        }
    };
    let using = expression(" USING ")?;
    let with_check = expression(" WITH CHECK ")?;
    if !tail.is_empty() || roles.iter().any(|r| r == "current_user" || r == "current_role" || r == "session_user") {
        return None;
    }
    let to = if roles == ["public"] { Vec::new() } else { roles };
    Some(Policy { command, restrictive, to, using, with_check, comment: object.comment.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemactl_model::ObjectId;

    fn constraint_of(kind: ConstraintKind, definition: &str) -> Constraint {
        Constraint {
            name: "c".into(),
            kind,
            definition: definition.into(),
            columns: vec![],
            foreign: None,
            validated: true,
            comment: None,
            inherited: false,
        }
    }

    #[test]
    fn keys_are_read_and_anything_unexpected_is_refused() {
        let k = key_constraint("PRIMARY KEY (id, \"Order\") INCLUDE (x) DEFERRABLE", "PRIMARY KEY").unwrap();
        assert_eq!(k.columns, ["id", "Order"]);
        assert_eq!(k.include, ["x"]);
        assert!(k.deferrable && !k.initially_deferred);
        assert!(key_constraint("UNIQUE NULLS NOT DISTINCT (a)", "UNIQUE").unwrap().nulls_not_distinct);
        assert!(key_constraint("PRIMARY KEY (id) WITH (fillfactor='70')", "PRIMARY KEY").is_none());
        assert!(key_constraint("PRIMARY KEY (id) USING INDEX TABLESPACE x", "PRIMARY KEY").is_none());
    }

    #[test]
    fn foreign_keys_are_read_with_their_actions() {
        let fk = foreign_key(
            "FOREIGN KEY (a, b) REFERENCES s.\"T\"(x, y) MATCH FULL ON UPDATE CASCADE ON DELETE SET NULL DEFERRABLE",
        )
        .unwrap();
        assert_eq!(fk.columns, ["a", "b"]);
        assert_eq!(fk.references, "s.\"T\" (x, y)");
        assert_eq!((fk.on_update, fk.on_delete), (Some(Action::Cascade), Some(Action::SetNull)));
        assert_eq!(fk.match_type, Some(Match::Full));
        assert!(fk.deferrable);
        // PostgreSQL 15's column list for SET NULL has no place in the format.
        assert!(foreign_key("FOREIGN KEY (a, b) REFERENCES t(x, y) ON DELETE SET NULL (a)").is_none());
    }

    #[test]
    fn checks_lose_the_parentheses_postgres_adds() {
        let mut y = YamlTable::default();
        let table = QualName::new("s", "t");
        assert!(constraint(&mut y, &table, &constraint_of(ConstraintKind::Check, "CHECK ((price > 0)) NO INHERIT")));
        assert_eq!(y.checks["c"].expression, "price > 0");
        assert!(y.checks["c"].no_inherit);
    }

    #[test]
    fn indexes_are_read_into_their_fields() {
        let index = |definition: &str| Index {
            name: "i".into(),
            definition: definition.into(),
            unique: definition.contains("UNIQUE"),
            comment: None,
            inherited: false,
            valid: true,
        };
        let on = QualName::new("s", "t");
        let y = super::index(
            &index("CREATE UNIQUE INDEX i ON s.t USING gin (lower(a), b jsonb_path_ops) INCLUDE (c) WITH (fillfactor='70') WHERE (a IS NOT NULL)"),
            &on,
        )
        .unwrap();
        assert_eq!(y.columns, ["lower(a)", "b jsonb_path_ops"]);
        assert_eq!(y.method.as_deref(), Some("gin"));
        assert_eq!(y.include, ["c"]);
        assert_eq!(y.with["fillfactor"], "70");
        assert_eq!(y.r#where.as_deref(), Some("a IS NOT NULL"));
        assert!(super::index(&index("CREATE INDEX i ON ONLY s.t USING btree (a)"), &on).is_none());
        assert!(super::index(&index("CREATE INDEX i ON s.t USING btree (a) TABLESPACE x"), &on).is_none());
    }

    #[test]
    fn triggers_and_policies_are_read_into_their_fields() {
        let object = |kind, create: &str| DbObject {
            id: ObjectId { kind, schema: "s".into(), name: "x".into(), table: Some(QualName::new("s", "t")) },
            create: create.into(),
            drop: String::new(),
            comment_target: String::new(),
            comment: None,
            replace_signature: None,
            column_comments: Default::default(),
        };
        let table = QualName::new("s", "t");
        let t = trigger(
            &object(
                ObjectKind::Trigger,
                "CREATE TRIGGER x BEFORE INSERT OR UPDATE OF a, b ON s.t FOR EACH ROW WHEN ((new.a > 0)) EXECUTE FUNCTION s.f('y')",
            ),
            &table,
        )
        .unwrap();
        assert_eq!(t.events, ["insert", "update of a, b"]);
        assert_eq!(t.when.as_deref(), Some("new.a > 0"));
        assert_eq!(t.execute, "s.f('y')");
        let disabled = "CREATE TRIGGER x AFTER DELETE ON s.t FOR EACH STATEMENT EXECUTE FUNCTION s.f();\nALTER TABLE s.t DISABLE TRIGGER x";
        assert!(trigger(&object(ObjectKind::Trigger, disabled), &table).is_none());
        let p = policy(
            &object(
                ObjectKind::Policy,
                "CREATE POLICY x ON s.t AS RESTRICTIVE FOR SELECT TO app, \"Admin\" USING ((owner = CURRENT_USER))",
            ),
            &table,
        )
        .unwrap();
        assert!(p.restrictive);
        assert_eq!(p.to, ["app", "Admin"]);
        assert_eq!(p.using.as_deref(), Some("owner = CURRENT_USER"));
        let everyone = policy(
            &object(ObjectKind::Policy, "CREATE POLICY x ON s.t AS PERMISSIVE FOR ALL TO PUBLIC WITH CHECK (true)"),
            &table,
        )
        .unwrap();
        assert!(everyone.to.is_empty());
        assert_eq!(everyone.with_check.as_deref(), Some("true"));
    }
}
