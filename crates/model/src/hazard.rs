//! Hazard kinds: what can go wrong when a statement runs against a live database. Plans attach
//! them to steps, lint finds them in hand-written SQL, revisions record them, and `plan` and
//! `apply` refuse the ones a project or environment does not allow.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HazardKind {
    /// Rows or values are deleted or may not survive (drops, narrowing type changes, enum
    /// value removal, unqualified DELETE/UPDATE/TRUNCATE).
    DataLoss,
    /// The table is rewritten (every row copied) while it is locked.
    TableRewrite,
    /// An ACCESS EXCLUSIVE lock (reads and writes wait) held for a time that grows with the table.
    AccessExclusiveLock,
    /// An index is built; without CONCURRENTLY, writes to the table wait until it is done.
    IndexBuild,
    /// Existing rows are scanned to validate a constraint.
    ValidationScan,
    /// Privileges change: roles gain or lose access.
    AuthorizationChange,
    /// The object is used in ways PostgreSQL does not track (function bodies): dependents may
    /// break at run time rather than at migration time.
    UntrackableDependencies,
    /// The statement cannot run in a transaction: if it fails, what it did so far stays.
    NonTransactional,
}

impl HazardKind {
    pub const ALL: [HazardKind; 8] = [
        HazardKind::DataLoss,
        HazardKind::TableRewrite,
        HazardKind::AccessExclusiveLock,
        HazardKind::IndexBuild,
        HazardKind::ValidationScan,
        HazardKind::AuthorizationChange,
        HazardKind::UntrackableDependencies,
        HazardKind::NonTransactional,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HazardKind::DataLoss => "data-loss",
            HazardKind::TableRewrite => "table-rewrite",
            HazardKind::AccessExclusiveLock => "access-exclusive-lock",
            HazardKind::IndexBuild => "index-build",
            HazardKind::ValidationScan => "validation-scan",
            HazardKind::AuthorizationChange => "authorization-change",
            HazardKind::UntrackableDependencies => "untrackable-dependencies",
            HazardKind::NonTransactional => "non-transactional",
        }
    }

    /// One sentence for reviewers: what the hazard means in production.
    pub fn explanation(self) -> &'static str {
        match self {
            HazardKind::DataLoss => {
                "rows or values are deleted, or may not fit the new definition; a backup is the only undo"
            }
            HazardKind::TableRewrite => {
                "every row is copied into a new table file while the table is locked; time and disk grow with the table"
            }
            HazardKind::AccessExclusiveLock => {
                "reads and writes on the table wait for the whole statement, which takes longer as the table grows"
            }
            HazardKind::IndexBuild => {
                "an index is built from every row; without CONCURRENTLY, writes wait until it is done"
            }
            HazardKind::ValidationScan => "every existing row is read to check a constraint",
            HazardKind::AuthorizationChange => "roles gain or lose access; check it is intended",
            HazardKind::UntrackableDependencies => {
                "function bodies may use the object without PostgreSQL knowing; they break when called, not now"
            }
            HazardKind::NonTransactional => {
                "runs outside a transaction: a failure leaves its partial work (schemactl records and resumes it)"
            }
        }
    }
}

impl fmt::Display for HazardKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HazardKind {
    type Err = String;

    fn from_str(text: &str) -> Result<HazardKind, String> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        HazardKind::ALL.into_iter().find(|k| k.as_str() == wanted).ok_or_else(|| {
            let known: Vec<&str> = HazardKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("unknown hazard kind `{text}` (one of: {})", known.join(", "))
        })
    }
}

/// What `ALTER COLUMN ... TYPE` does to a column's stored values. Plan (which knows the old
/// type) and lint (which does not) both take their verdict from [`type_change_hazards`]; apply
/// leaves lint's worst case to a planned revision's header, so the two cannot disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeChange {
    /// PostgreSQL copies every row into a new file and rebuilds the column's indexes, holding
    /// ACCESS EXCLUSIVE throughout. False only for the binary-coercible changes below, where
    /// the catalog alone changes (proven by `tests/e2e/security/hazards.rs`: relfilenode kept).
    pub rewrite: bool,
    /// Every existing value converts unchanged.
    pub keeps_values: bool,
}

impl TypeChange {
    /// Between two `format_type` texts of base types (domains resolved by the caller; see
    /// [`type_change_hazards`]).
    pub fn between(old: &str, new: &str) -> TypeChange {
        TypeChange { rewrite: !binary_coercible(old, new), keeps_values: widens(old, new) }
    }
}

