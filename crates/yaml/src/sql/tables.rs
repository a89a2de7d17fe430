//! Tables: `CREATE TABLE` with columns and the constraints that live inside it; foreign
//! keys as `ALTER TABLE ... ADD CONSTRAINT` of their own (so tables that reference each
//! other need no ordering by hand); indexes, triggers, policies, comments and grants.

use schemactl_source::RenameKind;

use super::{role_name, Gen, KeyPath, Sql, MAX_NAME_BYTES};
use crate::error::Result;
use crate::model::{Action, Column, ColumnReference, ForEach, ForeignKey, Generation, Index, Match, Table, Timing};

pub(super) fn table(g: &mut Gen<'_>, p: &KeyPath, key: &str, t: &Table) -> Result<()> {
    let (schema, name) = g.qualify(p, key)?;
    let target = |sql: &mut Sql<'_>| {
        sql.kw("TABLE ").qname(&schema, &name);
    };

    let mut sql = g.sql(p);
    sql.kw("CREATE ");
    if t.unlogged {
        sql.at(&p.key("unlogged")).kw("UNLOGGED ").at(p);
    }
    sql.kw("TABLE ").qname(&schema, &name);
    let elements = elements(g, p, t)?;
    if let Some(partition) = &t.partition_of {
        if !t.columns.is_empty() {
            return Err(g.structure(&p.key("columns"), "a partition takes its columns from `partition_of.parent`"));
        }
        let pp = p.key("partition_of");
        sql.at(&pp).kw(" PARTITION OF ").user(&pp.key("parent"), &partition.parent);
        if !elements.is_empty() {
            sql.kw(" (");
            write_elements(&mut sql, p, &elements);
            sql.kw(")");
        }
        sql.kw(" ").user(&pp.key("bound"), &partition.bound);
    } else {
        sql.kw(" (");
        write_elements(&mut sql, p, &elements);
        sql.kw(")");
        if !t.inherits.is_empty() {
            let ip = p.key("inherits");
            sql.at(&ip).kw(" INHERITS (");
            for (i, parent) in t.inherits.iter().enumerate() {
                if i > 0 {
                    sql.kw(", ");
                }
                sql.user(&ip.index(i), parent);
            }
            sql.kw(")");
        }
    }
    if let Some(by) = &t.partition_by {
        sql.at(&p.key("partition_by")).kw(" PARTITION BY ").user(&p.key("partition_by"), by);
    }
    g.finish(sql)?;
    g.rename(p, RenameKind::Table, &schema, None, &name, &t.renamed_from)?;

    for (column, c) in &t.columns {
        let cp = p.key("columns").key(column);
        if let Some(reference) = &c.references {
            column_foreign_key(g, &cp.key("references"), (&schema, &name), column, reference)?;
        }
        g.comment(
            &cp.key("comment"),
            |s| {
                s.kw("COLUMN ").qname(&schema, &name).kw(".").ident(column);
            },
            &c.comment,
        )?;
        g.grants(
            &cp.key("grants"),
            &c.grants,
            &|s| {
                s.kw("TABLE ").qname(&schema, &name);
            },
            Some(column),
        )?;
        g.rename(&cp, RenameKind::Column, &schema, Some(&name), column, &c.renamed_from)?;
    }
    constraints_after(g, p, (&schema, &name), t)?;
    for (index, i) in &t.indexes {
        self::index(g, &p.key("indexes").key(index), (&schema, &name), index, i)?;
    }
    for (trigger, tr) in &t.triggers {
        let tp = p.key("triggers").key(trigger);
        g.check_name(&tp, trigger)?;
        let mut sql = g.sql(&tp);
        sql.kw("CREATE TRIGGER ").ident(trigger).kw(" ");
        sql.at(&tp.key("timing")).kw(match tr.timing {
            Timing::Before => "BEFORE ",
            Timing::After => "AFTER ",
            Timing::InsteadOf => "INSTEAD OF ",
        });
        if tr.events.is_empty() {
            return Err(g.structure(&tp.key("events"), "no events listed"));
        }
        for (i, event) in tr.events.iter().enumerate() {
            if i > 0 {
                sql.kw(" OR ");
            }
            sql.user(&tp.key("events").index(i), event);
        }
        sql.at(&tp).kw(" ON ").qname(&schema, &name);
        sql.kw(match tr.for_each {
            ForEach::Row => " FOR EACH ROW",
            ForEach::Statement => " FOR EACH STATEMENT",
        });
        if let Some(when) = &tr.when {
            sql.kw(" WHEN (").user(&tp.key("when"), when).kw(")");
        }
        sql.kw(" EXECUTE FUNCTION ").user(&tp.key("execute"), &tr.execute);
        g.finish(sql)?;
        g.comment(
            &tp.key("comment"),
            |s| {
                s.kw("TRIGGER ").ident(trigger).kw(" ON ").qname(&schema, &name);
            },
            &tr.comment,
        )?;
    }
    if t.row_security {
        let mut sql = g.sql(&p.key("row_security"));
        sql.kw("ALTER TABLE ").qname(&schema, &name).kw(" ENABLE ROW LEVEL SECURITY");
        g.finish(sql)?;
    }
    if t.force_row_security {
        let mut sql = g.sql(&p.key("force_row_security"));
        sql.kw("ALTER TABLE ").qname(&schema, &name).kw(" FORCE ROW LEVEL SECURITY");
        g.finish(sql)?;
    }
    for (policy, po) in &t.policies {
        let pp = p.key("policies").key(policy);
        g.check_name(&pp, policy)?;
        let mut sql = g.sql(&pp);
        sql.kw("CREATE POLICY ").ident(policy).kw(" ON ").qname(&schema, &name);
        if po.restrictive {
            sql.kw(" AS RESTRICTIVE");
        }
        sql.kw(" FOR ").kw(match po.command {
            crate::model::Command::All => "ALL",
            crate::model::Command::Select => "SELECT",
            crate::model::Command::Insert => "INSERT",
            crate::model::Command::Update => "UPDATE",
            crate::model::Command::Delete => "DELETE",
        });
        if !po.to.is_empty() {
            sql.at(&pp.key("to")).kw(" TO ");
            for (i, role) in po.to.iter().enumerate() {
                if i > 0 {
                    sql.kw(", ");
                }
                role_name(&mut sql, role);
            }
            sql.at(&pp);
        }
        if let Some(using) = &po.using {
            sql.kw(" USING (").user(&pp.key("using"), using).kw(")");
        }
        if let Some(check) = &po.with_check {
            sql.kw(" WITH CHECK (").user(&pp.key("with_check"), check).kw(")");
        }
        g.finish(sql)?;
        g.comment(
            &pp.key("comment"),
            |s| {
                s.kw("POLICY ").ident(policy).kw(" ON ").qname(&schema, &name);
            },
            &po.comment,
        )?;
    }
    for (stat, st) in &t.statistics {
        statistics(g, &p.key("statistics").key(stat), (&schema, &name), stat, st)?;
    }
    g.comment(&p.key("comment"), target, &t.comment)?;
    g.grants(
        &p.key("grants"),
        &t.grants,
        &|s| {
            s.kw("TABLE ").qname(&schema, &name);
        },
        None,
    )?;
    Ok(())
}

