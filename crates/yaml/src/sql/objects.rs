//! Extensions, schemas, sequences, views and routines.

use std::collections::BTreeMap;

use schemactl_source::RenameKind;

use super::tables::{index, sequence_options, with_options};
use super::{Gen, KeyPath, Sql};
use crate::error::Result;
use crate::model::{CheckOption, Document, Grants, IndexMap, Parallel, Volatility};
use schemactl_sqltext::dollar_tag;

pub(super) fn extensions(g: &mut Gen<'_>, doc: &Document) -> Result<()> {
    for (name, e) in &doc.extensions {
        let p = KeyPath::default().key("extensions").key(name);
        g.check_name(&p, name)?;
        // IF NOT EXISTS: a fresh database already has plpgsql.
        let mut sql = g.sql(&p);
        sql.kw("CREATE EXTENSION IF NOT EXISTS ").ident(name);
        if let Some(schema) = &e.schema {
            sql.at(&p.key("schema")).kw(" WITH SCHEMA ").ident(schema);
        }
        if let Some(version) = &e.version {
            sql.at(&p.key("version")).kw(" VERSION ").literal(version);
        }
        g.finish(sql)?;
        g.comment(
            &p.key("comment"),
            |s| {
                s.kw("EXTENSION ").ident(name);
            },
            &e.comment,
        )?;
    }
    Ok(())
}

pub(super) fn schemas(g: &mut Gen<'_>, doc: &Document) -> Result<()> {
    for (name, s) in &doc.schemas {
        let p = KeyPath::default().key("schemas").key(name);
        g.check_name(&p, name)?;
        // Every database has `public`: declaring it only comments or grants on it.
        if name != "public" {
            let mut sql = g.sql(&p);
            sql.kw("CREATE SCHEMA ").ident(name);
            g.finish(sql)?;
        }
        g.comment(
            &p.key("comment"),
            |sql| {
                sql.kw("SCHEMA ").ident(name);
            },
            &s.comment,
        )?;
        g.grants(
            &p.key("grants"),
            &s.grants,
            &|sql| {
                sql.kw("SCHEMA ").ident(name);
            },
            None,
        )?;
        g.default_privileges(&p.key("default_privileges"), Some(name), &s.default_privileges)?;
        g.rename(&p, RenameKind::Schema, name, None, name, &s.renamed_from)?;
    }
    Ok(())
}

pub(super) fn sequences(g: &mut Gen<'_>, doc: &Document) -> Result<()> {
    for (key, s) in &doc.sequences {
        let p = KeyPath::default().key("sequences").key(key);
        let (schema, name) = g.qualify(&p, key)?;
        let mut sql = g.sql(&p);
        sql.kw("CREATE SEQUENCE ").qname(&schema, &name);
        let options =
            sequence_options(&s.data_type, [s.increment, s.min_value, s.max_value, s.start, s.cache], s.cycle);
        if !options.is_empty() {
            sql.kw(" ").kw(&options);
        }
        g.finish(sql)?;
        if let Some(owner) = &s.owned_by {
            let op = p.key("owned_by");
            let mut sql = g.sql(&op);
            sql.kw("ALTER SEQUENCE ").qname(&schema, &name).kw(" OWNED BY ").user(&op, owner);
            g.finish(sql)?;
        }
        g.comment(
            &p.key("comment"),
            |sql| {
                sql.kw("SEQUENCE ").qname(&schema, &name);
            },
            &s.comment,
        )?;
        g.grants(
            &p.key("grants"),
            &s.grants,
            &|sql| {
                sql.kw("SEQUENCE ").qname(&schema, &name);
            },
            None,
        )?;
        g.rename(&p, RenameKind::Sequence, &schema, None, &name, &s.renamed_from)?;
    }
    Ok(())
}

