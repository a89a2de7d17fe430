//! Names from the whole character space, across object kinds (issue 10): line breaks, quotes,
//! comment and dollar-quote markers, backslashes, control characters, unicode, the 63-byte
//! limit. Each case builds two schemas from drawn names (objects on one side, the other or
//! both), plans with the library, checks with pg_query that the script holds exactly the
//! plan's statements (count and kind, in order: nothing a name says can add one), applies it,
//! and plans again: the second plan must be empty. Revision headers naming the same objects
//! must read back exactly.
//!
//! Deterministic: a fixed seed and case count, no failure persistence. Two databases are
//! reused across cases (emptied in between) so 500 cases take minutes, not hours.

use crate::common::catalog_difference;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use schemactl_model::Catalog;
use schemactl_sqltext::{dollar_quote, literal, quoted_ident as q};
use schemactl_testkit::TestDb;
use std::path::Path;
use std::time::Instant;
use tokio_postgres::Client;

/// 500 in CI, in two halves of their own seeds so the two test threads share the work;
/// `SCHEMACTL_NAMES_CASES` changes the size of each half for a local exploration.
const CASES: u32 = 250;
const SEEDS: [[u8; 32]; 2] = [*b"schemactl issue 10: names, seed1", *b"schemactl issue 10: names, seed2"];

/// Fragments that have broken SQL writers, mixed with arbitrary characters.
const FRAGMENTS: &[&str] = &[
    "\n",
    "\r",
    "\r\n",
    "\"",
    "\"\"",
    "'",
    "*/",
    "/*",
    "--",
    "-- ",
    "$$",
    "$body$",
    "$body",
    "$schemactl$",
    "\\",
    "\\n",
    ";",
    " ",
    "\t",
    "U&",
    "E'",
    "\u{7}",
    "\u{1b}[2J",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{202e}",
    "é",
    "名前",
    "🐘",
    "DROP TABLE x;",
    "DELETE FROM victim;",
    "select",
    "User",
    "a.b",
    "%I",
    "%s",
    "\\000a",
];

/// One name: fragments and characters joined, cut to at most 63 bytes (PostgreSQL's limit),
/// never empty and never NUL (PostgreSQL refuses both).
fn name() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        2 => any::<char>().prop_filter("no NUL", |c| *c != '\0').prop_map(|c| c.to_string()),
        2 => "[a-z_]{1,6}",
    ];
    prop::collection::vec(piece, 1..8).prop_map(|pieces| {
        let mut name = String::new();
        for p in pieces {
            for c in p.chars() {
                if name.len() + c.len_utf8() > 63 {
                    return name;
                }
                name.push(c);
            }
        }
        name
    })
}

/// Where an object exists: only before (dropped), only after (created), or on both sides.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    From,
    To,
    Both,
}

impl Side {
    fn on(self, to: bool) -> bool {
        match self {
            Side::From => !to,
            Side::To => to,
            Side::Both => true,
        }
    }
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::From), Just(Side::To), Just(Side::Both)]
}

/// The drawn names of one case and where each object lives.
#[derive(Clone, Debug)]
struct Case {
    schema: String,
    table: String,
    column: (String, Side),
    index: (String, Side),
    constraint: (String, Side),
    view: (String, Side),
    sequence: (String, Side),
    enum_type: (String, Side),
    label: (String, Side),
    function: (String, Side),
    comment: (String, Side),
    /// A second table with a column of its own: dropped, created or kept whole.
    other: (String, String, Side),
}

fn case() -> impl Strategy<Value = Case> {
    let names = prop::collection::vec(name(), 14);
    let sides = prop::collection::vec(side(), 11);
    (names, sides).prop_map(|(names, sides)| {
        // Relations, types and routines of one schema share name spaces: make names distinct,
        // and keep clear of the names the case itself uses or PostgreSQL reserves.
        let mut names = names;
        let reserved = ["id", "fixed", "public", "schemactl", "information_schema"];
        if names[0].starts_with("pg_") {
            names[0].insert(0, 'x');
            while names[0].len() > 63 {
                names[0].pop();
            }
        }
        for i in 0..names.len() {
            while names[..i].contains(&names[i]) || reserved.contains(&names[i].as_str()) {
                let mut n: String = names[i].clone();
                while n.len() > 60 {
                    n.pop();
                }
                n.push_str(&format!("_{i}"));
                names[i] = n;
            }
        }
        let n = |i: usize| names[i].clone();
        Case {
            schema: n(0),
            table: n(1),
            column: (n(2), sides[0]),
            index: (n(3), sides[1]),
            constraint: (n(4), sides[2]),
            view: (n(5), sides[3]),
            sequence: (n(6), sides[4]),
            enum_type: (n(7), sides[5]),
            label: (n(8), sides[6]),
            function: (n(9), sides[7]),
            comment: (n(10), sides[8]),
            other: (n(11), n(12), sides[9]),
        }
    })
}

