//! Output for people and for programs (issue 16 items 5 and 6): `--format json` documents,
//! `-v`/`-vv` logs on stderr, `-q`. The default output stays byte for byte what it was.

use crate::project;

use project::{ok, stderr, stdout, stem, Project};
use schemactl_testkit::TestDb;
use serde_json::Value;

fn json(o: &std::process::Output) -> Value {
    serde_json::from_str(&ok(o)).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(o)))
}

fn two(p: &mut Project) -> [schemactl_revision::Revision; 2] {
    [
        p.add("create widgets", "CREATE TABLE widgets (id int PRIMARY KEY);", "DROP TABLE widgets;"),
        p.add("create gadgets", "CREATE TABLE gadgets (id int);", "DROP TABLE gadgets;"),
    ]
}

#[tokio::test]
async fn json_documents_and_unchanged_human_output() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let dev = schemactl_testkit::server().await.to_secret_url();
    let mut p = Project::new();
    let [r1, r2] = two(&mut p);

    let applied = json(&p.run(&["apply", "--to", &r1.id, "--db", &url, "--format", "json"]));
    assert_eq!(applied["format_version"], 1);
    assert_eq!(applied["command"], "apply");
    assert_eq!(applied["at"], r1.id.as_str());
    assert_eq!(applied["ran"][0]["revision"], stem(&r1));
    assert!(applied["ran"][0]["elapsed_ms"].is_u64(), "{applied}");
    assert_eq!(applied["ran"].as_array().map(Vec::len), Some(1));

    let current = json(&p.run(&["current", "--db", &url, "--format", "json"]));
    assert_eq!(current["revision"], r1.id.as_str());
    assert_eq!(current["part_way"], serde_json::json!([]));

    // History: the human lines, built from what the JSON says, byte for byte.
    let history = json(&p.run(&["history", "--db", &url, "--format", "json"]));
    let rows = history["revisions"].as_array().expect("revisions");
    assert_eq!((rows[0]["status"].as_str(), rows[1]["status"].as_str()), (Some("applied"), Some("pending")));
    assert_eq!(rows[0]["current"], true);
    let row = &rows[0]["applied"];
    let (at, by, ms) = (row["applied_at"].as_str().unwrap(), row["applied_by"].as_str().unwrap(), &row["duration_ms"]);
    let human = ok(&p.run(&["history", "--db", &url]));
    assert_eq!(
        human,
        format!(
            "{}  create widgets  applied {at} by {by} ({ms} ms)  (current)\n{}  create gadgets  pending\n",
            r1.id, r2.id
        )
    );
    let offline = json(&p.run(&["history", "--offline", "--format", "json"]));
    assert_eq!(offline["database"], Value::Null);
    assert!(offline["revisions"][0].get("status").is_none(), "{offline}");

    // Status: one pending revision, no drift (exit 8 with either format).
    let status_args = ["status", "--db", &url, "--dev-url", &dev];
    let human = p.run(&status_args);
    assert_eq!(human.status.code(), Some(8), "{}", stderr(&human));
    let shown = db.url.to_string();
    assert_eq!(
        stdout(&human),
        format!(
            "database: {shown}\ncurrent:  {} (applied {at} by {by})\npending:  1 revision(s)\n  {}  create gadgets\n\
             drift:    none, the schema is what the applied revisions produce\n",
            stem(&r1),
            stem(&r2)
        )
    );
    let out = p.run(&[&status_args[..], &["--format", "json"]].concat());
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    let status: Value = serde_json::from_str(&stdout(&out)).expect("status JSON");
    assert_eq!(status["format_version"], 1);
    assert_eq!(status["database"], shown.as_str());
    assert_eq!(status["current"]["revision"], r1.id.as_str());
    assert_eq!(status["pending"][0]["revision"], r2.id.as_str());
    assert_eq!(status["drift"], serde_json::json!({ "checked": true, "drifted": false, "steps": 0, "sql": "" }));
    assert_eq!(status["exit_code"], 8);
    if url != shown {
        assert!(!stdout(&out).contains(&url), "the address as given (with any password) stays out");
    }

    let schema = p.generated().parent().unwrap().join("schema");
    std::fs::create_dir(&schema).unwrap();
    std::fs::write(
        schema.join("all.sql"),
        "CREATE TABLE widgets (id int PRIMARY KEY);\nCREATE TABLE gadgets (id int);\n",
    )
    .unwrap();
    let verified = json(&p.run(&["verify", "--dev-url", &dev, "--format", "json"]));
    assert_eq!(
        (&verified["command"], &verified["verified"], &verified["revisions"]),
        (&"verify".into(), &true.into(), &2.into())
    );
}

