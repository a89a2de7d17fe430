//! Privileges (`GRANT` / `REVOKE`) and default privileges (`ALTER DEFAULT PRIVILEGES`).
//!
//! What an object holds before its grant step runs is not always what the current database
//! shows: an object the plan creates (or drops and recreates) starts with PostgreSQL's built-in
//! privileges plus the default privileges of the role applying the plan. Default privilege
//! changes run after every creation, so that starting point is the current database's defaults,
//! and the grant steps then take each object to exactly the desired privileges.

use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{builtin_default, Catalog, DefaultPrivilege, Grant, GrantTarget, ObjectKind, QualName};
use schemactl_sqltext::{ident, qualified};
use std::collections::{BTreeMap, BTreeSet};

/// (column, grantee, privilege) -> grantable.
type Held = BTreeMap<(Option<String>, String, String), bool>;

pub fn diff_grants(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    let created: BTreeSet<ObjKey> = steps
        .iter()
        .filter(|s| s.action == Action::Create)
        .flat_map(|s| s.provides.iter().chain([&s.object]).cloned())
        .collect();
    let mut targets: BTreeMap<ObjKey, GrantTarget> = BTreeMap::new();
    for g in from.grants.iter().chain(&to.grants) {
        targets.entry(g.target.key.clone()).or_insert_with(|| g.target.clone());
    }
    for o in from.owners.values().chain(to.owners.values()) {
        targets.entry(o.target.key.clone()).or_insert_with(|| o.target.clone());
    }
    let in_to = Existing::new(to);
    for key in &created {
        if let Some(t) = target_with(to, key, |k| in_to.exists(k)) {
            targets.entry(key.clone()).or_insert(t);
        }
    }
    // Each object's grants, looked up instead of filtered out of every grant per object: the
    // scan made this quadratic (a fifth of a 5000-table diff's time).
    let (from_grants, to_grants) = (grants_by_object(&from.grants), grants_by_object(&to.grants));
    let mut new_steps = Vec::new();
    for (key, target) in &targets {
        if !in_to.exists(key) {
            continue; // dropping the object drops its privileges
        }
        let old_owner = if created.contains(key) { None } else { from.owners.get(key) };
        let owner = owner_change(old_owner, to.owners.get(key), &from.session_role);
        let mut old = if created.contains(key) {
            initial_privileges(from, target)
        } else {
            held(from_grants.get(key).into_iter().flatten().copied(), |column| {
                column_of(key, column).is_none_or(|c| !created.contains(&c))
            })
        };
        if let Some((_, Some(new_owner))) = &owner {
            // The new owner's own privileges become the owner's: no row of theirs is left.
            old.retain(|(_, grantee, _), _| grantee != new_owner);
        }
        let new = held(to_grants.get(key).into_iter().flatten().copied(), |_| true);
        let mut statements = grant_statements(target, &old, &new);
        if statements.is_empty() && owner.is_none() {
            continue;
        }
        let message = match &owner {
            Some((_, Some(role))) => format!("the owner becomes {role}, who gets every privilege on it"),
            Some((_, None)) => "the owner becomes the role applying the plan".to_string(),
            None => "privileges of other roles change".to_string(),
        };
        if let Some((sql, _)) = &owner {
            statements.insert(0, sql.clone());
        }
        let mut step = Step::new(Action::Alter, key.clone(), statements.join(";\n"))
            .requires([key.clone()])
            .hazard(HazardKind::AuthorizationChange, message);
        step.provides.clear();
        step.requires.extend(new.keys().filter_map(|(c, _, _)| column_of(key, c.as_ref()?)));
        // Roles the project manages: created before they are given anything, dropped after
        // they lose it.
        let new_roles = new.keys().map(|(_, g, _)| g.as_str()).chain(to.owners.get(key).map(|o| o.role.as_str()));
        step.requires.extend(new_roles.map(super::roles::role_key));
        let old_roles = old.keys().map(|(_, g, _)| g.as_str()).chain(old_owner.map(|o| o.role.as_str()));
        step.releases.extend(old_roles.map(super::roles::role_key));
        new_steps.push(step);
    }
    new_steps.extend(default_privilege_steps(from, to, &created));
    steps.extend(new_steps);
}

