//! Plan steps -> SQL files: each statement filed under the object it is about, objects in
//! section order (schema, types, sequences, tables, views, functions...), each object's
//! statements in reading order (a table, then its indexes, keys, triggers, policies, comments,
//! grants), in the plan's order within each kind.

use std::collections::BTreeMap;
use std::path::PathBuf;

use schemactl_plan::{Action, Step};

use crate::layout::{Layout, Place, Places, Section};

/// Statements grouped by file, then by object in reading order.
pub(crate) type Files = BTreeMap<PathBuf, BTreeMap<Order, Vec<String>>>;

/// Reading order within a file: extensions, then schemas (each by section and name), then
/// database-wide objects.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Order(u8, Option<String>, Section, String);

impl Order {
    pub fn of(place: &Place) -> Order {
        let rank = match (&place.schema, place.section) {
            (None, Section::Extensions) => 0,
            (Some(_), _) => 1,
            (None, _) => 2,
        };
        Order(rank, place.schema.clone(), place.section, place.name.clone())
    }
}

/// Files the steps' statements into `files`. Drops cannot be declared in schema files: they
/// are returned, as what they would drop, instead.
pub(crate) fn file_steps(steps: &[Step], places: &Places, layout: Layout, files: &mut Files) -> Vec<String> {
    let mut undeclarable = Vec::new();
    for step in steps {
        if step.action == Action::Drop {
            undeclarable.push(step.object.to_string());
            continue;
        }
        let place = places.of(&step.object);
        files
            .entry(place.path(layout, "sql"))
            .or_default()
            .entry(Order::of(&place))
            .or_default()
            .push(step.sql.clone());
    }
    undeclarable
}

/// A file's text: its header, then each object's statements, a blank line between objects.
pub(crate) fn render(header: &str, objects: &BTreeMap<Order, Vec<String>>) -> String {
    let mut out = header.to_string();
    for statements in objects.values() {
        if !out.is_empty() {
            out.push('\n');
        }
        let mut statements = statements.clone();
        // Files load in dependency order whatever the order inside them: this one is for
        // reading (the object, its indexes, keys, triggers, policies, comments, grants).
        statements.sort_by_key(|s| reading_rank(s));
        out.push_str(&statements_text(&statements));
    }
    out
}

/// Where a statement goes among those about one object.
fn reading_rank(statement: &str) -> u8 {
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| statement.starts_with(p));
    if starts(&["COMMENT ON "]) {
        7
    } else if starts(&["GRANT ", "REVOKE "]) {
        8
    } else if starts(&["CREATE INDEX ", "CREATE UNIQUE INDEX "]) {
        2
    } else if starts(&["ALTER TABLE "]) && statement.contains(" FOREIGN KEY ") {
        3
    } else if starts(&["CREATE TRIGGER ", "CREATE CONSTRAINT TRIGGER "]) {
        4
    } else if starts(&["CREATE POLICY "]) {
        5
    } else if starts(&["CREATE RULE ", "CREATE OR REPLACE RULE ", "CREATE STATISTICS "]) {
        6
    } else if starts(&["CREATE "]) {
        0
    } else {
        1
    }
}

/// Statements as a person writes them: a blank line around multi-line statements and
/// between statements of different kinds, runs of one-line `COMMENT`s or `GRANT`s together.
pub(crate) fn statements_text(statements: &[String]) -> String {
    let mut out = String::new();
    let mut previous: Option<&str> = None;
    for statement in statements {
        let statement = statement.trim_end().trim_end_matches(';');
        if let Some(before) = previous {
            let apart = before.contains('\n') || statement.contains('\n') || kind(before) != kind(statement);
            if apart {
                out.push('\n');
            }
        }
        out.push_str(statement);
        out.push_str(";\n");
        previous = Some(statement);
    }
    out
}

/// The first two words, e.g. `CREATE INDEX`, `COMMENT ON`.
fn kind(statement: &str) -> String {
    statement.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_reads_from_its_creation_to_its_grants() {
        let mut objects = BTreeMap::new();
        let statements = [
            "GRANT SELECT ON TABLE t TO r",
            "COMMENT ON TABLE t IS 'x'",
            "CREATE TRIGGER g AFTER DELETE ON t FOR EACH STATEMENT EXECUTE FUNCTION f()",
            "CREATE INDEX i ON t USING btree (a)",
            "ALTER TABLE t ADD CONSTRAINT k FOREIGN KEY (a) REFERENCES u(a)",
            "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
            "CREATE TABLE t (\n    a integer\n)",
        ];
        objects.insert(Order(1, Some("s".into()), Section::Tables, "t".into()), statements.map(String::from).to_vec());
        let text = render("", &objects);
        let order: Vec<&str> = text.split(";\n").map(|s| s.trim_start().split(' ').next().unwrap_or("")).collect();
        assert_eq!(order, ["CREATE", "ALTER", "CREATE", "ALTER", "CREATE", "COMMENT", "GRANT", ""]);
        assert!(text.starts_with("CREATE TABLE t"), "{text}");
        assert!(text.contains("ENABLE ROW LEVEL SECURITY;\n\nCREATE INDEX"), "{text}");
    }

    #[test]
    fn statements_read_like_hand_written_ones() {
        let statements = [
            "CREATE TABLE t (\n    a integer\n)",
            "CREATE INDEX t_a_idx ON t USING btree (a)",
            "CREATE INDEX t_b_idx ON t USING btree (b)",
            "COMMENT ON TABLE t IS 'x'",
            "COMMENT ON COLUMN t.a IS 'y'",
            "GRANT SELECT ON TABLE t TO r",
        ]
        .map(String::from);
        assert_eq!(
            statements_text(&statements),
            "CREATE TABLE t (\n    a integer\n);\n\nCREATE INDEX t_a_idx ON t USING btree (a);\n\
             CREATE INDEX t_b_idx ON t USING btree (b);\n\nCOMMENT ON TABLE t IS 'x';\n\
             COMMENT ON COLUMN t.a IS 'y';\n\nGRANT SELECT ON TABLE t TO r;\n"
        );
    }
}