#[tokio::test]
async fn verbose_logs_the_statements_and_quiet_drops_warnings() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    let [r1, r2] = two(&mut p);

    let quiet = p.run(&["apply", "--to", &r1.id, "--db", &url]);
    assert_eq!(stdout(&quiet).lines().count(), 1, "{}", stdout(&quiet));
    // The default says only which database it applies to (never its password).
    let said: Vec<String> = stderr(&quiet).lines().map(str::to_string).collect();
    assert!(
        said.len() == 1 && said[0].starts_with("applying to postgresql://"),
        "the default prints nothing extra: {said:?}"
    );

    let verbose = p.run(&["-v", "apply", "--db", &url]);
    let (out, err) = (ok(&verbose), stderr(&verbose));
    assert!(out.starts_with(&format!("applied {} (", stem(&r2))), "{out}");
    assert!(err.contains("running\nCREATE TABLE gadgets (id int)"), "{err}");
    assert!(err.contains(&format!("{} (Up) step 1 of 1: ", r2.file_name)), "{err}");
    assert!(!err.contains("shadow:"), "-vv only: {err}");

    // A known warning: history shows files that do not match their seal, after saying so.
    let file = p.generated().join(&r2.file_name);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("gadgets (id int)", "gadgets (id bigint)")).unwrap();
    let warned = p.run(&["history", "--offline"]);
    assert!(stderr(&warned).starts_with("warning: "), "{}", stderr(&warned));
    let quieted = p.run(&["-q", "history", "--offline"]);
    assert_eq!(stderr(&quieted), "");
    assert_eq!(stdout(&quieted), stdout(&warned));
}

#[tokio::test]
async fn very_verbose_logs_the_shadow() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let dev = schemactl_testkit::server().await;
    let mut p = Project::new();
    let [_, _] = two(&mut p);
    ok(&p.run(&["apply", "--db", &url]));
    let out = p.run(&["-vv", "status", "--db", &url, "--dev-url", &dev.to_secret_url()]);
    let err = stderr(&out);
    assert!(err.contains("shadow: created database schemactl_shadow_"), "{err}");
    assert!(err.contains("shadow: dropped database"), "{err}");
    assert!(err.contains("catalog read: "), "{err}");
    let secret = dev.to_secret_url();
    if secret != dev.to_string() {
        assert!(!err.contains(&secret), "{err}");
    }
}

/// Names a diagram language could choke on: quotes, spaces, backticks, `#`, `%%`, unicode.
const HOSTILE: &str = r#"
CREATE SCHEMA "Sp ace";
CREATE TABLE public.users (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE "Sp ace"."odd ""name"" #quot; %%" (
    id int PRIMARY KEY,
    "ünï code" character varying(20),
    "a`b" text,
    owner bigint REFERENCES public.users (id),
    CONSTRAINT "fk ""x""" FOREIGN KEY (id) REFERENCES "Sp ace"."odd ""name"" #quot; %%" (id)
);
CREATE TABLE public.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES public.users (id));
"#;

fn schemactl(args: &[&str]) -> std::process::Output {
    std::process::Command::new(crate::common::schemactl_bin())
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("SCHEMACTL_DEV_URL")
        .output()
        .expect("run schemactl")
}

#[tokio::test]
async fn dump_draws_the_schema_as_mermaid_and_dot() {
    let db = TestDb::new().await;
    db.execute_script(HOSTILE).await;
    let url = db.url.to_secret_url();
    let mermaid = ok(&schemactl(&["dump", "--db", &url, "--format", "mermaid"]));
    insta::assert_snapshot!("dump_mermaid", mermaid);
    let dot = ok(&schemactl(&["dump", "--db", &url, "--format", "dot"]));
    insta::assert_snapshot!("dump_dot", dot);
    // The scope flag narrows the picture as it narrows the dump.
    let scoped = ok(&schemactl(&["dump", "--db", &url, "--format", "mermaid", "--schema", "public"]));
    assert!(scoped.contains("\"public.orders\"") && !scoped.contains("Sp ace"), "{scoped}");
}