/// `ALTER ... OWNER TO` when the owner changes, with the new owner (`None`: the role applying
/// the plan). Only managed owners are in the catalogs; an object owned by any other role reads
/// as owned by whoever applies plans. So a managed owner that is the role the current side was
/// read as (the applier) already is what "no managed owner" means there.
fn owner_change(
    old: Option<&schemactl_model::Owner>,
    new: Option<&schemactl_model::Owner>,
    applier: &str,
) -> Option<(String, Option<String>)> {
    let (old_role, new_role) = (old.map(|o| o.role.as_str()), new.map(|o| o.role.as_str()));
    if old_role == new_role || (new_role.is_none() && old_role == Some(applier)) {
        return None;
    }
    let object = new.or(old)?;
    let to = new_role.map_or_else(|| "CURRENT_USER".to_string(), ident);
    let sql = format!("ALTER {} {} OWNER TO {to}", object.alter, object.target.name);
    Some((sql, new_role.map(str::to_string)))
}

/// The key of a column of a table target, for column privileges.
fn column_of(key: &ObjKey, column: &str) -> Option<ObjKey> {
    match key {
        ObjKey::Table { name } => Some(super::column_key(name, column)),
        _ => None,
    }
}

fn grants_by_object(grants: &BTreeSet<Grant>) -> BTreeMap<&ObjKey, Vec<&Grant>> {
    let mut by_object: BTreeMap<&ObjKey, Vec<&Grant>> = BTreeMap::new();
    for g in grants {
        by_object.entry(&g.target.key).or_default().push(g);
    }
    by_object
}

fn held<'a>(grants: impl Iterator<Item = &'a Grant>, keep_column: impl Fn(&str) -> bool) -> Held {
    grants
        .filter(|g| g.column.as_deref().is_none_or(&keep_column))
        .map(|g| ((g.column.clone(), g.grantee.clone(), g.privilege.clone()), g.grantable))
        .collect()
}

/// What a new object holds right after its creation by the role applying the plan.
fn initial_privileges(from: &Catalog, target: &GrantTarget) -> Held {
    let object_type = target.default_object_type();
    let schema = schema_of(&target.key);
    let role = &from.session_role;
    let mut held = Held::new();
    let applies = |d: &&DefaultPrivilege| {
        &d.role == role
            && d.object_type == object_type
            && (d.schema.is_none() || (object_type != "SCHEMAS" && d.schema.as_deref() == schema))
    };
    let defaults: Vec<&DefaultPrivilege> = from.default_privileges.iter().filter(applies).collect();
    if let Some(privilege) = builtin_default(object_type) {
        let revoked = defaults.iter().any(|d| d.revoked && d.grantee == "PUBLIC" && d.privilege == privilege);
        if !revoked {
            held.insert((None, "PUBLIC".into(), privilege.into()), false);
        }
    }
    for d in defaults.iter().filter(|d| !d.revoked && &d.grantee != role) {
        let entry = held.entry((None, d.grantee.clone(), d.privilege.clone())).or_insert(false);
        *entry |= d.grantable;
    }
    held
}

