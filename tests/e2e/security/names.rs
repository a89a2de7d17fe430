//! SQL injection through names (issue 10). A newline in a name used to end the `-- hazard`
//! comment that named it, so the rest of the name ran as SQL: `schemactl diff` printed
//! `DROP TABLE public.victim;` as a statement of its own, and `plan` + `apply` of a dropped
//! column deleted every row of another table. Names now reach comments escaped (`\n`), and
//! revision headers write them in PostgreSQL's `U&"..."` form, which every command reads back.

use crate::common::{output_text, run_in_project, schemactl_bin};
use schemactl_testkit::TestDb;
use std::process::Command;

const VICTIM_ROWS: i64 = 1000;

async fn victim_rows(db: &TestDb) -> i64 {
    let client = db.client().await;
    let row = client.query_one("SELECT count(*) FROM public.victim", &[]).await.expect("victim still exists");
    row.get(0)
}

async fn with_victim(db: &TestDb) {
    db.execute_script(&format!(
        "CREATE TABLE public.victim (id int);\nINSERT INTO public.victim SELECT generate_series(1, {VICTIM_ROWS});"
    ))
    .await;
}

/// The statement kinds pg_query finds in a script (`DropStmt`...), comments ignored.
fn statement_kinds(sql: &str) -> Vec<String> {
    let tree = pg_query::parse(sql, 0).unwrap_or_else(|e| panic!("the script does not parse: {e}\n{sql}"));
    tree.statement_types().into_iter().map(str::to_string).collect()
}

/// Runs a script as a DBA would: `psql -v ON_ERROR_STOP=1 -f`.
fn psql(db: &TestDb, sql: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.sql");
    std::fs::write(&file, sql).unwrap();
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db.url.to_secret_url(), "-f"])
        .arg(&file)
        .output()
        .expect("psql (apt-get install postgresql-client)");
    assert!(out.status.success(), "psql failed: {}\n{sql}", output_text(&out));
}

/// Issue 10's first reproducer: `diff` output run through psql drops only the weird table.
#[tokio::test]
async fn a_table_name_cannot_run_as_sql_in_a_diff_script() {
    let db = TestDb::new().await;
    with_victim(&db).await;
    db.execute_script("CREATE TABLE public.\"x\nDROP TABLE public.victim;--\"(id int);").await;
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("victim.sql");
    std::fs::write(&to, "CREATE TABLE public.victim (id int);\n").unwrap();
    let dev = schemactl_testkit::server().await.to_secret_url();
    let out = Command::new(schemactl_bin())
        .args(["diff", "--from", &db.url.to_secret_url(), "--to", to.to_str().unwrap(), "--dev-url", &dev])
        .env_remove("DATABASE_URL")
        .output()
        .expect("run schemactl");
    assert!(out.status.success(), "{}", output_text(&out));
    let sql = String::from_utf8(out.stdout).unwrap();

    // Exactly the intended statement: one DROP TABLE, of the weird table.
    assert_eq!(statement_kinds(&sql), ["DropStmt"], "{sql}");
    let statements = pg_query::split_with_parser(&sql).unwrap();
    assert_eq!(statements.len(), 1, "{sql}");
    let tree = pg_query::parse(&sql, 0).unwrap();
    assert_eq!(tree.ddl_tables(), ["public.x\nDROP TABLE public.victim;--"], "{sql}");
    assert!(sql.contains("-- hazard data-loss: drops table public.U&\"x\\000aDROP TABLE public.victim;--\""), "{sql}");

    psql(&db, &sql);
    assert_eq!(victim_rows(&db).await, VICTIM_ROWS);
    let client = db.client().await;
    let left: i64 =
        client.query_one("SELECT count(*) FROM pg_class WHERE relname LIKE E'x\\n%'", &[]).await.unwrap().get(0);
    assert_eq!(left, 0, "the weird table is dropped");
}

/// Issue 10's second reproducer: a dropped column through a project (`plan`, then `apply`),
/// and a revision whose header names it that every command still reads.
#[tokio::test]
async fn a_column_name_cannot_run_as_sql_through_plan_and_apply() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let dev = schemactl_testkit::server().await.to_secret_url();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let run = |args: &[&str]| {
        let out = run_in_project(dir, &dev, args);
        assert!(out.status.success(), "schemactl {args:?}: {}", output_text(&out));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    run(&["init"]);
    std::fs::remove_file(dir.join("schema/example.sql")).unwrap();
    let weird = "c\nDELETE FROM public.victim;--";
    // A table with a line break in its name is dropped too: the revision's `-- expects:` line
    // names it, and used to be unreadable.
    let v1 = format!(
        "CREATE TABLE public.victim (id int);\nCREATE TABLE public.t (id int, \"{weird}\" int);\n\
         CREATE TABLE public.\"v\r\nTRUNCATE public.victim;--\" (id int);\n"
    );
    std::fs::write(dir.join("schema/app.sql"), &v1).unwrap();
    run(&["plan", "-m", "tables"]);
    run(&["apply", "--db", &url]);
    db.execute_script(&format!("INSERT INTO public.victim SELECT generate_series(1, {VICTIM_ROWS});")).await;

    let v2 = "CREATE TABLE public.victim (id int);\nCREATE TABLE public.t (id int);\n";
    std::fs::write(dir.join("schema/app.sql"), v2).unwrap();
    run(&["plan", "-m", "drop the column\nDELETE FROM public.victim;--", "--allow-hazard", "data-loss"]);
    let revision = crate::common::revision_files(dir).pop().unwrap();
    let text = std::fs::read_to_string(&revision).unwrap();
    let header: Vec<&str> = text.lines().take_while(|l| *l != "-- schemactl:up").collect();
    assert!(header.contains(&"-- message: drop the column DELETE FROM public.victim;--"), "{text}");
    assert!(text.contains("-- hazard data-loss: drops column "), "{text}");
    assert!(text.contains("\n-- expects: relation \"public\".\"t\" "), "{text}");
    assert!(text.contains("\n-- expects: relation \"public\".U&\"v\\000d\\000aTRUNCATE public.victim;--\" "), "{text}");
    let up = text.split("-- schemactl:up\n").nth(1).unwrap().split("-- schemactl:down\n").next().unwrap();
    let kinds: Vec<String> = statement_kinds(up).into_iter().filter(|k| k != "VariableSetStmt").collect();
    assert_eq!(kinds, ["AlterTableStmt", "DropStmt"], "{text}");

    run(&["apply", "--db", &url, "--allow-hazard", "data-loss"]);
    assert_eq!(victim_rows(&db).await, VICTIM_ROWS);
    let client = db.client().await;
    let columns: i64 = client
        .query_one("SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.t'::regclass AND attnum > 0 AND NOT attisdropped", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(columns, 1, "only id is left");
    let weird_tables: i64 =
        client.query_one("SELECT count(*) FROM pg_class WHERE relname LIKE E'v\\r\\n%'", &[]).await.unwrap().get(0);
    assert_eq!(weird_tables, 0, "the weird table is dropped");

    // The project is not stuck: every command reads the revision back.
    let history = run(&["history", "--db", &url]);
    assert!(history.contains("drop the column"), "{history}");
    run(&["status", "--db", &url]);
    run(&["plan", "--check"]);
    run(&["verify"]);
}