/// Conversions between different base types that never lose a value (new type unmodified).
const WIDENINGS: &[(&str, &str)] = &[
    ("smallint", "integer"),
    ("smallint", "bigint"),
    ("integer", "bigint"),
    ("smallint", "numeric"),
    ("integer", "numeric"),
    ("bigint", "numeric"),
    ("smallint", "real"),
    ("smallint", "double precision"),
    ("integer", "double precision"),
    ("real", "double precision"),
    ("character varying", "text"),
    ("text", "character varying"),
    ("smallint", "text"),
    ("integer", "text"),
    ("bigint", "text"),
    ("numeric", "text"),
    ("date", "timestamp without time zone"),
    ("cidr", "inet"),
    ("character", "bpchar"),
];

/// Base types whose values PostgreSQL relabels without touching the table or its indexes
/// (`pg_cast.castmethod = 'b'` and the same default btree operator class), new type
/// unmodified. Casts that are binary but change the operator class (`integer` to `oid`,
/// `text` to `bpchar`) keep the table but rebuild its indexes, and a change of collation
/// rebuilds them too: those count as rewrites.
const RELABELS: &[(&str, &str)] = &[
    ("character varying", "text"),
    ("text", "character varying"),
    ("cidr", "inet"),
    // char(n) to unconstrained char: `format_type` prints the latter as `bpchar`.
    ("character", "bpchar"),
];

/// Types whose modifier PostgreSQL drops or widens without a rewrite (their length coercion
/// has a planner support function that proves it a no-op): `varchar_support`,
/// `numeric_support`, `varbit_support`, and the temporal and interval ones.
const WIDENABLE: &[&str] = &[
    "character varying",
    "numeric",
    "bit varying",
    "timestamp without time zone",
    "timestamp with time zone",
    "time without time zone",
    "time with time zone",
    "interval",
];

/// True when `ALTER COLUMN ... TYPE new` leaves the table file and the column's indexes as
/// they are. Arrays are always converted element by element (a rewrite), and so is any
/// change not listed here: when unsure, the answer is "rewrite".
pub fn binary_coercible(old: &str, new: &str) -> bool {
    if old == new {
        return true;
    }
    if old.ends_with("[]") || new.ends_with("[]") {
        return false;
    }
    // Unconstrained `interval` takes any fields and precision (`interval_support`).
    if new == "interval" && (old == "interval" || old.starts_with("interval ") || old.starts_with("interval(")) {
        return true;
    }
    let ((old_base, old_mod), (new_base, new_mod)) = (split_modifier(old), split_modifier(new));
    if old_base != new_base {
        return new_mod.is_none() && RELABELS.contains(&(old_base.as_str(), new_base.as_str()));
    }
    // `interval day to second(3)` splits into fields and precision; equal bases have equal fields.
    if !WIDENABLE.contains(&old_base.as_str()) && !old_base.starts_with("interval ") {
        return false;
    }
    match (old_mod, new_mod) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(o), Some(n)) => match old_base.as_str() {
            // numeric(p, s): only the precision may grow; another scale rescales every value.
            "numeric" => match (numbers(o).as_deref(), numbers(n).as_deref()) {
                (Some([p, rest @ ..]), Some([p2, rest2 @ ..])) => {
                    rest.first().copied().unwrap_or(0) == rest2.first().copied().unwrap_or(0) && p2 >= p
                }
                _ => false,
            },
            // Lengths and precisions: only growing is free.
            _ => matches!((numbers(o).as_deref(), numbers(n).as_deref()), (Some([o]), Some([n])) if n >= o),
        },
    }
}

/// True when every value of `old` survives the change to `new` unchanged: a longer
/// `varchar`, a bigger integer, a wider `numeric`, anything numeric to `text`... Compares
/// `format_type` texts: `character varying(20)`, `numeric(10,2)`, `integer[]`,
/// `timestamp(3) without time zone`.
pub fn widens(old: &str, new: &str) -> bool {
    if old == new {
        return true;
    }
    match (old.strip_suffix("[]"), new.strip_suffix("[]")) {
        (Some(o), Some(n)) => return widens(o, n),
        (None, None) => {}
        _ => return false,
    }
    if new == "interval" && old.starts_with("interval") {
        return true;
    }
    let ((old_base, old_mod), (new_base, new_mod)) = (split_modifier(old), split_modifier(new));
    if old_base == new_base {
        return match (old_mod, new_mod) {
            // `bit` without a length is bit(1), not "any length".
            (_, None) => old_base != "bit",
            (None, Some(_)) => false,
            (Some(o), Some(n)) => modifier_widens(&old_base, o, n),
        };
    }
    new_mod.is_none() && WIDENINGS.contains(&(old_base.as_str(), new_base.as_str()))
}

