//! What differs between PostgreSQL majors, on the test server (`SCHEMACTL_TEST_DATABASE_URL`,
//! else the embedded one): each scenario is planned from its `from` to its `to` schema, the
//! plan applied, and the result must read as `to` and plan nothing more.
//!
//! A scenario needs the major whose syntax it uses. On an older server it cannot load, so it
//! is not run there and the test says so on stderr; `tools/pg-matrix.sh --fixtures` runs this
//! test on every major, so each scenario runs somewhere. The scenarios that hold on every
//! major (14 and up) run everywhere.

use schemactl_model::Catalog;
use schemactl_testkit::TestDb;

struct Scenario {
    name: &'static str,
    /// `server_version_num` from which the scenario's SQL loads.
    since: i32,
    from: &'static str,
    to: &'static str,
    /// Text the plan must hold: the version-specific statement under test.
    plan_contains: &'static [&'static str],
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "publications read on 14 (no column lists, row filters or schemas there)",
        since: 140000,
        from: "CREATE TABLE t (id int PRIMARY KEY, note text); CREATE TABLE u (id int PRIMARY KEY);",
        to: "CREATE TABLE t (id int PRIMARY KEY, note text); CREATE TABLE u (id int PRIMARY KEY);
             CREATE PUBLICATION feed FOR TABLE t, u WITH (publish = 'insert, update');",
        plan_contains: &["CREATE PUBLICATION feed FOR TABLE public.t, "],
    },
    Scenario {
        name: "a domain's NOT NULL is stated once (17 keeps it as a named constraint)",
        since: 140000,
        from: "",
        to: "CREATE DOMAIN email AS text DEFAULT 'a@b.c' NOT NULL CHECK (VALUE ~ '@');",
        plan_contains: &["NOT NULL"],
    },
    Scenario {
        name: "a domain's named NOT NULL (17)",
        since: 170000,
        from: "",
        to: "CREATE DOMAIN code AS text CONSTRAINT code_required NOT NULL;",
        plan_contains: &["CONSTRAINT code_required NOT NULL"],
    },
    Scenario {
        name: "a CHECK on a varchar IN list is not planned again (18's LIKE copies NOT NULLs)",
        since: 140000,
        from: "CREATE TABLE orders (id int NOT NULL, status varchar(10) NOT NULL);",
        to: "CREATE TABLE orders (id int NOT NULL, status varchar(10) NOT NULL,
               CONSTRAINT status_known CHECK (status IN ('new', 'shipped')));",
        plan_contains: &["status_known"],
    },
    Scenario {
        name: "LIKE copies the template's NOT NULL names (18)",
        since: 180000,
        from: "CREATE TABLE template (created_at timestamptz NOT NULL DEFAULT now(), note text);",
        to: "CREATE TABLE template (created_at timestamptz NOT NULL DEFAULT now(), note text);
             CREATE TABLE item (id int, LIKE template INCLUDING ALL);",
        plan_contains: &["CONSTRAINT template_created_at_not_null NOT NULL"],
    },
    Scenario {
        name: "named, NOT VALID and NO INHERIT NOT NULL constraints are created (18)",
        since: 180000,
        from: "CREATE TABLE t (a int, b int, c int NOT NULL, d int);",
        to: "CREATE TABLE t (a int CONSTRAINT a_required NOT NULL, b int, c int, d int CONSTRAINT d_nn NOT NULL NO INHERIT);
             ALTER TABLE t ADD CONSTRAINT b_nn NOT NULL b NOT VALID;
             CREATE TABLE fresh (x int, y int CONSTRAINT y_nn NOT NULL NO INHERIT);
             ALTER TABLE fresh ADD CONSTRAINT x_nn NOT NULL x NOT VALID;",
        plan_contains: &[
            "ADD CONSTRAINT a_required NOT NULL a",
            "ADD CONSTRAINT b_nn NOT NULL b NOT VALID",
            "ADD CONSTRAINT d_nn NOT NULL d NO INHERIT",
            "ADD CONSTRAINT x_nn NOT NULL x NOT VALID",
            "y integer CONSTRAINT y_nn NOT NULL NO INHERIT",
        ],
    },
    Scenario {
        name: "NOT NULL constraints renamed, validated, made inheritable (18)",
        since: 180000,
        from: "CREATE TABLE t (a int CONSTRAINT a_required NOT NULL, b int, d int CONSTRAINT d_nn NOT NULL NO INHERIT);
               ALTER TABLE t ADD CONSTRAINT b_nn NOT NULL b NOT VALID;",
        to: "CREATE TABLE t (a int CONSTRAINT a_present NOT NULL, b int CONSTRAINT b_nn NOT NULL, d int NOT NULL);",
        plan_contains: &[
            "RENAME CONSTRAINT a_required TO a_present",
            "VALIDATE CONSTRAINT b_nn",
            "ALTER COLUMN d DROP NOT NULL, ALTER COLUMN d SET NOT NULL",
        ],
    },
    Scenario {
        name: "a partition's received NOT NULL under the parent's name (18)",
        since: 180000,
        from: "CREATE TABLE p (band int NOT NULL, geom int NOT NULL) PARTITION BY LIST (band);
               CREATE TABLE p_12 (band int NOT NULL, geom int NOT NULL);
               ALTER TABLE p ATTACH PARTITION p_12 FOR VALUES IN (12);",
        to: "CREATE TABLE p (band int NOT NULL, geom int NOT NULL) PARTITION BY LIST (band);
             CREATE TABLE p_12 PARTITION OF p FOR VALUES IN (12);",
        plan_contains: &["DETACH PARTITION public.p_12", "RENAME CONSTRAINT p_12_band_not_null TO p_band_not_null"],
    },
    Scenario {
        name: "virtual generated columns (18)",
        since: 180000,
        from: "CREATE TABLE v (slug text NOT NULL, stored text GENERATED ALWAYS AS ('s:' || slug) STORED);",
        to: "CREATE TABLE v (slug text NOT NULL, stored text GENERATED ALWAYS AS ('s:' || slug) VIRTUAL,
               urn text GENERATED ALWAYS AS ('urn:' || slug) VIRTUAL);",
        plan_contains: &["GENERATED ALWAYS AS (('urn:'::text || slug)) VIRTUAL"],
    },
    Scenario {
        name: "temporal keys: WITHOUT OVERLAPS and PERIOD foreign keys (18)",
        since: 180000,
        from: "CREATE EXTENSION btree_gist;
               CREATE TABLE room (id int NOT NULL, during tstzrange NOT NULL);
               CREATE TABLE booking (room_id int NOT NULL, during tstzrange NOT NULL);",
        to: "CREATE EXTENSION btree_gist;
             CREATE TABLE room (id int NOT NULL, during tstzrange NOT NULL,
               CONSTRAINT room_pkey PRIMARY KEY (id, during WITHOUT OVERLAPS));
             CREATE TABLE booking (room_id int NOT NULL, during tstzrange NOT NULL,
               CONSTRAINT booking_room FOREIGN KEY (room_id, PERIOD during) REFERENCES room (id, PERIOD during));",
        plan_contains: &["PRIMARY KEY (id, during WITHOUT OVERLAPS)", "REFERENCES public.room(id, PERIOD during)"],
    },
];

