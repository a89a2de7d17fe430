//! Each online rewrite: its statements, their order, and their hazards; and what stays plain.

use super::KeyDefinition;
use crate::step::HazardKind;
use crate::{plan_with, render_sql, Plan, PlanOptions, Timeouts};
use schemactl_model::{Catalog, Column, Constraint, ConstraintKind, ForeignKeyTarget, Index, QualName, Table};
use std::time::Duration;

fn column(name: &str, data_type: &str, not_null: bool) -> Column {
    Column {
        name: name.into(),
        data_type: data_type.into(),
        base_type: data_type.into(),
        type_ref: None,
        collation: None,
        not_null,
        default: None,
        default_sequences: vec![],
        identity: None,
        generated: None,
        comment: None,
        local: true,
        inherited: false,
        generated_virtual: false,
        not_null_name: None,
        not_null_not_valid: false,
        not_null_no_inherit: false,
    }
}

fn table(name: &str, columns: Vec<Column>) -> Table {
    Table {
        name: QualName::new("public", name),
        unlogged: false,
        row_security: false,
        force_row_security: false,
        columns,
        constraints: Default::default(),
        indexes: Default::default(),
        comment: None,
        partition_by: None,
        partition_of: None,
        inherits: vec![],
    }
}

fn items(note_not_null: bool) -> Table {
    table(
        "items",
        vec![column("id", "bigint", true), column("note", "text", note_not_null), column("code", "text", false)],
    )
}

fn index(table: &str, name: &str, columns: &str) -> Index {
    Index {
        name: name.into(),
        definition: format!("CREATE INDEX {name} ON public.{table} USING btree ({columns})"),
        unique: false,
        comment: None,
        inherited: false,
        valid: true,
    }
}

fn constraint(name: &str, kind: ConstraintKind, definition: &str, columns: &[&str]) -> Constraint {
    Constraint {
        name: name.into(),
        kind,
        definition: definition.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        foreign: None,
        validated: true,
        comment: None,
        inherited: false,
    }
}

fn catalog(tables: Vec<Table>) -> Catalog {
    let mut catalog = Catalog::default();
    for t in tables {
        catalog.tables.insert(t.name.clone(), t);
    }
    catalog
}

fn with_index(mut t: Table, i: Index) -> Table {
    t.indexes.insert(i.name.clone(), i);
    t
}

fn with_constraint(mut t: Table, c: Constraint) -> Table {
    t.constraints.insert(c.name.clone(), c);
    t
}

fn online(from: &Catalog, to: &Catalog) -> Plan {
    plan_with(from, to, &PlanOptions::default()).unwrap()
}

fn statements(plan: &Plan) -> Vec<&str> {
    plan.steps.iter().map(|s| s.sql.as_str()).collect()
}

fn kinds(plan: &Plan, i: usize) -> Vec<HazardKind> {
    plan.steps[i].hazards.iter().map(|h| h.kind).collect()
}

#[test]
fn an_index_on_an_existing_table_is_built_concurrently_outside_a_transaction() {
    let from = catalog(vec![items(false)]);
    let to = catalog(vec![with_index(items(false), index("items", "items_note_idx", "note"))]);
    let plan = online(&from, &to);
    assert_eq!(statements(&plan), ["CREATE INDEX CONCURRENTLY items_note_idx ON public.items USING btree (note)"]);
    assert!(!plan.steps[0].transactional);
    assert_eq!(kinds(&plan, 0), [HazardKind::IndexBuild, HazardKind::NonTransactional]);
    assert!(plan.steps[0].hazards[0].message.contains("writes continue"), "{:?}", plan.steps[0].hazards);

    let offline = plan_with(&from, &to, &PlanOptions::offline()).unwrap();
    assert_eq!(statements(&offline), ["CREATE INDEX items_note_idx ON public.items USING btree (note)"]);
    assert!(offline.steps[0].transactional);
    assert_eq!(kinds(&offline, 0), [HazardKind::IndexBuild]);
}

#[test]
fn new_tables_get_plain_ddl() {
    let to = catalog(vec![with_index(items(true), index("items", "items_note_idx", "note"))]);
    let plan = online(&Catalog::default(), &to);
    assert!(plan.steps.iter().all(|s| s.transactional && !s.sql.contains("CONCURRENTLY")), "{:?}", statements(&plan));
}

#[test]
fn a_dropped_index_goes_concurrently() {
    let from = catalog(vec![with_index(items(false), index("items", "items_note_idx", "note"))]);
    let to = catalog(vec![items(false)]);
    let plan = online(&from, &to);
    assert_eq!(statements(&plan), ["DROP INDEX CONCURRENTLY public.items_note_idx"]);
    assert!(!plan.steps[0].transactional);
    assert_eq!(kinds(&plan, 0), [HazardKind::NonTransactional]);
}

