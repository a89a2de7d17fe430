//! `schemactl dump`: desired-state files written from an existing database's catalog, so
//! that a database schemactl did not create can be adopted (dump, plan a baseline, stamp).
//!
//! The files declare the difference between the catalog and a new database (see
//! [`fresh_catalog`]): loaded into a shadow database they give the same catalog back, which
//! `tests/e2e/dump.rs` proves for every fixture and the example schema, in both formats.
//!
//! - **SQL**: the statements of the plan from a new database to the catalog (the planner
//!   already writes each object the way a person would: a table with its columns, defaults,
//!   identity, `NOT NULL` and primary key, unique and check constraints inline), filed under
//!   the object they are about and written in reading order: the schema, types, sequences,
//!   tables (each followed by its indexes, foreign keys, triggers, policies, comments and
//!   grants), views, functions. Files load in any order: schemactl orders statements by
//!   dependency across files.
//! - **YAML**: the same objects as [`schemactl_yaml::Document`]s, SQL bodies as text. Each
//!   piece is converted only when the YAML states exactly what the catalog holds (checked by
//!   printing it back the way PostgreSQL does); whatever YAML cannot express is planned from
//!   "what the YAML creates" to the catalog, and those statements go to a `.sql` file next to
//!   the YAML file, which says so in its header.
//!
//! Nothing is dropped silently: objects schemactl does not manage, and differences from a new
//! database that schema files cannot declare (a dropped `public` schema), are returned for the
//! caller to report, and listed in a header.

mod error;
mod fresh;
mod layout;
mod sql;
mod text;
mod yaml;

use std::collections::BTreeMap;
use std::path::PathBuf;

use schemactl_model::{Catalog, ObjKey};
use schemactl_plan::PlanOptions;

pub use error::{Error, Result};
pub use fresh::fresh_catalog;
pub use layout::Layout;

/// The format of the files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Sql,
    Yaml,
}

/// One written file, its path relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub text: String,
}

/// A dump: its files, sorted by path, and what it could not hold.
#[derive(Clone, Debug, Default)]
pub struct Dump {
    pub files: Vec<File>,
    /// Objects schemactl does not manage (`kind name`): not in the files.
    pub unmanaged: Vec<String>,
    /// Objects of a new database that the source lacks (`schema public`): schema files
    /// cannot drop them, so the dump cannot say so.
    pub undeclarable: Vec<String>,
    /// YAML only: the statements written as SQL because YAML cannot express them.
    pub sql_fallbacks: usize,
}

const SQL_HEADER: &str = concat!(
    "-- Written by `schemactl dump` from an existing database. This is desired state now: edit it\n",
    "-- freely (statements load in dependency order, whatever their file).\n",
);
const YAML_HEADER: &str = concat!(
    "# Written by `schemactl dump` from an existing database. This is desired state now: edit it\n",
    "# freely (objects load in dependency order, whatever their file).\n",
);

/// Writes `catalog` (read from a server of version `server_version_num`, e.g. `150004`) as
/// desired-state files.
pub fn dump(catalog: &Catalog, server_version_num: i32, format: Format, layout: Layout) -> Result<Dump> {
    let fresh = fresh_catalog(catalog, server_version_num);
    let places = layout::Places::new(catalog);
    let (steps, yaml_docs) = match format {
        Format::Sql => (creation_steps(&fresh, catalog)?, BTreeMap::new()),
        Format::Yaml => {
            // The plan from what loading the YAML creates to the catalog is what YAML cannot
            // express.
            let converted = yaml::convert(catalog, &fresh, &places, layout);
            (schemactl_plan::plan_with(&converted.covered, catalog, &PlanOptions::offline())?.steps, converted.docs)
        }
    };
    let mut sql_files = sql::Files::new();
    let undeclarable = sql::file_steps(&steps, &places, layout, &mut sql_files);
    let sql_fallbacks = match format {
        Format::Sql => 0,
        Format::Yaml => steps.len() - undeclarable.len(),
    };
    let unmanaged: Vec<String> = catalog.unmanaged.iter().cloned().collect();

    let database = layout::database_file(layout);
    // An empty database still gets a file, so that the directory is a valid schema source.
    let empty = sql_files.is_empty() && yaml_docs.is_empty();
    if !unmanaged.is_empty() || !undeclarable.is_empty() || empty {
        sql_files.entry(database.clone()).or_default();
    }
    let mut files = Vec::new();
    for (path, objects) in &sql_files {
        let mut header = match format {
            Format::Sql => SQL_HEADER.to_string(),
            Format::Yaml => sql_fallback_header(path, yaml_docs.contains_key(&path.with_extension("yaml"))),
        };
        if *path == database {
            if empty {
                header = format!("{SQL_HEADER}--\n-- The database holds nothing beyond what every new database has.\n");
            }
            header.push_str(&not_dumped(&unmanaged, &undeclarable));
        }
        files.push(File { path: path.clone(), text: sql::render(&header, objects) });
    }
    for (path, doc) in &yaml_docs {
        let mut text = YAML_HEADER.to_string();
        let sidecar = path.with_extension("sql");
        if sql_files.contains_key(&sidecar) {
            let name = sidecar.file_name().unwrap_or_default().to_string_lossy();
            text.push_str(&format!("# What YAML cannot express is in {name}, next to this file.\n"));
        }
        text.push('\n');
        text.push_str(&schemactl_yaml::to_yaml_string(doc));
        files.push(File { path: path.clone(), text });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Dump { files, unmanaged, undeclarable, sql_fallbacks })
}

