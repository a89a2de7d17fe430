//! Managed roles (`[roles] manage`): their attributes, server-wide settings, comments and
//! memberships. Owners are changed with the privileges of their objects (`grants.rs`): an owner
//! change moves the owner's privileges, so the two are planned together.

use crate::step::{Action, HazardKind, ObjKey, Step};
use schemactl_model::{Catalog, Membership, Role};
use schemactl_sqltext::{ident, literal};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn role_key(name: &str) -> ObjKey {
    ObjKey::Role { name: name.to_string() }
}

pub fn diff_roles(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    let mut new_steps = Vec::new();
    for (name, role) in &to.roles {
        let key = role_key(name);
        let before = from.roles.get(name);
        let base = Role::new(name);
        let attributes = attributes(before.unwrap_or(&base), role);
        let mut sql = Vec::new();
        match before {
            None => {
                let with =
                    if attributes.is_empty() { String::new() } else { format!(" WITH {}", attributes.join(" ")) };
                sql.push(format!("CREATE ROLE {}{with}", ident(name)));
            }
            Some(_) if !attributes.is_empty() => {
                sql.push(format!("ALTER ROLE {} WITH {}", ident(name), attributes.join(" ")));
            }
            Some(_) => {}
        }
        let old_settings = before.map(|r| settings(&r.settings)).unwrap_or_default();
        let new_settings = settings(&role.settings);
        for (setting, _) in old_settings.iter().filter(|(s, _)| !new_settings.contains_key(*s)) {
            sql.push(format!("ALTER ROLE {} RESET {}", ident(name), ident(setting)));
        }
        for (setting, value) in new_settings.iter().filter(|(s, v)| old_settings.get(*s) != Some(v)) {
            sql.push(format!("ALTER ROLE {} SET {} TO {}", ident(name), ident(setting), setting_value(setting, value)));
        }
        if !sql.is_empty() {
            let action = if before.is_none() { Action::Create } else { Action::Alter };
            let message = match before {
                None => format!("role {name} is created on the whole server (set its password out of band)"),
                Some(_) => format!("attributes of role {name} change on the whole server"),
            };
            new_steps
                .push(Step::new(action, key.clone(), sql.join(";\n")).hazard(HazardKind::AuthorizationChange, message));
        }
        let target = format!("ROLE {}", ident(name));
        let old_comment = before.and_then(|r| r.comment.as_ref());
        new_steps.extend(super::comment_step(&target, key, old_comment, role.comment.as_ref()));
    }
    for name in from.roles.keys().filter(|n| !to.roles.contains_key(*n)) {
        let message = format!(
            "role {name} is dropped from the whole server: PostgreSQL refuses while it still owns objects or holds \
             privileges in any database (REASSIGN OWNED / DROP OWNED BY in those databases first)"
        );
        new_steps.push(
            Step::new(Action::Drop, role_key(name), format!("DROP ROLE {}", ident(name)))
                .hazard(HazardKind::AuthorizationChange, message),
        );
    }
    new_steps.extend(membership_steps(from, to));
    release_dropped_roles(from, to, steps);
    steps.extend(new_steps);
}

/// The attributes of `to` that differ from `from`, as `CREATE ROLE` / `ALTER ROLE` options.
fn attributes(from: &Role, to: &Role) -> Vec<String> {
    let flags = [
        (from.superuser, to.superuser, "SUPERUSER"),
        (from.create_db, to.create_db, "CREATEDB"),
        (from.create_role, to.create_role, "CREATEROLE"),
        (from.inherit, to.inherit, "INHERIT"),
        (from.login, to.login, "LOGIN"),
        (from.replication, to.replication, "REPLICATION"),
        (from.bypass_rls, to.bypass_rls, "BYPASSRLS"),
    ];
    let mut out: Vec<String> = flags
        .iter()
        .filter(|(a, b, _)| a != b)
        .map(|(_, on, word)| if *on { word.to_string() } else { format!("NO{word}") })
        .collect();
    if from.connection_limit != to.connection_limit {
        out.push(format!("CONNECTION LIMIT {}", to.connection_limit));
    }
    if from.valid_until != to.valid_until {
        out.push(format!("VALID UNTIL {}", literal(to.valid_until.as_deref().unwrap_or("infinity"))));
    }
    out
}

/// `name=value` entries by name.
fn settings(entries: &BTreeSet<String>) -> BTreeMap<String, String> {
    entries
        .iter()
        .filter_map(|e| e.split_once('='))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// Settings whose stored value is a list of quoted elements (`search_path = app, "$user"`):
/// pg_dump's `variable_is_guc_list_quote`. Each element is its own literal; any other value is
/// one literal.
const LIST_QUOTE: &[&str] = &[
    "local_preload_libraries",
    "search_path",
    "session_preload_libraries",
    "shared_preload_libraries",
    "temp_tablespaces",
    "unix_socket_directories",
];

fn setting_value(name: &str, value: &str) -> String {
    if !LIST_QUOTE.contains(&name.to_ascii_lowercase().as_str()) {
        return literal(value);
    }
    // Elements are separated by commas outside double quotes; a quoted element keeps its
    // case and doubles its quotes, as PostgreSQL writes the list.
    let mut elements = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => elements.push(std::mem::take(&mut current)),
            c if c.is_whitespace() && !quoted && current.is_empty() => {}
            c => current.push(c),
        }
    }
    elements.push(current);
    elements.iter().map(|e| literal(e.trim_end())).collect::<Vec<_>>().join(", ")
}

