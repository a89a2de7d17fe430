//! Databases that applied a revision the tree no longer has: a branch's revision applied to a
//! shared database, then re-planned under a new id at the merge (recognised by `apply` from its
//! stored schema-after) or dropped (undone by `down --unknown` from its stored down SQL).

use crate::project;

use project::{ok, stderr, stdout, stem, Project};
use schemactl_revision::format::{build, Draft};
use schemactl_revision::{Revision, RevisionKind};
use schemactl_testkit::TestDb;

async fn query_strings(db: &TestDb, sql: &str) -> Vec<String> {
    let client = db.client().await;
    client.query(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).iter().map(|r| r.get(0)).collect()
}

async fn applied_ids(db: &TestDb) -> Vec<String> {
    query_strings(db, "SELECT revision FROM schemactl.history ORDER BY revision").await
}

async fn exists(db: &TestDb, relation: &str) -> bool {
    let sql = format!("SELECT (to_regclass('{relation}') IS NOT NULL)::text");
    query_strings(db, &sql).await == ["true"]
}

/// Writes a planned revision with the given schema-after fingerprint into the project (not
/// sealed; `Project::reseal` seals whatever is there).
fn write_planned(
    p: &Project,
    id: &str,
    parent: Option<&Revision>,
    message: &str,
    up: &str,
    down: &str,
    after: &str,
) -> Revision {
    let revision = build(Draft {
        id: id.into(),
        slug: schemactl_revision::slug(message),
        parent: parent.map(|r| r.id.clone()),
        message: message.into(),
        kind: RevisionKind::Planned,
        before: "unknown".into(),
        after: after.into(),
        hazards: Vec::new(),
        expects: Vec::new(),
        up: up.into(),
        down: down.into(),
    });
    std::fs::write(p.generated().join(&revision.file_name), &revision.text).expect("write revision");
    revision
}

const P_UP: &str = "CREATE TABLE widgets (id int PRIMARY KEY);";
const P_DOWN: &str = "DROP TABLE widgets;";
const A_UP: &str = "CREATE TABLE gadgets (id int);";
const A_DOWN: &str = "DROP TABLE gadgets;";
const B_UP: &str = "ALTER TABLE widgets ADD COLUMN name text;";
const B_DOWN: &str = "ALTER TABLE widgets DROP COLUMN name;";

#[tokio::test]
async fn a_replanned_revision_is_recognised_and_recorded() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let p = Project::new();
    let rp = write_planned(&p, "20260101100000", None, "widgets", P_UP, P_DOWN, "fp-p");
    let ra = write_planned(&p, "20260101100100", Some(&rp), "gadgets", A_UP, A_DOWN, "fp-pa");
    let rb = write_planned(&p, "20260101100200", Some(&ra), "widget names", B_UP, B_DOWN, "fp-pab");
    p.reseal();
    ok(&p.run(&["apply", "--db", &url]));
    let stored = query_strings(
        &db,
        "SELECT concat_ws(' | ', revision, up_sql, down_sql, schema_after) FROM schemactl.history ORDER BY revision",
    )
    .await;
    assert_eq!(stored[2], format!("{} | {B_UP} | {B_DOWN} | fp-pab", rb.id), "{stored:?}");

    // The merge: B is gone, re-planned as B' (another id, the same schema after it).
    std::fs::remove_file(p.generated().join(&rb.file_name)).unwrap();
    let rb2 = write_planned(&p, "20260101100300", Some(&ra), "widget names", B_UP, B_DOWN, "fp-pab");
    let rc = write_planned(
        &p,
        "20260101100400",
        Some(&rb2),
        "sprockets",
        "CREATE TABLE sprockets ();",
        "DROP TABLE sprockets;",
        "fp-pabc",
    );
    p.reseal();

    let out = p.run(&["status", "--db", &url, "--no-drift"]);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(8), "{report}{}", stderr(&out));
    assert!(report.contains("unknown:  1 applied revision(s) that no revision file has:"), "{report}");
    assert!(report.contains(&format!("  {} (widget names), applied ", rb.id)), "{report}");
    assert!(
        report.contains(&format!("`schemactl apply` records {} as applied without running it", stem(&rb2))),
        "{report}"
    );
    assert!(report.contains(&format!("  {}  sprockets", stem(&rc))), "{report}");
    let listing = ok(&p.run(&["history", "--db", &url]));
    assert!(
        listing.lines().any(|l| l.starts_with(&rb.id) && l.contains("no revision file has this id (unknown")),
        "{listing}"
    );

    let out = ok(&p.run(&["apply", "--db", &url]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "recognised {} (widget names) as {}: the revision files do not have it, and the database has the schema {} leaves",
            rb.id,
            stem(&rb2),
            stem(&rb2)
        ),
        "{out}"
    );
    assert_eq!(lines[1], format!("recorded {} (no SQL was run)", stem(&rb2)), "{out}");
    assert!(lines[2].starts_with(&format!("applied {} (", stem(&rc))), "{out}");
    assert_eq!(applied_ids(&db).await, [rp.id.clone(), ra.id.clone(), rb2.id.clone(), rc.id.clone()]);
    assert_eq!(ok(&p.run(&["apply", "--db", &url])), format!("nothing to apply (at {})\n", rc.id));
    let listing = ok(&p.run(&["history", "--db", &url]));
    assert!(
        listing.lines().any(|l| l.starts_with(&rb2.id) && l.contains("recognised ") && l.contains("(not run")),
        "{listing}"
    );
    assert!(!listing.contains(&rb.id), "{listing}");
    let log = query_strings(
        &db,
        "SELECT action || ' ' || revision FROM schemactl.log WHERE action = 'recognise' ORDER BY id",
    )
    .await;
    assert_eq!(log, [format!("recognise {}", rb2.id), format!("recognise {}", rb.id)]);
    // The recorded revision stores its SQL too: a later tree without it can undo it.
    let stored =
        query_strings(&db, &format!("SELECT down_sql FROM schemactl.history WHERE revision = '{}'", rb2.id)).await;
    assert_eq!(stored, [B_DOWN]);
}