/// The statements that create `catalog` in a new database. Default privileges load before
/// every object, so objects start with them: grants are planned from a new database that has
/// them, and the default privileges themselves from one that has not.
fn creation_steps(fresh: &Catalog, catalog: &Catalog) -> Result<Vec<schemactl_plan::Step>> {
    let with_defaults = Catalog { default_privileges: catalog.default_privileges.clone(), ..fresh.clone() };
    let mut steps = schemactl_plan::plan_with(&with_defaults, catalog, &PlanOptions::offline())?.steps;
    let defaults = schemactl_plan::plan_with(fresh, catalog, &PlanOptions::offline())?.steps;
    steps.extend(defaults.into_iter().filter(|s| matches!(s.object, ObjKey::DefaultPrivileges { .. })));
    Ok(steps)
}

fn sql_fallback_header(path: &std::path::Path, next_to_yaml: bool) -> String {
    let yaml = path.with_extension("yaml");
    // Named after a schema: any character, a line break too, must stay inside the comment.
    let yaml = schemactl_sqltext::visible(&yaml.file_name().unwrap_or_default().to_string_lossy());
    if next_to_yaml {
        format!(
            "-- Written by `schemactl dump`: what {yaml} (next to this file) cannot express in YAML. Edit\n\
             -- freely: statements load in dependency order, whatever their file or format.\n"
        )
    } else {
        "-- Written by `schemactl dump`: objects YAML cannot express. Edit freely: statements load in\n\
         -- dependency order, whatever their file or format.\n"
            .to_string()
    }
}

/// The header lines listing what a dump leaves out.
fn not_dumped(unmanaged: &[String], undeclarable: &[String]) -> String {
    let mut out = String::new();
    if !unmanaged.is_empty() {
        out.push_str("--\n-- Not dumped: objects schemactl does not manage (create them by other means):\n");
        for u in unmanaged {
            out.push_str(&format!("{}\n", schemactl_sqltext::comment(&format!("  {u}"))));
        }
    }
    if !undeclarable.is_empty() {
        out.push_str(
            "--\n-- Not declarable: a new database has these, the dumped one does not (schema files do not drop):\n",
        );
        for u in undeclarable {
            out.push_str(&format!("{}\n", schemactl_sqltext::comment(&format!("  {u}"))));
        }
    }
    out
}

impl Dump {
    /// The dump as one stream, for standard output: the files one after the other. In the
    /// YAML format the single-file layout is one YAML document, followed by what YAML cannot
    /// express as YAML comments (written as a `.sql` file only with an output directory).
    pub fn stream(&self) -> String {
        let mut out = String::new();
        let (yaml, sql): (Vec<&File>, Vec<&File>) =
            self.files.iter().partition(|f| f.path.extension().is_some_and(|e| e == "yaml"));
        for file in &yaml {
            out.push_str(&file.text);
        }
        for file in &sql {
            if yaml.is_empty() {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&file.text);
            } else {
                out.push_str(&format!("\n# Not expressible in YAML ({}, written with --out):\n", file.path.display()));
                for line in file.text.lines() {
                    out.push_str(&format!("# {line}\n").replace("# \n", "#\n"));
                }
            }
        }
        out
    }
}
