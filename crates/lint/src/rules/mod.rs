//! The rules, one per file. Each is a small function over one parsed statement and the
//! context of the script before it, returning the hazards it finds (none for statements it
//! does not know). Rules never see the database: they say what a statement does to an
//! existing table of any size.

mod add_column_rewrite;
mod add_constraint;
mod alter_column_type;
mod create_index;
mod do_block;
mod drop_column;
mod drop_index;
mod drop_object;
mod non_transactional;
mod privileges;
mod reindex;
mod rewrite_table;
mod routine_change;
mod set_not_null;
mod truncate;
mod validate_constraint;
mod whole_table_dml;

use crate::context::Context;
use crate::{Hit, Input};

pub(crate) type Check = fn(&Input<'_>, &Context) -> Vec<Hit>;

/// Every rule with its name, in the order findings of one statement are listed.
pub(crate) const RULES: &[(&str, Check)] = &[
    ("drop-object", drop_object::check),
    ("drop-column", drop_column::check),
    ("truncate", truncate::check),
    ("whole-table-dml", whole_table_dml::check),
    ("alter-column-type", alter_column_type::check),
    ("add-column-rewrite", add_column_rewrite::check),
    ("set-not-null", set_not_null::check),
    ("add-constraint", add_constraint::check),
    ("validate-constraint", validate_constraint::check),
    ("create-index", create_index::check),
    ("drop-index", drop_index::check),
    ("reindex", reindex::check),
    ("rewrite-table", rewrite_table::check),
    ("privileges", privileges::check),
    ("routine-change", routine_change::check),
    ("non-transactional", non_transactional::check),
];

pub(crate) type Advise = fn(&Input<'_>) -> Option<String>;

/// Rules for desired-state files (schema/), which the shadow loads rather than a database
/// runs: what they find is advice, not a hazard.
pub(crate) const DESIRED_STATE_RULES: &[(&str, Advise)] = &[("do-block", do_block::check)];

/// Tests of one rule: the hazards and messages it reports for the last statement of a script
/// (earlier statements set up the context).
#[cfg(test)]
pub(crate) fn hits(rule: &str, script: &str) -> Vec<(schemactl_model::HazardKind, String)> {
    let file = std::path::Path::new("t.sql");
    let statements = schemactl_source::split_script(file, script).expect("split");
    let last = statements.last().map(|s| (s.line, s.column));
    crate::lint_statements(&statements)
        .expect("lint")
        .into_iter()
        .filter(|f| f.rule == rule && Some((f.line, f.column)) == last)
        .map(|f| (f.hazard, f.message))
        .collect()
}
