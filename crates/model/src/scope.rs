//! The scope: which objects of a database schemactl manages. Everything else is left out of
//! both sides of every diff (never compared, created, altered or dropped) and reported.
//!
//! A scope is plain data: a list of schemas to manage (globs; empty means every schema), and
//! `include`/`exclude` patterns `[kind:][schema.]name` (globs), plus named presets for
//! platforms and a fixed list of other migration tools' bookkeeping (the safe defaults).
//!
//! The rules, applied the same way by the catalog queries (through [`ServerScope`], anchored
//! POSIX regular expressions the server tests) and by [`Scope::reason_out`] here (through
//! `globset`):
//! - a **schema** is in scope when it is listed in `schemas` (or the list is empty), and no
//!   exclude pattern, preset or safe default names it, unless an include pattern does;
//! - an **object** in a schema is in scope when its schema is, and no exclude pattern, preset
//!   or safe default names it, unless an include pattern does;
//! - an **extension** belongs to the schema it is installed in (`plpgsql` to `pg_catalog`);
//! - **database-wide objects** (event triggers, publications, foreign-data wrappers, servers)
//!   are in scope only when `schemas` is empty, or when an include pattern names them.
//!
//! A pattern's kind (`table:`, `view:`, `schema:`...) limits it to that kind. A pattern with a
//! dot matches schema and name (`public.tmp_*`); without one it matches a name in any schema,
//! or a schema (`auth`) or database-wide object of that name. Globs: `*`, `?`, `[abc]`,
//! `[!abc]`, `[a-z]`, `{a,b}`, and `\` to escape.

use globset::GlobMatcher;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The kinds a pattern can name, as written before the colon.
pub const KINDS: &[&str] = &[
    "schema",
    "table",
    "view",
    "materialized_view",
    "sequence",
    "foreign_table",
    "type",
    "function",
    "procedure",
    "aggregate",
    "collation",
    "statistics",
    "extension",
    "event_trigger",
    "publication",
    "foreign_data_wrapper",
    "server",
];

/// Bookkeeping of other migration tools (and schemactl's own schema): never part of a desired
/// state, so left out unless an include pattern names them. `(tool, pattern)`.
pub const SAFE_DEFAULTS: &[(&str, &str)] = &[
    ("Alembic", "table:alembic_version"),
    ("Flyway", "table:flyway_schema_history"),
    ("Prisma", "table:_prisma_migrations"),
    ("Rails, golang-migrate, dbmate", "table:schema_migrations"),
    ("goose", "table:goose_db_version"),
    ("Knex", "table:knex_migrations"),
    ("Knex", "table:knex_migrations_lock"),
    ("Atlas", "schema:atlas_schema_revisions"),
    ("schemactl", "schema:schemactl"),
];

/// Platform presets: `(name, what it is for, patterns excluded)`.
pub const PRESETS: &[(&str, &str, &[&str])] = &[
    (
        "supabase",
        "Supabase: the platform's schemas, event triggers and realtime publication",
        &[
            "schema:auth",
            "schema:storage",
            "schema:realtime",
            "schema:_realtime",
            "schema:graphql",
            "schema:graphql_public",
            "schema:extensions",
            "schema:vault",
            "schema:pgsodium",
            "schema:pgsodium_masks",
            "schema:supabase_functions",
            "schema:supabase_migrations",
            "schema:net",
            "schema:pgbouncer",
            "schema:cron",
            "schema:pgtle",
            "schema:_analytics",
            "schema:_supavisor",
            "event_trigger:issue_*",
            "event_trigger:pgrst_*",
            "publication:supabase_realtime*",
        ],
    ),
    (
        "postgis",
        "PostGIS: the topology and TIGER geocoder schemas",
        &["schema:topology", "schema:tiger", "schema:tiger_data"],
    ),
    ("pg_cron", "pg_cron: its job tables", &["schema:cron"]),
    (
        "timescaledb",
        "TimescaleDB: its catalog and information schemas",
        &["schema:_timescaledb_*", "schema:timescaledb_information", "schema:timescaledb_experimental"],
    ),
];

