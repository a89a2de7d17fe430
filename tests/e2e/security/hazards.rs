//! One hazard verdict (issue 10). `plan` used to record `table-rewrite, access-exclusive-lock`
//! for binary-coercible changes such as `varchar(50)` to `varchar(100)` or `varchar(100)` to
//! `text` (no rewrite happens), and `apply`, linting the revision again, added `data-loss:
//! values of username may not fit text` and refused (exit 6): a migrations container allowed
//! exactly the recorded hazards looped forever. Now the verdict on a type change comes from
//! one function (`schemactl_model::type_change_hazards`) and apply takes a planned revision's
//! header as the record. Each change below is planned from `schema/`, its header checked, and
//! applied to a table with rows with exactly the recorded hazards allowed (in schemactl.toml,
//! as an environment would): apply exits 0, the data is intact, and for a binary-coercible
//! change the table's and its index's relfilenode are unchanged (PostgreSQL did not rewrite).

use crate::common::{output_text, revision_files, run_in_project};
use schemactl_testkit::TestDb;
use std::process::Output;

/// A project with `schema/app.sql`, planned and applied against one test database, with the
/// test server as its shadow.
struct Project {
    dir: tempfile::TempDir,
    dev: String,
    db: String,
}

impl Project {
    async fn new(db: &TestDb) -> Project {
        let dir = tempfile::tempdir().expect("project dir");
        std::fs::create_dir(dir.path().join("schema")).expect("schema/");
        let dev = schemactl_testkit::server().await.to_secret_url();
        let project = Project { dir, dev, db: db.url.to_secret_url() };
        project.allow(&[]);
        project
    }

    /// schemactl.toml allowing exactly `kinds`, as a deployment's configuration would.
    fn allow(&self, kinds: &[String]) {
        let list: Vec<String> = kinds.iter().map(|k| format!("{k:?}")).collect();
        let toml = format!("schema = \"schema\"\nrevisions = \"generated\"\nallow_hazards = [{}]\n", list.join(", "));
        std::fs::write(self.dir.path().join("schemactl.toml"), toml).expect("schemactl.toml");
    }

    fn schema(&self, text: &str) {
        std::fs::write(self.dir.path().join("schema/app.sql"), text).expect("schema/app.sql");
    }

    fn run(&self, args: &[&str]) -> Output {
        run_in_project(self.dir.path(), &self.dev, args)
    }

    /// `plan` (every hazard allowed: what is recorded is under test, not refused), then the
    /// hazards the new revision's header records.
    fn plan(&self, message: &str) -> Vec<String> {
        ok(&self.run(&["plan", "-m", message, "--allow-hazard", "all"]));
        let last = revision_files(self.dir.path()).pop().expect("a revision");
        let text = std::fs::read_to_string(&last).expect("read revision");
        let header = text.lines().find_map(|l| l.strip_prefix("-- hazards: ")).expect("a hazards line");
        if header == "none" {
            Vec::new()
        } else {
            header.split(", ").map(str::to_string).collect()
        }
    }

    /// `apply` with exactly `hazards` allowed; panics unless it exits 0.
    fn apply_allowing(&self, hazards: &[String]) {
        self.allow(hazards);
        ok(&self.run(&["apply", "--db", &self.db]));
    }
}

fn ok(o: &Output) {
    assert!(o.status.success(), "exit {:?}\n{}", o.status.code(), output_text(o));
}

async fn scalar(db: &TestDb, sql: &str) -> String {
    let client = db.client().await;
    let row = client.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.get(0)
}

/// The files of the table and of its index: a rewrite gives both new ones.
async fn filenodes(db: &TestDb, table: &str) -> String {
    scalar(db, &format!("SELECT pg_relation_filenode('{table}') || '/' || pg_relation_filenode('{table}_c_idx')")).await
}

async fn contents(db: &TestDb, table: &str) -> String {
    scalar(db, &format!("SELECT string_agg(c::text, ',' ORDER BY id) FROM {table}")).await
}

/// One column change: the table `t_<n>` is created with `c old` and a few rows, then `c`
/// changes to `new`.
struct Change {
    old: &'static str,
    new: &'static str,
    rows: &'static str,
}

/// Binary-coercible changes: PostgreSQL changes the catalog only.
const COERCIBLE: &[Change] = &[
    Change { old: "varchar(50)", new: "varchar(100)", rows: "'ada'), (2, 'grace'" },
    Change { old: "varchar(100)", new: "text", rows: "'ada'), (2, 'grace'" },
    Change { old: "varchar(20)", new: "varchar", rows: "'ada'), (2, 'grace'" },
    Change { old: "text", new: "varchar", rows: "'ada'), (2, 'grace'" },
    Change { old: "numeric(10,2)", new: "numeric(14,2)", rows: "12345678.91), (2, -0.5" },
    Change { old: "numeric(10,2)", new: "numeric", rows: "12345678.91), (2, -0.5" },
    Change { old: "bit varying(5)", new: "bit varying(10)", rows: "B'101'), (2, B'11111'" },
    Change { old: "timestamp(0)", new: "timestamp(3)", rows: "'2026-01-02 03:04:05'), (2, '1999-12-31 23:59:59'" },
    Change { old: "timestamptz(3)", new: "timestamptz", rows: "'2026-01-02 03:04:05.123+00'), (2, 'epoch'" },
    Change { old: "time(0)", new: "time(3)", rows: "'03:04:05'), (2, '23:59:59'" },
    Change { old: "interval(0)", new: "interval(3)", rows: "'1 day 2 hours'), (2, '3 seconds'" },
    Change { old: "cidr", new: "inet", rows: "'10.0.0.0/8'), (2, '192.168.1.0/24'" },
    Change { old: "text", new: "public.label", rows: "'ada'), (2, 'grace'" },
];