fn membership_steps(from: &Catalog, to: &Catalog) -> Vec<Step> {
    let index = |c: &Catalog| -> BTreeMap<(String, String), Membership> {
        c.memberships.iter().map(|m| ((m.role.clone(), m.member.clone()), m.clone())).collect()
    };
    let (old, new) = (index(from), index(to));
    let mut steps = Vec::new();
    for ((role, member), m) in &new {
        let before = old.get(&(role.clone(), member.clone()));
        if before == Some(m) {
            continue;
        }
        let mut sql = Vec::new();
        if before.is_some() {
            sql.push(format!("REVOKE {} FROM {}", ident(role), ident(member)));
        }
        let member_inherits = to.roles.get(member).is_none_or(|r| r.inherit);
        sql.push(format!("GRANT {} TO {}{}", ident(role), ident(member), grant_options(m, member_inherits)));
        steps.push(membership_step(role, member, sql, format!("{member} becomes a member of {role}")));
    }
    for (role, member) in old.keys().filter(|k| !new.contains_key(*k)) {
        // Dropping either role ends the membership.
        if !to.roles.contains_key(member) || (from.roles.contains_key(role) && !to.roles.contains_key(role)) {
            continue;
        }
        let sql = vec![format!("REVOKE {} FROM {}", ident(role), ident(member))];
        let step = membership_step(role, member, sql, format!("{member} stops being a member of {role}"));
        steps.push(step.releases([role_key(role)]));
    }
    steps
}

fn membership_step(role: &str, member: &str, sql: Vec<String>, message: String) -> Step {
    let mut step = Step::new(Action::Alter, role_key(member), sql.join(";\n"))
        .requires([role_key(role), role_key(member)])
        .hazard(HazardKind::AuthorizationChange, message);
    step.provides.clear();
    step
}

/// `WITH ...` for the options that differ from what a plain `GRANT role TO member` gives.
/// PostgreSQL 16 and later read `inherit` and `set` (a plain grant inherits as the member's
/// `INHERIT` attribute says, and allows `SET ROLE`); older servers only know `ADMIN OPTION`.
fn grant_options(m: &Membership, member_inherits: bool) -> String {
    let mut options = Vec::new();
    if m.admin {
        options.push("ADMIN TRUE");
    }
    if m.inherit.is_some_and(|i| i != member_inherits) {
        options.push(if member_inherits { "INHERIT FALSE" } else { "INHERIT TRUE" });
    }
    if m.set == Some(false) {
        options.push("SET FALSE");
    }
    match options.as_slice() {
        [] => String::new(),
        ["ADMIN TRUE"] => " WITH ADMIN OPTION".into(),
        _ => format!(" WITH {}", options.join(", ")),
    }
}

/// A role is dropped only after every step that stops it owning or holding anything: the
/// drops of its objects (whose privileges and ownership go with them) come first.
fn release_dropped_roles(from: &Catalog, to: &Catalog, steps: &mut [Step]) {
    let dropped: BTreeSet<&String> = from.roles.keys().filter(|n| !to.roles.contains_key(*n)).collect();
    if dropped.is_empty() {
        return;
    }
    let mut uses: BTreeMap<&ObjKey, BTreeSet<&String>> = BTreeMap::new();
    for (key, owner) in &from.owners {
        if dropped.contains(&owner.role) {
            uses.entry(key).or_default().insert(&owner.role);
        }
    }
    for grant in &from.grants {
        if dropped.contains(&grant.grantee) {
            uses.entry(&grant.target.key).or_default().insert(&grant.grantee);
        }
    }
    for step in steps.iter_mut() {
        let roles: BTreeSet<&String> = step.removes.iter().filter_map(|k| uses.get(k)).flatten().copied().collect();
        step.releases.extend(roles.into_iter().map(|r| role_key(r)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_settings_quote_each_element() {
        assert_eq!(setting_value("search_path", "app, \"$user\", public"), "'app', '$user', 'public'");
        assert_eq!(setting_value("search_path", "\"My \"\"Schema\"\"\", x"), "'My \"Schema\"', 'x'");
        assert_eq!(setting_value("work_mem", "64MB"), "'64MB'");
    }

    #[test]
    fn only_changed_attributes_are_written() {
        let mut to = Role::new("app");
        to.login = true;
        to.connection_limit = 5;
        assert_eq!(attributes(&Role::new("app"), &to), ["LOGIN", "CONNECTION LIMIT 5"]);
        assert_eq!(attributes(&to, &Role::new("app")), ["NOLOGIN", "CONNECTION LIMIT -1"]);
    }
}