/// A scope as configured (schemactl.toml `[scope]`, an environment's `scope`, command-line
/// flags). The default manages everything but the safe defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeConfig {
    /// Schemas to manage (globs); empty: every schema.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Patterns left out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Patterns brought back (over `exclude`, presets and the safe defaults).
    #[serde(default)]
    pub include: Vec<String>,
    /// Platform presets (see [`PRESETS`]).
    #[serde(default)]
    pub presets: Vec<String>,
    /// Roles the project manages (globs over role names; `[roles] manage` in schemactl.toml,
    /// not part of `[scope]`): their attributes, memberships and the objects they own are
    /// desired state, and privileges are compared for them (and `PUBLIC`) only. Empty: roles
    /// are only referenced, never created, and owners are not compared.
    #[serde(skip)]
    pub roles: Vec<String>,
}

impl ScopeConfig {
    /// `other` on top of `self`: lists are added to, except `schemas`, which `other` replaces
    /// when it gives one (a narrower or wider list of schemas is a choice, not an addition).
    pub fn extended(&self, other: &ScopeConfig) -> ScopeConfig {
        let join = |a: &[String], b: &[String]| {
            let mut v = a.to_vec();
            v.extend(b.iter().filter(|x| !a.contains(x)).cloned());
            v
        };
        ScopeConfig {
            schemas: if other.schemas.is_empty() { self.schemas.clone() } else { other.schemas.clone() },
            exclude: join(&self.exclude, &other.exclude),
            include: join(&self.include, &other.include),
            presets: join(&self.presets, &other.presets),
            roles: join(&self.roles, &other.roles),
        }
    }

    /// Checks every pattern and preset name and compiles the scope.
    pub fn compile(&self) -> Result<Scope, ScopeError> {
        let mut excludes = Vec::new();
        for p in &self.exclude {
            excludes.push((Pattern::parse(p)?, Reason::Excluded(p.clone())));
        }
        for name in &self.presets {
            let Some((_, _, patterns)) = PRESETS.iter().find(|(n, _, _)| n == name) else {
                return Err(ScopeError::UnknownPreset(name.clone()));
            };
            for p in *patterns {
                excludes.push((Pattern::parse(p)?, Reason::Preset(name.clone())));
            }
        }
        for (tool, p) in SAFE_DEFAULTS {
            excludes.push((Pattern::parse(p)?, Reason::Tool((*tool).to_string())));
        }
        let includes = self.include.iter().map(|p| Pattern::parse(p)).collect::<Result<Vec<_>, _>>()?;
        let schemas = self.schemas.iter().map(|g| GlobPair::parse(g)).collect::<Result<Vec<_>, _>>()?;
        let roles = self.roles.iter().map(|g| GlobPair::parse(g)).collect::<Result<Vec<_>, _>>()?;
        Ok(Scope { config: self.clone(), schemas, excludes, includes, roles })
    }
}

/// A scope that cannot be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeError {
    Pattern { pattern: String, reason: String },
    UnknownPreset(String),
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeError::Pattern { pattern, reason } => write!(f, "scope pattern `{pattern}`: {reason}"),
            ScopeError::UnknownPreset(name) => {
                let known: Vec<&str> = PRESETS.iter().map(|(n, _, _)| *n).collect();
                write!(f, "unknown scope preset `{name}` (known: {})", known.join(", "))
            }
        }
    }
}

impl std::error::Error for ScopeError {}

/// Why an object is out of scope.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Reason {
    /// Its schema is not in the `schemas` list (database-wide objects: a list is given).
    NotListed,
    /// An exclude pattern names it.
    Excluded(String),
    /// A platform preset names it.
    Preset(String),
    /// It is the bookkeeping of another migration tool (or schemactl's own schema).
    Tool(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NotListed => write!(f, "not in the managed schemas"),
            Reason::Excluded(p) => write!(f, "excluded by `{p}`"),
            Reason::Preset(p) => write!(f, "preset `{p}`"),
            Reason::Tool(t) => write!(f, "bookkeeping of {t} (include it to manage it)"),
        }
    }
}

/// One object the catalog read left out: `kind` as in [`KINDS`], `schema` empty for schemas
/// and database-wide objects; `contains` counts the relations inside a left-out schema.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LeftOut {
    pub reason: Reason,
    pub kind: String,
    pub schema: String,
    pub name: String,
    pub contains: i64,
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind.replace('_', " ");
        // An extension is named alone, whatever schema it is installed in.
        if self.schema.is_empty() || self.kind == "extension" {
            write!(f, "{kind} {}", self.name)?;
        } else {
            write!(f, "{kind} {}.{}", self.schema, self.name)?;
        }
        if self.contains > 0 {
            write!(f, " ({} relation{})", self.contains, if self.contains == 1 { "" } else { "s" })?;
        }
        Ok(())
    }
}