pub(super) fn views(g: &mut Gen<'_>, doc: &Document) -> Result<()> {
    for (key, v) in &doc.views {
        let p = KeyPath::default().key("views").key(key);
        let (schema, name) = g.qualify(&p, key)?;
        let mut sql = g.sql(&p);
        sql.kw("CREATE VIEW ").qname(&schema, &name);
        column_names(&mut sql, &p, &v.columns);
        with_options(&mut sql, &p.key("with"), &v.with);
        sql.kw(" AS ").user(&p.key("query"), query(&v.query));
        match v.check_option {
            Some(CheckOption::Local) => sql.at(&p.key("check_option")).kw(" WITH LOCAL CHECK OPTION"),
            Some(CheckOption::Cascaded) => sql.at(&p.key("check_option")).kw(" WITH CASCADED CHECK OPTION"),
            None => &mut sql,
        };
        g.finish(sql)?;
        relation_extras(g, &p, (&schema, &name), "VIEW", &v.comment, &v.column_comments, &v.grants)?;
        g.rename(&p, RenameKind::View, &schema, None, &name, &v.renamed_from)?;
    }
    for (key, m) in &doc.materialized_views {
        let p = KeyPath::default().key("materialized_views").key(key);
        let (schema, name) = g.qualify(&p, key)?;
        let mut sql = g.sql(&p);
        sql.kw("CREATE MATERIALIZED VIEW ").qname(&schema, &name);
        column_names(&mut sql, &p, &m.columns);
        with_options(&mut sql, &p.key("with"), &m.with);
        sql.kw(" AS ").user(&p.key("query"), query(&m.query));
        if !m.with_data {
            sql.at(&p.key("with_data")).kw(" WITH NO DATA");
        }
        g.finish(sql)?;
        for (index_name, i) in &m.indexes {
            index(g, &p.key("indexes").key(index_name), (&schema, &name), index_name, i)?;
        }
        relation_extras(g, &p, (&schema, &name), "MATERIALIZED VIEW", &m.comment, &m.column_comments, &m.grants)?;
        g.rename(&p, RenameKind::MaterializedView, &schema, None, &name, &m.renamed_from)?;
    }
    Ok(())
}

/// A query as written, without the `;` and blank lines a block scalar may end with (the
/// start is kept, so positions inside it stay exact).
fn query(text: &str) -> &str {
    text.trim_end().trim_end_matches(';').trim_end()
}

fn column_names(sql: &mut Sql<'_>, p: &KeyPath, names: &[String]) {
    if names.is_empty() {
        return;
    }
    sql.at(&p.key("columns")).kw(" (");
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            sql.kw(", ");
        }
        sql.at(&p.key("columns").index(i)).ident(name);
    }
    sql.kw(")").at(p);
}

/// Comments (on the view and its columns) and grants of a view or materialized view.
fn relation_extras(
    g: &mut Gen<'_>,
    p: &KeyPath,
    (schema, name): (&str, &str),
    kind: &'static str,
    comment: &Option<String>,
    column_comments: &IndexMap<String, String>,
    grants: &Grants,
) -> Result<()> {
    g.comment(
        &p.key("comment"),
        |s| {
            s.kw(kind).kw(" ").qname(schema, name);
        },
        comment,
    )?;
    for (column, text) in column_comments {
        let cp = p.key("column_comments").key(column);
        g.check_name(&cp, column)?;
        g.comment(
            &cp,
            |s| {
                s.kw("COLUMN ").qname(schema, name).kw(".").ident(column);
            },
            &Some(text.clone()),
        )?;
    }
    g.grants(
        &p.key("grants"),
        grants,
        &|s| {
            s.kw("TABLE ").qname(schema, name);
        },
        None,
    )
}

/// A routine's name and argument list from its key (`f` or `f(integer)`) and `arguments`.
struct Signature {
    schema: String,
    name: String,
    arguments: String,
    /// Where the arguments were written: the key, or the `arguments` key.
    arguments_path: KeyPath,
    /// The signature the key gives alongside `arguments` (which may name arguments and give
    /// defaults): what `COMMENT` and `GRANT` name an overload by.
    identity: Option<String>,
}

fn signature(g: &Gen<'_>, p: &KeyPath, key: &str, arguments: &Option<String>) -> Result<Signature> {
    let (name_part, from_key) = match key.split_once('(') {
        Some((name, rest)) => match rest.strip_suffix(')') {
            Some(args) => (name.trim_end(), Some(args.to_string())),
            None => return Err(g.structure(p, "a routine key is `name` or `name(argument types)`")),
        },
        None => (key, None),
    };
    let (schema, name) = g.qualify(p, name_part)?;
    let mut identity = None;
    let (arguments, arguments_path) = match (from_key, arguments) {
        (Some(key_args), Some(args)) => {
            identity = Some(key_args);
            (args.clone(), p.key("arguments"))
        }
        (Some(args), None) => (args, p.clone()),
        (None, Some(args)) => (args.clone(), p.key("arguments")),
        (None, None) => (String::new(), p.clone()),
    };
    Ok(Signature { schema, name, arguments, arguments_path, identity })
}

