//! Collations, domains, composite and range types.

use schemactl_model::{DbObject, ObjKey, ObjectKind, QualName};
use schemactl_yaml::model::{
    Attribute, Check, Collation, CollationProvider, CompositeType, Domain, IndexMap, RangeType,
};

use super::grants::express_created;
use super::{collation, nameable, Builder};
use crate::text::{find_top, ident, qualified, split_top, strip_parens, unquote};

pub(super) fn all(b: &mut Builder<'_>) {
    let objects: Vec<&DbObject> = b.source.objects.values().collect();
    for object in objects {
        let id = &object.id;
        if !nameable(&id.schema) || !nameable(&id.name) {
            continue;
        }
        let name = QualName::new(&id.schema, &id.name);
        let key = ObjKey::Type { name: name.clone() };
        match id.kind {
            ObjectKind::Domain => {
                let Some(mut domain) = domain(b, &name, object) else { continue };
                domain.grants = express_created(b, &key, "TYPES");
                let (doc, k) = b.doc_key(&key, &name.schema, &name.name);
                doc.domains.insert(k, domain);
                if let Some(def) = b.source.domains.get(&name) {
                    b.covered.domains.insert(name.clone(), def.clone());
                }
            }
            ObjectKind::CompositeType => {
                let Some(mut composite) = composite(&name, object) else { continue };
                composite.grants = express_created(b, &key, "TYPES");
                let (doc, k) = b.doc_key(&key, &name.schema, &name.name);
                doc.composite_types.insert(k, composite);
            }
            ObjectKind::Collation => {
                let Some(collation) = self::collation_def(&name, object) else { continue };
                let key = ObjKey::Object { id: id.clone() };
                let (doc, k) = b.doc_key(&key, &name.schema, &name.name);
                doc.collations.insert(k, collation);
            }
            ObjectKind::RangeType => {
                let Some(mut range) = range(&name, object) else { continue };
                range.grants = express_created(b, &key, "TYPES");
                let (doc, k) = b.doc_key(&key, &name.schema, &name.name);
                doc.range_types.insert(k, range);
            }
            _ => continue,
        }
        b.covered.objects.insert(id.clone(), object.clone());
    }
}

fn domain(b: &Builder<'_>, name: &QualName, object: &DbObject) -> Option<Domain> {
    let def = b.source.domains.get(name)?;
    let mut checks = IndexMap::new();
    for (constraint, c) in &def.constraints {
        let condition = strip_parens(c.definition.strip_prefix("CHECK ")?)?;
        let expression = strip_parens(condition).unwrap_or(condition).to_string();
        checks.insert(constraint.clone(), Check { expression, not_valid: !c.validated, ..Check::default() });
    }
    Some(Domain {
        data_type: def.base_type.clone(),
        nullable: !def.not_null,
        default: def.default.clone(),
        collation: match &def.collation {
            Some(printed) => Some(collation(printed)?),
            None => None,
        },
        checks,
        comment: object.comment.clone(),
        ..Domain::default()
    })
}

/// `CREATE TYPE s.t AS (a integer, b text COLLATE pg_catalog."C")`.
fn composite(name: &QualName, object: &DbObject) -> Option<CompositeType> {
    let head = format!("CREATE TYPE {} AS (", qualified(&name.schema, &name.name));
    let inner = object.create.strip_prefix(&head)?.strip_suffix(')')?;
    let mut attributes = IndexMap::new();
    let mut printed = Vec::new();
    if !inner.is_empty() {
        for item in split_top(inner, ", ") {
            let space = find_top(item, " ").first().copied()?;
            let attribute = unquote(&item[..space])?;
            let rest = &item[space + 1..];
            let (data_type, coll) = match find_top(rest, " COLLATE ").last() {
                Some(&at) => (&rest[..at], Some(&rest[at + " COLLATE ".len()..])),
                None => (rest, None),
            };
            printed.push(match coll {
                Some(c) => format!("{} {data_type} COLLATE {c}", ident(&attribute)),
                None => format!("{} {data_type}", ident(&attribute)),
            });
            let collation = match coll {
                Some(c) => Some(collation(c)?),
                None => None,
            };
            let comment = object.column_comments.get(&attribute).cloned();
            attributes.insert(attribute, Attribute { data_type: data_type.to_string(), collation, comment });
        }
    }
    (printed.join(", ") == inner).then(|| CompositeType {
        attributes,
        comment: object.comment.clone(),
        ..CompositeType::default()
    })
}

/// `CREATE TYPE s.r AS RANGE (SUBTYPE = x, ..., MULTIRANGE_TYPE_NAME = s.m)`.
fn range(name: &QualName, object: &DbObject) -> Option<RangeType> {
    let head = format!("CREATE TYPE {} AS RANGE (", qualified(&name.schema, &name.name));
    let inner = object.create.strip_prefix(&head)?.strip_suffix(')')?;
    let mut r = RangeType { comment: object.comment.clone(), ..RangeType::default() };
    let mut printed = Vec::new();
    for option in split_top(inner, ", ") {
        let (word, value) = option.split_once(" = ")?;
        let slot = match word {
            "SUBTYPE" => {
                r.subtype = value.to_string();
                printed.push(option.to_string());
                continue;
            }
            "SUBTYPE_OPCLASS" => &mut r.subtype_opclass,
            "COLLATION" => &mut r.collation,
            // The function over the range needs a shell type first, which only SQL states.
            "CANONICAL" => return None,
            "SUBTYPE_DIFF" => &mut r.subtype_diff,
            "MULTIRANGE_TYPE_NAME" => &mut r.multirange_type_name,
            _ => return None,
        };
        *slot = Some(value.to_string());
        printed.push(option.to_string());
    }
    (!r.subtype.is_empty() && printed.join(", ") == inner).then_some(r)
}

/// `CREATE COLLATION s.c (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`.
fn collation_def(name: &QualName, object: &DbObject) -> Option<Collation> {
    let head = format!("CREATE COLLATION {} (", qualified(&name.schema, &name.name));
    let inner = object.create.strip_prefix(&head)?.strip_suffix(')')?;
    let mut c = Collation { deterministic: true, comment: object.comment.clone(), ..Collation::default() };
    for option in split_top(inner, ", ") {
        let (word, value) = option.split_once(" = ")?;
        let literal = || Some(value.strip_prefix('\'')?.strip_suffix('\'')?.replace("''", "'"));
        match word {
            "provider" if value == "icu" => c.provider = Some(CollationProvider::Icu),
            "provider" if value == "libc" => {}
            "locale" => c.locale = Some(literal()?),
            "lc_collate" => c.lc_collate = Some(literal()?),
            "lc_ctype" => c.lc_ctype = Some(literal()?),
            "deterministic" if value == "false" => c.deterministic = false,
            _ => return None,
        }
    }
    let quote = schemactl_sqltext::literal;
    let mut printed = vec![format!("provider = {}", if c.provider.is_some() { "icu" } else { "libc" })];
    for (word, value) in [("locale", &c.locale), ("lc_collate", &c.lc_collate), ("lc_ctype", &c.lc_ctype)] {
        if let Some(value) = value {
            printed.push(format!("{word} = {}", quote(value)));
        }
    }
    if !c.deterministic {
        printed.push("deterministic = false".into());
    }
    (printed.join(", ") == inner).then_some(c)
}
