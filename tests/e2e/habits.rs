//! Alembic habits (issue 14 item 5): `show REV`, `current --verbose`, `down -1`, and
//! `[hooks] post_write` run on a new revision before it is sealed.

use crate::common;
use crate::project;

use project::{ok, stderr, stdout, stem, Project};
use schemactl_testkit::TestDb;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn dir(p: &Project) -> PathBuf {
    p.generated().parent().unwrap().to_path_buf()
}

/// schemactl in `dir` with `env` set, and none of the caller's addresses or passwords.
fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(common::schemactl_bin());
    cmd.args(args).current_dir(dir).env_remove("DATABASE_URL").env_remove("PGPASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run schemactl")
}

fn three(p: &mut Project) -> [schemactl_revision::Revision; 3] {
    [
        p.add("create widgets", "CREATE TABLE widgets (id int PRIMARY KEY);", "DROP TABLE widgets;"),
        p.add("create gadgets", "CREATE TABLE gadgets (id int);", "DROP TABLE gadgets;"),
        p.add("create gizmos", "CREATE TABLE gizmos (id int);", "DROP TABLE gizmos;"),
    ]
}

#[tokio::test]
async fn show_prints_the_file_and_what_the_database_says() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    let [r1, r2, r3] = three(&mut p);

    // Without a database: the file, and a word that no database was asked.
    let out = ok(&p.run(&["show", "head"]));
    let expected_header = format!(
        "revision:      {}\nparent:        {}\nkind:          planned\nmessage:       create gizmos\n\
         hazards:       none\nschema-before: unknown\nschema-after:  unknown\nfile:          generated/{}\n\
         database:      none given (--db, --env or $DATABASE_URL), so not asked whether it applied this\n",
        r3.id, r2.id, r3.file_name
    );
    assert!(out.starts_with(&expected_header), "{out}");
    assert!(out.contains("\n-- up\nCREATE TABLE gizmos (id int);\n"), "{out}");
    assert!(out.ends_with("\n-- down\nDROP TABLE gizmos;\n"), "{out}");
    let first = ok(&p.run(&["show", &r1.id]));
    assert!(first.contains("parent:        base\n") && first.contains("message:       create widgets\n"), "{first}");
    // A unique prefix, and the file name, as `apply --to` and `stamp` take them.
    let prefix = &r2.id[..12];
    assert!(ok(&p.run(&["show", prefix])).starts_with(&format!("revision:      {}\n", r2.id)));
    assert!(ok(&p.run(&["show", &r2.file_name])).starts_with(&format!("revision:      {}\n", r2.id)));

    // Unknown and ambiguous revisions: the error and exit code of `stamp` and `apply --to`.
    for (spec, reason) in [("nope", "no such revision"), ("2026", "ambiguous")] {
        let shown = p.run(&["show", spec]);
        let stamped = p.run(&["stamp", spec, "--db", &url]);
        let applied = p.run(&["apply", "--to", spec, "--db", &url]);
        assert_eq!(code(&shown), 1, "{}", stderr(&shown));
        assert_eq!((code(&stamped), code(&applied)), (1, 1), "{}{}", stderr(&stamped), stderr(&applied));
        assert!(stderr(&shown).contains(&format!("revision `{spec}`: {reason}")), "{}", stderr(&shown));
        assert!(stdout(&shown).is_empty(), "{}", stdout(&shown));
    }

    // With a database: applied when and by whom, or not.
    ok(&p.run(&["apply", "--to", "+2", "--db", &url]));
    let out = ok(&p.run(&["show", &r1.id, "--db", &url]));
    let line = out.lines().find(|l| l.starts_with("database:")).unwrap();
    assert!(line.contains(": applied ") && line.contains(" UTC by ") && line.ends_with(" ms)"), "{out}");
    let out = ok(&run_env(&dir(&p), &["show", "head"], &[("DATABASE_URL", &url)]));
    let at = format!(": not applied (it is at {})", r2.id);
    assert!(out.lines().any(|l| l.starts_with("database:") && l.ends_with(&at)), "{out}");
    ok(&p.run(&["down", "-1", "--db", &url, "--allow-hazard", "all"]));
    let out = ok(&p.run(&["show", &r2.id, "--db", &url]));
    assert!(out.lines().any(|l| l.starts_with("database:") && l.contains(": not applied (undone ")), "{out}");

    // Files that do not match their seal are still shown, after the warning.
    std::fs::write(p.generated().join(&r3.file_name), r3.text.replace("gizmos (id int)", "gizmos (id bigint)"))
        .unwrap();
    let out = p.run(&["show", "head"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).starts_with("warning: ") && stdout(&out).contains("gizmos (id bigint)"), "{}", stderr(&out));
}

