//! Fleets (issue 15): one change to sixty databases through a canary, cohorts, an injected
//! failure, a `kill -9` part-way and a rerun; `status` grouping; shards; `--sql` per starting
//! revision; the manifests `fleet render` writes.

use crate::project::{ok, stderr, stdout, Project};
use schemactl_testkit::TestDb;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Output;

const TARGETS: usize = 60;

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn dir(p: &Project) -> PathBuf {
    p.generated().parent().unwrap().to_path_buf()
}

/// Sixty databases and a project whose fleet `tenants` runs a canary, then a cohort of the
/// `eu` targets (20 % of the fleet at most), then the rest, four at a time.
async fn fleet() -> (Project, Vec<TestDb>) {
    let mut dbs = Vec::new();
    for _ in 0..TARGETS {
        dbs.push(TestDb::new().await);
    }
    let mut p = Project::new();
    p.add(
        "items",
        "CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL);\nCREATE INDEX items_label ON items (label);",
        "DROP TABLE items;",
    );
    // Slow enough that a kill lands in the middle of the run.
    p.add(
        "item notes",
        "ALTER TABLE items ADD COLUMN note text;\nSELECT pg_sleep(0.15);",
        "ALTER TABLE items DROP COLUMN note;",
    );
    let lines: String = dbs
        .iter()
        .enumerate()
        .map(|(i, db)| {
            let region = if i % 3 == 0 { "eu" } else { "us" };
            format!("{}  name=t{i:02} region={region}\n", db.url.to_secret_url())
        })
        .collect();
    std::fs::write(dir(&p).join("targets.txt"), format!("# the tenants\n{lines}")).unwrap();
    std::fs::write(
        dir(&p).join("schemactl.toml"),
        "[fleets.tenants]\ntargets = \"targets.txt\"\nparallel = 4\nretries = 1\n\n\
         [[fleets.tenants.stages]]\nname = \"canary\"\ncount = 1\n\n\
         [[fleets.tenants.stages]]\nname = \"eu\"\nlabels = { region = \"eu\" }\npercent = 20\non_error = \"continue\"\n\n\
         [[fleets.tenants.stages]]\nname = \"rest\"\non_error = \"continue\"\n",
    )
    .unwrap();
    (p, dbs)
}

async fn history(db: &TestDb) -> (i64, i64) {
    let client = db.client().await;
    let exists: bool =
        client.query_one("SELECT to_regclass('schemactl.history') IS NOT NULL", &[]).await.unwrap().get(0);
    if !exists {
        return (0, 0);
    }
    let applied: i64 = client.query_one("SELECT count(*) FROM schemactl.history", &[]).await.unwrap().get(0);
    // Each revision applied once: one `up` in the log per revision, however the runs went.
    let ups: i64 =
        client.query_one("SELECT count(*) FROM schemactl.log WHERE action = 'up'", &[]).await.unwrap().get(0);
    (applied, ups)
}

fn report(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn outcome<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["targets"].as_array().unwrap().iter().find(|t| t["name"] == name).unwrap()
}

