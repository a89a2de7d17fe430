//! YAML desired state end to end, through the real binary and a real server: the dashboard
//! of `schema/*.sql` written in YAML (`fixtures/yaml/dashboard/`) plans identically, SQL and
//! YAML mix in one directory, and errors point into the YAML file.

use crate::common;

use common::schemactl_bin;
use std::path::Path;
use std::process::{Command, Output};

/// Runs schemactl in the repository with the test server as the shadow.
fn run(dev: &str, args: &[&str]) -> Output {
    Command::new(schemactl_bin())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("SCHEMACTL_DEV_URL", dev)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run schemactl")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn dev() -> String {
    schemactl_testkit::server().await.to_secret_url()
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const YAML_DASHBOARD: &str = "fixtures/yaml/dashboard";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_yaml_plans_exactly_like_the_dashboard_in_sql() {
    let dev = dev().await;
    // Each side loaded into its own shadow and compared: nothing to do, either way.
    assert_eq!(stdout(&run(&dev, &["diff", "--from", "schema", "--to", YAML_DASHBOARD])), "");
    assert_eq!(stdout(&run(&dev, &["diff", "--from", YAML_DASHBOARD, "--to", "schema"])), "");
    // From an empty database, the same plan, statement for statement.
    for format in ["sql", "json"] {
        let from_sql = stdout(&run(&dev, &["diff", "--to", "schema", "--format", format]));
        let from_yaml = stdout(&run(&dev, &["diff", "--to", YAML_DASHBOARD, "--format", format]));
        assert!(from_sql.contains("CREATE TABLE portal.users"), "{from_sql}");
        assert_eq!(from_sql, from_yaml);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_and_yaml_files_mix_in_one_directory() {
    let dev = dev().await;
    let mixed = tempfile::tempdir().unwrap();
    // An SQL type used by a YAML table, used by an SQL view: one dependency order for all.
    write(
        mixed.path(),
        "a_view.sql",
        "CREATE VIEW app.happy_notes AS SELECT id, body FROM app.notes WHERE mood = 'ok';\n",
    );
    write(
        mixed.path(),
        "notes.yaml",
        "schema: app\ntables:\n  notes:\n    columns:\n      id: {type: bigint, identity: always, primary_key: true}\n      mood: {type: app.mood, nullable: false}\n      body: text\n      author_id: {type: bigint, references: app.authors (id)}\n",
    );
    write(mixed.path(), "types.sql", "CREATE SCHEMA app;\nCREATE TYPE app.mood AS ENUM ('ok', 'meh');\n");
    write(
        mixed.path(),
        "z_authors.yml",
        "tables:\n  app.authors:\n    columns:\n      id: {type: bigint, primary_key: true}\n",
    );
    let sql = tempfile::tempdir().unwrap();
    write(
        sql.path(),
        "all.sql",
        "CREATE SCHEMA app;\nCREATE TYPE app.mood AS ENUM ('ok', 'meh');\n\
         CREATE TABLE app.authors (id bigint PRIMARY KEY);\n\
         CREATE TABLE app.notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, mood app.mood NOT NULL, body text, author_id bigint REFERENCES app.authors (id));\n\
         CREATE VIEW app.happy_notes AS SELECT id, body FROM app.notes WHERE mood = 'ok';\n",
    );
    let (mixed, sql) = (mixed.path().to_str().unwrap(), sql.path().to_str().unwrap());
    let plan = stdout(&run(&dev, &["diff", "--to", mixed]));
    assert!(plan.contains("CREATE TABLE app.notes"), "{plan}");
    assert!(plan.contains("VIEW app.happy_notes"), "{plan}");
    assert_eq!(stdout(&run(&dev, &["diff", "--from", sql, "--to", mixed])), "");
    assert_eq!(stdout(&run(&dev, &["diff", "--from", mixed, "--to", sql])), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_point_at_the_yaml_node() {
    let dev = dev().await;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.yaml",
        "tables:\n  users:\n    columns:\n      id: bigint\n      email:\n        type: citextt\n",
    );
    let out = run(&dev, &["diff", "--to", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let expected = format!("error: {}:6:15: type \"citextt\" does not exist", dir.path().join("app.yaml").display());
    assert!(stderr(&out).starts_with(&expected), "{}", stderr(&out));

    // Inside a function body written as a block: the line and column in the block.
    write(
        dir.path(),
        "app.yaml",
        "views:\n  v:\n    query: |\n      SELECT a,\n             nope(a)\n      FROM generate_series(1, 2) AS a\n",
    );
    let out = run(&dev, &["diff", "--to", dir.path().to_str().unwrap()]);
    let expected =
        format!("error: {}:5:14: function nope(integer) does not exist", dir.path().join("app.yaml").display());
    assert!(stderr(&out).starts_with(&expected), "{}", stderr(&out));
}

#[test]
fn structure_errors_are_reported_before_any_database_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.yaml", "tables:\n  users:\n    colums:\n      id: bigint\n");
    // A shadow server that does not exist: never reached.
    let out = run("postgresql://nobody@/nowhere?host=/nonexistent", &["diff", "--to", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "error: {}:3:5: tables.users.colums: unknown key `colums` (did you mean `columns`?)\n",
            dir.path().join("app.yaml").display()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renamed_from_in_yaml_plans_renames() {
    let dev = dev().await;
    let before = tempfile::tempdir().unwrap();
    write(before.path(), "app.sql", "CREATE TABLE accounts (id int PRIMARY KEY, full_name text);\n");
    let after = tempfile::tempdir().unwrap();
    write(
        after.path(),
        "app.yaml",
        "tables:\n  users:\n    renamed_from: accounts\n    columns:\n      id: {type: int, primary_key: true}\n      name: {type: text, renamed_from: full_name}\n",
    );
    let plan = stdout(&run(
        &dev,
        &["diff", "--from", before.path().to_str().unwrap(), "--to", after.path().to_str().unwrap()],
    ));
    assert!(plan.contains("ALTER TABLE public.accounts RENAME TO users"), "{plan}");
    assert!(plan.contains("RENAME COLUMN full_name TO name"), "{plan}");
    assert!(!plan.contains("DROP TABLE"), "{plan}");
}

/// Every kind of object the format declares, and the same in SQL.
const EVERY_KIND_YAML: &str = r#"
schema: shop
extensions:
  btree_gist: {schema: public}
schemas:
  shop:
    comment: The shop
    grants: {schemactl_yaml_reader: [usage]}
enums:
  status: {values: [new, paid, shipped], comment: Order status}
composite_types:
  money_amount:
    attributes:
      amount: numeric(12,2)
      currency: {type: text, collation: C, comment: ISO code}
domains:
  email:
    type: text
    nullable: false
    checks:
      email_has_at: VALUE LIKE '%@%'
  positive:
    type: integer
    default: 1
    checks:
      positive_check: {expression: VALUE > 0, comment: Above zero}
      positive_small: {expression: VALUE < 1000000, not_valid: true}
range_types:
  price_range: {subtype: numeric, comment: Prices}
sequences:
  order_number_seq: {type: integer, start: 100, increment: 2, owned_by: shop.orders.number}
tables:
  customers:
    columns:
      id: {type: bigint, identity: {generation: by default, start: 10}, primary_key: true}
      email: {type: shop.email, unique: true}
      name: {type: text, collation: C, comment: Full name, grants: {schemactl_yaml_reader: [update]}}
      name_lower: {type: text, generated: lower(name)}
    indexes:
      customers_name_idx:
        columns: [(lower(name)), id DESC]
        include: [email]
        with: {fillfactor: 70}
        where: id > 0
        comment: By name
    row_security: true
    policies:
      own_rows: {command: select, to: [schemactl_yaml_reader], using: id > 0, comment: Own rows}
    grants:
      schemactl_yaml_reader: [select]
      public: {privileges: [select], with_grant_option: false}
  orders:
    columns:
      id: bigint
      number: {type: integer, nullable: false, default: "nextval('shop.order_number_seq')"}
      customer_id: bigint
      status: {type: shop.status, nullable: false, default: "'new'"}
      total: shop.money_amount
      during: tstzrange
      placed_at: {type: timestamptz, nullable: false, default: now()}
    primary_key: {columns: [id], name: orders_pk, comment: The key}
    unique:
      orders_number_key: {columns: [number], deferrable: true}
    checks:
      orders_id_positive: id > 0
      orders_recent: {expression: "placed_at > '2000-01-01'", not_valid: true}
    exclusions:
      orders_no_overlap: USING gist (customer_id WITH =, during WITH &&)
    foreign_keys:
      orders_customer_fkey:
        columns: [customer_id]
        references: shop.customers (id)
        on_delete: cascade
        comment: Who ordered
    triggers:
      orders_touch:
        timing: before
        events: [insert, update of status]
        for_each: row
        execute: shop.touch()
        comment: Touch
    comment: Orders
  events:
    columns: {at: timestamptz, kind: text}
    partition_by: RANGE (at)
  events_2024:
    partition_of: {parent: shop.events, bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"}
  logs:
    unlogged: true
    columns: {line: text}
views:
  paid_orders:
    query: SELECT id, total FROM shop.orders WHERE status = 'paid'
    with: {security_barrier: true}
    comment: Paid
    column_comments: {total: Amount}
    grants: {schemactl_yaml_reader: [select]}
materialized_views:
  order_counts:
    query: SELECT customer_id, count(*) AS n FROM shop.orders GROUP BY customer_id
    indexes:
      order_counts_customer: {columns: [customer_id], unique: true}
    comment: Counts
functions:
  touch:
    returns: trigger
    language: plpgsql
    body: |
      BEGIN
        NEW.placed_at := now();
        RETURN NEW;
      END
  add(integer, integer):
    returns: integer
    language: sql
    volatility: immutable
    strict: true
    parallel: safe
    body: SELECT $1 + $2
    comment: Adds
    grants: {schemactl_yaml_reader: [execute]}
  add(numeric, numeric):
    returns: numeric
    language: sql
    body: SELECT $1 + $2
procedures:
  purge:
    arguments: days integer
    language: sql
    set: {search_path: "shop, pg_temp"}
    body: DELETE FROM shop.orders WHERE placed_at < now() - make_interval(days => days)
    comment: Purges
"#;

const EVERY_KIND_SQL: &str = r#"
CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;
CREATE SCHEMA shop;
COMMENT ON SCHEMA shop IS 'The shop';
GRANT USAGE ON SCHEMA shop TO schemactl_yaml_reader;
CREATE TYPE shop.status AS ENUM ('new', 'paid', 'shipped');
COMMENT ON TYPE shop.status IS 'Order status';
CREATE TYPE shop.money_amount AS (amount numeric(12,2), currency text COLLATE "C");
COMMENT ON COLUMN shop.money_amount.currency IS 'ISO code';
CREATE DOMAIN shop.email AS text NOT NULL CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');
CREATE DOMAIN shop.positive AS integer DEFAULT 1 CONSTRAINT positive_check CHECK (VALUE > 0);
ALTER DOMAIN shop.positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000000) NOT VALID;
COMMENT ON CONSTRAINT positive_check ON DOMAIN shop.positive IS 'Above zero';
CREATE TYPE shop.price_range AS RANGE (SUBTYPE = numeric);
COMMENT ON TYPE shop.price_range IS 'Prices';
CREATE SEQUENCE shop.order_number_seq AS integer START WITH 100 INCREMENT BY 2;
CREATE TABLE shop.customers (
    id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 10) PRIMARY KEY,
    email shop.email UNIQUE,
    name text COLLATE "C",
    name_lower text GENERATED ALWAYS AS (lower(name)) STORED
);
COMMENT ON COLUMN shop.customers.name IS 'Full name';
GRANT UPDATE (name) ON shop.customers TO schemactl_yaml_reader;
CREATE INDEX customers_name_idx ON shop.customers ((lower(name)), id DESC) INCLUDE (email) WITH (fillfactor = 70) WHERE id > 0;
COMMENT ON INDEX shop.customers_name_idx IS 'By name';
ALTER TABLE shop.customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON shop.customers FOR SELECT TO schemactl_yaml_reader USING (id > 0);
COMMENT ON POLICY own_rows ON shop.customers IS 'Own rows';
GRANT SELECT ON shop.customers TO schemactl_yaml_reader;
GRANT SELECT ON shop.customers TO PUBLIC;
CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN
  NEW.placed_at := now();
  RETURN NEW;
END
$$;
CREATE TABLE shop.orders (
    id bigint,
    number integer NOT NULL DEFAULT nextval('shop.order_number_seq'),
    customer_id bigint,
    status shop.status NOT NULL DEFAULT 'new',
    total shop.money_amount,
    during tstzrange,
    placed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_pk PRIMARY KEY (id),
    CONSTRAINT orders_number_key UNIQUE (number) DEFERRABLE,
    CONSTRAINT orders_id_positive CHECK (id > 0),
    CONSTRAINT orders_no_overlap EXCLUDE USING gist (customer_id WITH =, during WITH &&)
);
ALTER SEQUENCE shop.order_number_seq OWNED BY shop.orders.number;
ALTER TABLE shop.orders ADD CONSTRAINT orders_recent CHECK (placed_at > '2000-01-01') NOT VALID;
ALTER TABLE shop.orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES shop.customers (id) ON DELETE CASCADE;
COMMENT ON CONSTRAINT orders_pk ON shop.orders IS 'The key';
COMMENT ON CONSTRAINT orders_customer_fkey ON shop.orders IS 'Who ordered';
CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE OF status ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.touch();
COMMENT ON TRIGGER orders_touch ON shop.orders IS 'Touch';
COMMENT ON TABLE shop.orders IS 'Orders';
CREATE TABLE shop.events (at timestamptz, kind text) PARTITION BY RANGE (at);
CREATE TABLE shop.events_2024 PARTITION OF shop.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE UNLOGGED TABLE shop.logs (line text);
CREATE VIEW shop.paid_orders WITH (security_barrier = true) AS SELECT id, total FROM shop.orders WHERE status = 'paid';
COMMENT ON VIEW shop.paid_orders IS 'Paid';
COMMENT ON COLUMN shop.paid_orders.total IS 'Amount';
GRANT SELECT ON shop.paid_orders TO schemactl_yaml_reader;
CREATE MATERIALIZED VIEW shop.order_counts AS SELECT customer_id, count(*) AS n FROM shop.orders GROUP BY customer_id;
CREATE UNIQUE INDEX order_counts_customer ON shop.order_counts (customer_id);
COMMENT ON MATERIALIZED VIEW shop.order_counts IS 'Counts';
CREATE FUNCTION shop.add(integer, integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT $1 + $2';
COMMENT ON FUNCTION shop.add(integer, integer) IS 'Adds';
GRANT EXECUTE ON FUNCTION shop.add(integer, integer) TO schemactl_yaml_reader;
CREATE FUNCTION shop.add(numeric, numeric) RETURNS numeric LANGUAGE sql AS 'SELECT $1 + $2';
CREATE PROCEDURE shop.purge(days integer) LANGUAGE sql SET search_path = shop, pg_temp
    AS 'DELETE FROM shop.orders WHERE placed_at < now() - make_interval(days => days)';
COMMENT ON PROCEDURE shop.purge IS 'Purges';
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_object_kind_in_yaml_equals_its_sql() {
    let dev = dev().await;
    // Roles are the cluster's; the test server keeps this one.
    let db = schemactl_testkit::TestDb::new().await;
    db.execute_script(
        "DO $$ BEGIN CREATE ROLE schemactl_yaml_reader NOLOGIN; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
    )
    .await;
    let yaml = tempfile::tempdir().unwrap();
    write(yaml.path(), "shop.yaml", EVERY_KIND_YAML);
    let sql = tempfile::tempdir().unwrap();
    write(sql.path(), "shop.sql", EVERY_KIND_SQL);
    let (yaml, sql) = (yaml.path().to_str().unwrap(), sql.path().to_str().unwrap());
    let plan = stdout(&run(&dev, &["diff", "--to", yaml]));
    for object in
        ["shop.customers", "shop.events_2024", "shop.paid_orders", "shop.purge", "shop.price_range", "orders_touch"]
    {
        assert!(plan.contains(object), "{object} missing from\n{plan}");
    }
    assert_eq!(stdout(&run(&dev, &["diff", "--from", sql, "--to", yaml])), "");
    assert_eq!(stdout(&run(&dev, &["diff", "--from", yaml, "--to", sql])), "");
}
