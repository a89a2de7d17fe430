//! `schemactl.toml`, the project file:
//!
//! ```toml
//! schema = "schema"          # desired state (default)
//! revisions = "generated"    # revision files (default)
//!
//! [environments.live]
//! url_env = "DATABASE_URL"   # the name of an environment variable holding the address
//!
//! [environments.uat]
//! url = "postgresql://app@uat-db/app?sslmode=verify-full"
//! ```
//!
//! The file is found in the working directory or the nearest parent; without one, the
//! defaults apply relative to the working directory. Which database a command talks to:
//! `--db` first, then `--env NAME`, then `$DATABASE_URL`, then libpq's `PG*` variables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const FILE_NAME: &str = "schemactl.toml";

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The project file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The project file is not valid TOML or has unknown keys (the message has line and column).
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    /// `--env` names an environment the project file does not define.
    #[error("unknown environment `{name}` (defined in {}: {})", path.display(), if known.is_empty() { "none".to_string() } else { known.join(", ") })]
    UnknownEnvironment { name: String, path: PathBuf, known: Vec<String> },
    /// An environment's variable is not set.
    #[error("environment `{name}` reads its database address from ${var}, which is not set")]
    MissingVariable { name: String, var: String },
    /// An environment gives both or neither of `url` and `url_env`.
    #[error("{}: environment `{name}` needs exactly one of `url` and `url_env`", path.display())]
    AmbiguousEnvironment { name: String, path: PathBuf },
}

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    schema: Option<PathBuf>,
    revisions: Option<PathBuf>,
    #[serde(default)]
    environments: BTreeMap<String, Environment>,
}

/// One deployment target.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The address itself (URL or conninfo).
    pub url: Option<String>,
    /// The name of an environment variable holding the address.
    pub url_env: Option<String>,
}

/// A project: its directories (absolute, or relative to the working directory) and environments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// The project file, when there is one.
    pub file: Option<PathBuf>,
    pub root: PathBuf,
    pub schema_dir: PathBuf,
    pub revisions_dir: PathBuf,
    pub environments: BTreeMap<String, Environment>,
}

impl Project {
    /// Reads `explicit`, or looks for `schemactl.toml` from `cwd` upwards.
    pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<Project> {
        let file = match explicit {
            Some(path) => Some(path.to_path_buf()),
            None => cwd.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file()),
        };
        let Some(path) = file else {
            return Ok(Project::defaults(cwd, None, File::default()));
        };
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
        let parsed: File =
            toml::from_str(&text).map_err(|e| Error::Parse { path: path.clone(), message: e.to_string() })?;
        for (name, env) in &parsed.environments {
            if env.url.is_some() == env.url_env.is_some() {
                return Err(Error::AmbiguousEnvironment { name: name.clone(), path });
            }
        }
        let root = path.parent().map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
        let root = if root.as_os_str().is_empty() { cwd.to_path_buf() } else { root };
        Ok(Project::defaults(&root, Some(path), parsed))
    }

    fn defaults(root: &Path, file: Option<PathBuf>, parsed: File) -> Project {
        Project {
            file,
            root: root.to_path_buf(),
            schema_dir: root.join(parsed.schema.unwrap_or_else(|| "schema".into())),
            revisions_dir: root.join(parsed.revisions.unwrap_or_else(|| "generated".into())),
            environments: parsed.environments,
        }
    }

    /// The database address a command should use, or `None` for libpq's defaults (`PG*`).
    /// `lookup` reads environment variables (`std::env::var` in the binary).
    pub fn database_address(
        &self,
        db: Option<&str>,
        env: Option<&str>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<String>> {
        if let Some(db) = db {
            return Ok(Some(db.to_string()));
        }
        if let Some(name) = env {
            let Some(environment) = self.environments.get(name) else {
                return Err(Error::UnknownEnvironment {
                    name: name.to_string(),
                    path: self.file.clone().unwrap_or_else(|| self.root.join(FILE_NAME)),
                    known: self.environments.keys().cloned().collect(),
                });
            };
            if let Some(url) = &environment.url {
                return Ok(Some(url.clone()));
            }
            let var = environment.url_env.clone().unwrap_or_default();
            return match lookup(&var).filter(|v| !v.trim().is_empty()) {
                Some(value) => Ok(Some(value)),
                None => Err(Error::MissingVariable { name: name.to_string(), var }),
            };
        }
        Ok(lookup("DATABASE_URL").filter(|v| !v.trim().is_empty()))
    }
}

/// The project file `schemactl init` writes.
pub fn template() -> &'static str {
    "# schemactl project file.\n\
     # Desired state: every *.sql file below this directory.\n\
     schema = \"schema\"\n\
     # Revision files written by `schemactl plan` and `schemactl revision`.\n\
     revisions = \"generated\"\n\
     \n\
     # Databases, chosen with `--env NAME`. Without --env (and without --db), schemactl uses\n\
     # $DATABASE_URL, then libpq's PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE.\n\
     [environments.live]\n\
     url_env = \"DATABASE_URL\"\n\
     \n\
     [environments.uat]\n\
     url_env = \"UAT_DATABASE_URL\"\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) {
        std::fs::write(dir.join(FILE_NAME), text).unwrap();
    }

    #[test]
    fn defaults_without_a_file() {
        let tmp = tempfile::tempdir().unwrap();
        let p = Project::load(None, tmp.path()).unwrap();
        assert_eq!(p.schema_dir, tmp.path().join("schema"));
        assert_eq!(p.revisions_dir, tmp.path().join("generated"));
        assert_eq!(p.database_address(None, None, |_| None).unwrap(), None);
        let url = p.database_address(None, None, |v| (v == "DATABASE_URL").then(|| "postgres://x/y".into())).unwrap();
        assert_eq!(url.as_deref(), Some("postgres://x/y"));
    }

    #[test]
    fn found_from_a_subdirectory_with_environments() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), template());
        let sub = tmp.path().join("schema/deep");
        std::fs::create_dir_all(&sub).unwrap();
        let p = Project::load(None, &sub).unwrap();
        assert_eq!(p.revisions_dir, tmp.path().join("generated"));
        let lookup = |v: &str| (v == "UAT_DATABASE_URL").then(|| "postgresql://uat/app".to_string());
        assert_eq!(p.database_address(None, Some("uat"), lookup).unwrap().as_deref(), Some("postgresql://uat/app"));
        assert_eq!(
            p.database_address(Some("postgres://cli/x"), Some("uat"), lookup).unwrap().as_deref(),
            Some("postgres://cli/x")
        );
        let err = p.database_address(None, Some("live"), lookup).unwrap_err().to_string();
        assert_eq!(err, "environment `live` reads its database address from $DATABASE_URL, which is not set");
        let err = p.database_address(None, Some("prod"), lookup).unwrap_err().to_string();
        assert!(err.starts_with("unknown environment `prod`") && err.ends_with("live, uat)"), "{err}");
    }

    #[test]
    fn mistakes_are_located() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "schema = \"s\"\nrevison = \"g\"\n");
        let err = Project::load(None, tmp.path()).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("revison"), "{err}");
        write(tmp.path(), "[environments.x]\nurl = \"a\"\nurl_env = \"B\"\n");
        let err = Project::load(None, tmp.path()).unwrap_err().to_string();
        assert!(err.ends_with("environment `x` needs exactly one of `url` and `url_env`"), "{err}");
    }
}
