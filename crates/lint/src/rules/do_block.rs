//! `DO` blocks in desired-state files. The shadow runs one where it stands, so whatever it
//! creates or changes reaches the plan, but the file shows only procedural code: a reviewer
//! cannot read the declared state from it, and its effects may depend on what it finds (a
//! loop over the catalog, an `IF NOT EXISTS`). Not a hazard: nothing of it runs on a live
//! database as written; the plan holds what it produced.

use pg_query::NodeEnum;

use crate::Input;

pub(crate) fn check(input: &Input<'_>) -> Option<String> {
    matches!(input.node, NodeEnum::DoStmt(_)).then(|| {
        "a DO block in a schema file: what it creates cannot be reviewed as declared state; write the \
         objects it makes as declarative statements (CREATE ..., GRANT ..., COMMENT ON ...)"
            .to_string()
    })
}