#[tokio::test]
async fn a_fleet_goes_through_canary_cohorts_a_failure_a_kill_and_a_rerun() {
    let (p, dbs) = fleet().await;
    let report_path = dir(&p).join("report.json");
    let report_arg = report_path.to_str().unwrap();

    // The stages as the project defines them: t00 alone, then eu targets up to 12, then the rest.
    let listed = ok(&p.run(&["fleet", "targets", "--fleet", "tenants"]));
    assert!(listed.starts_with("stage canary (on_error = halt): 1 target\n  t00  "), "{listed}");
    assert!(listed.contains("stage eu (on_error = continue): 12 targets\n  t03  "), "{listed}");
    assert!(listed.contains("stage rest (on_error = continue): 47 targets\n"), "{listed}");
    assert!(!listed.contains("password") && !listed.contains(":@"), "{listed}");

    // 1. The canary fails (its table already exists, so the revision's CREATE TABLE fails): the run halts
    //    and no other database is touched.
    dbs[0].execute_script("CREATE TABLE items (id int)").await;
    let out = p.run(&["apply", "--fleet", "tenants", "--report", report_arg]);
    assert_eq!(code(&out), 10, "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("halting: t00 failed in stage canary"), "{}", stderr(&out));
    let r = report(&report_path);
    assert_eq!(r["format_version"], 1);
    assert_eq!(r["halted"]["stage"], "canary");
    assert_eq!((r["summary"]["failed"].as_u64(), r["summary"]["skipped"].as_u64()), (Some(1), Some(59)));
    assert_eq!(outcome(&r, "t00")["error_kind"], "statement");
    for db in &dbs[1..] {
        assert_eq!(history(db).await, (0, 0), "{} was touched after the canary failed", db.name);
    }

    // 2. The canary is fixed; a target of the last stage is broken instead. The run is killed
    //    (SIGKILL) half-way.
    dbs[0].execute_script("DROP TABLE items").await;
    dbs[40].execute_script("CREATE TABLE items (id int)").await;
    let mut child = p.spawn(&["apply", "--fleet", "tenants"]);
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut applied = 0;
    for line in lines {
        if line.unwrap().contains(": applied ") {
            applied += 1;
        }
        if applied == TARGETS / 2 {
            child.kill().unwrap();
            break;
        }
    }
    let killed = child.wait().unwrap();
    assert!(!killed.success(), "the run finished before it was killed");
    assert_eq!(applied, TARGETS / 2, "fewer targets than expected were applied before the kill");

    // 3. The rerun finishes what is left: the broken target fails (its stage goes on), every
    //    other database reaches head with each revision applied exactly once.
    let out = p.run(&["apply", "--fleet", "tenants", "--report", report_arg]);
    assert_eq!(code(&out), 10, "{}{}", stdout(&out), stderr(&out));
    let r = report(&report_path);
    assert!(r["halted"].is_null(), "{r}");
    let summary = &r["summary"];
    assert_eq!(summary["failed"], 1, "{r}");
    let (up_to_date, applied_now) = (summary["up_to_date"].as_u64().unwrap(), summary["applied"].as_u64().unwrap());
    assert_eq!(up_to_date + applied_now, (TARGETS - 1) as u64, "{r}");
    assert!(up_to_date >= (TARGETS / 2) as u64, "targets applied before the kill ran again: {r}");
    let broken = outcome(&r, "t40");
    assert_eq!((broken["outcome"].as_str(), broken["error_kind"].as_str()), (Some("failed"), Some("statement")));
    assert!(broken["before"].is_null() && broken["ran"].as_array().unwrap().is_empty(), "{broken}");
    assert!(outcome(&r, "t01")["after"].is_string(), "{r}");
    for (i, db) in dbs.iter().enumerate() {
        let expected = if i == 40 { (0, 0) } else { (2, 2) };
        assert_eq!(history(db).await, expected, "t{i:02}");
    }

    // 4. status groups the fleet: 59 at head without drift, t40 at base with drift.
    let dev = schemactl_testkit::server().await.to_secret_url();
    let out = p.run(&["status", "--fleet", "tenants", "--dev-url", &dev]);
    assert_eq!(code(&out), 7, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("fleet: 60 targets in 2 groups (head: "), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].contains("(at head)") && lines[1].contains("no drift  59 targets: t00, t01, t02"), "{text}");
    assert!(lines[2].starts_with("  base (2 pending)") && lines[2].contains("DRIFT (1 step)  1 target: t40"), "{text}");
    let json = p.run(&["status", "--fleet", "tenants", "--no-drift", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!((doc["format_version"].as_u64(), doc["exit_code"].as_u64()), (Some(1), Some(8)), "{doc}");
    assert_eq!(doc["groups"][0]["targets"].as_array().unwrap().len(), 59);

    // 5. --sql: one script per starting revision, headed by the targets it is for.
    dbs[40].execute_script("DROP TABLE items").await;
    let sql = ok(&p.run(&["apply", "--fleet", "tenants", "--sql"]));
    assert!(sql.starts_with("-- schemactl: for the 1 target at base\n--   t40\n"), "{sql}");
    assert!(sql.contains("-- schemactl: for the 59 targets at "), "{sql}");
    assert!(!sql.contains(dbs[0].url.dbname()), "addresses do not belong in a script");
}

#[tokio::test]
async fn shards_partition_the_fleet_and_render_writes_manifests() {
    let (p, dbs) = fleet().await;
    let mut seen = Vec::new();
    for i in 0..3 {
        let shard = format!("{i}/3");
        let listed = ok(&p.run(&["fleet", "targets", "--fleet", "tenants", "--shard", &shard]));
        let names: Vec<String> = listed
            .lines()
            .filter(|l| l.starts_with("  t"))
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect();
        assert!((19..=21).contains(&names.len()), "shard {shard}: {listed}");
        seen.extend(names);
    }
    seen.sort();
    let all: Vec<String> = (0..TARGETS).map(|i| format!("t{i:02}")).collect();
    assert_eq!(seen, all, "the shards do not partition the fleet exactly");

    // Each shard applied on its own: together they bring every database to head.
    for i in 0..3 {
        let out = p.run(&["apply", "--fleet", "tenants", "--shard", &format!("{i}/3"), "-q"]);
        assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
        assert!(!stdout(&out).contains(": applied"), "-q prints failures and the summary only");
    }
    for db in &dbs {
        assert_eq!(history(db).await, (2, 2), "{}", db.name);
    }

    let out_dir = dir(&p).join("k8s");
    let out = ok(&p.run(&[
        "fleet",
        "render",
        "--k8s",
        "--argo",
        "--fleet",
        "tenants",
        "--image",
        "registry.example.com/app:1",
        "--shards",
        "3",
        "--out",
        out_dir.to_str().unwrap(),
    ]));
    assert!(out.contains("wrote k8s/job.yaml") && out.contains("wrote k8s/argo-workflow-template.yaml"), "{out}");
    let job = std::fs::read_to_string(out_dir.join("job.yaml")).unwrap();
    assert!(job.contains("completionMode: Indexed") && job.contains("$(JOB_COMPLETION_INDEX)/3"), "{job}");
    let argo = std::fs::read_to_string(out_dir.join("argo-workflow-template.yaml")).unwrap();
    for stage in ["canary", "eu", "rest"] {
        assert!(argo.contains(stage), "{argo}");
    }
    for db in &dbs {
        assert!(!job.contains(db.url.dbname()) && !argo.contains(db.url.dbname()), "no address in a manifest");
    }
}

#[tokio::test]
async fn bad_target_lists_are_refused_with_their_position() {
    let p = Project::new();
    let file = dir(&p).join("targets.txt");
    std::fs::write(&file, "postgresql://u:hunter2@db/a name=a\npostgresql://db/b  region\n").unwrap();
    let out = p.run(&["apply", "--targets", file.to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("targets.txt:2:20: `region` is not a label: labels are key=value"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("hunter2"));
    let out = p.run(&["apply", "--stage", "canary"]);
    assert!(stderr(&out).contains("--stage is for many databases"), "{}", stderr(&out));
    let out = p.run(&["apply", "--fleet", "nope"]);
    assert!(stderr(&out).contains("--fleet nope: schemactl.toml defines no fleet"), "{}", stderr(&out));
}

/// A target that waits (here for the schemactl lock another session holds) takes one of the
/// `parallel` slots, not the stage: the others all finish before it gives up.
#[tokio::test]
async fn a_slow_target_holds_one_slot_not_the_stage() {
    let dbs = [TestDb::new().await, TestDb::new().await, TestDb::new().await, TestDb::new().await, TestDb::new().await];
    let mut p = Project::new();
    p.add("items", "CREATE TABLE items (id int);", "DROP TABLE items;");
    let lines: String =
        dbs.iter().enumerate().map(|(i, db)| format!("{} name=s{i}\n", db.url.to_secret_url())).collect();
    let file = dir(&p).join("targets.txt");
    std::fs::write(&file, lines).unwrap();
    let holder = dbs[1].client().await;
    holder.execute("SELECT pg_advisory_lock($1)", &[&schemactl_apply::LOCK_KEY]).await.unwrap();
    let out = p.run(&[
        "apply",
        "--targets",
        file.to_str().unwrap(),
        "--parallel",
        "2",
        "--lock-timeout",
        "3s",
        "--retries",
        "0",
        "--on-error",
        "continue",
    ]);
    assert_eq!(code(&out), 10, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    let finished: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once(':').map(|(name, _)| name))
        .filter(|name| name.len() == 2 && name.starts_with('s'))
        .collect();
    assert_eq!(finished.last(), Some(&"s1"), "the waiting target held back the others:\n{}", stdout(&out));
    assert_eq!(finished.len(), 5, "{}", stdout(&out));
    assert!(stdout(&out).contains("s1: FAILED (locked"), "{}", stdout(&out));
}

/// Targets from a query on a control database and from a command; a target that outlives
/// `--target-timeout` (it waits for a lock another session holds) is stopped and reported.
#[tokio::test]
async fn targets_from_a_query_and_a_command_and_a_timeout() {
    let dbs = [TestDb::new().await, TestDb::new().await, TestDb::new().await];
    let control = TestDb::new().await;
    let rows: Vec<String> = dbs
        .iter()
        .enumerate()
        .map(|(i, db)| {
            format!(
                "({}, 'q{i}', {})",
                schemactl_sqltext::literal(&db.url.to_secret_url()),
                if i == 1 { "NULL" } else { "'eu'" }
            )
        })
        .collect();
    control
        .execute_script(&format!("CREATE TABLE tenants (name text, url text, region text); INSERT INTO tenants (url, name, region) VALUES {}", rows.join(", ")))
        .await;
    let mut p = Project::new();
    p.add("items", "CREATE TABLE items (id int);", "DROP TABLE items;");
    let control_url = control.url.to_secret_url();
    let query = "SELECT name, url, region FROM tenants ORDER BY name";
    let listed = ok(&p.run(&["fleet", "targets", "--targets-query", query, "--control-url", &control_url]));
    assert!(listed.contains("  q0  ") && listed.contains("region=eu"), "{listed}");
    let q1 = listed.lines().find(|l| l.starts_with("  q1  ")).unwrap();
    assert!(!q1.contains("region="), "a NULL label is left out: {listed}");

    // The command prints a targets file; it does not see DATABASE_URL.
    let file = dir(&p).join("list.txt");
    let lines: String =
        dbs.iter().enumerate().map(|(i, db)| format!("{} name=c{i}\n", db.url.to_secret_url())).collect();
    std::fs::write(&file, lines).unwrap();
    let out = std::process::Command::new(crate::common::schemactl_bin())
        .args(["apply", "--targets-cmd", "test -z \"$DATABASE_URL\" && cat list.txt", "--parallel", "3"])
        .current_dir(dir(&p))
        .env("DATABASE_URL", &control_url)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("fleet: 3 targets: 3 applied"), "{}", stdout(&out));
    let out = p.run(&["apply", "--targets-cmd", "echo oops >&2; exit 3"]);
    assert!(stderr(&out).contains("failed (exit status: 3):\noops"), "{}", stderr(&out));

    // A timeout: the second revision waits for a lock held here, longer than the target may take.
    p.add("item notes", "ALTER TABLE items ADD COLUMN note text;", "ALTER TABLE items DROP COLUMN note;");
    let holder = dbs[2].client().await;
    holder.batch_execute("BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let report_path = dir(&p).join("timeout.json");
    let out = p.run(&[
        "apply",
        "--targets",
        file.to_str().unwrap(),
        "--target-timeout",
        "2s",
        "--on-error",
        "continue",
        "--report",
        report_path.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 10, "{}{}", stdout(&out), stderr(&out));
    let r = report(&report_path);
    let late = outcome(&r, "c2");
    assert_eq!((late["outcome"].as_str(), late["error_kind"].as_str()), (Some("timed_out"), Some("timeout")), "{r}");
    assert_eq!(r["summary"]["applied"], 2, "{r}");
    holder.batch_execute("ROLLBACK").await.unwrap();
    let out = p.run(&["apply", "--targets", file.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "the rerun finishes the late target: {}{}", stdout(&out), stderr(&out));
}
