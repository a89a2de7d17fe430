//! `--format json` of `status`, `history`, `current`, `apply` and `verify`: the results as
//! data, for scripts and dashboards. Every document carries [`FORMAT_VERSION`] and the command
//! that wrote it; a field is only ever added within a version, so a reader that checks the
//! version can rely on what it knows. Objects are `serde_json::Map`s (a `BTreeMap`): keys come
//! out sorted, the same input gives the same bytes. The shapes are documented in `docs/json.md`.

use schemactl_apply::{Applied, SizedWork, State};
use schemactl_revision::format::Section;
use schemactl_revision::Revision;
use serde_json::{json, Value};

/// Bumped when a field changes meaning or goes away (never for an added field).
pub const FORMAT_VERSION: u32 = 1;

fn document(command: &str, mut fields: Value) -> Value {
    if let Value::Object(map) = &mut fields {
        map.insert("format_version".into(), json!(FORMAT_VERSION));
        map.insert("command".into(), json!(command));
    }
    fields
}

fn revision_file(r: &Revision) -> Value {
    json!({ "revision": r.id, "file": r.file_name, "message": r.message })
}

/// A history row: empty `applied_at`/`applied_by` (a row recorded by `apply` recognising a
/// revision before the columns existed) are `null`, never `""`.
fn applied_row(row: &Applied) -> Value {
    let text = |s: &str| if s.is_empty() { Value::Null } else { json!(s) };
    json!({
        "applied_at": text(&row.applied_at),
        "applied_by": text(&row.applied_by),
        "duration_ms": row.duration_ms,
        "replaces": row.replaces,
    })
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Value::Object(a), Value::Object(b)) = (&mut a, b) {
        a.extend(b);
    }
    a
}

/// `current --format json`: the newest applied revision (`null`: base) and the revisions a run
/// left part-way.
pub fn current(state: &State) -> Value {
    let part_way: std::collections::BTreeSet<&str> = state.steps.iter().map(|s| s.revision.as_str()).collect();
    document("current", json!({ "revision": state.current(), "part_way": part_way }))
}

/// How `history` (and `status`) classifies a revision file against the database's bookkeeping.
fn revision_status(revision: &Revision, state: &State) -> &'static str {
    if let Some(row) = state.applied(&revision.id) {
        let recognised = state.last_log.iter().any(|l| l.revision == revision.id && l.action == "recognise");
        return match row.duration_ms {
            Some(_) => "applied",
            None if recognised => "recognised",
            None => "stamped",
        };
    }
    if state.steps.iter().any(|s| s.revision == revision.id) {
        return "part-way";
    }
    "pending"
}

/// `history --format json`: every revision file, oldest first, with what the database says
/// about it (`state`: `None` with `--offline`), then the applied revisions no file has
/// (`"status": "unknown"`).
pub fn history(list: &[Revision], state: Option<&State>, database: Option<&str>) -> Value {
    let forks = schemactl_revision::forks(list);
    let mut revisions: Vec<Value> = list
        .iter()
        .map(|r| {
            let fork = forks.iter().find(|f| f.children.contains(&r.file_name));
            let mut entry =
                merge(revision_file(r), json!({ "parent": r.parent, "branch_of": fork.map(|f| f.parent.clone()) }));
            if let Some(state) = state {
                let row = state.applied(&r.id);
                let undone = state.last_log.iter().find(|l| l.revision == r.id && l.action == "down");
                entry = merge(
                    entry,
                    json!({
                        "status": revision_status(r, state),
                        "current": state.current() == Some(r.id.as_str()),
                        "file_changed_since_applied": row.is_some_and(|row| row.checksum != r.checksum),
                        "applied": row.map(applied_row),
                        "undone": match (row, undone) {
                            (None, Some(u)) => json!({ "at": u.at, "by": u.by }),
                            _ => Value::Null,
                        },
                    }),
                );
            }
            entry
        })
        .collect();
    if let Some(state) = state {
        for row in schemactl_apply::unknown(list, state) {
            revisions.push(json!({
                "revision": row.revision,
                "file": null,
                "message": row.message,
                "parent": null,
                "branch_of": null,
                "status": "unknown",
                "current": state.current() == Some(row.revision.as_str()),
                "file_changed_since_applied": false,
                "applied": applied_row(row),
                "undone": null,
            }));
        }
    }
    document("history", json!({ "database": database, "revisions": revisions }))
}

