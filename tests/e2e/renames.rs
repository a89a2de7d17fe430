//! Renames without data loss: `-- schemactl:renamed-from OLD` in schema/ turns what would be a
//! drop and a create into `ALTER ... RENAME`. Each test plans a first revision, applies it to a
//! real database, inserts rows, renames something in schema/, plans and applies again, and
//! checks the rows are still there under the new name. The other intent annotation,
//! `-- schemactl:using EXPRESSION` (how rows are converted when a column's type changes), is
//! driven the same way at the end.

use crate::common;

use common::{output_text as text, revision_files, schemactl_bin};
use schemactl_testkit::TestDb;
use std::process::{Command, Output};

/// A project in a temporary directory, with the test server as its shadow.
struct Project {
    dir: tempfile::TempDir,
    dev: String,
}

impl Project {
    async fn new(schema: &str) -> Project {
        let dev = schemactl_testkit::server().await.to_secret_url();
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(schemactl_bin()).args(["init", dir.path().to_str().unwrap()]).output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        std::fs::remove_file(dir.path().join("schema/example.sql")).unwrap();
        let project = Project { dir, dev };
        project.write(schema);
        project
    }

    fn write(&self, schema: &str) {
        std::fs::write(self.dir.path().join("schema/app.sql"), schema).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(schemactl_bin())
            .args(args)
            .current_dir(self.dir.path())
            .env("SCHEMACTL_DEV_URL", &self.dev)
            .env_remove("DATABASE_URL")
            .output()
            .expect("run schemactl")
    }

    /// `plan -m message`, which must succeed; returns the statements of the new revision's up
    /// section, one per line, and what plan printed.
    fn plan(&self, message: &str) -> (String, String) {
        let out = self.run(&["plan", "-m", message, "--allow-hazard", "all"]);
        assert!(out.status.success(), "{}", text(&out));
        let newest = revision_files(self.dir.path()).pop().expect("a revision was written");
        let body = std::fs::read_to_string(newest).unwrap();
        let up = body.split_once("-- schemactl:up\n").and_then(|(_, rest)| rest.split_once("-- schemactl:down\n"));
        // Session settings (timeouts) are not what this is about.
        let up: Vec<&str> = up
            .expect("up and down sections")
            .0
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("SET ") && !l.starts_with("--"))
            .collect();
        (up.join("\n"), text(&out))
    }

    fn apply(&self, db: &TestDb) -> String {
        let out = self.run(&["apply", "--db", &db.url.to_secret_url(), "--allow-hazard", "all"]);
        assert!(out.status.success(), "{}", text(&out));
        text(&out)
    }

    /// After the renames were applied: nothing left to plan, the annotations reported as
    /// removable, and `verify` (up, down to the start, up again) passes.
    fn check_settled(&self, annotations: usize) {
        let check = self.run(&["plan", "--check"]);
        assert!(check.status.success(), "{}", text(&check));
        assert_eq!(
            text(&check).matches("already renamed").count(),
            annotations,
            "each applied annotation is reported as removable: {}",
            text(&check)
        );
        assert!(text(&check).contains("the annotation can be removed"), "{}", text(&check));
        let verify = self.run(&["verify"]);
        assert!(verify.status.success(), "{}", text(&verify));
    }
}

/// The first column of every row, as text.
async fn strings(db: &TestDb, sql: &str) -> Vec<String> {
    let client = db.client().await;
    client.query(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).iter().map(|r| r.get(0)).collect()
}

fn assert_no_drop_or_create(up: &str) {
    for word in ["DROP", "CREATE", "ADD"] {
        assert!(!up.contains(word), "the renamed objects are kept, not rebuilt ({word}):\n{up}");
    }
}

