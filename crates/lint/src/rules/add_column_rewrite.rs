//! `ADD COLUMN` that must write a value into every existing row: a volatile default
//! (`random()`, `gen_random_uuid()`, `clock_timestamp()`, `nextval`: each row gets its own),
//! an identity or serial column, or a stored generated column. PostgreSQL 11+ adds a column
//! with a constant or stable default (`now()`) without touching the rows.

use pg_query::protobuf::{AlterTableType, ConstrType};
use schemactl_model::HazardKind;

use crate::ast::{alter_commands, called_functions, column_constraints, column_def, constraint_type, type_name};
use crate::context::Context;
use crate::{hit, Hit, Input};

/// Built-in functions that give each row its own value.
const VOLATILE: &[&str] = &[
    "random",
    "random_normal",
    "gen_random_uuid",
    "uuidv4",
    "uuidv7",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "txid_current",
    "pg_current_xact_id",
    "gen_random_bytes",
];

/// Built-in functions that are stable or immutable: the default is computed once.
const NOT_VOLATILE: &[&str] = &[
    "now",
    "transaction_timestamp",
    "statement_timestamp",
    "current_setting",
    "timezone",
    "date_trunc",
    "make_interval",
    "make_date",
    "make_timestamp",
    "make_timestamptz",
    "to_timestamp",
    "lower",
    "upper",
    "btrim",
    "ltrim",
    "rtrim",
    "concat",
    "concat_ws",
    "left",
    "right",
    "substr",
    "replace",
    "length",
    "abs",
    "round",
    "to_jsonb",
    "to_json",
    "jsonb_build_object",
    "jsonb_build_array",
    "json_build_object",
    "json_build_array",
    "array_fill",
];

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let Some((table, commands)) = alter_commands(input.node) else { return Vec::new() };
    if context.is_new(&table) {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for (kind, cmd) in commands {
        let Some(column) = column_def(cmd).filter(|_| kind == AlterTableType::AtAddColumn) else { continue };
        let name = &column.colname;
        let Some((why, instead)) = rewrite_reason(column) else { continue };
        hits.push(hit(HazardKind::TableRewrite, format!("ADD COLUMN {name} {why}: {table} is rewritten")));
        hits.push(hit(
            HazardKind::AccessExclusiveLock,
            format!("reads and writes of {table} wait (ACCESS EXCLUSIVE) for the whole rewrite; {instead}"),
        ));
    }
    hits
}

const BACKFILL: &str = "add the column without it, backfill in batches, then set the default";

/// Why adding `column` writes every row, and what to do instead.
fn rewrite_reason(column: &pg_query::protobuf::ColumnDef) -> Option<(String, &'static str)> {
    let type_text = column.type_name.as_ref().map(type_name).unwrap_or_default();
    if matches!(type_text.as_str(), "serial" | "bigserial" | "smallserial" | "serial4" | "serial8" | "serial2") {
        return Some((format!("{type_text} numbers every existing row (its default calls nextval)"), BACKFILL));
    }
    let defaults = column.raw_default.iter().map(|d| &**d);
    let mut calls = Vec::new();
    for c in column_constraints(column) {
        match constraint_type(c) {
            Some(ConstrType::ConstrIdentity) => {
                return Some(("AS IDENTITY numbers every existing row".into(), BACKFILL));
            }
            Some(ConstrType::ConstrGenerated) if c.generated_kind != "v" => {
                let instead = "no online alternative: schedule it, or add a plain column kept by a trigger";
                return Some(("GENERATED ... STORED computes a value for every existing row".into(), instead));
            }
            Some(ConstrType::ConstrDefault) => c.raw_expr.iter().for_each(|e| called_functions(e, &mut calls)),
            _ => {}
        }
    }
    defaults.for_each(|e| called_functions(e, &mut calls));
    if let Some(f) = calls.iter().find(|f| VOLATILE.contains(&f.as_str())) {
        return Some((format!("DEFAULT {f}() is volatile and stores its own value in every existing row"), BACKFILL));
    }
    calls.iter().find(|f| !NOT_VOLATILE.contains(&f.as_str())).map(|f| {
        let why = format!(
            "DEFAULT {f}() stores a value in every existing row unless {f} is STABLE or IMMUTABLE (lint cannot see \
             its definition)"
        );
        (why, BACKFILL)
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::{AccessExclusiveLock, TableRewrite};

    fn kinds(sql: &str) -> Vec<schemactl_model::HazardKind> {
        hits("add-column-rewrite", sql).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn volatile_defaults_identity_and_stored_columns_rewrite() {
        let found = hits("add-column-rewrite", "ALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid()");
        assert_eq!(
            found[0],
            (TableRewrite, "ADD COLUMN token DEFAULT gen_random_uuid() is volatile and stores its own value in every existing row: t is rewritten".into())
        );
        assert_eq!(found[1].0, AccessExclusiveLock);
        assert!(found[1].1.ends_with("backfill in batches, then set the default"));
        for sql in [
            "ALTER TABLE t ADD COLUMN r float8 DEFAULT random() * 10",
            "ALTER TABLE t ADD COLUMN at timestamptz NOT NULL DEFAULT clock_timestamp()",
            "ALTER TABLE t ADD COLUMN n int DEFAULT nextval('s')",
            "ALTER TABLE t ADD COLUMN n bigserial",
            "ALTER TABLE t ADD COLUMN n int GENERATED ALWAYS AS IDENTITY",
            "ALTER TABLE t ADD COLUMN twice int GENERATED ALWAYS AS (n * 2) STORED",
            "ALTER TABLE t ADD COLUMN x int DEFAULT my_counter()",
        ] {
            assert_eq!(kinds(sql), [TableRewrite, AccessExclusiveLock], "{sql}");
        }
        assert!(hits("add-column-rewrite", "ALTER TABLE t ADD COLUMN x int DEFAULT my_counter()")[0]
            .1
            .contains("unless my_counter is STABLE or IMMUTABLE"));
    }

    #[test]
    fn near_misses() {
        for sql in [
            "ALTER TABLE t ADD COLUMN at timestamptz NOT NULL DEFAULT now()",
            "ALTER TABLE t ADD COLUMN flag boolean NOT NULL DEFAULT false",
            "ALTER TABLE t ADD COLUMN note text",
            "ALTER TABLE t ADD COLUMN day date DEFAULT CURRENT_DATE",
            "CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid()",
        ] {
            assert!(kinds(sql).is_empty(), "{sql}");
        }
    }
}