#[tokio::test]
async fn a_dropped_branch_revision_is_refused_then_undone_from_its_stored_sql() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let p = Project::new();
    let rp = write_planned(&p, "20260101100000", None, "widgets", P_UP, P_DOWN, "fp-p");
    // The branch: B straight after P, applied to the shared database.
    let rb = write_planned(&p, "20260101100050", Some(&rp), "widget names", B_UP, B_DOWN, "fp-pb");
    p.reseal();
    ok(&p.run(&["apply", "--db", &url]));

    // The merged tree: P -> A -> B'' (B re-planned after A: another schema after it).
    std::fs::remove_file(p.generated().join(&rb.file_name)).unwrap();
    let ra = write_planned(&p, "20260101100100", Some(&rp), "gadgets", A_UP, A_DOWN, "fp-pa");
    let rb2 = write_planned(&p, "20260101100200", Some(&ra), "widget names", B_UP, B_DOWN, "fp-pab");
    p.reseal();

    let out = p.run(&["apply", "--db", &url]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{}{err}", stdout(&out));
    assert!(err.contains(&format!("the database applied a revision that no file in the revisions directory has:\n  {} (widget names), applied ", rb.id)), "{err}");
    assert!(err.contains("not recognised as a re-planned revision"), "{err}");
    assert!(err.contains("`schemactl down --unknown`"), "{err}");
    assert!(!exists(&db, "gadgets").await);

    let out = p.run(&["status", "--db", &url, "--no-drift"]);
    assert_eq!(out.status.code(), Some(5), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("`schemactl down --unknown`"), "{}", stdout(&out));

    // Dropping a column is data loss: the same hazard policy as `down`.
    let out = p.run(&["down", "--unknown", "--db", &url]);
    assert_eq!(out.status.code(), Some(6), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("schemactl.history/20260101100050/down_sql:1:1: data-loss"), "{}", stderr(&out));

    let out = ok(&p.run(&["down", "--unknown", "--db", &url, "--allow-hazard", "data-loss"]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with(&format!("reverted {} (widget names) from its stored down SQL (", rb.id)), "{out}");
    assert_eq!(lines[1], format!("now at {}", rp.id), "{out}");
    assert_eq!(query_strings(&db, "SELECT count(*)::text FROM information_schema.columns WHERE table_name = 'widgets' AND column_name = 'name'").await, ["0"]);
    assert_eq!(applied_ids(&db).await, [rp.id.as_str()]);
    let log = query_strings(
        &db,
        "SELECT action || ' ' || revision || ' ' || coalesce(note, '') FROM schemactl.log ORDER BY id DESC LIMIT 1",
    )
    .await;
    assert!(log[0].starts_with(&format!("down {} unknown to the revision files", rb.id)), "{log:?}");
    assert_eq!(
        ok(&p.run(&["down", "--unknown", "--db", &url])),
        format!("nothing to undo: every applied revision has a file (at {})\n", rp.id)
    );

    let out = ok(&p.run(&["apply", "--db", &url]));
    assert!(
        out.contains(&format!("applied {} (", stem(&ra))) && out.contains(&format!("applied {} (", stem(&rb2))),
        "{out}"
    );
    assert_eq!(applied_ids(&db).await, [rp.id.clone(), ra.id.clone(), rb2.id.clone()]);
    assert_eq!(ok(&p.run(&["apply", "--db", &url])), format!("nothing to apply (at {})\n", rb2.id));
}

#[tokio::test]
async fn unknown_rows_without_stored_sql_are_refused_by_name() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let p = Project::new();
    let rp = write_planned(&p, "20260101100000", None, "widgets", P_UP, P_DOWN, "fp-p");
    let rb = write_planned(&p, "20260101100050", Some(&rp), "widget names", B_UP, B_DOWN, "fp-pb");
    p.reseal();
    ok(&p.run(&["apply", "--db", &url]));
    // As an older schemactl left it: no SQL, no fingerprint.
    db.execute_script(&format!(
        "UPDATE schemactl.history SET up_sql = NULL, down_sql = NULL, schema_after = NULL WHERE revision = '{}'",
        rb.id
    ))
    .await;
    std::fs::remove_file(p.generated().join(&rb.file_name)).unwrap();
    p.reseal();
    let err = stderr(&p.run(&["apply", "--db", &url]));
    assert!(err.contains("records no schema-after"), "{err}");
    let out = p.run(&["down", "--unknown", "--db", &url, "--allow-hazard", "all"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("cannot undo {}: the history has no down SQL", rb.id)), "{}", stderr(&out));
    assert_eq!(applied_ids(&db).await, [rp.id.clone(), rb.id.clone()]);
}

