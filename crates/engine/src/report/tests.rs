//! The JSON documents on fixed data: their shapes are a promise to scripts, so any change shows
//! up as a snapshot diff (and `FORMAT_VERSION` says whether it breaks them).

use super::*;
use schemactl_apply::{LogEntry, StepRecord};
use schemactl_model::{HazardKind, QualName, RelationSize, SizeLimits};
use schemactl_revision::format::{build, Draft};
use schemactl_revision::RevisionKind;

fn revision(id: &str, parent: Option<&str>, message: &str) -> Revision {
    build(Draft {
        id: id.into(),
        slug: schemactl_revision::slug(message),
        parent: parent.map(str::to_string),
        message: message.into(),
        kind: RevisionKind::Planned,
        before: "unknown".into(),
        after: "unknown".into(),
        hazards: Vec::new(),
        expects: Vec::new(),
        up: "CREATE TABLE t (id int);".into(),
        down: "DROP TABLE t;".into(),
    })
}

fn row(r: &Revision, duration_ms: Option<i64>) -> Applied {
    Applied {
        revision: r.id.clone(),
        checksum: r.checksum.clone(),
        message: r.message.clone(),
        applied_at: "2026-01-02 03:04:05 UTC".into(),
        applied_by: "deploy".into(),
        duration_ms,
        replaces: None,
        up_sql: None,
        down_sql: None,
        schema_after: None,
    }
}

fn three() -> Vec<Revision> {
    vec![
        revision("20260101100000", None, "create widgets"),
        revision("20260101100100", Some("20260101100000"), "widget \"names\" ünïcode"),
        revision("20260101100200", Some("20260101100100"), "add index"),
    ]
}

/// The first revision applied, the second stamped, the third part-way, one unknown row.
fn state(list: &[Revision]) -> State {
    let mut unknown = row(&list[0], Some(3));
    unknown.revision = "20250101000000".into();
    unknown.message = "from another branch".into();
    State {
        history: vec![unknown, row(&list[0], Some(12)), row(&list[1], None)],
        steps: vec![StepRecord { revision: list[2].id.clone(), section: Section::Up, segment: 0, done: false }],
        last_log: vec![LogEntry {
            revision: list[2].id.clone(),
            action: "down".into(),
            at: "2026-01-03 00:00:00 UTC".into(),
            by: "ops".into(),
        }],
        tools: Vec::new(),
    }
}

#[test]
fn history_json() {
    let list = three();
    insta::assert_snapshot!(to_text(&history(&list, Some(&state(&list)), Some("postgresql://app@db/app"))));
}

#[test]
fn history_offline_json() {
    insta::assert_snapshot!(to_text(&history(&three(), None, None)));
}

#[test]
fn current_json() {
    let list = three();
    insta::assert_snapshot!(to_text(&current(&state(&list))));
}

#[test]
fn status_json() {
    let list = three();
    let mut state = state(&list);
    state.history.remove(0);
    let work = [SizedWork {
        file: list[2].file_name.clone(),
        at: format!("generated/{}:3:1", list[2].file_name),
        kind: HazardKind::IndexBuild,
        table: QualName { schema: "public".into(), name: "widgets".into() },
        size: RelationSize { rows: 2_000_000, bytes: 123_456_789 },
    }];
    let facts = StatusFacts {
        database: "postgresql://app@db/app".into(),
        list: &list,
        state: &state,
        applied: 2,
        unknown: Vec::new(),
        unknown_recognised: false,
        work: &work,
        limits: SizeLimits { rewrite_rows: None, scan_rows: Some(1_000_000) },
        drift: Some((1, "DROP INDEX public.stray;\n".into())),
        exit_code: 7,
    };
    insta::assert_snapshot!(to_text(&status(&facts)));
}

#[test]
fn apply_and_verify_json() {
    let ran = [("20260101100000_create_widgets".to_string(), 12)];
    let recognised = [Recognised {
        unknown: vec!["20250101000000_old_plan".into()],
        as_revision: "20260101100000_create_widgets".into(),
        recorded: vec!["20260101100000_create_widgets".into()],
    }];
    insta::assert_snapshot!(to_text(&applied(&ran, &recognised, Some("20260101100000"))));
    insta::assert_snapshot!(to_text(&applied(&[], &[], None)));
    insta::assert_snapshot!(to_text(&verified(3, "schema")));
}