#[test]
fn a_changed_index_is_built_anew_then_swapped() {
    let from = catalog(vec![with_index(items(false), index("items", "items_note_idx", "note"))]);
    let to = catalog(vec![with_index(items(false), index("items", "items_note_idx", "note, id"))]);
    let plan = online(&from, &to);
    assert_eq!(
        statements(&plan),
        [
            "CREATE INDEX CONCURRENTLY items_note_idx_ccnew ON public.items USING btree (note, id)",
            "DROP INDEX CONCURRENTLY public.items_note_idx",
            "ALTER INDEX public.items_note_idx_ccnew RENAME TO items_note_idx",
        ]
    );
    assert_eq!(plan.steps.iter().map(|s| s.transactional).collect::<Vec<_>>(), [false, false, true]);
}

#[test]
fn the_temporary_name_avoids_names_in_use() {
    let taken = index("items", "items_note_idx_ccnew", "code");
    let from =
        catalog(vec![with_index(with_index(items(false), index("items", "items_note_idx", "note")), taken.clone())]);
    let to = catalog(vec![with_index(with_index(items(false), index("items", "items_note_idx", "note, id")), taken)]);
    let plan = online(&from, &to);
    assert!(
        plan.steps[0].sql.starts_with("CREATE INDEX CONCURRENTLY items_note_idx_ccnew2 ON"),
        "{:?}",
        statements(&plan)
    );
}

#[test]
fn an_invalid_index_is_dropped_and_built_again() {
    let mut broken = index("items", "items_note_idx", "note");
    broken.valid = false;
    let from = catalog(vec![with_index(items(false), broken)]);
    let to = catalog(vec![with_index(items(false), index("items", "items_note_idx", "note"))]);
    let plan = online(&from, &to);
    assert_eq!(
        statements(&plan),
        [
            "DROP INDEX CONCURRENTLY public.items_note_idx",
            "CREATE INDEX CONCURRENTLY items_note_idx ON public.items USING btree (note)",
        ]
    );
}

#[test]
fn foreign_keys_and_checks_are_added_not_valid_then_validated() {
    let users = table("users", vec![column("id", "bigint", true)]);
    let users =
        with_constraint(users, constraint("users_pkey", ConstraintKind::PrimaryKey, "PRIMARY KEY (id)", &["id"]));
    let mut fk = constraint(
        "items_id_fkey",
        ConstraintKind::ForeignKey,
        "FOREIGN KEY (id) REFERENCES public.users(id)",
        &["id"],
    );
    fk.foreign = Some(Box::new(ForeignKeyTarget {
        table: QualName::new("public", "users"),
        columns: vec!["id".into()],
        key: Some("users_pkey".into()),
    }));
    let check = constraint("items_note_check", ConstraintKind::Check, "CHECK ((note <> ''::text))", &["note"]);
    let from = catalog(vec![items(false), users.clone()]);
    let to = catalog(vec![with_constraint(with_constraint(items(false), fk), check), users]);
    let plan = online(&from, &to);
    assert_eq!(
        statements(&plan),
        [
            "ALTER TABLE public.items ADD CONSTRAINT items_note_check CHECK ((note <> ''::text)) NOT VALID",
            "ALTER TABLE public.items VALIDATE CONSTRAINT items_note_check",
            "ALTER TABLE public.items ADD CONSTRAINT items_id_fkey FOREIGN KEY (id) REFERENCES public.users(id) NOT VALID",
            "ALTER TABLE public.items VALIDATE CONSTRAINT items_id_fkey",
        ]
    );
    assert_eq!(kinds(&plan, 0), []);
    assert_eq!(kinds(&plan, 1), [HazardKind::ValidationScan]);
    assert!(plan.steps[1].hazards[0].message.contains("writes continue"));

    let offline = plan_with(&from, &to, &PlanOptions::offline()).unwrap();
    assert_eq!(offline.steps.len(), 2);
    assert_eq!(kinds(&offline, 0), [HazardKind::ValidationScan, HazardKind::AccessExclusiveLock]);
}

#[test]
fn set_not_null_goes_through_a_validated_check() {
    let plan = online(&catalog(vec![items(false)]), &catalog(vec![items(true)]));
    assert_eq!(
        statements(&plan),
        [
            "ALTER TABLE public.items ADD CONSTRAINT items_note_nn_tmp CHECK (note IS NOT NULL) NOT VALID",
            "ALTER TABLE public.items VALIDATE CONSTRAINT items_note_nn_tmp",
            "ALTER TABLE public.items ALTER COLUMN note SET NOT NULL",
            "ALTER TABLE public.items DROP CONSTRAINT items_note_nn_tmp",
        ]
    );
    assert_eq!(kinds(&plan, 1), [HazardKind::ValidationScan]);
    assert_eq!(kinds(&plan, 2), [], "the scan is skipped thanks to the validated check");

    let offline =
        plan_with(&catalog(vec![items(false)]), &catalog(vec![items(true)]), &PlanOptions::offline()).unwrap();
    assert_eq!(statements(&offline), ["ALTER TABLE public.items ALTER COLUMN note SET NOT NULL"]);
    assert_eq!(kinds(&offline, 0), [HazardKind::ValidationScan, HazardKind::AccessExclusiveLock]);
}

