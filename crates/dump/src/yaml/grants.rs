//! Privileges as YAML `grants`: an object created by the YAML starts with PostgreSQL's built-in
//! privileges (`EXECUTE` on routines and `USAGE` on types for `PUBLIC`), receives the YAML's
//! grants, and loses them all for a role listed with none (`public: []`). Whatever then differs
//! from the source (a role holding some privileges with grant option and others without, or
//! some of the built-in ones only) is left to the planner.

use std::collections::{BTreeMap, BTreeSet};

use schemactl_model::{builtin_default, Catalog, DefaultPrivilege, Grant, ObjKey};
use schemactl_yaml::model::{Grant as YamlGrant, Grants};

use super::Builder;

/// (column, grantee, privilege) -> with grant option.
pub(crate) type Held = BTreeMap<(Option<String>, String, String), bool>;

/// What `key` holds in `grants`.
pub(crate) fn held(grants: &BTreeSet<Grant>, key: &ObjKey) -> Held {
    grants
        .iter()
        .filter(|g| &g.target.key == key)
        .map(|g| ((g.column.clone(), g.grantee.clone(), g.privilege.clone()), g.grantable))
        .collect()
}

/// The object-level YAML grants of an object the YAML creates, of kind `object_type`
/// (`TABLES`, `FUNCTIONS`...).
pub(crate) fn express_created(b: &mut Builder<'_>, key: &ObjKey, object_type: &str) -> Grants {
    let initial = initial(b.source, object_type, schema_of(key));
    express_where(b, key, initial, |column| column.is_none()).remove(&None).unwrap_or_default()
}

/// The schema an object is created in (none for schemas).
pub(crate) fn schema_of(key: &ObjKey) -> Option<&str> {
    match key {
        ObjKey::Table { name } | ObjKey::Sequence { name } | ObjKey::Type { name } => Some(&name.schema),
        ObjKey::Object { id } => Some(&id.schema),
        _ => None,
    }
}

/// What an object of `object_type` created in `schema` holds before any `GRANT`, as the
/// planner reckons it: PostgreSQL's built-in privileges (unless database-wide defaults take them
/// away) and the default privileges of the role that applies the schema. Default privileges
/// are loaded before any object, so every object the dump creates receives them.
pub(crate) fn initial(source: &Catalog, object_type: &str, schema: Option<&str>) -> Held {
    let role = &source.session_role;
    let applies = |d: &&DefaultPrivilege| {
        &d.role == role
            && d.object_type == object_type
            && (d.schema.is_none() || (object_type != "SCHEMAS" && d.schema.as_deref() == schema))
    };
    let defaults: Vec<&DefaultPrivilege> = source.default_privileges.iter().filter(applies).collect();
    let mut held = Held::new();
    if let Some(privilege) = builtin_default(object_type) {
        if !defaults.iter().any(|d| d.revoked && d.grantee == "PUBLIC" && d.privilege == privilege) {
            held.insert((None, "PUBLIC".into(), privilege.into()), false);
        }
    }
    for d in defaults.iter().filter(|d| !d.revoked && &d.grantee != role) {
        *held.entry((None, d.grantee.clone(), d.privilege.clone())).or_insert(false) |= d.grantable;
    }
    held
}

/// The default privileges of the role that applies the schema, as YAML (what YAML cannot say,
/// such as another role's defaults, is left to the planner).
pub(crate) fn default_privileges(b: &mut Builder<'_>) {
    // (schema, object type) -> grantee -> the entries
    type Entries<'a> = BTreeMap<(Option<String>, String), BTreeMap<String, Vec<&'a DefaultPrivilege>>>;
    let mut entries: Entries<'_> = BTreeMap::new();
    let source = b.source;
    for d in source.default_privileges.iter().filter(|d| d.role == source.session_role) {
        let group = entries.entry((d.schema.clone(), d.object_type.clone())).or_default();
        group.entry(d.grantee.clone()).or_default().push(d);
    }
    for ((schema, object_type), grantees) in entries {
        let known = ["TABLES", "SEQUENCES", "FUNCTIONS", "TYPES", "SCHEMAS"];
        if schema.as_deref().is_some_and(|s| !super::nameable(s)) || !known.contains(&object_type.as_str()) {
            continue;
        }
        let mut grants = Grants::new();
        for (grantee, list) in grantees {
            let option = list[0].grantable;
            let grant = if list.iter().all(|d| d.revoked) && grantee == "PUBLIC" {
                YamlGrant { privileges: Vec::new(), with_grant_option: false }
            } else if list.iter().all(|d| !d.revoked && d.grantable == option) {
                YamlGrant {
                    privileges: list.iter().map(|d| d.privilege.to_lowercase()).collect(),
                    with_grant_option: option,
                }
            } else {
                continue;
            };
            let role = if grantee == "PUBLIC" { "public".to_string() } else { grantee };
            grants.insert(role, grant);
            b.covered.default_privileges.extend(list.into_iter().cloned());
        }
        if grants.is_empty() {
            continue;
        }
        let key = ObjKey::DefaultPrivileges { role: source.session_role.clone(), schema: schema.clone() };
        let place = b.places.of(&key);
        let doc = b.doc(&place);
        let defaults = match &schema {
            Some(s) => &mut doc.schemas.entry(s.clone()).or_default().default_privileges,
            None => &mut doc.default_privileges,
        };
        let slot = match object_type.as_str() {
            "TABLES" => &mut defaults.tables,
            "SEQUENCES" => &mut defaults.sequences,
            "FUNCTIONS" => &mut defaults.functions,
            "TYPES" => &mut defaults.types,
            _ => &mut defaults.schemas,
        };
        slot.extend(grants);
    }
}

