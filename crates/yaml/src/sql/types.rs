//! Enum, composite, domain and range types.

use schemactl_source::RenameKind;

use super::{Gen, KeyPath, Sql};
use crate::error::Result;
use crate::model::{CollationProvider, Document};

pub(super) fn all(g: &mut Gen<'_>, doc: &Document) -> Result<()> {
    let root = KeyPath::default();
    for (key, c) in &doc.collations {
        let p = root.key("collations").key(key);
        let (schema, name) = g.qualify(&p, key)?;
        if c.locale.is_none() && c.lc_collate.is_none() && c.lc_ctype.is_none() {
            return Err(g.structure(&p, "a collation needs a `locale` (or `lc_collate` and `lc_ctype`)"));
        }
        let mut sql = g.sql(&p);
        sql.kw("CREATE COLLATION ").qname(&schema, &name).kw(" (");
        let mut first = true;
        let mut option = |sql: &mut Sql<'_>, field: &str, word: &str| {
            sql.at(&p.key(field)).kw(if first { "" } else { ", " }).kw(word).kw(" = ");
            first = false;
        };
        if let Some(provider) = c.provider {
            option(&mut sql, "provider", "provider");
            sql.kw(match provider {
                CollationProvider::Icu => "icu",
                CollationProvider::Libc => "libc",
            });
        }
        for (field, value) in [("locale", &c.locale), ("lc_collate", &c.lc_collate), ("lc_ctype", &c.lc_ctype)] {
            if let Some(value) = value {
                option(&mut sql, field, field);
                sql.literal(value);
            }
        }
        if !c.deterministic {
            option(&mut sql, "deterministic", "deterministic");
            sql.kw("false");
        }
        sql.at(&p).kw(")");
        g.finish(sql)?;
        g.comment(
            &p.key("comment"),
            |s| {
                s.kw("COLLATION ").qname(&schema, &name);
            },
            &c.comment,
        )?;
    }
    for (key, e) in &doc.enums {
        let p = root.key("enums").key(key);
        let (schema, name) = g.qualify(&p, key)?;
        let mut sql = g.sql(&p);
        sql.kw("CREATE TYPE ").qname(&schema, &name).kw(" AS ENUM (");
        for (i, value) in e.values.iter().enumerate() {
            if i > 0 {
                sql.kw(", ");
            }
            sql.at(&p.key("values").index(i)).literal(value);
        }
        sql.at(&p).kw(")");
        g.finish(sql)?;
        usage(g, &p, "TYPE", (&schema, &name), &e.comment, &e.grants)?;
        g.rename(&p, RenameKind::Type, &schema, None, &name, &e.renamed_from)?;
    }
    for (key, c) in &doc.composite_types {
        let p = root.key("composite_types").key(key);
        let (schema, name) = g.qualify(&p, key)?;
        let mut sql = g.sql(&p);
        sql.kw("CREATE TYPE ").qname(&schema, &name).kw(" AS (");
        for (i, (attribute, a)) in c.attributes.iter().enumerate() {
            let ap = p.key("attributes").key(attribute);
            g.check_name(&ap, attribute)?;
            sql.kw(if i == 0 { "" } else { ", " }).at(&ap).ident(attribute).kw(" ").user(&ap.key("type"), &a.data_type);
            if let Some(collation) = &a.collation {
                sql.at(&ap.key("collation")).kw(" COLLATE ").collation(&ap.key("collation"), collation);
            }
        }
        sql.at(&p).kw(")");
        g.finish(sql)?;
        for (attribute, a) in &c.attributes {
            g.comment(
                &p.key("attributes").key(attribute).key("comment"),
                |s| {
                    s.kw("COLUMN ").qname(&schema, &name).kw(".").ident(attribute);
                },
                &a.comment,
            )?;
        }
        usage(g, &p, "TYPE", (&schema, &name), &c.comment, &c.grants)?;
        g.rename(&p, RenameKind::Type, &schema, None, &name, &c.renamed_from)?;
    }
    for (key, d) in &doc.domains {
        let p = root.key("domains").key(key);
        let (schema, name) = g.qualify(&p, key)?;
        let mut sql = g.sql(&p);
        sql.kw("CREATE DOMAIN ").qname(&schema, &name).kw(" AS ").user(&p.key("type"), &d.data_type);
        if let Some(collation) = &d.collation {
            sql.at(&p.key("collation")).kw(" COLLATE ").collation(&p.key("collation"), collation).at(&p);
        }
        if let Some(default) = &d.default {
            sql.kw(" DEFAULT ").user(&p.key("default"), default);
        }
        if !d.nullable {
            sql.at(&p.key("nullable")).kw(" NOT NULL").at(&p);
        }
        for (check, c) in d.checks.iter().filter(|(_, c)| !c.not_valid) {
            let cp = p.key("checks").key(check);
            domain_check(g, &mut sql, &cp, check, c)?;
            sql.at(&p);
        }
        g.finish(sql)?;
        for (check, c) in d.checks.iter().filter(|(_, c)| c.not_valid) {
            let cp = p.key("checks").key(check);
            let mut sql = g.sql(&cp);
            sql.kw("ALTER DOMAIN ").qname(&schema, &name).kw(" ADD");
            domain_check(g, &mut sql, &cp, check, c)?;
            sql.at(&cp.key("not_valid")).kw(" NOT VALID");
            g.finish(sql)?;
        }
        for (check, c) in &d.checks {
            g.comment(
                &p.key("checks").key(check).key("comment"),
                |s| {
                    s.kw("CONSTRAINT ").ident(check).kw(" ON DOMAIN ").qname(&schema, &name);
                },
                &c.comment,
            )?;
        }
        usage(g, &p, "DOMAIN", (&schema, &name), &d.comment, &d.grants)?;
        g.rename(&p, RenameKind::Domain, &schema, None, &name, &d.renamed_from)?;
    }
    for (key, r) in &doc.range_types {
        let p = root.key("range_types").key(key);
        let (schema, name) = g.qualify(&p, key)?;
        let mut sql = g.sql(&p);
        sql.kw("CREATE TYPE ").qname(&schema, &name).kw(" AS RANGE (SUBTYPE = ").user(&p.key("subtype"), &r.subtype);
        let options = [
            ("SUBTYPE_OPCLASS", "subtype_opclass", &r.subtype_opclass),
            ("COLLATION", "collation", &r.collation),
            ("CANONICAL", "canonical", &r.canonical),
            ("SUBTYPE_DIFF", "subtype_diff", &r.subtype_diff),
            ("MULTIRANGE_TYPE_NAME", "multirange_type_name", &r.multirange_type_name),
        ];
        for (word, field, value) in options {
            if let Some(value) = value {
                sql.kw(", ").kw(word).kw(" = ").user(&p.key(field), value);
            }
        }
        sql.kw(")");
        g.finish(sql)?;
        usage(g, &p, "TYPE", (&schema, &name), &r.comment, &r.grants)?;
        g.rename(&p, RenameKind::Type, &schema, None, &name, &r.renamed_from)?;
    }
    Ok(())
}

/// ` CONSTRAINT "name" CHECK (condition)` of a domain.
fn domain_check(g: &Gen<'_>, sql: &mut Sql<'_>, p: &KeyPath, name: &str, c: &crate::model::Check) -> Result<()> {
    g.check_name(p, name)?;
    if c.no_inherit {
        return Err(g.structure(&p.key("no_inherit"), "`no_inherit` applies to table checks, not domains"));
    }
    sql.at(p).kw(" CONSTRAINT ").ident(name).kw(" CHECK (").user(&p.key("expression"), &c.expression).kw(")");
    Ok(())
}

/// The comment and grants of a type or domain.
fn usage(
    g: &mut Gen<'_>,
    p: &KeyPath,
    kind: &'static str,
    (schema, name): (&str, &str),
    comment: &Option<String>,
    grants: &crate::model::Grants,
) -> Result<()> {
    g.comment(
        &p.key("comment"),
        |s| {
            s.kw(kind).kw(" ").qname(schema, name);
        },
        comment,
    )?;
    g.grants(
        &p.key("grants"),
        grants,
        &|s| {
            s.kw(kind).kw(" ").qname(schema, name);
        },
        None,
    )
}