/// One element of the table's parentheses, with the key it comes from.
struct Element {
    path: KeyPath,
    write: Box<dyn Fn(&mut Sql<'_>)>,
}

fn write_elements(sql: &mut Sql<'_>, table: &KeyPath, elements: &[Element]) {
    for (i, element) in elements.iter().enumerate() {
        sql.kw(if i == 0 { "\n  " } else { ",\n  " });
        sql.at(&element.path);
        (element.write)(sql);
    }
    if !elements.is_empty() {
        sql.kw("\n");
    }
    sql.at(table);
}

/// Columns, then the primary key, unique, check and exclusion constraints.
fn elements(g: &Gen<'_>, p: &KeyPath, t: &Table) -> Result<Vec<Element>> {
    let mut out = Vec::new();
    for (name, c) in &t.columns {
        let cp = p.key("columns").key(name);
        g.check_name(&cp, name)?;
        if c.data_type.trim().is_empty() {
            return Err(g.structure(&cp.key("type"), "empty type"));
        }
        if let Some(using) = &c.using {
            // Written as the SQL annotation, a line comment: a line break would end it and let
            // the rest of the expression run as SQL.
            if using.contains(['\n', '\r']) {
                return Err(g.structure(&cp.key("using"), "one line: an SQL expression without line breaks"));
            }
        }
        let (name, c, path) = (name.clone(), c.clone(), cp.clone());
        out.push(Element {
            path: cp,
            write: Box::new(move |sql| {
                if let Some(using) = &c.using {
                    let at = path.key("using");
                    sql.at(&at).kw("-- ").kw(schemactl_source::USING).kw(" ").user(&at, using).kw("\n  ").at(&path);
                }
                column(sql, &path, &name, &c)
            }),
        });
    }
    if let Some(pk) = &t.primary_key {
        let pp = p.key("primary_key");
        if let Some(name) = &pk.name {
            g.check_name(&pp.key("name"), name)?;
        }
        let pk = pk.clone();
        let path = pp.clone();
        out.push(Element {
            path: pp,
            write: Box::new(move |sql| {
                if let Some(name) = &pk.name {
                    sql.kw("CONSTRAINT ").ident(name).kw(" ");
                }
                sql.kw("PRIMARY KEY (");
                columns(sql, &path.key("columns"), &pk.columns);
                sql.kw(")");
                include(sql, &path.key("include"), &pk.include);
                deferrable(sql, pk.deferrable, pk.initially_deferred);
            }),
        });
    }
    for (name, u) in &t.unique {
        let up = p.key("unique").key(name);
        g.check_name(&up, name)?;
        let (name, u, path) = (name.clone(), u.clone(), up.clone());
        out.push(Element {
            path: up,
            write: Box::new(move |sql| {
                sql.kw("CONSTRAINT ").ident(&name).kw(" UNIQUE ");
                if u.nulls_not_distinct {
                    sql.kw("NULLS NOT DISTINCT ");
                }
                sql.kw("(");
                columns(sql, &path.key("columns"), &u.columns);
                sql.kw(")");
                include(sql, &path.key("include"), &u.include);
                deferrable(sql, u.deferrable, u.initially_deferred);
            }),
        });
    }
    for (name, c) in t.checks.iter().filter(|(_, c)| !c.not_valid) {
        let cp = p.key("checks").key(name);
        g.check_name(&cp, name)?;
        let (name, c, path) = (name.clone(), c.clone(), cp.clone());
        out.push(Element {
            path: cp,
            write: Box::new(move |sql| {
                sql.kw("CONSTRAINT ").ident(&name).kw(" CHECK (").user(&path.key("expression"), &c.expression).kw(")");
                if c.no_inherit {
                    sql.kw(" NO INHERIT");
                }
            }),
        });
    }
    for (name, x) in &t.exclusions {
        let xp = p.key("exclusions").key(name);
        g.check_name(&xp, name)?;
        let (name, x, path) = (name.clone(), x.clone(), xp.clone());
        out.push(Element {
            path: xp,
            write: Box::new(move |sql| {
                sql.kw("CONSTRAINT ").ident(&name).kw(" EXCLUDE ").user(&path.key("definition"), &x.definition);
                deferrable(sql, x.deferrable, x.initially_deferred);
            }),
        });
    }
    Ok(out)
}

/// The name a constraint gets: its own, or PostgreSQL's default when something needs to
/// name it (a comment, a rename).
fn constraint_name(g: &Gen<'_>, p: &KeyPath, name: Option<&str>, needs_name: bool, default: &str) -> Result<String> {
    match name {
        Some(name) => {
            g.check_name(p, name)?;
            Ok(name.to_string())
        }
        None if needs_name && default.len() > MAX_NAME_BYTES => {
            Err(g.structure(p, "give the constraint a `name`: PostgreSQL's default name would be truncated"))
        }
        None => Ok(default.to_string()),
    }
}

fn column(sql: &mut Sql<'_>, p: &KeyPath, name: &str, c: &Column) {
    sql.ident(name).kw(" ").user(&p.key("type"), &c.data_type);
    if let Some(collation) = &c.collation {
        sql.at(&p.key("collation")).kw(" COLLATE ").collation(&p.key("collation"), collation).at(p);
    }
    if let Some(identity) = &c.identity {
        let ip = p.key("identity");
        sql.at(&ip).kw(match identity.generation {
            Generation::Always => " GENERATED ALWAYS AS IDENTITY",
            Generation::ByDefault => " GENERATED BY DEFAULT AS IDENTITY",
        });
        let options = sequence_options(
            &identity.data_type,
            [identity.increment, identity.min_value, identity.max_value, identity.start, identity.cache],
            identity.cycle,
        );
        if !options.is_empty() {
            sql.kw(" (").kw(&options).kw(")");
        }
        sql.at(p);
    }
    if let Some(generated) = &c.generated {
        let gp = p.key("generated");
        sql.at(&gp).kw(" GENERATED ALWAYS AS (").user(&gp.key("expression"), &generated.expression);
        sql.kw(if generated.stored { ") STORED" } else { ") VIRTUAL" }).at(p);
    }
    if let Some(default) = &c.default {
        sql.kw(" DEFAULT ").user(&p.key("default"), default);
    }
    if !c.nullable {
        sql.at(&p.key("nullable")).kw(" NOT NULL").at(p);
    }
    if c.primary_key {
        sql.at(&p.key("primary_key")).kw(" PRIMARY KEY").at(p);
    }
    if c.unique {
        sql.at(&p.key("unique")).kw(" UNIQUE").at(p);
    }
    if let Some(check) = &c.check {
        sql.kw(" CHECK (").user(&p.key("check"), check).kw(")");
    }
}

/// `AS type INCREMENT BY ... CYCLE`: the options given, in PostgreSQL's order.
pub(super) fn sequence_options(data_type: &Option<String>, numbers: [Option<i64>; 5], cycle: bool) -> String {
    let mut parts = Vec::new();
    if let Some(t) = data_type {
        parts.push(format!("AS {t}"));
    }
    let [increment, min, max, start, cache] = numbers;
    for (word, value) in
        [("INCREMENT BY", increment), ("MINVALUE", min), ("MAXVALUE", max), ("START WITH", start), ("CACHE", cache)]
    {
        if let Some(v) = value {
            parts.push(format!("{word} {v}"));
        }
    }
    if cycle {
        parts.push("CYCLE".into());
    }
    parts.join(" ")
}

/// Column names, quoted, each mapped to its list item.
fn columns(sql: &mut Sql<'_>, p: &KeyPath, names: &[String]) {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            sql.kw(", ");
        }
        sql.at(&p.index(i)).ident(name);
    }
    if let Some(parent) = p.parent() {
        sql.at(&parent);
    }
}