/// What a plan or dump says about what was left out: one group per reason, with a count and
/// the first few names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOutGroup {
    pub reason: String,
    pub count: usize,
    pub examples: Vec<String>,
}

/// How many names each group shows.
pub const EXAMPLES: usize = 5;

/// Groups left-out objects by reason (in the order of [`Reason`]), each with up to
/// [`EXAMPLES`] names.
pub fn summarize<'a>(left_out: impl IntoIterator<Item = &'a LeftOut>) -> Vec<LeftOutGroup> {
    let mut groups: BTreeMap<&Reason, Vec<String>> = BTreeMap::new();
    for l in left_out {
        let names = groups.entry(&l.reason).or_default();
        let shown = l.to_string();
        if !names.contains(&shown) {
            names.push(shown);
        }
    }
    groups
        .into_iter()
        .map(|(reason, mut names)| {
            names.sort();
            let count = names.len();
            names.truncate(EXAMPLES);
            LeftOutGroup { reason: reason.to_string(), count, examples: names }
        })
        .collect()
}

/// One `[kind:][schema.]name` pattern.
#[derive(Clone, Debug)]
struct Pattern {
    kind: Option<String>,
    schema: Option<GlobPair>,
    name: GlobPair,
}

impl Pattern {
    fn parse(text: &str) -> Result<Pattern, ScopeError> {
        let err = |reason: String| ScopeError::Pattern { pattern: text.to_string(), reason };
        let (kind, rest) = match text.split_once(':') {
            Some((k, rest)) if KINDS.contains(&k) => (Some(k.to_string()), rest),
            Some((k, _)) if !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
                return Err(err(format!("unknown kind `{k}` (known: {})", KINDS.join(", "))))
            }
            _ => (None, text),
        };
        let (schema, name) = match split_dot(rest) {
            Some((s, n)) => (Some(GlobPair::parse(s)?), n),
            None => (None, rest),
        };
        if name.is_empty() {
            return Err(err("empty name".into()));
        }
        Ok(Pattern { kind, schema, name: GlobPair::parse(name)? })
    }

    fn matches(&self, kind: &str, schema: &str, name: &str) -> bool {
        self.kind.as_deref().is_none_or(|k| k == kind)
            && self.schema.as_ref().is_none_or(|s| s.matcher.is_match(schema))
            && self.name.matcher.is_match(name)
    }

    /// The POSIX regular expression (PostgreSQL ARE) over `kind SEP schema SEP name`.
    fn regex(&self) -> String {
        let kind = self.kind.clone().unwrap_or_else(|| "[a-z_]+".into());
        let schema = self.schema.as_ref().map_or_else(|| format!("[^{SEP_RE}]*"), |g| g.regex.clone());
        format!("{kind}{SEP_RE}{schema}{SEP_RE}{}", self.name.regex)
    }
}

/// The first dot outside brackets and escapes: schema and name.
fn split_dot(text: &str) -> Option<(&str, &str)> {
    let mut escaped = false;
    let mut bracket = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' if !bracket => bracket = true,
            ']' if bracket => bracket = false,
            '.' if !bracket => return Some((&text[..i], &text[i + 1..])),
            _ => {}
        }
    }
    None
}

/// The separator between kind, schema and name in the keys the server matches (`chr(31)`, a
/// character no one puts in an identifier), as a regular-expression escape.
pub const SEP_RE: &str = "\\u001f";
/// The same separator, as itself.
pub const SEP: char = '\u{1f}';

/// A glob, compiled twice: `globset` for matching here, an ARE for the server.
#[derive(Clone, Debug)]
struct GlobPair {
    matcher: GlobMatcher,
    regex: String,
    /// The glob itself when it has no special character: the one name it matches.
    literal: Option<String>,
}

impl GlobPair {
    fn parse(text: &str) -> Result<GlobPair, ScopeError> {
        let err = |reason: String| ScopeError::Pattern { pattern: text.to_string(), reason };
        let glob = globset::GlobBuilder::new(text)
            .literal_separator(false)
            .backslash_escape(true)
            .build()
            .map_err(|e| err(e.kind().to_string()))?;
        let literal = (!text.contains(['*', '?', '[', ']', '{', '}', '\\'])).then(|| text.to_string());
        Ok(GlobPair { matcher: glob.compile_matcher(), regex: glob_to_regex(text).map_err(err)?, literal })
    }
}

