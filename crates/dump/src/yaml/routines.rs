//! Functions and procedures, read from `pg_get_functiondef`, whose layout is fixed:
//!
//! ```text
//! CREATE OR REPLACE FUNCTION s.f(a integer, b text DEFAULT ''::text)
//!  RETURNS integer
//!  LANGUAGE plpgsql
//!  IMMUTABLE PARALLEL SAFE STRICT SECURITY DEFINER LEAKPROOF COST 5 ROWS 10
//!  SET search_path TO 'pg_catalog'
//! AS $function$...$function$
//! ```
//!
//! Window functions, `TRANSFORM`, `SUPPORT`, C functions and SQL-standard bodies (`BEGIN
//! ATOMIC`) have no place in the format and stay SQL.

use std::collections::BTreeMap;

use schemactl_model::{DbObject, ObjKey, ObjectKind};
use schemactl_yaml::model::{Function, IndexMap, Parallel, Procedure, Volatility};

use super::grants::express_created;
use super::{nameable, Builder};
use crate::text::{ident, qualified, unquote};

/// The parts of a routine's definition.
#[derive(Debug, Default, PartialEq)]
struct Parts {
    arguments: String,
    returns: Option<String>,
    language: String,
    volatility: Option<Volatility>,
    parallel: Option<Parallel>,
    strict: bool,
    security_definer: bool,
    leakproof: bool,
    cost: Option<String>,
    rows: Option<String>,
    set: IndexMap<String, String>,
    body: String,
}

pub(super) fn all(b: &mut Builder<'_>) {
    let routines: Vec<&DbObject> = b
        .source
        .objects
        .values()
        .filter(|o| matches!(o.id.kind, ObjectKind::Function | ObjectKind::Procedure))
        .collect();
    // A range type's canonical function is declared over the range's shell type, which only
    // SQL can state: the two go to SQL together (`types.rs` leaves such a range out of YAML).
    let canonical: Vec<&str> = b
        .source
        .objects
        .values()
        .filter(|o| o.id.kind == ObjectKind::RangeType)
        .filter_map(|o| o.create.split_once("CANONICAL = ")?.1.split([',', ')']).next())
        .collect();
    // Overloads share a name: their keys carry their signatures.
    let mut count: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for r in &routines {
        *count.entry((&r.id.schema, proname(&r.id.name))).or_default() += 1;
    }
    for object in routines {
        let id = &object.id;
        let name = proname(&id.name);
        if !nameable(&id.schema) || !nameable(name) || name.contains('(') {
            continue;
        }
        if canonical.contains(&schemactl_sqltext::qualified_name(&id.schema, name).as_str()) {
            continue;
        }
        let procedure = id.kind == ObjectKind::Procedure;
        let Some(parts) = parse(object, &id.schema, name, procedure) else { continue };
        let overloaded = count.get(&(id.schema.as_str(), name)).copied().unwrap_or(0) > 1;
        let key = ObjKey::Object { id: id.clone() };
        let grants = express_created(b, &key, "FUNCTIONS");
        let comment = object.comment.clone();
        let (doc, mut k) = b.doc_key(&key, &id.schema, name);
        // Overloads are keyed with their signature (`area(w integer, h integer)`), which names
        // them in comments and grants; `arguments` then adds what those refuse (defaults).
        let identity = id.name[name.len()..].strip_prefix('(').and_then(|a| a.strip_suffix(')')).unwrap_or_default();
        let arguments = if overloaded {
            k = format!("{k}({identity})");
            (parts.arguments != identity).then(|| parts.arguments.clone())
        } else {
            (!parts.arguments.is_empty()).then(|| parts.arguments.clone())
        };
        if procedure {
            let p = Procedure {
                arguments,
                language: parts.language,
                body: parts.body,
                security_definer: parts.security_definer,
                set: parts.set,
                comment,
                grants,
            };
            doc.procedures.insert(k, p);
        } else {
            let f = Function {
                arguments,
                returns: parts.returns.unwrap_or_default(),
                language: parts.language,
                body: parts.body,
                volatility: parts.volatility,
                strict: parts.strict,
                security_definer: parts.security_definer,
                leakproof: parts.leakproof,
                parallel: parts.parallel,
                cost: parts.cost,
                rows: parts.rows,
                set: parts.set,
                comment,
                grants,
            };
            doc.functions.insert(k, f);
        }
        b.covered.objects.insert(id.clone(), object.clone());
    }
}