/// The type without its modifier, and the modifier: `timestamp(3) without time zone` reads
/// `("timestamp without time zone", Some("3"))`.
fn split_modifier(text: &str) -> (String, Option<&str>) {
    match (text.find('('), text.find(')')) {
        (Some(open), Some(close)) if open < close => {
            (format!("{}{}", &text[..open], &text[close + 1..]), Some(&text[open + 1..close]))
        }
        _ => (text.to_string(), None),
    }
}

fn numbers(modifier: &str) -> Option<Vec<i64>> {
    modifier.split(',').map(|p| p.trim().parse::<i64>().ok()).collect()
}

fn modifier_widens(base: &str, old: &str, new: &str) -> bool {
    let (Some(o), Some(n)) = (numbers(old), numbers(new)) else { return false };
    match (base, o.as_slice(), n.as_slice()) {
        // Fixed-length bit strings are padded or cut: any change alters values.
        ("bit", _, _) => false,
        // numeric(p, s): as many digits before and after the point.
        ("numeric", [p, rest @ ..], [p2, rest2 @ ..]) => {
            let (s, s2) = (rest.first().copied().unwrap_or(0), rest2.first().copied().unwrap_or(0));
            s2 >= s && p2 - s2 >= p - s
        }
        // Lengths and precisions: varchar(n), char(n), varbit(n), timestamp(p), time(p).
        (_, [o], [n]) => n >= o,
        _ => false,
    }
}