#[tokio::test]
async fn plan_markdown_pictures_the_tables_it_touches() {
    let db = TestDb::new().await;
    db.execute_script(HOSTILE).await;
    db.execute_script("CREATE TABLE public.stale (id int, user_id bigint REFERENCES public.users (id));").await;
    let dev = schemactl_testkit::server().await.to_secret_url();
    let dir = tempfile::tempdir().unwrap();
    // Desired: orders gain a column and lose nothing, stale goes, invoices arrive; users and the
    // hostile table are untouched (drawn only where a touched table references them).
    let desired = HOSTILE.replace(
        "CREATE TABLE public.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES public.users (id));",
        "CREATE TABLE public.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES public.users (id), \
         note text);\nCREATE TABLE public.invoices (id bigint PRIMARY KEY, order_id bigint REFERENCES public.orders (id));",
    );
    std::fs::write(dir.path().join("schema.sql"), desired).unwrap();
    let to = dir.path().join("schema.sql");
    let from = db.url.to_secret_url();
    let args = ["diff", "--from", &from, "--to", to.to_str().unwrap(), "--dev-url", &dev, "--format", "markdown"];
    let md = ok(&schemactl(&args));
    let block = md.split("### Tables\n\n```mermaid\n").nth(1).and_then(|r| r.split("```\n").next()).expect("a block");
    insta::assert_snapshot!("plan_markdown_mermaid", block);
    assert!(md.find("### Tables").unwrap() < md.find("<details>").unwrap(), "{md}");
}

/// Issue 16 item 2 and 4: color and source snippets only when asked for or on a terminal.
/// `schemactl` with `--color` and extra environment, in `dir`, with neither variable that
/// decides color inherited from whoever runs the tests.
fn colored(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(crate::common::schemactl_bin());
    command.args(args).current_dir(dir).env_remove("DATABASE_URL").env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run schemactl")
}

/// The text without its SGR escapes (`ESC [ ... m`), the only ones the CLI writes.
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The snippet under an error shows line `line` of the file with a `^` under `token` on it.
fn assert_caret(stderr: &str, line: usize, token: &str) {
    let rows: Vec<&str> = stderr.lines().collect();
    let at = rows
        .iter()
        .position(|r| r.trim_start().starts_with(&format!("{line} |")))
        .unwrap_or_else(|| panic!("no line {line} shown:\n{stderr}"));
    let (source, caret) = (rows[at], rows.get(at + 1).copied().unwrap_or_default());
    assert!(source.contains(token), "{stderr}");
    assert_eq!(caret.find('^'), source.find(token), "the caret is under {token:?}:\n{stderr}");
}