/// `f(integer, text)` -> `f`.
fn proname(name: &str) -> &str {
    name.split('(').next().unwrap_or(name)
}

fn parse(object: &DbObject, schema: &str, name: &str, procedure: bool) -> Option<Parts> {
    let kind = if procedure { "PROCEDURE" } else { "FUNCTION" };
    let head = format!("CREATE OR REPLACE {kind} {}(", qualified(schema, name));
    let rest = object.create.strip_prefix(&head)?;
    let marker = if procedure { ")\n LANGUAGE " } else { ")\n RETURNS " };
    let end = rest.find(marker)?;
    let mut parts = Parts { arguments: rest[..end].to_string(), ..Parts::default() };
    let mut rest = &rest[end + 2..];
    if !procedure {
        let (returns, after) = line(rest, " RETURNS ")?;
        parts.returns = Some(returns.to_string());
        rest = after;
    }
    let (language, after) = line(rest, " LANGUAGE ")?;
    parts.language = unquote(language)?;
    rest = after;
    if rest.starts_with(' ') && !rest.starts_with(" SET ") {
        let (options, after) = line(rest, " ")?;
        misc(options, &mut parts)?;
        rest = after;
    }
    while let Some((setting, after)) = line(rest, " SET ") {
        let (name, value) = setting.split_once(" TO ")?;
        parts.set.insert(unquote(name)?, value.to_string());
        rest = after;
    }
    let body = rest.strip_prefix("AS $")?;
    let tag_end = body.find('$')?;
    let tag = format!("${}$", &body[..tag_end]);
    if !tag[1..tag.len() - 1].starts_with(&kind.to_lowercase()) {
        return None;
    }
    parts.body = body[tag_end + 1..].strip_suffix(&tag)?.to_string();
    (print(&head, procedure, &parts, &tag) == object.create).then_some(parts)
}

/// The text of one line after `prefix`, and what follows the line.
fn line<'a>(text: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    let rest = text.strip_prefix(prefix)?;
    let end = rest.find('\n')?;
    Some((&rest[..end], &rest[end + 1..]))
}

/// ` IMMUTABLE PARALLEL SAFE STRICT SECURITY DEFINER LEAKPROOF COST 5 ROWS 10`.
fn misc(options: &str, parts: &mut Parts) -> Option<()> {
    let mut words = options.split(' ');
    while let Some(word) = words.next() {
        match word {
            "IMMUTABLE" => parts.volatility = Some(Volatility::Immutable),
            "STABLE" => parts.volatility = Some(Volatility::Stable),
            "STRICT" => parts.strict = true,
            "LEAKPROOF" => parts.leakproof = true,
            "SECURITY" if words.next() == Some("DEFINER") => parts.security_definer = true,
            "PARALLEL" => {
                parts.parallel = Some(match words.next()? {
                    "SAFE" => Parallel::Safe,
                    "RESTRICTED" => Parallel::Restricted,
                    _ => return None,
                })
            }
            "COST" => parts.cost = Some(words.next()?.to_string()),
            "ROWS" => parts.rows = Some(words.next()?.to_string()),
            _ => return None,
        }
    }
    Some(())
}