/// The YAML grants of `key`, by column (`None`: the object itself), that take it from
/// `initial` towards the source's privileges; records what it then holds as covered.
pub(crate) fn express(b: &mut Builder<'_>, key: &ObjKey, initial: Held) -> BTreeMap<Option<String>, Grants> {
    express_where(b, key, initial, |_| true)
}

/// [`express`] for the columns (`Some`) or the object itself (`None`) that `expressible`
/// accepts: the YAML has no place for the others.
pub(crate) fn express_where(
    b: &mut Builder<'_>,
    key: &ObjKey,
    initial: Held,
    expressible: impl Fn(Option<&str>) -> bool,
) -> BTreeMap<Option<String>, Grants> {
    let wanted = held(&b.source.grants, key);
    // (column, grantee) -> privilege -> grantable
    let mut by_role: BTreeMap<(Option<String>, String), BTreeMap<String, bool>> = BTreeMap::new();
    for ((column, grantee, privilege), grantable) in &wanted {
        by_role.entry((column.clone(), grantee.clone())).or_default().insert(privilege.clone(), *grantable);
    }
    let mut result = initial;
    let mut out: BTreeMap<Option<String>, Grants> = BTreeMap::new();
    for ((column, grantee), privileges) in by_role {
        let option = privileges.values().next().copied().unwrap_or(false);
        // One role's privileges share one `with_grant_option`.
        if privileges.values().any(|g| *g != option) || !expressible(column.as_deref()) {
            continue;
        }
        // What the object holds anyway (PUBLIC's EXECUTE on a new function) goes unsaid.
        let held_already =
            |p: &String| result.get(&(column.clone(), grantee.clone(), p.clone())).is_some_and(|g| *g || !option);
        if privileges.keys().all(held_already) {
            continue;
        }
        for privilege in privileges.keys() {
            let held = result.entry((column.clone(), grantee.clone(), privilege.clone())).or_insert(false);
            *held |= option;
        }
        let role = if grantee == "PUBLIC" { "public".to_string() } else { grantee };
        let grant =
            YamlGrant { privileges: privileges.keys().map(|p| p.to_lowercase()).collect(), with_grant_option: option };
        out.entry(column).or_default().insert(role, grant);
    }
    // A role the object gives privileges to (PUBLIC, for new functions and types) that the
    // source took them all away from: `role: []` revokes them.
    let taken: Vec<(Option<String>, String)> = result
        .keys()
        .filter(|(column, grantee, _)| {
            // Revoking on the table takes the role's column privileges too: never for a role
            // that holds some (the YAML would revoke after granting them).
            let keeps_columns = column.is_none() && wanted.keys().any(|(c, g, _)| c.is_some() && g == grantee);
            expressible(column.as_deref())
                && !keeps_columns
                && !wanted.keys().any(|(c, g, _)| c == column && g == grantee)
        })
        .map(|(column, grantee, _)| (column.clone(), grantee.clone()))
        .collect();
    for (column, grantee) in taken {
        result.retain(|(c, g, _), _| !(c == &column && g == &grantee));
        let role = if grantee == "PUBLIC" { "public".to_string() } else { grantee };
        out.entry(column).or_default().insert(role, YamlGrant { privileges: Vec::new(), with_grant_option: false });
    }
    b.covered.grants.retain(|g| &g.target.key != key);
    if !result.is_empty() {
        let target = b
            .source
            .grants
            .iter()
            .find(|g| &g.target.key == key)
            .map(|g| g.target.clone())
            .or_else(|| schemactl_plan::grant_target(b.source, key));
        if let Some(target) = target {
            for ((column, grantee, privilege), grantable) in result {
                b.covered.grants.insert(Grant { target: target.clone(), column, grantee, privilege, grantable });
            }
        }
    }
    out
}
