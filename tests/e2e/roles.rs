//! Roles and owners as desired state (`[roles] manage`): a schema that brings its own roles is
//! planned onto a server that has none of them, owners converge, and a role the project does not
//! manage keeps every privilege it was given by hand.

use crate::common;

use common::output_text as text;
use schemactl_testkit::TestDb;
use std::path::Path;
use std::process::{Command, Output};

/// Runs schemactl in `dir` with the embedded shadow (a dev server would need the roles to exist).
fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(common::schemactl_bin())
        .args(args)
        .current_dir(dir)
        .env_remove("SCHEMACTL_DEV_URL")
        .env_remove("DATABASE_URL")
        .output()
        .expect("run schemactl")
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "schemactl failed:\n{}", text(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

async fn one<T: for<'a> tokio_postgres::types::FromSql<'a>>(db: &TestDb, sql: &str) -> T {
    db.client().await.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

/// Role names unique to this test process: roles are cluster-wide, and the test server is shared.
fn names() -> (String, String) {
    let p = std::process::id();
    (format!("rt{p}_"), format!("ro{p}_"))
}

struct Cleanup(String, String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let (managed, other) = (self.0.clone(), self.1.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                let client = schemactl_testkit::server().await.connect().await.expect("connect");
                let rows = client
                    .query(
                        "SELECT rolname::text FROM pg_roles WHERE starts_with(rolname, $1) OR starts_with(rolname, $2)",
                        &[&managed, &other],
                    )
                    .await
                    .unwrap_or_default();
                for r in rows {
                    let name: String = r.get(0);
                    let _ = client.batch_execute(&format!("DROP ROLE {}", schemactl_sqltext::ident(&name))).await;
                }
            })
        })
        .join();
    }
}