#[tokio::test]
async fn version_specific_schemas_converge() {
    let probe = TestDb::new().await;
    let version = schemactl_introspect::server_version(&probe.client().await).await.expect("server version");
    let mut failures = Vec::new();
    for scenario in SCENARIOS {
        if version.num < scenario.since {
            eprintln!("not on {version}: {} (needs {})", scenario.name, scenario.since / 10000);
            continue;
        }
        if let Err(e) = run(scenario).await {
            failures.push(format!("{} on {version}:\n{e}", scenario.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

async fn run(s: &Scenario) -> Result<(), String> {
    let (from_db, to_db) = (TestDb::new().await, TestDb::new().await);
    let (from_client, to_client) = (from_db.client().await, to_db.client().await);
    from_client.batch_execute(s.from).await.map_err(|e| format!("loading from: {e:?}"))?;
    to_client.batch_execute(s.to).await.map_err(|e| format!("loading to: {e:?}"))?;
    let (from, mut to) = (catalog(&from_client).await?, catalog(&to_client).await?);
    // As the CLI does: a CHECK equal to the current one modulo a deparse round trip is equal.
    schemactl_introspect::reconcile_checks(&from, &mut to, &to_client).await;
    let plan = schemactl_plan::plan(&from, &to).map_err(|e| e.to_string())?;
    let sql = schemactl_plan::render_sql(&plan);
    for wanted in s.plan_contains {
        if !sql.contains(wanted) {
            return Err(format!("the plan lacks `{wanted}`:\n{sql}"));
        }
    }
    // Step by step: a step may hold several statements, none of them CONCURRENTLY here.
    for step in &plan.steps {
        from_client.batch_execute(&step.sql).await.map_err(|e| format!("applying {}: {e:?}\n{sql}", step.sql))?;
    }
    let after = catalog(&from_client).await?;
    schemactl_introspect::reconcile_checks(&after, &mut to, &to_client).await;
    if !after.same_schema(&to) {
        return Err(format!("the catalogs differ after the plan:\n{sql}"));
    }
    let again = schemactl_plan::plan(&after, &to).map_err(|e| e.to_string())?;
    if !again.is_empty() {
        return Err(format!("a second plan is not empty:\n{}", schemactl_plan::render_sql(&again)));
    }
    Ok(())
}

async fn catalog(client: &tokio_postgres::Client) -> Result<Catalog, String> {
    schemactl_introspect::introspect(client).await.map_err(|e| e.to_string())
}

/// A catalog query that fails says what the server said, and which server it was: the first
/// real error, not the "transaction is aborted" of the queries pipelined after it.
#[tokio::test]
async fn failed_catalog_query_shows_the_server_message_and_version() {
    let db = TestDb::new().await;
    let client = db.client().await;
    let version = schemactl_introspect::server_version(&client).await.expect("server version");
    let database: String = client.query_one("SELECT current_database()::text", &[]).await.expect("name").get(0);
    let role = schemactl_sqltext::ident(&format!("{database}_reader"));
    // Catalog privileges are per database: the revoke dies with the test's database.
    client
        .batch_execute(&format!(
            "CREATE ROLE {role}; REVOKE SELECT ON pg_catalog.pg_publication FROM PUBLIC; SET ROLE {role}"
        ))
        .await
        .expect("setup");
    let error = schemactl_introspect::introspect(&client).await.map(|_| ()).expect_err("reading must fail");
    client.batch_execute(&format!("RESET ROLE; DROP ROLE {role}")).await.expect("cleanup");
    let text = error.to_string();
    assert!(text.contains("permission denied for table pg_publication"), "{text}");
    assert!(text.contains(&format!("of {version} failed")), "{text}");
}
