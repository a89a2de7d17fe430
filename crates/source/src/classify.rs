//! Which statements belong in a schema file.
//!
//! Schema files declare the desired state: they may create and alter objects,
//! comment on them and grant on them. Statements that change data, drop
//! objects or depend on session state are refused with a reason; harmless
//! session preambles (as pg_dump writes them) are skipped.

use pg_query::protobuf::{
    self, AlterSubscriptionType, AlterTableType, ObjectType, TransactionStmtKind, VariableSetKind,
};
use pg_query::NodeEnum;

use crate::names::{string_const, strings};
use crate::walk::node_kind;

/// What to do with one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A schema statement; `transactional` is false when PostgreSQL refuses to
    /// run it inside a transaction block.
    Keep { transactional: bool },
    /// Session or transaction control that schema files may contain but that
    /// does not describe the schema (`BEGIN`, `SET statement_timeout = 0`).
    Skip,
    /// Data changes, drops and other non-declarative statements.
    NotSchema(String),
    /// Statements we refuse for another reason, given here.
    Unsupported { statement: String, reason: &'static str },
    /// `DROP ... IF EXISTS`: nothing on an empty database unless an earlier statement created
    /// what it drops (see `drops.rs`).
    DropIfExists(crate::drops::Dropped),
}

const ROLES: &str = "roles are cluster-wide: declare the roles the project manages with CREATE ROLE \
     (`[roles] manage` in schemactl.toml); leave one out to drop it";
const TABLESPACES: &str = "tablespaces are cluster-wide; schemactl references tablespaces, never creates them";
const DATABASES: &str = "schema files describe the objects inside one database, not databases";
const SEARCH_PATH: &str =
    "it changes how later statements resolve names; schema-qualify names instead (e.g. `CREATE TABLE app.users`)";