/// The definition as `pg_get_functiondef` prints these parts.
fn print(head: &str, procedure: bool, p: &Parts, tag: &str) -> String {
    let mut out = format!("{head}{})\n", p.arguments);
    if !procedure {
        out.push_str(&format!(" RETURNS {}\n", p.returns.as_deref().unwrap_or_default()));
    }
    out.push_str(&format!(" LANGUAGE {}\n", ident(&p.language)));
    let mut misc = String::new();
    match p.volatility {
        Some(Volatility::Immutable) => misc.push_str(" IMMUTABLE"),
        Some(Volatility::Stable) => misc.push_str(" STABLE"),
        _ => {}
    }
    match p.parallel {
        Some(Parallel::Safe) => misc.push_str(" PARALLEL SAFE"),
        Some(Parallel::Restricted) => misc.push_str(" PARALLEL RESTRICTED"),
        _ => {}
    }
    for (on, word) in [(p.strict, " STRICT"), (p.security_definer, " SECURITY DEFINER"), (p.leakproof, " LEAKPROOF")] {
        if on {
            misc.push_str(word);
        }
    }
    if let Some(cost) = &p.cost {
        misc.push_str(&format!(" COST {cost}"));
    }
    if let Some(rows) = &p.rows {
        misc.push_str(&format!(" ROWS {rows}"));
    }
    if !misc.is_empty() {
        out.push_str(&misc);
        out.push('\n');
    }
    for (name, value) in &p.set {
        out.push_str(&format!(" SET {} TO {value}\n", ident(name)));
    }
    out.push_str(&format!("AS {tag}{}{tag}", p.body));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemactl_model::ObjectId;

    fn routine(kind: ObjectKind, create: &str) -> DbObject {
        DbObject {
            id: ObjectId { kind, schema: "s".into(), name: "f(integer)".into(), table: None },
            create: create.into(),
            drop: String::new(),
            comment_target: String::new(),
            comment: None,
            replace_signature: None,
            column_comments: Default::default(),
        }
    }

    #[test]
    fn functions_are_read_into_their_fields() {
        let create = "CREATE OR REPLACE FUNCTION s.f(a integer, b text DEFAULT ''::text)\n RETURNS SETOF integer\n LANGUAGE plpgsql\n STABLE PARALLEL SAFE STRICT SECURITY DEFINER COST 5 ROWS 10\n SET search_path TO 'pg_catalog', 'public'\nAS $function$\nBEGIN\n  RETURN NEXT a;\nEND\n$function$";
        let p = parse(&routine(ObjectKind::Function, create), "s", "f", false).unwrap();
        assert_eq!(p.arguments, "a integer, b text DEFAULT ''::text");
        assert_eq!(p.returns.as_deref(), Some("SETOF integer"));
        assert_eq!(p.language, "plpgsql");
        assert_eq!((p.volatility, p.parallel), (Some(Volatility::Stable), Some(Parallel::Safe)));
        assert!(p.strict && p.security_definer && !p.leakproof);
        assert_eq!((p.cost.as_deref(), p.rows.as_deref()), (Some("5"), Some("10")));
        assert_eq!(p.set["search_path"], "'pg_catalog', 'public'");
        assert_eq!(p.body, "\nBEGIN\n  RETURN NEXT a;\nEND\n");
    }

    #[test]
    fn what_the_format_cannot_say_stays_sql() {
        let window = "CREATE OR REPLACE FUNCTION s.f(a integer)\n RETURNS integer\n LANGUAGE c\n WINDOW\nAS '$libdir/x', $function$f$function$";
        assert!(parse(&routine(ObjectKind::Function, window), "s", "f", false).is_none());
        let atomic =
            "CREATE OR REPLACE FUNCTION s.f(a integer)\n RETURNS integer\n LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\nEND";
        assert!(parse(&routine(ObjectKind::Function, atomic), "s", "f", false).is_none());
        let procedure = "CREATE OR REPLACE PROCEDURE s.f(a integer)\n LANGUAGE sql\nAS $procedure$SELECT 1$procedure$";
        let p = parse(&routine(ObjectKind::Procedure, procedure), "s", "f", true).unwrap();
        assert_eq!(p.body, "SELECT 1");
    }
}