/// Escapes one character for a PostgreSQL ARE, outside or inside a bracket expression: ASCII
/// punctuation gets a backslash (in an ARE `\` followed by a non-alphanumeric character is
/// that character, also inside brackets); letters, digits and non-ASCII characters stand for
/// themselves (a backslash before them would start an escape such as `\d`).
fn escape_char(c: char, out: &mut String) {
    if (c.is_ascii_punctuation() && c != '_') || c == ' ' {
        out.push('\\');
    }
    out.push(c);
}

/// Translates a glob into a PostgreSQL ARE fragment (no anchors): `*` and `?` never cross the
/// key separator, `[!...]` becomes `[^...]`, `{a,b}` an alternation, everything else is a
/// literal.
pub fn glob_to_regex(glob: &str) -> Result<String, String> {
    let chars: Vec<char> = glob.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut alternation = 0usize;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else { return Err("dangling `\\`".into()) };
                escape_char(next, &mut out);
                i += 1;
            }
            '*' => {
                while chars.get(i + 1) == Some(&'*') {
                    i += 1;
                }
                out.push_str(&format!("[^{SEP_RE}]*"));
            }
            '?' => out.push_str(&format!("[^{SEP_RE}]")),
            '{' => {
                alternation += 1;
                out.push_str("(?:");
            }
            ',' if alternation > 0 => out.push('|'),
            '}' if alternation > 0 => {
                alternation -= 1;
                out.push(')');
            }
            '[' => {
                let mut j = i + 1;
                let mut class = String::from("[");
                if matches!(chars.get(j), Some('!') | Some('^')) {
                    class.push('^');
                    j += 1;
                }
                let start = j;
                loop {
                    let Some(&d) = chars.get(j) else { return Err("unclosed `[`".into()) };
                    if d == ']' && j > start {
                        break;
                    }
                    if d == '-' && j > start && chars.get(j + 1).is_some_and(|&e| e != ']') {
                        class.push('-');
                    } else {
                        escape_char(d, &mut class);
                    }
                    j += 1;
                }
                class.push(']');
                out.push_str(&class);
                i = j;
            }
            _ => escape_char(c, &mut out),
        }
        i += 1;
    }
    if alternation > 0 {
        return Err("unclosed `{`".into());
    }
    Ok(out)
}

/// A compiled scope.
#[derive(Clone, Debug)]
pub struct Scope {
    config: ScopeConfig,
    schemas: Vec<GlobPair>,
    excludes: Vec<(Pattern, Reason)>,
    includes: Vec<Pattern>,
    roles: Vec<GlobPair>,
}

impl Default for Scope {
    /// Everything but the safe defaults.
    fn default() -> Self {
        ScopeConfig::default().compile().expect("the built-in patterns compile")
    }
}

/// The scope as the catalog queries read it: custom settings of the reading session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerScope {
    /// `schemactl.scope_schemas`: an anchored regex over schema names in the list.
    pub schemas: String,
    /// `schemactl.scope_exclude` / `schemactl.scope_include`: anchored regexes over keys
    /// `kind SEP schema SEP name`.
    pub exclude: String,
    pub include: String,
    /// `schemactl.scope_exclude_names` / `schemactl.scope_include_names`: the names the
    /// patterns can match, each followed by [`SEP`] and the whole led by one, or `*` when a
    /// pattern's name is a glob. A cheap test before the regex: PostgreSQL's regex engine
    /// costs microseconds per row for a list of alternatives (about 15 us for the default
    /// excludes), a substring search a fraction of one, and most rows name nothing listed.
    pub exclude_names: String,
    pub include_names: String,
    /// `schemactl.scope_database`: `on` when database-wide objects are managed.
    pub database_wide: bool,
    /// `schemactl.scope_roles`: an anchored regex over the names of managed roles (one that
    /// matches nothing when roles are not managed).
    pub roles: String,
}

impl Scope {
    pub fn config(&self) -> &ScopeConfig {
        &self.config
    }

    /// Whether the project manages roles at all (`[roles] manage`).
    pub fn manages_roles(&self) -> bool {
        !self.roles.is_empty()
    }