/// Classifies one top-level statement by its parse tree node.
pub(crate) fn classify(node: &NodeEnum) -> Verdict {
    use NodeEnum as N;
    let keep = Verdict::Keep { transactional: true };
    let unsupported = |reason| Verdict::Unsupported { statement: statement_name(node), reason };
    match node {
        N::CreateStmt(_)
        | N::ViewStmt(_)
        | N::CreateFunctionStmt(_)
        | N::CreateSchemaStmt(_)
        | N::CreateExtensionStmt(_)
        | N::CreateSeqStmt(_)
        | N::CreateEnumStmt(_)
        | N::CreateDomainStmt(_)
        | N::CompositeTypeStmt(_)
        | N::CreateRangeStmt(_)
        | N::CreateTrigStmt(_)
        | N::CreatePolicyStmt(_)
        | N::DefineStmt(_)
        | N::CreatePublicationStmt(_)
        | N::CreateStatsStmt(_)
        | N::CreateFdwStmt(_)
        | N::CreateForeignServerStmt(_)
        | N::CreateForeignTableStmt(_)
        | N::CreateUserMappingStmt(_)
        | N::CreateEventTrigStmt(_)
        | N::RuleStmt(_)
        | N::CreateCastStmt(_)
        | N::CreateOpClassStmt(_)
        | N::CreateOpFamilyStmt(_)
        | N::CreateConversionStmt(_)
        | N::CreateTransformStmt(_)
        | N::CreateAmStmt(_)
        | N::CreatePlangStmt(_)
        | N::AlterSeqStmt(_)
        | N::AlterEnumStmt(_)
        | N::AlterDomainStmt(_)
        | N::AlterOwnerStmt(_)
        | N::AlterObjectSchemaStmt(_)
        | N::AlterObjectDependsStmt(_)
        | N::AlterFunctionStmt(_)
        | N::AlterExtensionStmt(_)
        | N::AlterExtensionContentsStmt(_)
        | N::AlterTypeStmt(_)
        | N::AlterPolicyStmt(_)
        | N::AlterPublicationStmt(_)
        | N::AlterStatsStmt(_)
        | N::AlterFdwStmt(_)
        | N::AlterForeignServerStmt(_)
        | N::AlterUserMappingStmt(_)
        | N::AlterEventTrigStmt(_)
        | N::AlterTsdictionaryStmt(_)
        | N::AlterTsconfigurationStmt(_)
        | N::AlterCollationStmt(_)
        | N::AlterOperatorStmt(_)
        | N::AlterOpFamilyStmt(_)
        | N::CommentStmt(_)
        | N::GrantStmt(_)
        | N::AlterDefaultPrivilegesStmt(_)
        | N::SecLabelStmt(_) => keep,

        // Run in the shadow where the file has it (see `Deps::in_place`): role bootstraps
        // (`IF NOT EXISTS (SELECT FROM pg_roles ...) THEN CREATE ROLE`) and the like.
        N::DoStmt(_) => keep,
        N::DropStmt(s) if s.missing_ok => Verdict::DropIfExists(crate::drops::Dropped::of(s, statement_name(node))),

        N::IndexStmt(s) => Verdict::Keep {
            transactional: !s.concurrent,
        },
        N::AlterTableStmt(s) => Verdict::Keep {
            transactional: !detaches_concurrently(s),
        },
        // Creating the replication slot cannot happen inside a transaction
        // block; `connect = false` or `create_slot = false` avoid it.
        N::CreateSubscriptionStmt(s) => Verdict::Keep {
            transactional: s
                .options
                .iter()
                .any(|o| option_is_false(o, "connect") || option_is_false(o, "create_slot")),
        },
        // Refreshing the publication list copies data outside a transaction.
        N::AlterSubscriptionStmt(s) => Verdict::Keep {
            transactional: !matches!(
                AlterSubscriptionType::try_from(s.kind),
                Ok(AlterSubscriptionType::AlterSubscriptionRefresh
                    | AlterSubscriptionType::AlterSubscriptionSetPublication
                    | AlterSubscriptionType::AlterSubscriptionAddPublication
                    | AlterSubscriptionType::AlterSubscriptionDropPublication)
            ),
        },
        N::CreateTableAsStmt(s) => {
            if s.objtype == ObjectType::ObjectMatview as i32 {
                keep
            } else if s.is_select_into {
                Verdict::NotSchema(statement_name(node))
            } else {
                unsupported("it copies data at creation time; declare the table's columns with CREATE TABLE instead")
            }
        }

        N::TransactionStmt(s) => match TransactionStmtKind::try_from(s.kind) {
            Ok(
                TransactionStmtKind::TransStmtBegin
                | TransactionStmtKind::TransStmtStart
                | TransactionStmtKind::TransStmtCommit,
            ) => Verdict::Skip,
            _ => Verdict::NotSchema(statement_name(node)),
        },
        N::VariableSetStmt(s) => {
            if s.name.eq_ignore_ascii_case("search_path")
                && s.kind != VariableSetKind::VarResetAll as i32
            {
                unsupported(SEARCH_PATH)
            } else {
                Verdict::Skip
            }
        }
        N::SelectStmt(s) => match set_config_call(s) {
            Some(SetConfig::Harmless) => Verdict::Skip,
            Some(SetConfig::SearchPath) => unsupported(SEARCH_PATH),
            None => Verdict::NotSchema(statement_name(node)),
        },

        N::RenameStmt(_) => unsupported("desired-state files name objects directly: write the new name in the CREATE statement (schemactl plans the rename)"),
        // Desired state when the project manages roles, which the engine checks (the reader
        // does not know the project's configuration).
        N::CreateRoleStmt(_) | N::AlterRoleStmt(_) | N::AlterRoleSetStmt(_) | N::GrantRoleStmt(_) => {
            match crate::roles::refusal(node) {
                Some(reason) => unsupported(reason),
                None => keep,
            }
        }
        N::DropRoleStmt(_) => unsupported(ROLES),
        N::CreateTableSpaceStmt(_)
        | N::AlterTableSpaceOptionsStmt(_)
        | N::AlterTableMoveAllStmt(_)
        | N::DropTableSpaceStmt(_) => unsupported(TABLESPACES),
        N::CreatedbStmt(_)
        | N::AlterDatabaseStmt(_)
        | N::AlterDatabaseSetStmt(_)
        | N::AlterDatabaseRefreshCollStmt(_)
        | N::DropdbStmt(_) => unsupported(DATABASES),
        N::AlterSystemStmt(_) => unsupported("it changes the server configuration, which is not part of a database schema"),
        N::ImportForeignSchemaStmt(_) => unsupported("its result depends on the remote server; declare the foreign tables with CREATE FOREIGN TABLE instead"),

        // Data changes (INSERT, UPDATE, DELETE, MERGE, COPY, SELECT...), drops,
        // TRUNCATE, DO, VACUUM, CALL and anything else not listed above.
        _ => Verdict::NotSchema(statement_name(node)),
    }
}