#[test]
fn unique_and_primary_keys_are_made_from_an_index_built_concurrently() {
    let unique = constraint("items_code_key", ConstraintKind::Unique, "UNIQUE (code)", &["code"]);
    let from = catalog(vec![items(false)]);
    let to = catalog(vec![with_constraint(items(false), unique)]);
    let plan = online(&from, &to);
    assert_eq!(
        statements(&plan),
        [
            "CREATE UNIQUE INDEX CONCURRENTLY items_code_key ON public.items USING btree (code)",
            "ALTER TABLE public.items ADD CONSTRAINT items_code_key UNIQUE USING INDEX items_code_key",
        ]
    );
    assert_eq!(kinds(&plan, 0), [HazardKind::IndexBuild, HazardKind::NonTransactional]);

    // The key's column becomes NOT NULL (through the check) before the key uses the index.
    let mut before = items(false);
    before.columns[0].not_null = false;
    let pkey = constraint("items_pkey", ConstraintKind::PrimaryKey, "PRIMARY KEY (id) DEFERRABLE", &["id"]);
    let plan = online(&catalog(vec![before]), &catalog(vec![with_constraint(items(false), pkey)]));
    let sql = statements(&plan);
    let position =
        |needle: &str| sql.iter().position(|s| s.contains(needle)).unwrap_or_else(|| panic!("{needle}: {sql:?}"));
    assert!(
        position("SET NOT NULL") < position("ADD CONSTRAINT items_pkey PRIMARY KEY USING INDEX items_pkey DEFERRABLE")
    );
    assert!(position("CREATE UNIQUE INDEX CONCURRENTLY items_pkey") < position("USING INDEX items_pkey"));
}

#[test]
fn key_definitions_are_read_exactly_or_left_alone() {
    let key = KeyDefinition::parse(
        "UNIQUE NULLS NOT DISTINCT (a, \"b)\") INCLUDE (c) WITH (fillfactor='70') DEFERRABLE INITIALLY DEFERRED",
    )
    .unwrap();
    assert_eq!(
        (key.kind, key.nulls_not_distinct, key.columns, key.include, key.with, key.deferrable),
        ("UNIQUE", true, "(a, \"b)\")", Some("(c)"), Some("(fillfactor='70')"), " DEFERRABLE INITIALLY DEFERRED")
    );
    assert!(KeyDefinition::parse("UNIQUE (a) USING INDEX TABLESPACE fast").is_none());
    assert!(KeyDefinition::parse("EXCLUDE USING gist (a WITH &&)").is_none());
}

#[test]
fn partitioned_tables_keep_plain_ddl() {
    let mut parent = items(false);
    parent.partition_by = Some("RANGE (id)".into());
    let plan = online(
        &catalog(vec![parent.clone()]),
        &catalog(vec![with_index(parent, index("items", "items_note_idx", "note"))]),
    );
    assert_eq!(statements(&plan), ["CREATE INDEX items_note_idx ON public.items USING btree (note)"]);
}

#[test]
fn the_script_sets_timeouts_and_raises_them_around_long_steps_only() {
    let from = catalog(vec![items(false)]);
    let to = catalog(vec![with_index(items(true), index("items", "items_note_idx", "note"))]);
    let timeouts = Timeouts {
        lock: Duration::from_secs(5),
        statement: Duration::from_secs(60),
        long_statement: Duration::from_secs(3600),
    };
    let plan = plan_with(&from, &to, &PlanOptions { online: true, timeouts: Some(timeouts) }).unwrap();
    let sql = render_sql(&plan);
    let lines: Vec<&str> = sql.lines().filter(|l| !l.is_empty() && !l.starts_with("--")).collect();
    assert_eq!(
        lines,
        [
            "SET lock_timeout = '5s';",
            "SET statement_timeout = '1min';",
            "ALTER TABLE public.items ADD CONSTRAINT items_note_nn_tmp CHECK (note IS NOT NULL) NOT VALID;",
            "SET statement_timeout = '1h';",
            "ALTER TABLE public.items VALIDATE CONSTRAINT items_note_nn_tmp;",
            "SET statement_timeout = '1min';",
            "ALTER TABLE public.items ALTER COLUMN note SET NOT NULL;",
            "ALTER TABLE public.items DROP CONSTRAINT items_note_nn_tmp;",
            "SET statement_timeout = '1h';",
            "CREATE INDEX CONCURRENTLY items_note_idx ON public.items USING btree (note);",
        ]
    );
    // Without timeouts in the options, the script sets nothing; an empty plan is empty.
    assert!(!render_sql(&online(&from, &to)).lines().any(|l| l.starts_with("SET ")));
    let same = plan_with(&from, &from, &PlanOptions { online: true, timeouts: Some(timeouts) }).unwrap();
    assert_eq!(render_sql(&same), "");
}