#[tokio::test]
async fn a_column_rename_keeps_its_rows() {
    let db = TestDb::new().await;
    let p = Project::new(
        "CREATE SCHEMA app;\n\
         CREATE TABLE app.users (\n  id int PRIMARY KEY,\n  full_name text NOT NULL\n);\n",
    )
    .await;
    p.plan("users");
    p.apply(&db);
    db.execute_script("INSERT INTO app.users VALUES (1, 'Ada Lovelace'), (2, 'Alan Turing');").await;

    p.write(
        "CREATE SCHEMA app;\n\
         CREATE TABLE app.users (\n  id int PRIMARY KEY,\n  -- schemactl:renamed-from full_name\n  display_name text NOT NULL\n);\n",
    );
    let (up, _) = p.plan("rename full_name");
    assert_eq!(up, "ALTER TABLE app.users RENAME COLUMN full_name TO display_name;", "{up}");
    p.apply(&db);
    assert_eq!(strings(&db, "SELECT display_name FROM app.users ORDER BY id").await, ["Ada Lovelace", "Alan Turing"]);
    p.check_settled(1);

    // The down section renames it back, rows and all.
    let out = p.run(&["down", "--db", &db.url.to_secret_url(), "--allow-hazard", "all"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(strings(&db, "SELECT full_name FROM app.users ORDER BY id").await, ["Ada Lovelace", "Alan Turing"]);
}

#[tokio::test]
async fn a_table_rename_keeps_rows_foreign_keys_views_and_its_sequence() {
    let db = TestDb::new().await;
    let v1 = "CREATE SCHEMA app;\n\
              CREATE TABLE app.accounts (id serial PRIMARY KEY, name text NOT NULL);\n\
              CREATE TABLE app.orders (id int PRIMARY KEY, account_id int NOT NULL REFERENCES app.accounts (id));\n\
              CREATE VIEW app.account_names AS SELECT name FROM app.accounts;\n";
    let p = Project::new(v1).await;
    p.plan("accounts");
    p.apply(&db);
    db.execute_script(
        "INSERT INTO app.accounts (name) VALUES ('ada'), ('alan');\n\
         INSERT INTO app.orders VALUES (10, 1), (11, 2);",
    )
    .await;

    p.write(
        "CREATE SCHEMA app;\n\
         -- schemactl:renamed-from accounts\n\
         CREATE TABLE app.users (id serial PRIMARY KEY, name text NOT NULL);\n\
         CREATE TABLE app.orders (id int PRIMARY KEY, account_id int NOT NULL REFERENCES app.users (id));\n\
         CREATE VIEW app.account_names AS SELECT name FROM app.users;\n",
    );
    let (up, printed) = p.plan("accounts are users");
    assert!(up.starts_with("ALTER TABLE app.accounts RENAME TO users;\nALTER TABLE app.users RENAME"), "{up}");
    // The primary key and the serial sequence, named after the table, follow it.
    assert!(up.contains("ALTER TABLE app.users RENAME CONSTRAINT accounts_pkey TO users_pkey;"), "{up}");
    assert!(up.contains("ALTER SEQUENCE app.accounts_id_seq RENAME TO users_id_seq;"), "{up}");
    assert!(printed.contains("also renaming constraint accounts_pkey"), "{printed}");
    assert_no_drop_or_create(&up);
    p.apply(&db);

    assert_eq!(strings(&db, "SELECT name FROM app.users ORDER BY id").await, ["ada", "alan"]);
    assert_eq!(strings(&db, "SELECT name FROM app.account_names ORDER BY name").await, ["ada", "alan"]);
    let fk = "SELECT confrelid::regclass::text FROM pg_constraint WHERE conname = 'orders_account_id_fkey'";
    assert_eq!(strings(&db, fk).await, ["app.users"]);
    let client = db.client().await;
    let e = client.batch_execute("INSERT INTO app.orders VALUES (12, 99)").await.unwrap_err();
    assert!(e.as_db_error().is_some_and(|d| d.constraint() == Some("orders_account_id_fkey")), "{e:?}");
    // The sequence kept its position: the next id does not collide.
    assert_eq!(strings(&db, "INSERT INTO app.users (name) VALUES ('grace') RETURNING id::text").await, ["3"]);
    p.check_settled(1);
}

#[tokio::test]
async fn a_schema_rename_keeps_its_tables() {
    let db = TestDb::new().await;
    let p = Project::new("CREATE SCHEMA crm;\nCREATE TABLE crm.contacts (id int PRIMARY KEY, email text);\n").await;
    p.plan("crm");
    p.apply(&db);
    db.execute_script("INSERT INTO crm.contacts VALUES (1, 'a@example.com');").await;

    p.write(
        "-- schemactl:renamed-from crm\nCREATE SCHEMA sales;\nCREATE TABLE sales.contacts (id int PRIMARY KEY, email text);\n",
    );
    let (up, _) = p.plan("crm is sales");
    assert_eq!(up, "ALTER SCHEMA crm RENAME TO sales;", "{up}");
    p.apply(&db);
    assert_eq!(strings(&db, "SELECT email FROM sales.contacts").await, ["a@example.com"]);
    p.check_settled(1);
}

#[tokio::test]
async fn index_and_constraint_renames_keep_the_index() {
    let db = TestDb::new().await;
    let p = Project::new(
        "CREATE SCHEMA app;\n\
         CREATE TABLE app.items (\n  id int PRIMARY KEY,\n  sku text CONSTRAINT items_sku_key UNIQUE,\n  \
         price int CONSTRAINT price_positive CHECK (price > 0)\n);\n\
         CREATE INDEX items_price_idx ON app.items (price);\n",
    )
    .await;
    p.plan("items");
    p.apply(&db);
    db.execute_script("INSERT INTO app.items VALUES (1, 'a', 5), (2, 'b', 7);").await;
    let oids = "SELECT c.relname || ' ' || c.oid FROM pg_class c WHERE c.relnamespace = 'app'::regnamespace \
                AND c.relkind = 'i' ORDER BY c.oid";
    let before: Vec<String> =
        strings(&db, oids).await.iter().map(|s| s.split(' ').nth(1).unwrap().to_string()).collect();

    p.write(
        "CREATE SCHEMA app;\n\
         CREATE TABLE app.items (\n  id int PRIMARY KEY,\n  \
         sku text\n    -- schemactl:renamed-from items_sku_key\n    CONSTRAINT items_sku_unique UNIQUE,\n  \
         price int,\n  \
         -- schemactl:renamed-from price_positive\n  CONSTRAINT items_price_positive CHECK (price > 0)\n);\n\
         -- schemactl:renamed-from items_price_idx\n\
         CREATE INDEX items_by_price ON app.items (price);\n",
    );
    let (up, _) = p.plan("names");
    for rename in [
        "ALTER INDEX app.items_price_idx RENAME TO items_by_price;",
        "ALTER TABLE app.items RENAME CONSTRAINT items_sku_key TO items_sku_unique;",
        "ALTER TABLE app.items RENAME CONSTRAINT price_positive TO items_price_positive;",
    ] {
        assert!(up.contains(rename), "{rename}\n{up}");
    }
    assert_no_drop_or_create(&up);
    p.apply(&db);
    let after: Vec<String> =
        strings(&db, oids).await.iter().map(|s| s.split(' ').nth(1).unwrap().to_string()).collect();
    assert_eq!(before, after, "no index was rebuilt (the unique constraint's index was renamed with it)");
    let e = db.client().await.batch_execute("INSERT INTO app.items VALUES (3, 'c', -1)").await.unwrap_err();
    assert!(e.as_db_error().is_some_and(|d| d.constraint() == Some("items_price_positive")), "{e:?}");
    p.check_settled(3);
}

#[tokio::test]
async fn an_enum_value_rename_relabels_its_rows() {
    let db = TestDb::new().await;
    let p = Project::new(
        "CREATE SCHEMA app;\n\
         CREATE TYPE app.status AS ENUM ('active', 'gone');\n\
         CREATE TABLE app.accounts (id int PRIMARY KEY, status app.status NOT NULL);\n",
    )
    .await;
    p.plan("status");
    p.apply(&db);
    db.execute_script("INSERT INTO app.accounts VALUES (1, 'active'), (2, 'gone');").await;

    p.write(
        "CREATE SCHEMA app;\n\
         CREATE TYPE app.status AS ENUM (\n  'active',\n  -- schemactl:renamed-from gone\n  'closed'\n);\n\
         CREATE TABLE app.accounts (id int PRIMARY KEY, status app.status NOT NULL);\n",
    );
    let (up, _) = p.plan("gone is closed");
    assert_eq!(up, "ALTER TYPE app.status RENAME VALUE 'gone' TO 'closed';", "{up}");
    p.apply(&db);
    assert_eq!(strings(&db, "SELECT status::text FROM app.accounts ORDER BY id").await, ["active", "closed"]);
    p.check_settled(1);
}

#[tokio::test]
async fn stale_and_misplaced_annotations_are_reported() {
    let p = Project::new("CREATE SCHEMA app;\nCREATE TABLE app.t (id int PRIMARY KEY);\n").await;
    p.plan("t");

    // An old name that exists nowhere: a warning, and the column is simply added.
    p.write(
        "CREATE SCHEMA app;\nCREATE TABLE app.t (\n  id int PRIMARY KEY,\n  -- schemactl:renamed-from nowhere\n  note text\n);\n",
    );
    let out = p.run(&["plan", "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(
            "schema/app.sql:4:3: warning: `-- schemactl:renamed-from nowhere` matches nothing: neither column \
             app.t.nowhere nor column app.t.note exists in the current state"
        ),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("ADD COLUMN note text"), "{}", text(&out));

    // An annotation before something that cannot be renamed: an error at the comment.
    p.write("CREATE SCHEMA app;\nCREATE TABLE app.t (id int PRIMARY KEY);\n-- schemactl:renamed-from x\nCOMMENT ON TABLE app.t IS 'x';\n");
    let out = p.run(&["plan", "--dry-run"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("schema/app.sql:3:1: `-- schemactl:renamed-from` must directly precede"),
        "{}",
        text(&out)
    );
}

#[tokio::test]
async fn diff_plans_renames_from_files_and_from_a_live_database_without_touching_it() {
    let dev = schemactl_testkit::server().await.to_secret_url();
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("from.sql");
    let to = dir.path().join("to.sql");
    std::fs::write(&from, "CREATE TABLE public.people (id int PRIMARY KEY, surname text);\n").unwrap();
    std::fs::write(
        &to,
        "CREATE TABLE public.people (\n  id int PRIMARY KEY,\n  -- schemactl:renamed-from surname\n  family_name text\n);\n",
    )
    .unwrap();
    let diff = |from: &str| {
        let out = Command::new(schemactl_bin())
            .args(["diff", "--from", from, "--to", to.to_str().unwrap()])
            .env("SCHEMACTL_DEV_URL", &dev)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let expected = "ALTER TABLE public.people RENAME COLUMN surname TO family_name;\n";
    assert_eq!(diff(from.to_str().unwrap()), expected);

    // A live --from is renamed in a shadow copy of its schema, never in place.
    let live = TestDb::new().await;
    live.execute_script("CREATE TABLE public.people (id int PRIMARY KEY, surname text);").await;
    assert_eq!(diff(&live.url.to_secret_url()), expected);
    let columns = "SELECT attname::text FROM pg_attribute WHERE attrelid = 'public.people'::regclass AND attnum > 0";
    assert_eq!(strings(&live, columns).await, ["id", "surname"]);
}

#[tokio::test]
async fn a_declared_conversion_converts_the_rows_and_an_undeclared_one_is_warned_about() {
    let db = TestDb::new().await;
    let p = Project::new(
        "CREATE SCHEMA app;\n\
         CREATE TABLE app.orders (\n  id int PRIMARY KEY,\n  tags text,\n  qty text\n);\n",
    )
    .await;
    p.plan("orders");
    p.apply(&db);
    db.execute_script("INSERT INTO app.orders VALUES (1, 'red,large', '3'), (2, 'blue', '12');").await;

    // Without the annotation: the plan casts, and plan says which column needs one.
    p.write(
        "CREATE SCHEMA app;\n\
         CREATE TABLE app.orders (\n  id int PRIMARY KEY,\n  tags text[],\n  qty integer\n);\n",
    );
    let check = p.run(&["plan", "--check"]);
    let said = text(&check);
    assert!(said.contains("app.orders.tags changes from text to text[], which PostgreSQL cannot convert"), "{said}");
    assert!(said.contains("`-- schemactl:using EXPRESSION`"), "{said}");

    // With it: recorded in the revision, and the rows are converted by apply.
    p.write(
        "CREATE SCHEMA app;\n\
         CREATE TABLE app.orders (\n  id int PRIMARY KEY,\n  -- schemactl:using string_to_array(tags, ',')\n  tags text[],\n\
         -- schemactl:using qty::integer * 10\n  qty integer\n);\n",
    );
    let (up, said) = p.plan("tags as an array");
    assert!(up.contains("ALTER COLUMN tags TYPE text[] USING (string_to_array(tags, ','))"), "{up}");
    assert!(up.contains("ALTER COLUMN qty TYPE integer USING (qty::integer * 10)"), "{up}");
    assert!(!said.contains("cannot convert"), "{said}");
    p.apply(&db);
    let rows = strings(&db, "SELECT tags::text || ' ' || qty FROM app.orders ORDER BY id").await;
    assert_eq!(rows, ["{red,large} 30", "{blue} 120"]);

    // Applied: nothing left to plan, and the annotations are said to have nothing to do.
    let check = p.run(&["plan", "--check"]);
    assert!(check.status.success(), "{}", text(&check));
    assert_eq!(text(&check).matches("has nothing to convert").count(), 2, "{}", text(&check));
}

#[tokio::test]
async fn names_exchanged_between_two_columns_go_through_a_temporary_name() {
    let db = TestDb::new().await;
    let p = Project::new(
        "CREATE SCHEMA app;\n\
         CREATE TABLE app.people (\n  id int PRIMARY KEY,\n  first_name varchar(40) NOT NULL,\n  last_name text NOT NULL\n);\n",
    )
    .await;
    p.plan("people");
    p.apply(&db);
    // Imported the wrong way round: the columns exchange names, the rows stay where they are.
    db.execute_script("INSERT INTO app.people VALUES (1, 'Ada', 'Lovelace');").await;
    let swapped = "CREATE SCHEMA app;\n\
         CREATE TABLE app.people (\n  id int PRIMARY KEY,\n  -- schemactl:renamed-from last_name\n  first_name text NOT NULL,\n\
         -- schemactl:renamed-from first_name\n  last_name varchar(40) NOT NULL\n);\n";
    p.write(swapped);
    let (up, said) = p.plan("swap names");
    assert_eq!(
        up,
        "ALTER TABLE app.people RENAME COLUMN last_name TO last_name__schemactl_swap;\n\
         ALTER TABLE app.people RENAME COLUMN first_name TO first_name__schemactl_swap;\n\
         ALTER TABLE app.people RENAME COLUMN last_name__schemactl_swap TO first_name;\n\
         ALTER TABLE app.people RENAME COLUMN first_name__schemactl_swap TO last_name;",
        "{said}"
    );
    assert!(said.contains("names exchanged through temporary names"), "{said}");
    p.apply(&db);
    assert_eq!(strings(&db, "SELECT first_name || ' ' || last_name FROM app.people").await, ["Lovelace Ada"]);

    // Applied: the definitions show it, so nothing is exchanged again.
    let check = p.run(&["plan", "--check"]);
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains("the columns already match the schema files"), "{}", text(&check));

    // Down exchanges them back.
    let out = p.run(&["down", "--db", &db.url.to_secret_url(), "--allow-hazard", "all"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(strings(&db, "SELECT first_name || ' ' || last_name FROM app.people").await, ["Ada Lovelace"]);

    // Columns alike cannot be told exchanged from not: refused, not guessed.
    p.write(&swapped.replace("varchar(40)", "text"));
    let out = p.run(&["plan", "--check"]);
    assert!(text(&out).contains("names not exchanged"), "{}", text(&out));
}

#[tokio::test]
async fn a_function_rename_keeps_the_view_that_calls_it() {
    let db = TestDb::new().await;
    let schema = |name: &str, annotation: &str| {
        format!(
            "CREATE SCHEMA app;\n\
             CREATE TABLE app.items (id int PRIMARY KEY, price numeric NOT NULL);\n\
             {annotation}CREATE FUNCTION app.{name}(net numeric) RETURNS numeric LANGUAGE sql IMMUTABLE\n\
             RETURN net * 1.2;\n\
             CREATE VIEW app.priced AS SELECT id, app.{name}(price) AS gross FROM app.items;\n"
        )
    };
    let p = Project::new(&schema("add_tax", "")).await;
    p.plan("items");
    p.apply(&db);
    db.execute_script("INSERT INTO app.items VALUES (1, 10);").await;

    p.write(&schema("with_tax", "-- schemactl:renamed-from add_tax\n"));
    let (up, said) = p.plan("rename add_tax");
    assert_eq!(up, "ALTER ROUTINE app.add_tax RENAME TO with_tax;", "{said}");
    p.apply(&db);
    assert_eq!(strings(&db, "SELECT gross::text FROM app.priced").await, ["12.0"]);
    p.check_settled(1);
}

#[tokio::test]
async fn a_table_moved_to_another_schema_keeps_its_rows_and_down_moves_it_back() {
    let db = TestDb::new().await;
    let before = "CREATE SCHEMA legacy;\nCREATE SCHEMA sales;\n\
         CREATE TABLE legacy.order_rows (id bigserial PRIMARY KEY, customer text NOT NULL);\n\
         CREATE VIEW sales.customers AS SELECT DISTINCT customer FROM legacy.order_rows;\n";
    let p = Project::new(before).await;
    p.plan("orders");
    p.apply(&db);
    db.execute_script("INSERT INTO legacy.order_rows (customer) VALUES ('ada');").await;

    p.write(
        "CREATE SCHEMA legacy;\nCREATE SCHEMA sales;\n\
         -- schemactl:renamed-from legacy.order_rows\n\
         CREATE TABLE sales.orders (id bigserial PRIMARY KEY, customer text NOT NULL);\n\
         CREATE VIEW sales.customers AS SELECT DISTINCT customer FROM sales.orders;\n",
    );
    let (up, said) = p.plan("move orders");
    assert_eq!(
        up,
        "ALTER TABLE legacy.order_rows RENAME TO orders;\n\
         ALTER TABLE legacy.orders SET SCHEMA sales;\n\
         ALTER TABLE sales.orders RENAME CONSTRAINT order_rows_pkey TO orders_pkey;\n\
         ALTER SEQUENCE sales.order_rows_id_seq RENAME TO orders_id_seq;",
        "{said}"
    );
    p.apply(&db);
    db.execute_script("INSERT INTO sales.orders (customer) VALUES ('bob');").await;
    assert_eq!(strings(&db, "SELECT id || customer FROM sales.orders ORDER BY id").await, ["1ada", "2bob"]);
    assert_eq!(strings(&db, "SELECT customer FROM sales.customers ORDER BY 1").await, ["ada", "bob"]);
    p.check_settled(1);

    let out = p.run(&["down", "--db", &db.url.to_secret_url(), "--allow-hazard", "all"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(strings(&db, "SELECT customer FROM legacy.order_rows ORDER BY id").await, ["ada", "bob"]);
}

#[tokio::test]
async fn a_move_into_a_schema_the_files_add_creates_it_and_down_drops_it() {
    let db = TestDb::new().await;
    let p = Project::new("CREATE TABLE public.invoices (id int PRIMARY KEY, total numeric NOT NULL);\n").await;
    p.plan("invoices");
    p.apply(&db);
    db.execute_script("INSERT INTO public.invoices VALUES (1, 30);").await;

    p.write(
        "CREATE SCHEMA billing;\n\
         -- schemactl:renamed-from public.invoices\n\
         CREATE TABLE billing.invoices (id int PRIMARY KEY, total numeric NOT NULL);\n",
    );
    let (up, said) = p.plan("billing");
    assert_eq!(up, "CREATE SCHEMA billing;\nALTER TABLE public.invoices SET SCHEMA billing;", "{said}");
    p.apply(&db);
    assert_eq!(strings(&db, "SELECT total::text FROM billing.invoices").await, ["30"]);
    p.check_settled(1);

    let out = p.run(&["down", "--db", &db.url.to_secret_url(), "--allow-hazard", "all"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(strings(&db, "SELECT total::text FROM public.invoices").await, ["30"]);
    assert!(strings(&db, "SELECT nspname::text FROM pg_namespace WHERE nspname = 'billing'").await.is_empty());
}