/// `ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY`.
pub(crate) fn detaches_concurrently(s: &protobuf::AlterTableStmt) -> bool {
    s.cmds.iter().any(|cmd| match &cmd.node {
        Some(NodeEnum::AlterTableCmd(cmd)) if cmd.subtype == AlterTableType::AtDetachPartition as i32 => {
            matches!(cmd.def.as_deref().and_then(|d| d.node.as_ref()), Some(NodeEnum::PartitionCmd(p)) if p.concurrent)
        }
        _ => false,
    })
}

/// A `DefElem` option `name = false` (or off / 0).
pub(crate) fn option_is_false(option: &protobuf::Node, name: &str) -> bool {
    let Some(NodeEnum::DefElem(d)) = &option.node else {
        return false;
    };
    if !d.defname.eq_ignore_ascii_case(name) {
        return false;
    }
    match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
        Some(NodeEnum::String(s)) => {
            matches!(s.sval.to_lowercase().as_str(), "false" | "off" | "0")
        }
        Some(NodeEnum::Boolean(b)) => !b.boolval,
        Some(NodeEnum::Integer(i)) => i.ival == 0,
        _ => false,
    }
}

enum SetConfig {
    /// pg_dump's preamble: `SELECT pg_catalog.set_config('search_path', '', false);`
    /// and other settings.
    Harmless,
    /// `set_config('search_path', 'something', ...)`: same problem as SET search_path.
    SearchPath,
}

/// Recognizes `SELECT [pg_catalog.]set_config(...)` and nothing else.
fn set_config_call(s: &protobuf::SelectStmt) -> Option<SetConfig> {
    let plain = s.from_clause.is_empty()
        && s.into_clause.is_none()
        && s.where_clause.is_none()
        && s.with_clause.is_none()
        && s.larg.is_none()
        && s.values_lists.is_empty();
    let [target] = s.target_list.as_slice() else {
        return None;
    };
    let Some(NodeEnum::ResTarget(target)) = &target.node else {
        return None;
    };
    let Some(NodeEnum::FuncCall(call)) = target.val.as_deref().and_then(|v| v.node.as_ref()) else {
        return None;
    };
    let name = strings(&call.funcname);
    if !plain || !matches!(name.as_slice(), ["set_config"] | ["pg_catalog", "set_config"]) {
        return None;
    }
    let setting = call.args.first().and_then(string_const);
    let value = call.args.get(1).and_then(string_const);
    if setting.is_some_and(|s| s.eq_ignore_ascii_case("search_path")) && value != Some("") {
        Some(SetConfig::SearchPath)
    } else {
        Some(SetConfig::Harmless)
    }
}