fn include(sql: &mut Sql<'_>, p: &KeyPath, names: &[String]) {
    if !names.is_empty() {
        sql.kw(" INCLUDE (");
        columns(sql, p, names);
        sql.kw(")");
    }
}

fn deferrable(sql: &mut Sql<'_>, deferrable: bool, initially_deferred: bool) {
    if deferrable {
        sql.kw(" DEFERRABLE");
    }
    if initially_deferred {
        sql.kw(" INITIALLY DEFERRED");
    }
}

fn actions(sql: &mut Sql<'_>, match_type: Option<Match>, on_delete: Option<Action>, on_update: Option<Action>) {
    match match_type {
        Some(Match::Full) => sql.kw(" MATCH FULL"),
        Some(Match::Simple) => sql.kw(" MATCH SIMPLE"),
        None => sql,
    };
    if let Some(action) = on_delete {
        sql.kw(" ON DELETE ").kw(action.sql());
    }
    if let Some(action) = on_update {
        sql.kw(" ON UPDATE ").kw(action.sql());
    }
}

fn column_foreign_key(
    g: &mut Gen<'_>,
    p: &KeyPath,
    (schema, table): (&str, &str),
    column: &str,
    r: &ColumnReference,
) -> Result<()> {
    let mut sql = g.sql(p);
    sql.kw("ALTER TABLE ").qname(schema, table).kw(" ADD ");
    if let Some(name) = &r.name {
        g.check_name(&p.key("name"), name)?;
        sql.kw("CONSTRAINT ").ident(name).kw(" ");
    }
    sql.kw("FOREIGN KEY (").ident(column).kw(") REFERENCES ").user(&p.key("table"), &r.table);
    actions(&mut sql, r.match_type, r.on_delete, r.on_update);
    deferrable(&mut sql, r.deferrable, r.initially_deferred);
    g.finish(sql)
}