    /// Whether `role` is one of the project's roles. PostgreSQL's own roles (`pg_*`) never are.
    pub fn manages_role(&self, role: &str) -> bool {
        !role.starts_with("pg_") && self.roles.iter().any(|g| g.matcher.is_match(role))
    }

    fn excluded(&self, kind: &str, schema: &str, name: &str) -> Option<&Reason> {
        if self.includes.iter().any(|p| p.matches(kind, schema, name)) {
            return None;
        }
        self.excludes.iter().find(|(p, _)| p.matches(kind, schema, name)).map(|(_, r)| r)
    }

    /// Why a schema is out of scope, or `None` when it is in.
    pub fn schema_reason(&self, schema: &str) -> Option<Reason> {
        if !self.schemas.is_empty() && !self.schemas.iter().any(|g| g.matcher.is_match(schema)) {
            return Some(Reason::NotListed);
        }
        self.excluded("schema", "", schema).cloned()
    }

    /// Why an object is out of scope, or `None` when it is in. `schema` is empty for
    /// database-wide objects; an extension's is the schema it is installed in.
    pub fn reason_out(&self, kind: &str, schema: &str, name: &str) -> Option<Reason> {
        if kind == "schema" {
            return self.schema_reason(name);
        }
        // Extensions and database-wide objects are named without a schema; an include
        // pattern naming them brings them back whatever their schema.
        let key_schema = if kind == "extension" { "" } else { schema };
        if (kind == "extension" || schema.is_empty()) && self.includes.iter().any(|p| p.matches(kind, "", name)) {
            return None;
        }
        if schema.is_empty() {
            if !self.schemas.is_empty() {
                return Some(Reason::NotListed);
            }
        } else if let Some(reason) = self.schema_reason(schema) {
            return Some(reason);
        }
        self.excluded(kind, key_schema, name).cloned()
    }