/// What lint can tell from `ALTER COLUMN ... TYPE` alone, and what the planner knows.
#[derive(Clone, Copy, Debug)]
pub enum OldType<'a> {
    /// The planner's case: the old type as the catalog prints it (for messages), and what the
    /// change does, computed by the caller from base types (a `USING` expression, a domain
    /// with constraints or a new collation make it a rewrite).
    Known { old: &'a str, change: TypeChange },
    /// Lint reads SQL only: the old type may be anything.
    Unknown { table: &'a str, using: bool },
}

/// The hazards of changing the type of `column` to `new`. The one place that decides them:
/// `plan` calls it with the old type it sees, lint (and so `apply` and `reseal`) without.
pub fn type_change_hazards(column: &str, new: &str, old: OldType<'_>) -> Vec<(HazardKind, String)> {
    let mut hazards = Vec::new();
    match old {
        OldType::Known { old, change } => {
            if change.rewrite {
                hazards
                    .push((HazardKind::TableRewrite, format!("changing the type of {column} may rewrite the table")));
                hazards.push((
                    HazardKind::AccessExclusiveLock,
                    format!("ALTER COLUMN TYPE holds an ACCESS EXCLUSIVE lock while it converts {column}"),
                ));
            }
            if !change.keeps_values {
                hazards.push((
                    HazardKind::DataLoss,
                    format!("{old} -> {new} is not a widening: values may be refused, cut or rounded"),
                ));
            }
        }
        OldType::Unknown { table, using } => {
            hazards.push((
                HazardKind::TableRewrite,
                format!(
                    "ALTER COLUMN {column} TYPE {new} rewrites {table} and its indexes, unless the change is a \
                     binary-coercible widening such as varchar(n) to text (lint cannot see the old type)"
                ),
            ));
            hazards.push((
                HazardKind::AccessExclusiveLock,
                format!("reads and writes of {table} wait (ACCESS EXCLUSIVE) while {column} is converted"),
            ));
            // Every value has a text form, so an unconstrained string type takes any old one.
            let takes_anything = matches!(new, "text" | "varchar" | "character varying" | "pg_catalog.text");
            if using || !takes_anything {
                hazards.push((
                    HazardKind::DataLoss,
                    format!(
                        "values of {column} may not fit {new}: narrower types fail, and conversions (or a USING \
                         expression) may round or truncate them"
                    ),
                ));
            }
        }
    }
    hazards
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in HazardKind::ALL {
            assert_eq!(kind.as_str().parse::<HazardKind>(), Ok(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        assert_eq!("INDEX_BUILD".parse::<HazardKind>(), Ok(HazardKind::IndexBuild));
        assert!("lockdown".parse::<HazardKind>().unwrap_err().contains("one of: data-loss"));
    }

    /// Each pair was checked on PostgreSQL 15 by comparing the table's and its index's
    /// relfilenode before and after the ALTER (`tests/e2e/security/hazards.rs` does it end to end).
    #[test]
    fn binary_coercible_changes_keep_the_table() {
        for (old, new) in [
            ("character varying(50)", "character varying(100)"),
            ("character varying(50)", "character varying"),
            ("character varying(100)", "text"),
            ("character varying", "text"),
            ("text", "character varying"),
            ("numeric(10,2)", "numeric(12,2)"),
            ("numeric(10,2)", "numeric"),
            ("bit varying(5)", "bit varying(10)"),
            ("bit varying(5)", "bit varying"),
            ("timestamp(0) without time zone", "timestamp(3) without time zone"),
            ("timestamp(3) without time zone", "timestamp without time zone"),
            ("timestamp(0) with time zone", "timestamp(3) with time zone"),
            ("time(0) without time zone", "time(3) without time zone"),
            ("time(3) with time zone", "time with time zone"),
            ("interval(0)", "interval(3)"),
            ("interval day to second(3)", "interval day to second(5)"),
            ("interval second(3)", "interval"),
            ("interval day", "interval"),
            ("cidr", "inet"),
            ("character(5)", "bpchar"),
            ("integer", "integer"),
        ] {
            assert!(binary_coercible(old, new), "{old} -> {new}");
            assert!(widens(old, new), "{old} -> {new} keeps values");
        }
    }

    #[test]
    fn everything_else_rewrites() {
        for (old, new) in [
            ("character varying(100)", "character varying(10)"),
            ("text", "character varying(10)"),
            ("numeric(10,2)", "numeric(12,4)"),
            ("numeric(12,2)", "numeric(10,2)"),
            ("numeric", "numeric(10,2)"),
            ("character(5)", "character(10)"),
            ("character(5)", "text"),
            ("timestamp(3) without time zone", "timestamp(0) without time zone"),
            ("interval(3)", "interval(1)"),
            ("interval", "interval day"),
            ("inet", "cidr"),
            ("integer", "bigint"),
            ("integer", "oid"),
            ("text", "bpchar"),
            ("timestamp without time zone", "timestamp with time zone"),
            ("character varying(10)[]", "character varying(20)[]"),
            ("character varying[]", "text[]"),
            ("bit(4)", "bit varying(8)"),
        ] {
            assert!(!binary_coercible(old, new), "{old} -> {new}");
        }
    }

    #[test]
    fn known_widenings_keep_values() {
        for (old, new) in [
            ("character varying(20)", "character varying(40)"),
            ("character varying(20)", "character varying"),
            ("character varying(20)", "text"),
            ("integer", "bigint"),
            ("smallint", "integer"),
            ("numeric(10,2)", "numeric(12,2)"),
            ("numeric(10,2)", "numeric(12,4)"),
            ("numeric(10,2)", "numeric"),
            ("integer[]", "bigint[]"),
            ("timestamp(0) without time zone", "timestamp(3) without time zone"),
            ("integer", "text"),
            ("text", "text"),
        ] {
            assert!(widens(old, new), "{old} -> {new}");
        }
    }

    #[test]
    fn anything_else_may_lose_data() {
        for (old, new) in [
            ("character varying(40)", "character varying(20)"),
            ("text", "character varying(20)"),
            ("bigint", "integer"),
            ("numeric(12,2)", "numeric(10,2)"),
            ("numeric(10,2)", "numeric(10,4)"),
            ("numeric", "numeric(10,2)"),
            ("text", "integer"),
            ("double precision", "real"),
            ("integer", "integer[]"),
            ("bit(4)", "bit(8)"),
            ("timestamp without time zone", "timestamp with time zone"),
        ] {
            assert!(!widens(old, new), "{old} -> {new}");
        }
    }

    #[test]
    fn one_verdict_for_plan_and_lint() {
        let kinds = |h: Vec<(HazardKind, String)>| h.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
        let coercible = TypeChange::between("character varying(50)", "character varying(100)");
        assert!(type_change_hazards(
            "username",
            "character varying(100)",
            OldType::Known { old: "character varying(50)", change: coercible }
        )
        .is_empty());
        let narrowing = TypeChange::between("character varying(100)", "character varying(10)");
        assert_eq!(
            kinds(type_change_hazards(
                "username",
                "character varying(10)",
                OldType::Known { old: "character varying(100)", change: narrowing }
            )),
            [HazardKind::TableRewrite, HazardKind::AccessExclusiveLock, HazardKind::DataLoss]
        );
        let bigger = TypeChange::between("integer", "bigint");
        assert_eq!(
            kinds(type_change_hazards("id", "bigint", OldType::Known { old: "integer", change: bigger })),
            [HazardKind::TableRewrite, HazardKind::AccessExclusiveLock]
        );
        // Lint, not seeing the old type, assumes the worst it can: any value fits text.
        let unknown = |using| OldType::Unknown { table: "t", using };
        assert_eq!(
            kinds(type_change_hazards("username", "text", unknown(false))),
            [HazardKind::TableRewrite, HazardKind::AccessExclusiveLock]
        );
        assert_eq!(kinds(type_change_hazards("username", "text", unknown(true))).len(), 3);
        assert_eq!(kinds(type_change_hazards("username", "varchar(20)", unknown(false))).len(), 3);
    }
}