/// A readable name for a statement, as its SQL starts: "INSERT", "DROP TABLE".
pub(crate) fn statement_name(node: &NodeEnum) -> String {
    use NodeEnum as N;
    let fixed = match node {
        N::InsertStmt(_) => "INSERT",
        N::UpdateStmt(_) => "UPDATE",
        N::DeleteStmt(_) => "DELETE",
        N::MergeStmt(_) => "MERGE",
        N::SelectStmt(s) if s.into_clause.is_some() => "SELECT INTO",
        N::SelectStmt(_) => "SELECT",
        N::CopyStmt(_) => "COPY",
        N::TruncateStmt(_) => "TRUNCATE",
        N::DoStmt(_) => "DO",
        N::VacuumStmt(s) if !s.is_vacuumcmd => "ANALYZE",
        N::VacuumStmt(_) => "VACUUM",
        N::CallStmt(_) => "CALL",
        N::ExplainStmt(_) => "EXPLAIN",
        N::LockStmt(_) => "LOCK",
        N::RefreshMatViewStmt(_) => "REFRESH MATERIALIZED VIEW",
        N::DeclareCursorStmt(_) => "DECLARE",
        N::FetchStmt(s) if s.ismove => "MOVE",
        N::FetchStmt(_) => "FETCH",
        N::ClosePortalStmt(_) => "CLOSE",
        N::VariableShowStmt(_) => "SHOW",
        N::ConstraintsSetStmt(_) => "SET CONSTRAINTS",
        N::CheckPointStmt(_) => "CHECKPOINT",
        N::DropOwnedStmt(_) => "DROP OWNED",
        N::ReassignOwnedStmt(_) => "REASSIGN OWNED",
        N::DropTableSpaceStmt(_) => "DROP TABLESPACE",
        N::DropUserMappingStmt(_) => "DROP USER MAPPING",
        N::DropSubscriptionStmt(_) => "DROP SUBSCRIPTION",
        N::DropRoleStmt(_) => "DROP ROLE",
        N::DropdbStmt(_) => "DROP DATABASE",
        N::CreatedbStmt(_) => "CREATE DATABASE",
        N::CreateRoleStmt(_) => "CREATE ROLE",
        N::AlterRoleStmt(_) | N::AlterRoleSetStmt(_) => "ALTER ROLE",
        N::GrantRoleStmt(s) if s.is_grant => "GRANT (role membership)",
        N::GrantRoleStmt(_) => "REVOKE (role membership)",
        N::CreateTableSpaceStmt(_) => "CREATE TABLESPACE",
        N::AlterTableSpaceOptionsStmt(_) => "ALTER TABLESPACE",
        N::AlterTableMoveAllStmt(_) => "ALTER ... SET TABLESPACE (ALL IN TABLESPACE)",
        N::AlterDatabaseStmt(_) | N::AlterDatabaseSetStmt(_) | N::AlterDatabaseRefreshCollStmt(_) => "ALTER DATABASE",
        N::AlterSystemStmt(_) => "ALTER SYSTEM",
        N::ImportForeignSchemaStmt(_) => "IMPORT FOREIGN SCHEMA",
        N::RenameStmt(_) => "ALTER ... RENAME",
        N::CreateTableAsStmt(s) if s.is_select_into => "SELECT INTO",
        N::CreateTableAsStmt(_) => "CREATE TABLE AS",
        N::DropStmt(s) => return format!("DROP {}", object_type_name(s.remove_type)),
        N::VariableSetStmt(s) if s.kind == VariableSetKind::VarReset as i32 => return format!("RESET {}", s.name),
        N::VariableSetStmt(s) => return format!("SET {}", s.name),
        N::TransactionStmt(s) => match TransactionStmtKind::try_from(s.kind) {
            Ok(TransactionStmtKind::TransStmtRollback) => "ROLLBACK",
            Ok(TransactionStmtKind::TransStmtSavepoint) => "SAVEPOINT",
            Ok(TransactionStmtKind::TransStmtRelease) => "RELEASE SAVEPOINT",
            Ok(TransactionStmtKind::TransStmtRollbackTo) => "ROLLBACK TO SAVEPOINT",
            Ok(TransactionStmtKind::TransStmtPrepare) => "PREPARE TRANSACTION",
            Ok(TransactionStmtKind::TransStmtCommitPrepared) => "COMMIT PREPARED",
            Ok(TransactionStmtKind::TransStmtRollbackPrepared) => "ROLLBACK PREPARED",
            _ => "transaction control",
        },
        _ => return words(node_kind(node).trim_end_matches("Stmt")),
    };
    fixed.to_string()
}

/// "DROP TABLE", "DROP MATERIALIZED VIEW": the SQL spelling of an object type.
fn object_type_name(object_type: i32) -> String {
    let Ok(t) = ObjectType::try_from(object_type) else {
        return String::new();
    };
    let name = t.as_str_name().trim_start_matches("OBJECT_");
    match name {
        "MATVIEW" => "MATERIALIZED VIEW",
        "FDW" => "FOREIGN DATA WRAPPER",
        "FOREIGN_SERVER" => "SERVER",
        "TSCONFIGURATION" => "TEXT SEARCH CONFIGURATION",
        "TSDICTIONARY" => "TEXT SEARCH DICTIONARY",
        "TSPARSER" => "TEXT SEARCH PARSER",
        "TSTEMPLATE" => "TEXT SEARCH TEMPLATE",
        "STATISTIC_EXT" => "STATISTICS",
        "TABCONSTRAINT" | "DOMCONSTRAINT" => "CONSTRAINT",
        "LARGEOBJECT" => "LARGE OBJECT",
        "OPCLASS" => "OPERATOR CLASS",
        "OPFAMILY" => "OPERATOR FAMILY",
        "UNDEFINED" => "",
        other => return other.replace('_', " "),
    }
    .to_string()
}

/// "CreateEventTrig" -> "CREATE EVENT TRIG": a fallback for rare statements.
fn words(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}