pub(super) fn routines(g: &mut Gen<'_>, doc: &Document) -> Result<()> {
    let root = KeyPath::default();
    // COMMENT and GRANT name a routine without its arguments (which may hold defaults,
    // refused there) unless the document overloads the name.
    let mut overloads: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut signatures = Vec::new();
    for (kind, keys) in [
        ("functions", doc.functions.iter().map(|(k, f)| (k, &f.arguments)).collect::<Vec<_>>()),
        ("procedures", doc.procedures.iter().map(|(k, f)| (k, &f.arguments)).collect()),
    ] {
        for (key, arguments) in keys {
            let s = signature(g, &root.key(kind).key(key), key, arguments)?;
            *overloads.entry((s.schema.clone(), s.name.clone())).or_default() += 1;
            signatures.push(s);
        }
    }
    let mut signatures = signatures.into_iter();
    for (key, f) in &doc.functions {
        let p = root.key("functions").key(key);
        let Some(s) = signatures.next() else { break };
        let mut sql = g.sql(&p);
        sql.kw("CREATE FUNCTION ");
        head(&mut sql, &s);
        sql.at(&p.key("returns")).kw(" RETURNS ").user(&p.key("returns"), &f.returns);
        sql.at(&p.key("language")).kw(" LANGUAGE ").ident(&f.language).at(&p);
        if let Some(v) = f.volatility {
            sql.at(&p.key("volatility")).kw(match v {
                Volatility::Immutable => " IMMUTABLE",
                Volatility::Stable => " STABLE",
                Volatility::Volatile => " VOLATILE",
            });
        }
        for (on, word, field) in [
            (f.strict, " STRICT", "strict"),
            (f.security_definer, " SECURITY DEFINER", "security_definer"),
            (f.leakproof, " LEAKPROOF", "leakproof"),
        ] {
            if on {
                sql.at(&p.key(field)).kw(word);
            }
        }
        if let Some(parallel) = f.parallel {
            sql.at(&p.key("parallel")).kw(match parallel {
                Parallel::Safe => " PARALLEL SAFE",
                Parallel::Restricted => " PARALLEL RESTRICTED",
                Parallel::Unsafe => " PARALLEL UNSAFE",
            });
        }
        if let Some(cost) = &f.cost {
            sql.at(&p.key("cost")).kw(" COST ").user(&p.key("cost"), cost);
        }
        if let Some(rows) = &f.rows {
            sql.at(&p.key("rows")).kw(" ROWS ").user(&p.key("rows"), rows);
        }
        settings(&mut sql, &p, &f.set);
        body(&mut sql, &p, &f.body);
        g.finish(sql)?;
        let bare = overloads.get(&(s.schema.clone(), s.name.clone())) == Some(&1);
        routine_extras(g, &p, "FUNCTION", &s, bare, &f.comment, &f.grants)?;
    }
    for (key, f) in &doc.procedures {
        let p = root.key("procedures").key(key);
        let Some(s) = signatures.next() else { break };
        let mut sql = g.sql(&p);
        sql.kw("CREATE PROCEDURE ");
        head(&mut sql, &s);
        sql.at(&p.key("language")).kw(" LANGUAGE ").ident(&f.language).at(&p);
        if f.security_definer {
            sql.at(&p.key("security_definer")).kw(" SECURITY DEFINER");
        }
        settings(&mut sql, &p, &f.set);
        body(&mut sql, &p, &f.body);
        g.finish(sql)?;
        let bare = overloads.get(&(s.schema.clone(), s.name.clone())) == Some(&1);
        routine_extras(g, &p, "PROCEDURE", &s, bare, &f.comment, &f.grants)?;
    }
    Ok(())
}

/// `"schema"."name"(arguments)`.
fn head(sql: &mut Sql<'_>, s: &Signature) {
    sql.qname(&s.schema, &s.name).kw("(");
    if !s.arguments.is_empty() {
        sql.user(&s.arguments_path, &s.arguments);
    }
    sql.kw(")");
}

fn settings(sql: &mut Sql<'_>, p: &KeyPath, set: &IndexMap<String, String>) {
    for (name, value) in set {
        let sp = p.key("set").key(name);
        sql.at(&sp).kw(" SET ").ident(name).kw(" TO ").user(&sp, value);
    }
    sql.at(p);
}

/// ` AS $body$...$body$`, the body verbatim.
fn body(sql: &mut Sql<'_>, p: &KeyPath, body: &str) {
    let tag = dollar_tag(body);
    sql.at(&p.key("body")).kw(" AS ").kw(&tag).user(&p.key("body"), body).kw(&tag);
}

fn routine_extras(
    g: &mut Gen<'_>,
    p: &KeyPath,
    kind: &'static str,
    s: &Signature,
    bare: bool,
    comment: &Option<String>,
    grants: &Grants,
) -> Result<()> {
    let target = |sql: &mut Sql<'_>| {
        sql.kw(kind).kw(" ").qname(&s.schema, &s.name);
        match (&s.identity, bare) {
            (Some(identity), _) => {
                sql.kw("(").user(p, identity).kw(")");
            }
            (None, false) => {
                sql.kw("(").user(&s.arguments_path, &s.arguments).kw(")");
            }
            (None, true) => {}
        }
    };
    g.comment(&p.key("comment"), target, comment)?;
    g.grants(&p.key("grants"), grants, &target, None)
}