/// Foreign keys, and checks that are `NOT VALID` (which only `ALTER TABLE` can add).
fn constraints_after(g: &mut Gen<'_>, p: &KeyPath, (schema, table): (&str, &str), t: &Table) -> Result<()> {
    if let Some(pk) = &t.primary_key {
        let pp = p.key("primary_key");
        let name = constraint_name(
            g,
            &pp,
            pk.name.as_deref(),
            pk.comment.is_some() || pk.renamed_from.is_some(),
            &format!("{table}_pkey"),
        )?;
        constraint_comment(g, &pp, (schema, table), &name, &pk.comment)?;
        g.rename(&pp, RenameKind::Constraint, schema, Some(table), &name, &pk.renamed_from)?;
    }
    for (name, u) in &t.unique {
        let up = p.key("unique").key(name);
        constraint_comment(g, &up, (schema, table), name, &u.comment)?;
        g.rename(&up, RenameKind::Constraint, schema, Some(table), name, &u.renamed_from)?;
    }
    for (name, c) in &t.checks {
        let cp = p.key("checks").key(name);
        if c.not_valid {
            let mut sql = g.sql(&cp);
            sql.kw("ALTER TABLE ").qname(schema, table).kw(" ADD CONSTRAINT ").ident(name).kw(" CHECK (");
            sql.user(&cp.key("expression"), &c.expression).kw(")");
            if c.no_inherit {
                sql.kw(" NO INHERIT");
            }
            sql.at(&cp.key("not_valid")).kw(" NOT VALID");
            g.finish(sql)?;
        }
        constraint_comment(g, &cp, (schema, table), name, &c.comment)?;
        g.rename(&cp, RenameKind::Constraint, schema, Some(table), name, &c.renamed_from)?;
    }
    for (name, x) in &t.exclusions {
        let xp = p.key("exclusions").key(name);
        constraint_comment(g, &xp, (schema, table), name, &x.comment)?;
        g.rename(&xp, RenameKind::Constraint, schema, Some(table), name, &x.renamed_from)?;
    }
    for (name, fk) in &t.foreign_keys {
        foreign_key(g, &p.key("foreign_keys").key(name), (schema, table), name, fk)?;
    }
    Ok(())
}