/// REVOKEs first: revoking a table privilege also takes it away from every column, so column
/// privileges are granted afterwards (and granted again when the revoke took them).
fn grant_statements(target: &GrantTarget, old: &Held, new: &Held) -> Vec<String> {
    let revoked: BTreeSet<(&String, &String)> = old
        .keys()
        .filter(|k| k.0.is_none() && !new.contains_key(*k))
        .map(|(_, grantee, privilege)| (grantee, privilege))
        .collect();
    let taken_with_table = |k: &(Option<String>, String, String)| k.0.is_some() && revoked.contains(&(&k.1, &k.2));
    // (order, column-level, grantee) -> privilege -> columns; table-level before column-level.
    type Groups = BTreeMap<(u8, bool, String), BTreeMap<String, Vec<String>>>;
    let mut groups = Groups::new();
    let mut add = |order: u8, (column, grantee, privilege): &(Option<String>, String, String)| {
        let columns = groups.entry((order, column.is_some(), grantee.clone())).or_default();
        columns.entry(privilege.clone()).or_default().extend(column.as_deref().map(ident));
    };
    for k in old.keys().filter(|k| !new.contains_key(*k) && !taken_with_table(k)) {
        add(0, k);
    }
    for (k, &grantable) in new {
        let before = if taken_with_table(k) { None } else { old.get(k).copied() };
        let order = match (before, grantable) {
            (Some(before), after) if before == after => continue,
            (Some(true), false) => 1,
            (_, true) => 3,
            (_, false) => 2,
        };
        add(order, k);
    }
    // A grantee who held a privilege WITH GRANT OPTION may have passed it on; PostgreSQL then
    // refuses the revoke ("dependent privileges exist") unless it takes those along (CASCADE).
    // Grants passed on are not part of the desired state this plan reaches (it grants as the
    // owner), so whatever of them the schema declares is granted again below.
    let passed_on: BTreeSet<(&String, &String)> = old
        .iter()
        .filter(|(_, &grantable)| grantable)
        .map(|((_, grantee, privilege), _)| (grantee, privilege))
        .collect();
    let on = format!("ON {} {}", target.kind, target.name);
    groups
        .into_iter()
        .map(|((order, _, grantee), privileges)| {
            let cascade = if privileges.keys().any(|p| passed_on.contains(&(&grantee, p))) { " CASCADE" } else { "" };
            let items: Vec<String> = privileges
                .into_iter()
                .map(|(p, columns)| if columns.is_empty() { p } else { format!("{p} ({})", columns.join(", ")) })
                .collect();
            let (items, grantee) = (items.join(", "), role(&grantee));
            match order {
                0 => format!("REVOKE {items} {on} FROM {grantee}{cascade}"),
                1 => format!("REVOKE GRANT OPTION FOR {items} {on} FROM {grantee}{cascade}"),
                2 => format!("GRANT {items} {on} TO {grantee}"),
                _ => format!("GRANT {items} {on} TO {grantee} WITH GRANT OPTION"),
            }
        })
        .collect()
}

fn role(name: &str) -> String {
    if name == "PUBLIC" {
        name.to_string()
    } else {
        ident(name)
    }
}

fn schema_of(key: &ObjKey) -> Option<&str> {
    match key {
        ObjKey::Table { name } | ObjKey::Sequence { name } | ObjKey::Type { name } => Some(&name.schema),
        ObjKey::Object { id } => Some(&id.schema),
        _ => None,
    }
}

/// Whether the object exists in `catalog`.
fn exists(catalog: &Catalog, key: &ObjKey) -> bool {
    match key {
        ObjKey::Table { name } => catalog.tables.contains_key(name),
        ObjKey::Sequence { name } => {
            catalog.sequences.contains_key(name)
                || catalog
                    .tables
                    .values()
                    .flat_map(|t| &t.columns)
                    .any(|c| c.identity.as_ref().is_some_and(|i| &i.sequence == name))
        }
        ObjKey::Schema { name } => catalog.schemas.contains_key(name),
        ObjKey::Type { name } => catalog.types.contains_key(name) || catalog.objects.keys().any(|id| id.key() == *key),
        ObjKey::Object { id } => catalog.objects.contains_key(id),
        _ => false,
    }
}

/// How an object of `to` is named in `GRANT ... ON`, for objects that have no privileges row
/// yet (new ones; the dump's objects without grants); `None` for what `to` does not hold.
pub fn target_of(to: &Catalog, key: &ObjKey) -> Option<GrantTarget> {
    target_with(to, key, |k| exists(to, k))
}

/// What [`exists`] looks for beyond a catalog's maps (identity sequences, types held as
/// definition objects), indexed once: scanning every column or object per key made the grant
/// diff quadratic (half of a 5000-table dump's time).
struct Existing<'a> {
    catalog: &'a Catalog,
    identity_sequences: BTreeSet<&'a QualName>,
    object_types: BTreeSet<ObjKey>,
}