/// The schema of one side of a case, as a schema file would declare it.
fn schema_sql(c: &Case, to: bool) -> String {
    let s = q(&c.schema);
    let t = format!("{s}.{}", q(&c.table));
    let mut sql = format!("CREATE SCHEMA {s};\n");
    let mut columns = vec!["id int".to_string()];
    if c.column.1.on(to) {
        columns.push(format!("{} text", q(&c.column.0)));
    }
    sql += &format!("CREATE TABLE {t} ({});\n", columns.join(", "));
    if c.index.1.on(to) {
        sql += &format!("CREATE INDEX {} ON {t} (id);\n", q(&c.index.0));
    }
    if c.constraint.1.on(to) {
        sql += &format!("ALTER TABLE {t} ADD CONSTRAINT {} CHECK (id > 0);\n", q(&c.constraint.0));
    }
    if c.view.1.on(to) {
        sql += &format!("CREATE VIEW {s}.{} AS SELECT id FROM {t};\n", q(&c.view.0));
    }
    if c.sequence.1.on(to) {
        sql += &format!("CREATE SEQUENCE {s}.{};\n", q(&c.sequence.0));
    }
    if c.enum_type.1.on(to) {
        // The drawn label is added, kept or removed (a removal swaps the type).
        let mut labels = vec![literal("fixed")];
        if c.label.1.on(to) && c.label.0 != "fixed" {
            labels.push(literal(&c.label.0));
        }
        sql += &format!("CREATE TYPE {s}.{} AS ENUM ({});\n", q(&c.enum_type.0), labels.join(", "));
    }
    if c.function.1.on(to) {
        let body = format!("SELECT length({})", literal(&c.function.0));
        sql += &format!(
            "CREATE FUNCTION {s}.{}() RETURNS int LANGUAGE sql AS {};\n",
            q(&c.function.0),
            dollar_quote(&body)
        );
    }
    if c.comment.1.on(to) {
        sql += &format!("COMMENT ON TABLE {t} IS {};\n", literal(&c.comment.0));
    }
    if c.other.2.on(to) {
        sql += &format!("CREATE TABLE {s}.{} ({} int);\n", q(&c.other.0), q(&c.other.1));
    }
    sql
}

/// Empties a database for the next case: every schema but the system ones and `public`.
const RESET: &str = "DO $reset$ DECLARE s text; BEGIN \
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
        AND nspname NOT IN ('information_schema', 'public') LOOP \
        EXECUTE format('DROP SCHEMA %I CASCADE', s); \
    END LOOP; END $reset$;";

/// Empties a database and loads one side of the case into it with the real loader (pg_query
/// split and ordering, the shadow loader), as `schemactl` loads schema files.
async fn load_side(client: &Client, c: &Case, to: bool) -> Result<(), String> {
    // A failed case (while shrinking) may have left a transaction open on the kept connection.
    let _ = client.batch_execute("ROLLBACK").await;
    client.batch_execute(RESET).await.map_err(|e| format!("reset: {e}"))?;
    let text = schema_sql(c, to);
    let file = if to { "to.sql" } else { "from.sql" };
    let failed = |e: String| format!("loading {file}: {e}\n{text}");
    let source = schemactl_engine::Source::sql_text(Path::new(file), &text).map_err(|e| failed(e.to_string()))?;
    schemactl_engine::load(client, &source, false).await.map_err(|e| failed(e.to_string()))
}

async fn catalog(client: &Client) -> Result<Catalog, String> {
    schemactl_introspect::introspect(client).await.map_err(|e| format!("introspect: {e}"))
}