fn schema(changes: &[Change], changed: &[usize]) -> String {
    let mut sql = String::from("CREATE DOMAIN public.label AS text;\n");
    for (i, change) in changes.iter().enumerate() {
        let column_type = if changed.contains(&i) { change.new } else { change.old };
        sql.push_str(&format!(
            "CREATE TABLE public.t_{i} (id int PRIMARY KEY, c {column_type});\nCREATE INDEX t_{i}_c_idx ON public.t_{i} (c);\n"
        ));
    }
    sql
}

/// Creates every table of `changes` with its rows; returns the project.
async fn with_tables(db: &TestDb, changes: &[Change]) -> Project {
    let p = Project::new(db).await;
    p.schema(&schema(changes, &[]));
    p.plan("tables");
    p.apply_allowing(&[]);
    for (i, change) in changes.iter().enumerate() {
        db.execute_script(&format!("INSERT INTO public.t_{i} VALUES (1, {});", change.rows)).await;
    }
    p
}

#[tokio::test]
async fn binary_coercible_changes_carry_no_hazard_and_apply_with_none_allowed() {
    let db = TestDb::new().await;
    let p = with_tables(&db, COERCIBLE).await;
    let mut changed = Vec::new();
    for (i, change) in COERCIBLE.iter().enumerate() {
        let table = format!("public.t_{i}");
        let (files, data) = (filenodes(&db, &table).await, contents(&db, &table).await);
        changed.push(i);
        p.schema(&schema(COERCIBLE, &changed));
        let hazards = p.plan(&format!("{} to {}", change.old, change.new));
        assert_eq!(hazards, Vec::<String>::new(), "{} -> {}: no rewrite, no loss", change.old, change.new);
        p.apply_allowing(&hazards);
        assert_eq!(filenodes(&db, &table).await, files, "{} -> {} rewrote {table}", change.old, change.new);
        assert_eq!(contents(&db, &table).await, data, "{} -> {} changed values", change.old, change.new);
    }
    // Applied as planned: nothing left to plan.
    assert_eq!(p.plan("nothing"), Vec::<String>::new());
}

/// A conversion PostgreSQL performs row by row, and a narrowing, each recorded as what it is
/// and applied with exactly that allowed.
#[tokio::test]
async fn rewrites_and_narrowings_apply_with_exactly_their_recorded_hazards() {
    let db = TestDb::new().await;
    let changes = [
        Change { old: "int", new: "bigint", rows: "1), (2, 2147483647" },
        Change { old: "varchar(100)", new: "varchar(10)", rows: "'ada'), (2, 'grace'" },
    ];
    let p = with_tables(&db, &changes).await;
    let expected =
        [vec!["table-rewrite", "access-exclusive-lock"], vec!["data-loss", "table-rewrite", "access-exclusive-lock"]];
    let mut changed = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let table = format!("public.t_{i}");
        let (files, data) = (filenodes(&db, &table).await, contents(&db, &table).await);
        changed.push(i);
        p.schema(&schema(&changes, &changed));
        let mut hazards = p.plan(&format!("{} to {}", change.old, change.new));
        hazards.sort();
        let mut wanted: Vec<String> = expected[i].iter().map(|k| k.to_string()).collect();
        wanted.sort();
        assert_eq!(hazards, wanted, "{} -> {}", change.old, change.new);
        // Allowing less is refused (exit 6) and runs nothing.
        p.allow(&hazards[1..]);
        let refused = p.run(&["apply", "--db", &p.db]);
        assert_eq!(refused.status.code(), Some(6), "{}", output_text(&refused));
        p.apply_allowing(&hazards);
        assert_ne!(filenodes(&db, &table).await, files, "{} -> {} is a rewrite", change.old, change.new);
        assert_eq!(contents(&db, &table).await, data, "{} -> {} kept the (short) values", change.old, change.new);
    }
}

/// The reproducer: `users.username` widened, then made text, applied by a deployment allowing
/// exactly what each header records (nothing). It used to be refused with `data-loss: values
/// of username may not fit text`.
#[tokio::test]
async fn varchar_widened_then_made_text_applies_with_the_recorded_hazards() {
    let db = TestDb::new().await;
    let p = Project::new(&db).await;
    p.schema("CREATE TABLE public.users (id int PRIMARY KEY, username varchar(50) NOT NULL);\n");
    p.plan("users");
    p.apply_allowing(&[]);
    db.execute_script("INSERT INTO public.users SELECT g, 'user' || g FROM generate_series(1, 1000) g;").await;
    let files = scalar(&db, "SELECT pg_relation_filenode('public.users')::text").await;
    for (step, column_type) in ["varchar(100)", "text"].into_iter().enumerate() {
        p.schema(&format!("CREATE TABLE public.users (id int PRIMARY KEY, username {column_type} NOT NULL);\n"));
        let hazards = p.plan(&format!("username {step}"));
        assert_eq!(hazards, Vec::<String>::new(), "username to {column_type}");
        p.apply_allowing(&hazards);
    }
    assert_eq!(scalar(&db, "SELECT pg_relation_filenode('public.users')::text").await, files, "never rewritten");
    assert_eq!(scalar(&db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public.users'::regclass AND attname = 'username'").await, "text");
    assert_eq!(scalar(&db, "SELECT count(*)::text FROM public.users WHERE username = 'user' || id").await, "1000");
}