fn constraint_comment(
    g: &mut Gen<'_>,
    p: &KeyPath,
    (schema, table): (&str, &str),
    name: &str,
    comment: &Option<String>,
) -> Result<()> {
    g.comment(
        &p.key("comment"),
        |s| {
            s.kw("CONSTRAINT ").ident(name).kw(" ON ").qname(schema, table);
        },
        comment,
    )
}

fn foreign_key(g: &mut Gen<'_>, p: &KeyPath, (schema, table): (&str, &str), name: &str, fk: &ForeignKey) -> Result<()> {
    g.check_name(p, name)?;
    if fk.columns.is_empty() {
        return Err(g.structure(&p.key("columns"), "no columns listed"));
    }
    let mut sql = g.sql(p);
    sql.kw("ALTER TABLE ").qname(schema, table).kw(" ADD CONSTRAINT ").ident(name).kw(" FOREIGN KEY (");
    columns(&mut sql, &p.key("columns"), &fk.columns);
    sql.kw(") REFERENCES ").user(&p.key("references"), &fk.references);
    actions(&mut sql, fk.match_type, fk.on_delete, fk.on_update);
    deferrable(&mut sql, fk.deferrable, fk.initially_deferred);
    if fk.not_valid {
        sql.kw(" NOT VALID");
    }
    g.finish(sql)?;
    constraint_comment(g, p, (schema, table), name, &fk.comment)?;
    g.rename(p, RenameKind::Constraint, schema, Some(table), name, &fk.renamed_from)
}