#[tokio::test]
async fn roles_memberships_and_owners_converge_and_unmanaged_roles_keep_their_grants() {
    let (p, o) = names();
    let _cleanup = Cleanup(p.clone(), o.clone());
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("schemactl.toml"),
        format!("allow_hazards = [\"authorization-change\"]\n[roles]\nmanage = [\"{p}*\"]\n"),
    )
    .unwrap();
    std::fs::create_dir(root.join("schema")).unwrap();
    let schema = |body: &str| std::fs::write(root.join("schema/app.sql"), body.replace("P_", &p)).unwrap();
    schema(
        "CREATE ROLE P_owner NOLOGIN;
CREATE ROLE P_reader;
CREATE ROLE P_app LOGIN CONNECTION LIMIT 5 IN ROLE P_reader;
ALTER ROLE P_app SET statement_timeout = '5s';
ALTER ROLE P_app SET search_path = app, public;
COMMENT ON ROLE P_reader IS 'reads the dashboard';
GRANT P_owner TO P_app WITH ADMIN OPTION;
CREATE SCHEMA app;
ALTER SCHEMA app OWNER TO P_owner;
CREATE TABLE app.users (id int PRIMARY KEY, email text);
ALTER TABLE app.users OWNER TO P_owner;
CREATE VIEW app.emails AS SELECT email FROM app.users;
ALTER VIEW app.emails OWNER TO P_owner;
GRANT USAGE ON SCHEMA app TO P_reader;
GRANT SELECT ON app.users, app.emails TO P_reader;
",
    );

    ok(run(root, &["plan", "-m", "roles"]));
    let applied = ok(run(root, &["apply", "--db", &url]));
    assert!(applied.contains("applied"), "{applied}");
    let role = |name: &str| format!("SELECT {name} FROM pg_roles WHERE rolname = '{p}app'");
    assert!(one::<bool>(&db, &role("rolcanlogin")).await);
    assert_eq!(one::<i32>(&db, &role("rolconnlimit")).await, 5);
    let mut settings: Vec<String> = one(
        &db,
        &format!("SELECT setconfig FROM pg_db_role_setting WHERE setrole = '{p}app'::regrole AND setdatabase = 0"),
    )
    .await;
    settings.sort();
    assert_eq!(settings, ["search_path=app, public", "statement_timeout=5s"]);
    let owner: String =
        one(&db, "SELECT relowner::regrole::text FROM pg_class WHERE oid = 'app.users'::regclass").await;
    assert_eq!(owner, format!("{p}owner"));
    let admin: bool = one(
        &db,
        &format!("SELECT admin_option FROM pg_auth_members WHERE roleid = '{p}owner'::regrole AND member = '{p}app'::regrole"),
    )
    .await;
    assert!(admin);
    assert!(one::<bool>(&db, &format!("SELECT has_table_privilege('{p}reader', 'app.emails', 'SELECT')")).await);
    let comment: String = one(&db, &format!("SELECT shobj_description('{p}reader'::regrole, 'pg_authid')")).await;
    assert_eq!(comment, "reads the dashboard");
    let plan = ok(run(root, &["plan", "--check"]));
    assert!(plan.contains("No changes"), "re-plan after apply:\n{plan}");

    // Adopting such a database: the dump declares the roles and owners (never a password).
    let dump = ok(run(root, &["dump", "--db", &url]));
    for expected in [
        format!("CREATE ROLE {p}app WITH LOGIN CONNECTION LIMIT 5"),
        format!("ALTER TABLE app.users OWNER TO {p}owner"),
        format!("GRANT {p}owner TO {p}app WITH ADMIN OPTION"),
    ] {
        assert!(dump.contains(&expected), "no `{expected}` in the dump:\n{dump}");
    }

    // Given by hand to a role the project does not manage: never revoked, never drift.
    db.execute_script(&format!("CREATE ROLE {o}auditor; GRANT SELECT ON app.users TO {o}auditor")).await;
    let status = ok(run(root, &["status", "--db", &url]));
    assert!(status.contains("drift:    none"), "{status}");

    // The reader goes away, the app gets more connections and no settings, the view changes
    // hands back to whoever applies plans.
    schema(
        "CREATE ROLE P_owner NOLOGIN;
CREATE ROLE P_app LOGIN CONNECTION LIMIT 10;
GRANT P_owner TO P_app;
CREATE SCHEMA app;
ALTER SCHEMA app OWNER TO P_owner;
CREATE TABLE app.users (id int PRIMARY KEY, email text);
ALTER TABLE app.users OWNER TO P_owner;
CREATE VIEW app.emails AS SELECT email FROM app.users;
",
    );
    let dry = ok(run(root, &["plan", "--dry-run", "--format", "sql"]));
    let at = |needle: &str| dry.find(needle).unwrap_or_else(|| panic!("no `{needle}` in:\n{dry}"));
    assert!(
        at(&format!("REVOKE SELECT ON TABLE app.users FROM {p}reader")) < at(&format!("DROP ROLE {p}reader")),
        "{dry}"
    );
    assert!(at("ALTER VIEW app.emails OWNER TO CURRENT_USER") < at(&format!("DROP ROLE {p}reader")), "{dry}");
    assert!(dry.contains(&format!("ALTER ROLE {p}app RESET search_path")), "{dry}");
    assert!(!dry.contains(&format!("{o}auditor")), "an unmanaged role appears in the plan:\n{dry}");
    ok(run(root, &["plan", "-m", "reader goes"]));
    ok(run(root, &["apply", "--db", &url]));
    let left: i64 = one(&db, &format!("SELECT count(*) FROM pg_roles WHERE rolname = '{p}reader'")).await;
    assert_eq!(left, 0);
    assert_eq!(one::<i32>(&db, &role("rolconnlimit")).await, 10);
    assert!(one::<bool>(&db, &format!("SELECT has_table_privilege('{o}auditor', 'app.users', 'SELECT')")).await);
    let admin: bool = one(
        &db,
        &format!("SELECT admin_option FROM pg_auth_members WHERE roleid = '{p}owner'::regrole AND member = '{p}app'::regrole"),
    )
    .await;
    assert!(!admin);
    let plan = ok(run(root, &["plan", "--check"]));
    assert!(plan.contains("No changes"), "re-plan after apply:\n{plan}");
    let status = ok(run(root, &["status", "--db", &url]));
    assert!(status.contains("drift:    none"), "{status}");
    // Up, down to nothing (roles dropped, memberships revoked) and up again, on the shadow.
    ok(run(root, &["verify"]));
}

#[tokio::test]
async fn role_statements_need_the_project_to_manage_them_and_never_hold_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("schema")).unwrap();
    std::fs::write(root.join("schema/app.sql"), "CREATE SCHEMA app;\nCREATE ROLE app_reader;\n").unwrap();
    let out = run(root, &["plan", "--dry-run"]);
    assert!(!out.status.success());
    let message = text(&out);
    assert!(message.contains("schema/app.sql:2:1") && message.contains("[roles]"), "{message}");

    std::fs::write(root.join("schemactl.toml"), "[roles]\nmanage = [\"app_*\"]\n").unwrap();
    std::fs::write(
        root.join("schema/app.sql"),
        "CREATE SCHEMA app;\nCREATE ROLE app_reader LOGIN PASSWORD 'hunter2';\n",
    )
    .unwrap();
    let out = run(root, &["plan", "--dry-run"]);
    assert!(!out.status.success());
    let message = text(&out);
    assert!(message.contains("schema/app.sql:2:1") && message.contains("passwords never belong"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");

    std::fs::write(root.join("schema/app.sql"), "CREATE SCHEMA app;\nCREATE ROLE web_reader;\n").unwrap();
    let out = run(root, &["plan", "--dry-run"]);
    assert!(!out.status.success());
    let message = text(&out);
    assert!(
        message.contains("schema/app.sql:2:1") && message.contains("role web_reader is not one the project manages"),
        "{message}"
    );
}
