//! Constraint columns are named by the client from the columns it read (`conkey`/`confkey`
//! numbers), and by one more query for tables it did not read. Both paths, on a real server.

use schemactl_model::{QualName, ScopeConfig};
use schemactl_testkit::TestDb;

#[tokio::test]
async fn constraint_columns_are_named_in_key_order_also_for_tables_out_of_scope() {
    let db = TestDb::new().await;
    let client = db.client().await;
    // Dropped columns shift the numbers; keys list columns out of their table's order; one
    // foreign key reaches a schema left out of scope, one check reads a system column.
    client
        .batch_execute(
            "CREATE SCHEMA legacy;
             CREATE TABLE legacy.accounts (gone int, region text, id int, UNIQUE (id, region));
             ALTER TABLE legacy.accounts DROP COLUMN gone;
             CREATE SCHEMA app;
             CREATE TABLE app.orders (old int, id int, region text, account int, note text,
               PRIMARY KEY (region, id),
               CONSTRAINT orders_account_fkey FOREIGN KEY (account, region) REFERENCES legacy.accounts (id, region),
               CONSTRAINT orders_note_check CHECK (note <> '' AND tableoid <> 0));
             ALTER TABLE app.orders DROP COLUMN old;
             CREATE TABLE app.lines (order_region text, order_id int, n int,
               FOREIGN KEY (order_id, order_region) REFERENCES app.orders (id, region));",
        )
        .await
        .unwrap();
    let scope = ScopeConfig { exclude: vec!["schema:legacy".into()], ..Default::default() }.compile().unwrap();
    let catalog = schemactl_introspect::introspect_scoped(&client, &scope).await.unwrap();
    let orders = &catalog.tables[&QualName::new("app", "orders")];
    assert_eq!(orders.constraints.get("orders_pkey").unwrap().columns, ["region", "id"]);
    let fk = orders.constraints.get("orders_account_fkey").unwrap();
    assert_eq!(fk.columns, ["account", "region"]);
    let target = fk.foreign.as_ref().unwrap();
    assert_eq!(target.table, QualName::new("legacy", "accounts"));
    assert_eq!(target.columns, ["id", "region"], "named by the extra query: legacy is not read");
    assert!(!catalog.tables.contains_key(&QualName::new("legacy", "accounts")));
    assert_eq!(orders.constraints.get("orders_note_check").unwrap().columns, ["note", "tableoid"]);
    let lines = &catalog.tables[&QualName::new("app", "lines")];
    let fk = lines.constraints.values().find(|c| c.foreign.is_some()).unwrap();
    assert_eq!(fk.columns, ["order_id", "order_region"]);
    assert_eq!(fk.foreign.as_ref().unwrap().columns, ["id", "region"]);
}

/// Both catalogs of a diff are in memory at once: a read keeps one copy of each column name
/// and printed type, shared by every column that spells it the same.
#[tokio::test]
async fn columns_share_their_names_and_types_across_tables() {
    let db = TestDb::new().await;
    let client = db.client().await;
    client
        .batch_execute(
            "CREATE TABLE a (id bigint, note varchar(20), made timestamptz);
             CREATE TABLE b (id bigint, note varchar(20), other varchar(30));",
        )
        .await
        .unwrap();
    let catalog = schemactl_introspect::introspect(&client).await.unwrap();
    let a = &catalog.tables[&QualName::new("public", "a")];
    let b = &catalog.tables[&QualName::new("public", "b")];
    let (a_id, b_id) = (a.column("id").unwrap(), b.column("id").unwrap());
    assert!(std::sync::Arc::ptr_eq(&a_id.name, &b_id.name), "one `id` for both tables");
    assert!(std::sync::Arc::ptr_eq(&a_id.data_type, &b_id.data_type), "one `bigint` for both");
    let (a_note, b_other) = (a.column("note").unwrap(), b.column("other").unwrap());
    assert_eq!(&*a_note.data_type, "character varying(20)");
    assert_eq!(&*b_other.data_type, "character varying(30)");
    assert!(!std::sync::Arc::ptr_eq(&a_note.data_type, &b_other.data_type));
    assert!(std::sync::Arc::ptr_eq(&a_note.data_type, &b.column("note").unwrap().data_type));
}