/// What `status` found, in the order it finds it; [`status`] turns it into the document.
pub struct StatusFacts<'a> {
    /// The address as `DbUrl` displays it (no password).
    pub database: String,
    pub list: &'a [Revision],
    /// The state as the report reads it (unknown revisions recognised or left out).
    pub state: &'a State,
    /// How many revisions of `list` are applied.
    pub applied: usize,
    /// Applied revisions no file has.
    pub unknown: Vec<Applied>,
    /// `apply` will recognise them as revisions of the files.
    pub unknown_recognised: bool,
    /// What the pending revisions rewrite, scan or index.
    pub work: &'a [SizedWork],
    pub limits: schemactl_model::SizeLimits,
    /// `None`: drift not checked (`--no-drift`, or unknown revisions); else how many steps
    /// would restore what the revisions produce (0: no drift) and their SQL script.
    pub drift: Option<(usize, String)>,
    pub exit_code: u8,
}

/// `status --format json`.
pub fn status(facts: &StatusFacts<'_>) -> Value {
    let state = facts.state;
    let current = facts.applied.checked_sub(1).map(|i| &facts.list[i]).map(|r| {
        let row = state.applied(&r.id);
        merge(revision_file(r), json!({ "applied": row.map(applied_row) }))
    });
    let pending: Vec<Value> = facts.list[facts.applied..]
        .iter()
        .map(|r| {
            let work: Vec<Value> = facts
                .work
                .iter()
                .filter(|w| w.file == r.file_name)
                .map(|w| {
                    let over = w.limit(facts.limits).filter(|(limit, _)| w.size.rows > *limit);
                    json!({
                        "kind": w.kind.as_str(),
                        "table": w.table.to_string(),
                        "rows": w.size.rows,
                        "bytes": w.size.bytes,
                        "at": w.at,
                        "over_limit": over.map(|(limit, setting)| json!({ "setting": setting, "limit": limit })),
                    })
                })
                .collect();
            merge(revision_file(r), json!({ "work": work }))
        })
        .collect();
    let unknown: Vec<Value> = facts
        .unknown
        .iter()
        .map(|row| merge(json!({ "revision": row.revision, "message": row.message }), applied_row(row)))
        .collect();
    let drift = match &facts.drift {
        None => json!({ "checked": false, "drifted": null, "steps": null, "sql": null }),
        Some((steps, sql)) => json!({ "checked": true, "drifted": *steps > 0, "steps": steps, "sql": sql }),
    };
    document(
        "status",
        json!({
            "database": facts.database,
            "current": current,
            "pending": pending,
            "partial": state.partial(Section::Up),
            "unknown": unknown,
            "unknown_recognised": facts.unknown_recognised,
            "drift": drift,
            "exit_code": facts.exit_code,
        }),
    )
}

/// An applied revision the files do not have that `apply` recognised as one of theirs.
pub struct Recognised {
    pub unknown: Vec<String>,
    pub as_revision: String,
    /// Recorded as applied without running their SQL.
    pub recorded: Vec<String>,
}

/// `apply --format json`: the revisions run, in order, with their times, what was recognised,
/// and where the database is afterwards (`null`: base).
pub fn applied(ran: &[(String, u128)], recognised: &[Recognised], at: Option<&str>) -> Value {
    let ran: Vec<Value> = ran.iter().map(|(name, ms)| json!({ "revision": name, "elapsed_ms": ms })).collect();
    let recognised: Vec<Value> = recognised
        .iter()
        .map(|r| json!({ "unknown": r.unknown, "as_revision": r.as_revision, "recorded": r.recorded }))
        .collect();
    document("apply", json!({ "ran": ran, "recognised": recognised, "at": at }))
}

/// `verify --format json`, written only when the replay succeeded (a failure is an error on
/// stderr and an exit code, as without `--format json`).
pub fn verified(revisions: usize, schema_dir: &str) -> Value {
    document(
        "verify",
        json!({ "verified": true, "revisions": revisions, "checks": ["up", "down", "up"], "schema_dir": schema_dir }),
    )
}

/// The document as printed: pretty, one trailing newline.
pub fn to_text(document: &Value) -> String {
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