/// One case on two databases, through connections kept for the whole run (a new backend per
/// step would spend most of the time warming its catalog caches).
async fn check(from_client: &Client, to_client: &Client, c: &Case) -> Result<(), String> {
    // Both sides at once: the two databases are independent.
    let (from, to) = tokio::join!(load_side(from_client, c, false), load_side(to_client, c, true));
    from?;
    to?;
    let (from, to) = tokio::join!(catalog(from_client), catalog(to_client));
    let (from, to) = (from?, to?);
    let plan = schemactl_plan::plan(&from, &to).map_err(|e| e.to_string())?;
    let sql = schemactl_plan::render_sql(&plan);

    // The script holds exactly the plan's statements, in order, each of its own kind.
    let mut wanted: Vec<String> = Vec::new();
    if sql.starts_with("SET check_function_bodies = false;\n") {
        wanted.push("VariableSetStmt".into());
    }
    for step in &plan.steps {
        let one = pg_query::parse(&step.sql, 0).map_err(|e| format!("step does not parse: {e}\n{}", step.sql))?;
        wanted.extend(one.statement_types().into_iter().map(str::to_string));
    }
    let script = pg_query::parse(&sql, 0).map_err(|e| format!("script does not parse: {e}\n{sql}"))?;
    let found: Vec<String> = script.statement_types().into_iter().map(str::to_string).collect();
    if found != wanted {
        return Err(format!("script statements {found:?}, plan steps {wanted:?}\n{sql}"));
    }
    // Comments as PostgreSQL's scanner sees them (a line that starts with `--` may be inside a
    // quoted name): none holds a control character.
    let tokens = pg_query::scan(&sql).map_err(|e| e.to_string())?.tokens;
    for t in tokens.iter().filter(|t| t.token == pg_query::protobuf::Token::SqlComment as i32) {
        let comment = &sql[t.start as usize..t.end as usize];
        if comment.chars().any(schemactl_sqltext::is_unsafe_char) {
            return Err(format!("a comment holds a control character: {comment:?}\n{sql}"));
        }
    }

    // Applied statement by statement (CONCURRENTLY refuses a transaction block), it converges.
    let client = from_client;
    for statement in pg_query::split_with_parser(&sql).map_err(|e| e.to_string())? {
        client.batch_execute(statement).await.map_err(|e| format!("applying: {e}\n{statement}\n--- script\n{sql}"))?;
    }
    let after = catalog(from_client).await?;
    if !after.same_schema(&to) {
        return Err(format!("catalogs differ after the plan\n{}\n{sql}", catalog_difference(&after, &to)));
    }
    let again = schemactl_plan::plan(&after, &to).map_err(|e| e.to_string())?;
    if !again.is_empty() {
        return Err(format!("re-plan is not empty:\n{}\nafter\n{sql}", schemactl_plan::render_sql(&again)));
    }
    check_header(c)
}

/// A revision header naming every drawn object reads back exactly.
fn check_header(c: &Case) -> Result<(), String> {
    use schemactl_revision::format::{build, parse, Draft};
    let names = [&c.table, &c.column.0, &c.index.0, &c.view.0, &c.sequence.0, &c.function.0, &c.other.0];
    let mut expects: Vec<schemactl_revision::Expectation> = names
        .iter()
        .map(|n| schemactl_revision::Expectation {
            kind: "relation".into(),
            schema: c.schema.clone(),
            name: (*n).clone(),
            fingerprint: "0123abcd".into(),
        })
        .collect();
    expects.push(schemactl_revision::Expectation {
        kind: "schema".into(),
        schema: String::new(),
        name: c.schema.clone(),
        fingerprint: "absent".into(),
    });
    let built = build(Draft {
        id: "20260101000000".into(),
        slug: "names".into(),
        parent: None,
        message: format!("{} {}", c.comment.0, c.label.0),
        kind: schemactl_revision::RevisionKind::Planned,
        before: "a".into(),
        after: "b".into(),
        hazards: Vec::new(),
        expects: expects.clone(),
        up: String::new(),
        down: String::new(),
    });
    let parsed = parse(&built.file_name, &built.text).map_err(|e| format!("header does not read back: {e}"))?;
    if parsed.expects != expects || parsed != built {
        return Err(format!("header does not round-trip:\n{}", built.text));
    }
    Ok(())
}

#[test]
fn any_name_plans_applies_and_converges() {
    run(SEEDS[0]);
}

#[test]
fn any_name_plans_applies_and_converges_second_seed() {
    run(SEEDS[1]);
}

fn run(seed: [u8; 32]) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (from_db, to_db) = rt.block_on(async { (TestDb::new().await, TestDb::new().await) });
    let (from_client, to_client) = rt.block_on(async { (from_db.client().await, to_db.client().await) });
    let cases = std::env::var("SCHEMACTL_NAMES_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(CASES);
    let config = Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let started = Instant::now();
    let result = runner.run(&case(), |c| rt.block_on(check(&from_client, &to_client, &c)).map_err(TestCaseError::fail));
    eprintln!("names_prop: {cases} cases in {:.1} s", started.elapsed().as_secs_f64());
    if let Err(e) = result {
        panic!("{e}");
    }
}