/// Bookkeeping as the version before stored SQL created it: `apply` adds the columns and widens
/// the log's actions in place, and the rows it had read as having nothing stored.
#[tokio::test]
async fn an_older_history_is_upgraded_in_place() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    db.execute_script(
        "CREATE SCHEMA schemactl;
         CREATE TABLE schemactl.history (revision text PRIMARY KEY, checksum text NOT NULL,
             message text NOT NULL DEFAULT '', applied_at timestamptz NOT NULL DEFAULT now(), duration_ms bigint,
             applied_by text NOT NULL DEFAULT current_user, replaces text);
         CREATE TABLE schemactl.steps (revision text NOT NULL, section text NOT NULL CHECK (section IN ('up', 'down')),
             segment integer NOT NULL, started_at timestamptz NOT NULL DEFAULT now(), applied_at timestamptz,
             PRIMARY KEY (revision, section, segment));
         CREATE TABLE schemactl.log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             action text NOT NULL CHECK (action IN ('up', 'down', 'stamp')), revision text NOT NULL,
             logged_at timestamptz NOT NULL DEFAULT now(), logged_by text NOT NULL DEFAULT current_user);
         INSERT INTO schemactl.history (revision, checksum, message) VALUES ('20250101000000', 'x', 'from a branch');",
    )
    .await;
    let p = Project::new();
    write_planned(&p, "20260101100000", None, "widgets", P_UP, P_DOWN, "fp-p");
    p.reseal();
    let out = ok(&p.run(&["status", "--db", &url, "--no-drift", "--exit-zero"]));
    assert!(out.contains("records no schema-after for 20250101000000"), "{out}");
    let stored_sql = "SELECT concat_ws(' | ', revision, up_sql, down_sql, schema_after) FROM schemactl.history";
    // Stamp has the file: it stores the same.
    ok(&p.run(&["stamp", "head", "--db", &url]));
    assert_eq!(query_strings(&db, stored_sql).await, [format!("20260101100000 | {P_UP} | {P_DOWN} | fp-p")]);
    ok(&p.run(&["stamp", "base", "--db", &url]));
    ok(&p.run(&["apply", "--db", &url]));
    assert_eq!(query_strings(&db, stored_sql).await, [format!("20260101100000 | {P_UP} | {P_DOWN} | fp-p")]);
    let check = query_strings(
        &db,
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'schemactl.log'::regclass AND contype = 'c'",
    )
    .await;
    assert!(check.len() == 1 && check[0].contains("'recognise'"), "{check:?}");
}