/// `CREATE INDEX` on a table or materialized view.
pub(super) fn index(g: &mut Gen<'_>, p: &KeyPath, (schema, table): (&str, &str), name: &str, i: &Index) -> Result<()> {
    g.check_name(p, name)?;
    if i.columns.is_empty() {
        return Err(g.structure(&p.key("columns"), "no columns listed"));
    }
    let mut sql = g.sql(p);
    sql.kw(if i.unique { "CREATE UNIQUE INDEX " } else { "CREATE INDEX " });
    sql.ident(name).kw(" ON ").qname(schema, table);
    if let Some(method) = &i.method {
        sql.at(&p.key("method")).kw(" USING ").ident(method).at(p);
    }
    sql.kw(" (");
    for (n, element) in i.columns.iter().enumerate() {
        if n > 0 {
            sql.kw(", ");
        }
        sql.user(&p.key("columns").index(n), element);
    }
    sql.kw(")");
    include(&mut sql, &p.key("include"), &i.include);
    if i.nulls_not_distinct {
        sql.kw(" NULLS NOT DISTINCT");
    }
    with_options(&mut sql, &p.key("with"), &i.with);
    if let Some(predicate) = &i.r#where {
        sql.kw(" WHERE ").user(&p.key("where"), predicate);
    }
    g.finish(sql)?;
    g.comment(
        &p.key("comment"),
        |s| {
            s.kw("INDEX ").qname(schema, name);
        },
        &i.comment,
    )?;
    g.rename(p, RenameKind::Index, schema, None, name, &i.renamed_from)
}

/// ` WITH (name = value, ...)`, values as SQL.
pub(super) fn with_options(sql: &mut Sql<'_>, p: &KeyPath, options: &crate::model::IndexMap<String, String>) {
    if options.is_empty() {
        return;
    }
    sql.at(p).kw(" WITH (");
    for (i, (name, value)) in options.iter().enumerate() {
        if i > 0 {
            sql.kw(", ");
        }
        sql.at(&p.key(name)).ident(name).kw(" = ").user(&p.key(name), value);
    }
    sql.kw(")");
    if let Some(parent) = p.parent() {
        sql.at(&parent);
    }
}

/// `CREATE STATISTICS` in the table's schema, its target and comment.
fn statistics(
    g: &mut Gen<'_>,
    p: &KeyPath,
    (schema, table): (&str, &str),
    name: &str,
    st: &crate::model::Statistics,
) -> Result<()> {
    g.check_name(p, name)?;
    if st.columns.is_empty() {
        return Err(g.structure(&p.key("columns"), "no columns listed"));
    }
    let mut sql = g.sql(p);
    sql.kw("CREATE STATISTICS ").qname(schema, name);
    if !st.kinds.is_empty() {
        sql.at(&p.key("kinds")).kw(" (");
        for (i, kind) in st.kinds.iter().enumerate() {
            let item = p.key("kinds").index(i);
            if !matches!(kind.as_str(), "ndistinct" | "dependencies" | "mcv") {
                return Err(
                    g.structure(&item, format!("`{kind}` is not a kind of statistics (ndistinct, dependencies, mcv)"))
                );
            }
            sql.kw(if i == 0 { "" } else { ", " }).at(&item).kw(kind);
        }
        sql.kw(")").at(p);
    }
    sql.kw(" ON ");
    for (i, column) in st.columns.iter().enumerate() {
        if i > 0 {
            sql.kw(", ");
        }
        sql.user(&p.key("columns").index(i), column);
    }
    sql.kw(" FROM ").qname(schema, table);
    g.finish(sql)?;
    if let Some(target) = st.target {
        let mut sql = g.sql(&p.key("target"));
        sql.kw("ALTER STATISTICS ").qname(schema, name).kw(&format!(" SET STATISTICS {target}"));
        g.finish(sql)?;
    }
    g.comment(
        &p.key("comment"),
        |s| {
            s.kw("STATISTICS ").qname(schema, name);
        },
        &st.comment,
    )
}