#[tokio::test]
async fn color_only_when_asked_and_plain_output_unchanged() {
    let dev = schemactl_testkit::server().await.to_secret_url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("from.sql"), "CREATE TABLE t (id int PRIMARY KEY, gone text);\n").unwrap();
    std::fs::write(d.join("to.sql"), "CREATE TABLE t (id int PRIMARY KEY);\nCREATE TABLE n (id int);\n").unwrap();
    let diff = ["diff", "--from", "from.sql", "--to", "to.sql", "--dev-url", &dev];

    // A plan with a hazard: the default (a pipe) is plain, and so is every way of saying no.
    let plain = ok(&colored(d, &[], &diff));
    assert_eq!(plain, ok(&colored(d, &[], &[&diff[..], &["--color", "always", "--format", "sql"]].concat())));
    let diff = [&diff[..], &["--format", "human"]].concat();
    let plain = ok(&colored(d, &[], &diff));
    assert!(plain.contains("  - ") && plain.contains("  + ") && plain.contains("         ! "), "{plain}");
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    for (env, flag) in [
        (&[("NO_COLOR", "1")][..], "auto"),
        (&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")][..], "auto"),
        (&[("CLICOLOR_FORCE", "1")][..], "never"),
        (&[][..], "never"),
    ] {
        let out = ok(&colored(d, env, &[&diff[..], &["--color", flag]].concat()));
        assert_eq!(out, plain, "{env:?} --color {flag}");
    }
    // Asked for, on the command line (even with NO_COLOR: explicit wins, as with clap and
    // anstream) or by CLICOLOR_FORCE: the signs and hazards are painted, the text is the same.
    for (env, flag) in
        [(&[][..], "always"), (&[("NO_COLOR", "1")][..], "always"), (&[("CLICOLOR_FORCE", "1")][..], "auto")]
    {
        let out = ok(&colored(d, env, &[&diff[..], &["--color", flag]].concat()));
        assert!(out.contains("\u{1b}["), "{env:?} --color {flag}: {out:?}");
        assert_eq!(strip_ansi(&out), plain, "{env:?} --color {flag}");
    }

    // An error: plain, one line as always; in color, `error:` painted and, under the first
    // line, the source line with a caret under the column.
    std::fs::write(d.join("bad.sql"), "CREATE TABLE t (\n  id int,\n  name text,\n);\n").unwrap();
    let bad = ["diff", "--to", "bad.sql", "--dev-url", &dev];
    let out = colored(d, &[], &bad);
    assert_eq!(out.status.code(), Some(1));
    let first = "error: bad.sql:4:1: syntax error at or near \")\"\n";
    assert_eq!(stderr(&out), first);
    assert_eq!(stderr(&colored(d, &[("NO_COLOR", "1")], &bad)), first);
    let out = colored(d, &[], &[&bad[..], &["--color", "always"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("\u{1b}["), "{err:?}");
    let err = strip_ansi(&err);
    assert!(err.starts_with(first), "{err}");
    assert_caret(&err, 4, ");");
}

#[tokio::test]
async fn snippets_point_into_yaml_and_at_server_errors() {
    let dev = schemactl_testkit::server().await.to_secret_url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // YAML structure: found by the reader.
    std::fs::write(d.join("app.yaml"), "tables:\n  users:\n    colums:\n      id: bigint\n").unwrap();
    let args = ["diff", "--to", "app.yaml", "--dev-url", &dev];
    let plain = stderr(&colored(d, &[], &args));
    assert_eq!(plain, "error: app.yaml:3:5: tables.users.colums: unknown key `colums` (did you mean `columns`?)\n");
    let err = strip_ansi(&stderr(&colored(d, &[], &[&args[..], &["--color", "always"]].concat())));
    assert!(err.starts_with(&plain), "{err}");
    assert_caret(&err, 3, "colums");

    // The server's error, mapped by the shadow load to the file, line and column.
    std::fs::write(d.join("types.sql"), "CREATE TABLE t (\n  id int,\n  name txet\n);\n").unwrap();
    let args = ["diff", "--to", "types.sql", "--dev-url", &dev];
    let plain = stderr(&colored(d, &[], &args));
    assert!(plain.starts_with("error: types.sql:3:8: type \"txet\" does not exist"), "{plain}");
    let err = strip_ansi(&stderr(&colored(d, &[], &[&args[..], &["--color", "always"]].concat())));
    let first_line = plain.lines().next().unwrap();
    assert!(err.starts_with(first_line), "{err}");
    assert_caret(&err, 3, "txet");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_reports_statements_and_index_builds_as_events() {
    use schemactl_apply::{Event, Options, UpTarget};
    use std::time::Duration;
    let db = TestDb::new().await;
    db.execute_script(
        "CREATE TABLE items (id int, note text); INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 100) g;",
    )
    .await;
    let mut p = Project::new();
    let r1 = p.add(
        "index items",
        "CREATE TABLE extra (id int);\nCREATE INDEX CONCURRENTLY items_note ON items (note);\nCREATE TABLE more (id int);",
        "DROP INDEX items_note;\nDROP TABLE more, extra;",
    );
    // A writer that has not committed: the build waits for it ("waiting for writers before
    // build"), and the writer commits once the build's progress has been reported (or after
    // 30 seconds, and the assertions below fail): no race with the 500 ms polls.
    let writer = db.client().await;
    writer.batch_execute("BEGIN; INSERT INTO items VALUES (0, 'x')").await.unwrap();
    let (watched, seen) = tokio::sync::oneshot::channel::<()>();
    let mut watched = Some(watched);
    let commit = tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(30), seen).await;
        writer.batch_execute("COMMIT").await.unwrap();
    });
    let revisions = schemactl_revision::load_dir(&p.generated()).unwrap();
    let options = Options {
        wait: Duration::ZERO,
        lock_timeout: Duration::ZERO,
        force: false,
        allowed: schemactl_lint::AllowedHazards::all(),
        lock_retries: 1,
        statement_lock_timeout: Duration::from_secs(60),
        limits: Default::default(),
    };
    let mut events = Vec::new();
    let mut collect = |e: Event| {
        if matches!(e, Event::IndexBuild { .. }) {
            watched.take().map(|w| w.send(()));
        }
        events.push(e);
    };
    schemactl_apply::apply(&db.url, &revisions, &UpTarget::Head, options, &mut collect).await.unwrap();
    commit.await.unwrap();

    let name = stem(&r1).to_string();
    let statements: Vec<(usize, usize, String)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Statement { name: n, index, of, sql } if *n == name => Some((*index, *of, sql.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        statements,
        [
            (1, 3, "CREATE TABLE extra (id int)".to_string()),
            (2, 3, "CREATE INDEX CONCURRENTLY items_note ON items (note)".to_string()),
            (3, 3, "CREATE TABLE more (id int)".to_string()),
        ]
    );
    let position = |wanted: &dyn Fn(&Event) -> bool| events.iter().position(wanted);
    let build = position(&|e| matches!(e, Event::IndexBuild { name: n, progress } if *n == name && progress.phase.starts_with("waiting for writers")))
        .unwrap_or_else(|| panic!("no index build progress while it waited: {events:?}"));
    let second = position(&|e| matches!(e, Event::Statement { index: 2, .. })).unwrap();
    let third = position(&|e| matches!(e, Event::Statement { index: 3, .. })).unwrap();
    assert!(second < build && build < third, "{events:?}");
    if let Event::IndexBuild { progress, .. } = &events[build] {
        assert!(progress.blocks_done >= 0 && progress.tuples_total >= 0, "{progress:?}");
    }
    assert!(matches!(events.last(), Some(Event::Applied { name: n, .. }) if *n == name), "{events:?}");

    // Through the binary, with stderr a pipe: no progress, only the lines it always printed.
    let r2 = p.add("index ids", "CREATE INDEX CONCURRENTLY items_id ON items (id);", "DROP INDEX items_id;");
    let out = p.run(&["apply", "--allow-hazard", "all", "--db", &db.url.to_secret_url()]);
    assert!(
        ok(&out).starts_with(&format!("applied {} (", stem(&r2))) && stdout(&out).lines().count() == 1,
        "{}",
        stdout(&out)
    );
    assert_eq!(stderr(&out), format!("applying to {}\n", db.url));
}

#[tokio::test]
async fn shadow_loads_of_large_schemas_report_their_progress() {
    use std::sync::{Arc, Mutex};
    let dev = schemactl_testkit::server().await.to_secret_url();
    let dir = tempfile::tempdir().unwrap();
    // 1200 statements in two files: three batches of at most 500.
    for f in 0..2 {
        let tables: String = (0..600).map(|i| format!("CREATE TABLE t{f}_{i} (id int);\n")).collect();
        std::fs::write(dir.path().join(format!("f{f}.sql")), tables).unwrap();
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let engine = schemactl_engine::Engine::new(schemactl_model::Scope::default())
        .with_progress(move |p| sink.lock().unwrap().push((p.done, p.of, p.file.is_some())));
    let to = dir.path().to_str().unwrap();
    let request = schemactl_engine::DiffRequest { from: None, to, dev_url: Some(&dev), offline: false };
    let plan = engine.diff(&request).await.expect("diff");
    assert_eq!(plan.steps.len(), 1200);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen, [(0, 1200, true), (500, 1200, true), (1000, 1200, true), (1200, 1200, false)]);

    // Through the binary, with stderr a pipe: no progress line, nothing on stderr at all.
    let out = crate::common::run_in_project(dir.path(), &dev, &["diff", "--to", "."]);
    assert!(out.status.success(), "{}", crate::common::output_text(&out));
    assert_eq!(stderr(&out), "");
}