    /// The settings the catalog queries test (see `schemactl-introspect`).
    pub fn server(&self) -> ServerScope {
        let any = |patterns: Vec<String>| {
            if patterns.is_empty() {
                // Keys are never empty: this matches nothing.
                "^$".to_string()
            } else {
                format!("^(?:{})$", patterns.join("|"))
            }
        };
        let schemas = if self.schemas.is_empty() {
            "^".to_string()
        } else {
            format!("^(?:{})$", self.schemas.iter().map(|g| g.regex.clone()).collect::<Vec<_>>().join("|"))
        };
        let names = |patterns: Vec<&Pattern>| {
            let mut listed = BTreeSet::new();
            for p in patterns {
                match &p.name.literal {
                    Some(name) => listed.insert(name.as_str()),
                    None => return "*".to_string(),
                };
            }
            listed.iter().fold(SEP.to_string(), |all, name| format!("{all}{name}{SEP}"))
        };
        ServerScope {
            schemas,
            exclude: any(self.excludes.iter().map(|(p, _)| p.regex()).collect()),
            include: any(self.includes.iter().map(Pattern::regex).collect()),
            exclude_names: names(self.excludes.iter().map(|(p, _)| p).collect()),
            include_names: names(self.includes.iter().collect()),
            database_wide: self.schemas.is_empty(),
            roles: any(self.roles.iter().map(|g| g.regex.clone()).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(schemas: &[&str], exclude: &[&str], include: &[&str], presets: &[&str]) -> Scope {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
        ScopeConfig {
            schemas: v(schemas),
            exclude: v(exclude),
            include: v(include),
            presets: v(presets),
            roles: vec![],
        }
        .compile()
        .unwrap()
    }

    #[test]
    fn safe_defaults_and_includes() {
        let s = Scope::default();
        assert_eq!(s.reason_out("table", "public", "alembic_version"), Some(Reason::Tool("Alembic".into())));
        assert_eq!(s.reason_out("table", "app", "flyway_schema_history"), Some(Reason::Tool("Flyway".into())));
        assert_eq!(s.schema_reason("schemactl"), Some(Reason::Tool("schemactl".into())));
        assert_eq!(s.reason_out("view", "public", "alembic_version"), None, "a view of that name is not Alembic's");
        assert_eq!(s.reason_out("table", "public", "users"), None);
        assert_eq!(s.reason_out("event_trigger", "", "audit"), None);
        let s = scope(&[], &[], &["public.alembic_version"], &[]);
        assert_eq!(s.reason_out("table", "public", "alembic_version"), None);
        assert!(s.reason_out("table", "other", "alembic_version").is_some());
    }

    #[test]
    fn schemas_patterns_and_presets() {
        let s = scope(&["app*"], &["app.tmp_*", "view:*.secret"], &["app.tmp_keep"], &["supabase"]);
        assert_eq!(s.schema_reason("public"), Some(Reason::NotListed));
        assert_eq!(s.schema_reason("app"), None);
        assert_eq!(s.reason_out("table", "app", "tmp_1"), Some(Reason::Excluded("app.tmp_*".into())));
        assert_eq!(s.reason_out("table", "app", "tmp_keep"), None);
        assert_eq!(s.reason_out("view", "app_b", "secret"), Some(Reason::Excluded("view:*.secret".into())));
        assert_eq!(s.reason_out("table", "app_b", "secret"), None);
        assert_eq!(s.reason_out("extension", "public", "citext"), Some(Reason::NotListed));
        assert_eq!(s.reason_out("publication", "", "p"), Some(Reason::NotListed));
        let s = scope(&[], &[], &[], &["supabase"]);
        assert_eq!(s.schema_reason("auth"), Some(Reason::Preset("supabase".into())));
        assert_eq!(s.reason_out("table", "auth", "users"), Some(Reason::Preset("supabase".into())));
        assert_eq!(s.reason_out("event_trigger", "", "pgrst_ddl_watch"), Some(Reason::Preset("supabase".into())));
        assert_eq!(s.reason_out("extension", "extensions", "pgcrypto"), Some(Reason::Preset("supabase".into())));
        assert_eq!(s.reason_out("extension", "pg_catalog", "plpgsql"), None);
        let s = scope(&[], &[], &["schema:auth"], &["supabase"]);
        assert_eq!(s.schema_reason("auth"), None);
    }

    #[test]
    fn server_prefilters_list_the_names_patterns_can_match() {
        let sep = SEP.to_string();
        let s = scope(&[], &["app.audit_log", "view:*.secret"], &["app.tmp_keep"], &[]);
        let server = s.server();
        for name in ["audit_log", "secret", "alembic_version", "schemactl"] {
            assert!(server.exclude_names.contains(&format!("{sep}{name}{sep}")), "{name}");
        }
        assert!(server.exclude_names.starts_with(SEP) && server.exclude_names.ends_with(SEP));
        assert_eq!(server.include_names, format!("{sep}tmp_keep{sep}"));
        // A glob in a name: any name may match, the regex decides.
        assert_eq!(scope(&[], &["app.tmp_*"], &[], &[]).server().exclude_names, "*");
        assert_eq!(scope(&[], &[], &["a\\*b"], &[]).server().include_names, "*");
        // No include pattern: nothing can match.
        assert_eq!(Scope::default().server().include_names, sep);
    }

    #[test]
    fn mistakes_are_named() {
        let c = |exclude: &str| ScopeConfig { exclude: vec![exclude.into()], ..Default::default() }.compile();
        assert!(c("tabel:x").unwrap_err().to_string().contains("unknown kind `tabel`"));
        assert!(c("a[b").unwrap_err().to_string().contains("a[b"));
        let e = ScopeConfig { presets: vec!["heroku".into()], ..Default::default() }.compile().unwrap_err();
        assert!(e.to_string().contains("unknown scope preset `heroku`"), "{e}");
    }

    #[test]
    fn globs_become_escaped_regexes() {
        assert_eq!(glob_to_regex("a.b$c").unwrap(), "a\\.b\\$c");
        assert_eq!(glob_to_regex("t_*").unwrap(), "t_[^\\u001f]*");
        assert_eq!(glob_to_regex("[!a-c]x?").unwrap(), "[^a-c]x[^\\u001f]");
        assert_eq!(glob_to_regex("{a,b}").unwrap(), "(?:a|b)");
        assert_eq!(glob_to_regex("é\\*").unwrap(), "é\\*");
        assert_eq!(glob_to_regex("[]]").unwrap(), "[\\]]");
    }

    #[test]
    fn extending() {
        let project = ScopeConfig { schemas: vec!["a".into()], exclude: vec!["x".into()], ..Default::default() };
        let env = ScopeConfig { exclude: vec!["y".into()], presets: vec!["supabase".into()], ..Default::default() };
        let both = project.extended(&env);
        assert_eq!(both.schemas, ["a"]);
        assert_eq!(both.exclude, ["x", "y"]);
        assert_eq!(both.presets, ["supabase"]);
    }
}