impl<'a> Existing<'a> {
    fn new(catalog: &'a Catalog) -> Existing<'a> {
        let columns = catalog.tables.values().flat_map(|t| &t.columns);
        Existing {
            catalog,
            identity_sequences: columns.filter_map(|c| c.identity.as_ref().map(|i| &i.sequence)).collect(),
            object_types: catalog
                .objects
                .keys()
                .map(|id| id.key())
                .filter(|k| matches!(k, ObjKey::Type { .. }))
                .collect(),
        }
    }

    /// The same answer as [`exists`].
    fn exists(&self, key: &ObjKey) -> bool {
        match key {
            ObjKey::Sequence { name } => {
                self.catalog.sequences.contains_key(name) || self.identity_sequences.contains(name)
            }
            ObjKey::Type { name } => self.catalog.types.contains_key(name) || self.object_types.contains(key),
            _ => exists(self.catalog, key),
        }
    }
}

fn target_with(to: &Catalog, key: &ObjKey, exists: impl Fn(&ObjKey) -> bool) -> Option<GrantTarget> {
    let target = |kind: &str, name: String| Some(GrantTarget { key: key.clone(), kind: kind.into(), name });
    match key {
        ObjKey::Table { name } if to.tables.contains_key(name) => target("TABLE", qualified(name)),
        ObjKey::Sequence { name } if exists(key) => target("SEQUENCE", qualified(name)),
        ObjKey::Schema { name } if to.schemas.contains_key(name) => target("SCHEMA", ident(name)),
        ObjKey::Type { name } if exists(key) => target("TYPE", qualified(name)),
        ObjKey::Object { id } => {
            let object = to.objects.get(id)?;
            let kind = match id.kind {
                ObjectKind::View | ObjectKind::MaterializedView => "TABLE",
                // `GRANT ... ON FUNCTION` also names aggregates.
                ObjectKind::Function | ObjectKind::Aggregate => "FUNCTION",
                ObjectKind::Procedure => "PROCEDURE",
                _ => return None,
            };
            // `comment_target` is `<KIND> <qualified name>`.
            let name = object.comment_target.strip_prefix(id.kind.sql_name())?.trim_start();
            target(kind, name.to_string())
        }
        _ => None,
    }
}

/// (role, schema, object type) -> (grantee, privilege, revoked) -> grantable.
type Defaults<'a> = BTreeMap<(&'a str, Option<&'a str>, &'a str), BTreeMap<(&'a str, &'a str, bool), bool>>;

/// `applier`: the role the plan runs as. The desired side's own defaults (those of the role it
/// was read as, e.g. a shadow database's superuser) are that role's: like the objects it
/// creates, they belong to whoever applies the plan.
fn defaults<'a>(catalog: &'a Catalog, applier: &'a str) -> Defaults<'a> {
    let mut map = Defaults::new();
    for d in &catalog.default_privileges {
        let role = if d.role == catalog.session_role && !applier.is_empty() { applier } else { d.role.as_str() };
        map.entry((role, d.schema.as_deref(), d.object_type.as_str()))
            .or_default()
            .insert((d.grantee.as_str(), d.privilege.as_str(), d.revoked), d.grantable);
    }
    map
}