#[tokio::test]
async fn current_verbose_names_the_message_when_who_and_the_file() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    let [r1, r2, _] = three(&mut p);

    assert_eq!(ok(&p.run(&["current", "-v", "--db", &url])), "base (no revision applied)\n");
    ok(&p.run(&["apply", "--to", "+2", "--db", &url]));
    assert_eq!(ok(&p.run(&["current", "--db", &url])), format!("{}\n", r2.id), "without -v: the id alone");
    let out = ok(&p.run(&["current", "--verbose", "--db", &url]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0], r2.id);
    assert_eq!(lines[1], "message:  create gadgets");
    assert!(lines[2].starts_with("status:   applied ") && lines[2].contains(" UTC by "), "{out}");
    assert_eq!(lines[3], format!("file:     generated/{}", r2.file_name));

    ok(&p.run(&["stamp", &r1.id, "--db", &url]));
    let out = ok(&run_env(&dir(&p), &["current", "-v"], &[("DATABASE_URL", &url)]));
    assert!(out.starts_with(&format!("{}\nmessage:  create widgets\nstatus:   applied ", r1.id)), "{out}");
    ok(&p.run(&["stamp", "head", "--db", &url]));
    let out = ok(&p.run(&["current", "-v", "--db", &url]));
    assert!(out.contains("status:   stamped ") && out.contains("(not run)"), "{out}");
}

