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