/// Default privilege changes run after every creation of the plan (see the module comment).
fn default_privilege_steps(from: &Catalog, to: &Catalog, created: &BTreeSet<ObjKey>) -> Vec<Step> {
    let (old, new) = (defaults(from, &from.session_role), defaults(to, &from.session_role));
    let empty = BTreeMap::new();
    let classes: BTreeSet<_> = old.keys().chain(new.keys()).copied().collect();
    let mut steps = Vec::new();
    for class @ (role_name, schema, object_type) in classes {
        if schema.is_some_and(|s| !to.schemas.contains_key(s)) {
            continue; // dropping the schema drops its default privileges
        }
        let (before, after) = (old.get(&class).unwrap_or(&empty), new.get(&class).unwrap_or(&empty));
        // (order, grantee) -> privileges
        let mut groups: BTreeMap<(u8, &str), Vec<&str>> = BTreeMap::new();
        for (&(grantee, privilege, revoked), &grantable) in after {
            let order = match (before.get(&(grantee, privilege, revoked)), revoked, grantable) {
                (Some(&was), _, now) if was == now => continue,
                (None, true, _) => 0,            // a built-in default taken away
                (Some(true), false, false) => 1, // grant option taken away
                (_, false, true) => 3,
                (_, _, _) => 2,
            };
            groups.entry((order, grantee)).or_default().push(privilege);
        }
        for &(grantee, privilege, revoked) in before.keys().filter(|k| !after.contains_key(*k)) {
            // A removed "revoked" row gives the built-in default back.
            groups.entry((if revoked { 2 } else { 0 }, grantee)).or_default().push(privilege);
        }
        if groups.is_empty() {
            continue;
        }
        let mut prefix = format!("ALTER DEFAULT PRIVILEGES FOR ROLE {}", ident(role_name));
        if let Some(s) = schema {
            prefix.push_str(&format!(" IN SCHEMA {}", ident(s)));
        }
        let sql: Vec<String> = groups
            .into_iter()
            .map(|((order, grantee), privileges)| {
                let (privileges, grantee) = (privileges.join(", "), role(grantee));
                match order {
                    0 => format!("{prefix} REVOKE {privileges} ON {object_type} FROM {grantee}"),
                    1 => format!("{prefix} REVOKE GRANT OPTION FOR {privileges} ON {object_type} FROM {grantee}"),
                    2 => format!("{prefix} GRANT {privileges} ON {object_type} TO {grantee}"),
                    _ => format!("{prefix} GRANT {privileges} ON {object_type} TO {grantee} WITH GRANT OPTION"),
                }
            })
            .collect();
        let key = ObjKey::DefaultPrivileges { role: role_name.to_string(), schema: schema.map(str::to_string) };
        let mut step = Step::new(Action::Alter, key, sql.join(";\n"))
            .requires(created.iter().cloned())
            .requires(
                after.keys().map(|(g, _, _)| super::roles::role_key(g)).chain([super::roles::role_key(role_name)]),
            )
            .releases(before.keys().map(|(g, _, _)| super::roles::role_key(g)))
            .hazard(HazardKind::AuthorizationChange, "privileges future objects receive change");
        step.provides.clear();
        steps.push(step);
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemactl_model::QualName;

    fn target() -> GrantTarget {
        let key = ObjKey::Table { name: QualName::new("public", "t") };
        GrantTarget { key, kind: "TABLE".into(), name: "public.t".into() }
    }

    fn held(rows: &[(Option<&str>, &str, &str, bool)]) -> Held {
        rows.iter().map(|(c, g, p, o)| ((c.map(str::to_string), g.to_string(), p.to_string()), *o)).collect()
    }

    #[test]
    fn a_table_revoke_is_followed_by_the_column_grants_it_took() {
        let old = held(&[(None, "app", "UPDATE", false), (Some("a"), "app", "UPDATE", false)]);
        let new = held(&[(Some("a"), "app", "UPDATE", false), (Some("b"), "app", "UPDATE", false)]);
        assert_eq!(
            grant_statements(&target(), &old, &new),
            ["REVOKE UPDATE ON TABLE public.t FROM app", "GRANT UPDATE (a, b) ON TABLE public.t TO app"]
        );
    }

    #[test]
    fn grant_options_change_alone() {
        let old = held(&[(None, "PUBLIC", "SELECT", false), (None, "Admin", "INSERT", true)]);
        let new = held(&[(None, "PUBLIC", "SELECT", false), (None, "Admin", "INSERT", false)]);
        assert_eq!(
            grant_statements(&target(), &old, &new),
            ["REVOKE GRANT OPTION FOR INSERT ON TABLE public.t FROM \"Admin\" CASCADE"]
        );
        assert_eq!(
            grant_statements(&target(), &new, &old),
            ["GRANT INSERT ON TABLE public.t TO \"Admin\" WITH GRANT OPTION"]
        );
    }

    #[test]
    fn new_objects_start_from_builtin_and_the_applier_defaults() {
        let mut from = Catalog { session_role: "root".into(), ..Catalog::default() };
        let default = |role: &str, schema: Option<&str>, grantee: &str, revoked| DefaultPrivilege {
            role: role.into(),
            schema: schema.map(str::to_string),
            object_type: "FUNCTIONS".into(),
            grantee: grantee.into(),
            privilege: "EXECUTE".into(),
            grantable: false,
            revoked,
        };
        from.default_privileges.insert(default("root", None, "PUBLIC", true));
        from.default_privileges.insert(default("root", Some("app"), "api", false));
        from.default_privileges.insert(default("other", None, "nobody", false));
        let id = schemactl_model::ObjectId {
            kind: ObjectKind::Function,
            schema: "app".into(),
            name: "f()".into(),
            table: None,
        };
        let target = GrantTarget { key: ObjKey::Object { id }, kind: "FUNCTION".into(), name: "app.f()".into() };
        assert_eq!(initial_privileges(&from, &target), held(&[(None, "api", "EXECUTE", false)]));
    }
}