#[tokio::test]
async fn down_minus_n_is_down_n_n() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    let [r1, r2, r3] = three(&mut p);
    let down = |args: &[&str]| {
        let mut all = vec!["down", "--db", url.as_str(), "--allow-hazard", "all"];
        all.extend_from_slice(args);
        p.run(&all)
    };

    ok(&p.run(&["apply", "--db", &url]));
    let out = ok(&down(&["-1"]));
    assert!(out.starts_with(&format!("reverted {} (", stem(&r3))) && out.ends_with(&format!("now at {}\n", r2.id)));
    let out = ok(&down(&["-2"]));
    assert!(out.contains(&format!("reverted {}", stem(&r2))) && out.contains(&format!("reverted {}", stem(&r1))));
    assert!(out.ends_with("now at base\n"), "{out}");

    // The other forms are unchanged.
    ok(&p.run(&["apply", "--db", &url]));
    assert!(ok(&down(&["-n", "1"])).ends_with(&format!("now at {}\n", r2.id)));
    assert!(ok(&down(&["--count", "1"])).ends_with(&format!("now at {}\n", r1.id)));
    ok(&p.run(&["apply", "--db", &url]));
    assert!(ok(&down(&["--to", &r1.id])).ends_with(&format!("now at {}\n", r1.id)));
    assert!(ok(&down(&[])).ends_with("now at base\n"));
    ok(&p.run(&["apply", "--db", &url]));
    let script = ok(&down(&["-1", "--sql"]));
    assert!(script.contains("DROP TABLE gizmos;") && !script.contains("DROP TABLE gadgets;"), "{script}");

    // Usage mistakes: clap's exit 2, nothing undone.
    for (args, says) in [
        (&["-1", "-n", "1"][..], "cannot be used with"),
        (&["-1", "--to", "base"][..], "cannot be used with"),
        (&["-0"][..], "at least 1"),
        (&["-x"][..], "unexpected argument '-x'"),
        (&["2"][..], "--to 2"),
    ] {
        let out = down(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(ok(&p.run(&["current", "--db", &url])), format!("{}\n", r3.id));
}

fn with_hooks(p: &Project, hooks: &[&str], extra: &str) {
    let list: Vec<String> = hooks.iter().map(|h| format!("{h:?}")).collect();
    let text = format!("revisions = \"generated\"\n{extra}[hooks]\npost_write = [{}]\n", list.join(", "));
    std::fs::write(dir(p).join("schemactl.toml"), text).unwrap();
}

fn new_file(p: &Project, before: &[PathBuf]) -> PathBuf {
    let now = common::revision_files(&dir(p));
    let added: Vec<&PathBuf> = now.iter().filter(|f| !before.contains(f)).collect();
    assert_eq!(added.len(), 1, "{now:?}");
    added[0].clone()
}

#[test]
fn post_write_hooks_run_before_the_seal_and_a_failing_one_stops_it() {
    let mut p = Project::new();
    p.add("create widgets", "CREATE TABLE widgets (id int PRIMARY KEY);", "DROP TABLE widgets;");

    // A formatter that rewrites the file, then a linter that reads it: the seal covers the rewrite.
    with_hooks(
        &p,
        &["sed -i 's/^-- Hand-written SQL/-- HAND-WRITTEN SQL/' {file}", "echo linted {file}; grep -c HAND {file} >&2"],
        "",
    );
    let before = common::revision_files(&dir(&p));
    let out = p.run(&["revision", "-m", "Backfill"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let file = new_file(&p, &before);
    let body = std::fs::read_to_string(&file).unwrap();
    assert!(body.contains("-- HAND-WRITTEN SQL"), "{body}");
    let err = stderr(&out);
    let quoted = format!("'{}'", file.display());
    assert!(
        err.contains(&format!("hook: sed -i 's/^-- Hand-written SQL/-- HAND-WRITTEN SQL/' {quoted} (exit 0)\n")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "hook: echo linted {quoted}; grep -c HAND {quoted} >&2 (exit 0)\nlinted {}\n1\n",
            file.display()
        )),
        "{err}"
    );
    assert!(stdout(&out).starts_with("wrote generated/"), "{}", stdout(&out));
    // Sealed as rewritten: commands that check the seal accept it.
    let history = ok(&p.run(&["history", "--offline"]));
    assert!(history.ends_with("Backfill\n"), "{history}");

    // A failing hook: its output shown, the file left unsealed, exit 1; the seal then refuses it (5).
    with_hooks(&p, &["echo 'squawk: 1 problem'; exit 3", "echo never"], "");
    let before = common::revision_files(&dir(&p));
    let out = p.run(&["revision", "-m", "Second"]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    let file = new_file(&p, &before);
    let err = stderr(&out);
    assert!(err.contains("hook: echo 'squawk: 1 problem'; exit 3 (exit 3)\nsquawk: 1 problem\n"), "{err}");
    assert!(err.contains("error: post-write hook `echo 'squawk: 1 problem'; exit 3` failed (exit 3)\n"), "{err}");
    assert!(
        err.contains(&format!(
            "{} is written but not sealed: fix it and run `schemactl reseal`, or delete it",
            file.display()
        )),
        "{err}"
    );
    assert!(!err.contains("never") && stdout(&out).is_empty(), "{err}");
    let refused = p.run(&["history", "--offline"]);
    assert_eq!(code(&refused), 0, "history warns and lists: {}", stderr(&refused));
    let refused = p.run(&["apply", "--sql", "--from", "base"]);
    assert_eq!(code(&refused), 5, "{}", stderr(&refused));
    std::fs::remove_file(&file).unwrap();

    // A hook that leaves something that is not the revision: unsealed, said so.
    with_hooks(&p, &[": > {file}"], "");
    let before = common::revision_files(&dir(&p));
    let out = p.run(&["revision", "-m", "Third"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("a post-write hook left a file that is not a revision"), "{}", stderr(&out));
    assert!(stderr(&out).contains("is written but not sealed"), "{}", stderr(&out));
    std::fs::remove_file(new_file(&p, &before)).unwrap();
    ok(&p.run(&["history", "--offline"]));
}

#[test]
fn post_write_hooks_get_no_addresses_and_a_quoted_path() {
    // A project directory whose path needs quoting.
    let p = Project::new();
    let awkward = dir(&p).join("it's a $dir");
    std::fs::create_dir_all(awkward.join("generated")).unwrap();
    let extra = "[environments.live]\nurl_env = \"LIVE_URL\"\ndirect_url_env = \"LIVE_DIRECT\"\n";
    let hook = "echo \"db=${DATABASE_URL:-unset} pw=${PGPASSWORD:-unset} dev=${SCHEMACTL_DEV_URL:-unset} \
                live=${LIVE_URL:-unset} direct=${LIVE_DIRECT:-unset} keep=${KEEP:-unset} pwd=$(pwd)\"; test -f {file} && echo found";
    let list = format!("{hook:?}");
    std::fs::write(
        awkward.join("schemactl.toml"),
        format!("revisions = \"generated\"\n{extra}[hooks]\npost_write = [{list}]\n"),
    )
    .unwrap();
    let secret = "postgresql://app:s3cret@db.example/app";
    let out = run_env(
        &awkward,
        &["revision", "-m", "First", "--config", "schemactl.toml"],
        &[
            ("DATABASE_URL", secret),
            ("PGPASSWORD", "s3cret"),
            ("SCHEMACTL_DEV_URL", secret),
            ("LIVE_URL", secret),
            ("LIVE_DIRECT", secret),
            ("KEEP", "kept"),
        ],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    let pwd = awkward.canonicalize().unwrap();
    assert!(
        err.contains(&format!(
            "db=unset pw=unset dev=unset live=unset direct=unset keep=kept pwd={}\nfound\n",
            pwd.display()
        )),
        "{err}"
    );
}

#[tokio::test]
async fn plan_seals_what_a_formatter_made_of_the_revision() {
    let dev = schemactl_testkit::server().await.to_secret_url();
    let tmp = tempfile::tempdir().unwrap();
    let init = Command::new(common::schemactl_bin()).args(["init", tmp.path().to_str().unwrap()]).output().unwrap();
    assert!(init.status.success(), "{}", common::output_text(&init));
    let dir = tmp.path();
    std::fs::remove_file(dir.join("schema/example.sql")).unwrap();
    std::fs::write(dir.join("schema/app.sql"), "CREATE SCHEMA app;\nCREATE TABLE app.t (id int);\n").unwrap();
    let mut toml = std::fs::read_to_string(dir.join("schemactl.toml")).unwrap();
    toml.push_str("\n[hooks]\npost_write = [\"sed -i 's/^CREATE SCHEMA app;/create schema app;/' {file}\"]\n");
    std::fs::write(dir.join("schemactl.toml"), toml).unwrap();

    let out = common::run_in_project(dir, &dev, &["plan", "-m", "Create app"]);
    assert!(out.status.success(), "{}", common::output_text(&out));
    assert!(stderr(&out).contains("hook: sed -i"), "{}", stderr(&out));
    let files = common::revision_files(dir);
    let body = std::fs::read_to_string(&files[0]).unwrap();
    assert!(body.contains("\ncreate schema app;\n"), "{body}");
    let check = common::run_in_project(dir, &dev, &["plan", "--check"]);
    assert!(check.status.success(), "{}", common::output_text(&check));
    let verify = common::run_in_project(dir, &dev, &["verify"]);
    assert!(verify.status.success(), "{}", common::output_text(&verify));
}
