//! A document -> the DDL statements it stands for, each mapped back to its YAML nodes.
//!
//! Every statement starts at the key of the object that produced it (`users:` for its
//! `CREATE TABLE`, `comment:` for its `COMMENT ON`), and every fragment of SQL text taken
//! from the document (a type, a default, a query, a body) carries the position of its node,
//! so an error PostgreSQL reports inside the statement points at the YAML that caused it.
//! Names from keys are always double-quoted: they are taken exactly as written.

mod objects;
mod tables;
mod types;

use std::collections::BTreeMap;
use std::path::Path;

use schemactl_source::{Origin, Rename, RenameKind, Statement};

use crate::error::{Error, Result};
use crate::model::{Document, Grants};
use crate::node::{Node, Pos, Style, Value};

/// PostgreSQL truncates longer identifiers (NAMEDATALEN - 1 bytes).
const MAX_NAME_BYTES: usize = 63;

/// A key path into the document: keys, and `[i]` for list items.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct KeyPath(Vec<String>);

impl KeyPath {
    pub fn key(&self, key: &str) -> KeyPath {
        let mut segments = self.0.clone();
        segments.push(key.to_string());
        KeyPath(segments)
    }

    pub fn index(&self, i: usize) -> KeyPath {
        let mut segments = self.0.clone();
        segments.push(format!("[{i}]"));
        KeyPath(segments)
    }

    fn parent(&self) -> Option<KeyPath> {
        let (_, rest) = self.0.split_last()?;
        Some(KeyPath(rest.to_vec()))
    }

    fn is_index(segment: &str) -> bool {
        segment.starts_with('[') && segment.ends_with(']')
    }
}

impl std::fmt::Display for KeyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            if i > 0 && !KeyPath::is_index(segment) {
                f.write_str(".")?;
            }
            f.write_str(segment)?;
        }
        Ok(())
    }
}

/// Where every key and value of the document was written.
pub(crate) struct Spans<'a> {
    by_path: BTreeMap<KeyPath, (Pos, &'a Node)>,
    root: Pos,
}

impl<'a> Spans<'a> {
    pub fn new(root: Option<&'a Node>) -> Spans<'a> {
        let mut spans = Spans { by_path: BTreeMap::new(), root: Pos { line: 1, column: 1 } };
        if let Some(root) = root {
            spans.root = root.pos;
            spans.walk(KeyPath::default(), root);
        }
        spans
    }

    fn walk(&mut self, path: KeyPath, node: &'a Node) {
        match &node.value {
            Value::Map(entries) => {
                for entry in entries {
                    let child = path.key(&entry.key);
                    self.by_path.insert(child.clone(), (entry.key_pos, &entry.value));
                    self.walk(child, &entry.value);
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let child = path.index(i);
                    self.by_path.insert(child.clone(), (item.pos, item));
                    self.walk(child, item);
                }
            }
            Value::Scalar(_) => {}
        }
    }

    /// The position of the key at `path` (see [`Spans::resolve`]).
    pub fn key_pos(&self, path: &KeyPath) -> Pos {
        let path = self.resolve(path);
        self.by_path.get(&path).map_or(self.root, |(pos, _)| *pos)
    }

    /// `path` as written in the file: itself, its short form (`idx[0]` for `idx.columns[0]`
    /// when the index was written `idx: [a]`), or its closest ancestor written in the file (a
    /// short form such as `email: citext` has no `type` key).
    pub fn resolve(&self, path: &KeyPath) -> KeyPath {
        let mut path = Some(path.clone());
        while let Some(p) = path {
            if self.by_path.contains_key(&p) {
                return p;
            }
            if let Some(short) = short_form(&p).filter(|s| self.by_path.contains_key(s)) {
                return short;
            }
            path = p.parent();
        }
        KeyPath::default()
    }

    /// The scalar node holding `text` for `path`: the node at `path`, or the short form that
    /// stands for it (`check: x > 0` for `check.expression`, `idx: [a]` for `idx.columns[0]`).
    /// The text may be the start of the node's (a query without its final `;`).
    fn scalar(&self, path: &KeyPath, text: &str) -> Option<&'a Node> {
        let is_it = |p: &KeyPath| {
            self.by_path
                .get(p)
                .map(|(_, n)| *n)
                .filter(|n| matches!(&n.value, Value::Scalar(s) if s.text.starts_with(text)))
        };
        is_it(path)
            .or_else(|| short_form(path).and_then(|p| is_it(&p)))
            .or_else(|| path.parent().and_then(|p| is_it(&p)))
    }
}

/// `x.field[i]` -> `x[i]`: a list item of a long form, in its short form.
fn short_form(path: &KeyPath) -> Option<KeyPath> {
    match path.0.as_slice() {
        [head @ .., _field, last] if KeyPath::is_index(last) => {
            let mut short = head.to_vec();
            short.push(last.clone());
            Some(KeyPath(short))
        }
        _ => None,
    }
}

/// A position in generated SQL mapped to the document.
#[derive(Debug, Clone)]
struct Mark {
    offset: usize,
    pos: Pos,
    verbatim: bool,
    path: KeyPath,
}

/// One statement being written.
pub(crate) struct Sql<'g> {
    spans: &'g Spans<'g>,
    text: String,
    chars: usize,
    marks: Vec<Mark>,
    /// The node generated text belongs to, restored after each fragment of user text.
    context: (Pos, KeyPath),
}

impl<'g> Sql<'g> {
    fn new(spans: &'g Spans<'g>, path: &KeyPath) -> Sql<'g> {
        let pos = spans.key_pos(path);
        let mut sql = Sql { spans, text: String::new(), chars: 0, marks: Vec::new(), context: (pos, path.clone()) };
        sql.mark(pos, false, path.clone());
        sql
    }

    fn mark(&mut self, pos: Pos, verbatim: bool, path: KeyPath) {
        self.mark_at(self.chars, pos, verbatim, path);
    }

    /// A mark at a character offset at or after the last one.
    fn mark_at(&mut self, offset: usize, pos: Pos, verbatim: bool, path: KeyPath) {
        let mark = Mark { offset, pos, verbatim, path };
        match self.marks.last_mut() {
            Some(last) if last.offset == mark.offset => *last = mark,
            _ => self.marks.push(mark),
        }
    }

    /// Generated text (keywords, punctuation).
    pub fn kw(&mut self, text: &str) -> &mut Self {
        self.chars += text.chars().count();
        self.text.push_str(text);
        self
    }

    /// Generated text from now on belongs to the key at `path`.
    pub fn at(&mut self, path: &KeyPath) -> &mut Self {
        let pos = self.spans.key_pos(path);
        self.context = (pos, path.clone());
        self.mark(pos, false, path.clone());
        self
    }

    /// A name, double-quoted.
    pub fn ident(&mut self, name: &str) -> &mut Self {
        let quoted = schemactl_sqltext::quoted_ident(name);
        self.kw(&quoted)
    }

    /// A collation: one name, quoted (`C`, `en_US.utf8`), unless written as SQL with its
    /// double quotes (`"app"."ci"`), which no collation name holds.
    pub fn collation(&mut self, path: &KeyPath, name: &str) -> &mut Self {
        if name.contains('"') {
            self.user(path, name)
        } else {
            self.ident(name)
        }
    }

    /// `"schema"."name"`.
    pub fn qname(&mut self, schema: &str, name: &str) -> &mut Self {
        self.ident(schema).kw(".").ident(name)
    }

    /// A string literal (`E''` form when it holds a backslash).
    pub fn literal(&mut self, text: &str) -> &mut Self {
        let quoted = schemactl_sqltext::literal(text);
        self.kw(&quoted)
    }

    /// SQL text written in the document at `path`, mapped to its node.
    pub fn user(&mut self, path: &KeyPath, text: &str) -> &mut Self {
        match self.spans.scalar(path, text) {
            Some(node) => self.user_node(node, path, text),
            None => {
                let pos = self.spans.key_pos(path);
                self.mark(pos, false, path.clone());
                self.kw(text);
            }
        }
        let (pos, path) = self.context.clone();
        self.mark(pos, false, path);
        self
    }

    fn user_node(&mut self, node: &Node, path: &KeyPath, text: &str) {
        let Value::Scalar(scalar) = &node.value else {
            return;
        };
        let chars = text.chars().count();
        let pos = node.pos;
        match scalar.style {
            // A plain scalar on one line is its source text.
            Style::Plain if scalar.one_line => self.mark(pos, true, path.clone()),
            // Quotes without escapes: the source text after the opening quote.
            Style::SingleQuoted | Style::DoubleQuoted if scalar.one_line && scalar.source_chars == chars + 2 => {
                self.mark(Pos { line: pos.line, column: pos.column + 1 }, true, path.clone())
            }
            // A literal block keeps its lines, each at the block's indentation.
            Style::Literal => {
                let mut offset = self.chars;
                for (i, line) in text.split_inclusive('\n').enumerate() {
                    self.mark_at(offset, Pos { line: pos.line + i, column: pos.column }, true, path.clone());
                    offset += line.chars().count();
                }
            }
            _ => self.mark(pos, false, path.clone()),
        }
        self.kw(text);
    }

    /// Where a character offset of the statement came from, as the document's path.
    fn locate(&self, offset: usize) -> (Pos, KeyPath) {
        let at = self.marks.partition_point(|m| m.offset <= offset);
        let Some(mark) = at.checked_sub(1).map(|i| &self.marks[i]) else {
            return (self.context.0, self.context.1.clone());
        };
        let mut pos = mark.pos;
        if mark.verbatim {
            let inside: String = self.text.chars().skip(mark.offset).take(offset - mark.offset).collect();
            for c in inside.chars() {
                if c == '\n' {
                    pos.line += 1;
                    pos.column = 1;
                } else {
                    pos.column += 1;
                }
            }
        }
        (pos, mark.path.clone())
    }
}

/// The generator: the statements and renames of one document.
pub(crate) struct Gen<'a> {
    file: &'a Path,
    spans: &'a Spans<'a>,
    default_schema: String,
    pub statements: Vec<Statement>,
    pub renames: Vec<Rename>,
}

impl<'a> Gen<'a> {
    pub fn new(file: &'a Path, spans: &'a Spans<'a>, doc: &Document) -> Gen<'a> {
        Gen {
            file,
            spans,
            default_schema: doc.schema.clone().unwrap_or_else(|| "public".to_string()),
            statements: Vec::new(),
            renames: Vec::new(),
        }
    }

    /// Every statement of the document, in document order.
    pub fn document(&mut self, doc: &Document) -> Result<()> {
        let root = KeyPath::default();
        if let Some(schema) = &doc.schema {
            self.check_name(&root.key("schema"), schema)?;
        }
        objects::extensions(self, doc)?;
        objects::schemas(self, doc)?;
        self.default_privileges(&root.key("default_privileges"), None, &doc.default_privileges)?;
        types::all(self, doc)?;
        objects::sequences(self, doc)?;
        for (key, table) in &doc.tables {
            tables::table(self, &root.key("tables").key(key), key, table)?;
        }
        objects::views(self, doc)?;
        objects::routines(self, doc)?;
        Ok(())
    }

    fn sql(&self, path: &KeyPath) -> Sql<'a> {
        Sql::new(self.spans, path)
    }

    fn structure(&self, path: &KeyPath, message: impl Into<String>) -> Error {
        let pos = self.spans.key_pos(path);
        let path = self.spans.resolve(path);
        Error::Structure {
            file: self.file.to_path_buf(),
            line: pos.line,
            column: pos.column,
            path: path.to_string(),
            message: message.into(),
        }
    }

    /// A name PostgreSQL would store as written.
    fn check_name(&self, path: &KeyPath, name: &str) -> Result<()> {
        if name.is_empty() {
            return Err(self.structure(path, "empty name"));
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(
                self.structure(path, format!("name longer than {MAX_NAME_BYTES} bytes (PostgreSQL would truncate it)"))
            );
        }
        Ok(())
    }

    /// The schema and name of an object keyed `name` or `schema.name` at `path`.
    fn qualify(&self, path: &KeyPath, key: &str) -> Result<(String, String)> {
        let (schema, name) = match key.split_once('.') {
            Some((schema, name)) => (schema.to_string(), name.to_string()),
            None => (self.default_schema.clone(), key.to_string()),
        };
        if name.contains('.') {
            return Err(self.structure(path, "a name has at most one dot: `schema.name`"));
        }
        self.check_name(path, &schema)?;
        self.check_name(path, &name)?;
        Ok((schema, name))
    }

    /// Checks a finished statement with PostgreSQL's parser and keeps it.
    fn finish(&mut self, sql: Sql<'_>) -> Result<()> {
        let statement = self.checked(sql)?;
        self.statements.push(statement);
        Ok(())
    }

    fn checked(&self, sql: Sql<'_>) -> Result<Statement> {
        let sql_error = |offset: usize, message: String| {
            let (pos, path) = sql.locate(offset);
            let path = self.spans.resolve(&path);
            Error::Sql {
                file: self.file.to_path_buf(),
                line: pos.line,
                column: pos.column,
                path: path.to_string(),
                message,
            }
        };
        let parsed = schemactl_source::parse_source(Path::new(""), &sql.text).map_err(|e| {
            let (offset, message) = source_error(&sql.text, &e);
            sql_error(offset, message)
        })?;
        let (statement, rest) = match parsed.split_first() {
            Some(first) => first,
            None => return Err(sql_error(0, "this generates no statement".into())),
        };
        if let Some(second) = rest.first() {
            let offset = char_offset(&sql.text, second.line, second.column);
            // Point at the `;` that ended the first statement, inside the text that held it.
            let semicolon = sql
                .text
                .chars()
                .take(offset)
                .collect::<String>()
                .rfind(';')
                .map_or(offset, |b| sql.text[..b].chars().count());
            return Err(sql_error(
                semicolon,
                "`;` ends the statement here: SQL texts hold one expression, type or query".into(),
            ));
        }
        let start = sql.marks.first().map_or(sql.context.0, |m| m.pos);
        Ok(Statement {
            sql: sql.text.clone(),
            file: self.file.to_path_buf(),
            line: start.line,
            column: start.column,
            kind: statement.kind.clone(),
            transactional: statement.transactional,
            origins: sql
                .marks
                .iter()
                .map(|m| Origin { offset: m.offset, line: m.pos.line, column: m.pos.column, verbatim: m.verbatim })
                .collect(),
        })
    }

    /// `COMMENT ON <target> IS '...'` at `path` (the `comment` key), when there is one.
    fn comment(&mut self, path: &KeyPath, target: impl FnOnce(&mut Sql<'_>), comment: &Option<String>) -> Result<()> {
        let Some(comment) = comment else {
            return Ok(());
        };
        let mut sql = self.sql(path);
        sql.kw("COMMENT ON ");
        target(&mut sql);
        sql.kw(" IS ").literal(comment);
        self.finish(sql)
    }

    /// One `GRANT` per role of `grants` (at `path`), on `target` (`TABLE "s"."t"`), with
    /// `columns` for column privileges; a role with no privileges gets `REVOKE ALL` instead.
    fn grants(
        &mut self,
        path: &KeyPath,
        grants: &Grants,
        target: &dyn Fn(&mut Sql<'_>),
        columns: Option<&str>,
    ) -> Result<()> {
        self.grants_after(path, grants, &|_| {}, target, columns)
    }

    /// `ALTER DEFAULT PRIVILEGES [IN SCHEMA "s"] GRANT ... ON TABLES TO ...`, kind by kind, for
    /// `schema` or (`None`) the whole database.
    fn default_privileges(
        &mut self,
        path: &KeyPath,
        schema: Option<&str>,
        defaults: &crate::model::DefaultPrivileges,
    ) -> Result<()> {
        for (field, kind, grants) in defaults.by_kind() {
            let at = path.key(field);
            if schema.is_some() && kind == "SCHEMAS" && !grants.is_empty() {
                return Err(self
                    .structure(&at, "default privileges on schemas are database-wide: declare them at the top level"));
            }
            let prefix = |sql: &mut Sql<'_>| {
                sql.kw("ALTER DEFAULT PRIVILEGES ");
                if let Some(schema) = schema {
                    sql.kw("IN SCHEMA ").ident(schema).kw(" ");
                }
            };
            self.grants_after(
                &at,
                grants,
                &prefix,
                &|sql| {
                    sql.kw(kind);
                },
                None,
            )?;
        }
        Ok(())
    }

    /// [`Gen::grants`], each statement starting with `prefix`.
    fn grants_after(
        &mut self,
        path: &KeyPath,
        grants: &Grants,
        prefix: &dyn Fn(&mut Sql<'_>),
        target: &dyn Fn(&mut Sql<'_>),
        columns: Option<&str>,
    ) -> Result<()> {
        for (role, grant) in grants {
            let at = path.key(role);
            if grant.privileges.is_empty() {
                // The role holds nothing: what a new object gives it (PUBLIC's EXECUTE on
                // functions, USAGE on types, default privileges) is taken away.
                if grant.with_grant_option {
                    return Err(self.structure(&at.key("with_grant_option"), "no privileges listed to grant"));
                }
                let mut sql = self.sql(&at);
                prefix(&mut sql);
                sql.kw("REVOKE ALL");
                if let Some(column) = columns {
                    sql.kw(" (").ident(column).kw(")");
                }
                sql.kw(" ON ");
                target(&mut sql);
                sql.kw(" FROM ");
                role_name(&mut sql, role);
                self.finish(sql)?;
                continue;
            }
            let mut sql = self.sql(&at);
            prefix(&mut sql);
            sql.kw("GRANT ");
            for (i, privilege) in grant.privileges.iter().enumerate() {
                let item = at.key("privileges").index(i);
                if privilege.is_empty() || !privilege.chars().all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '_') {
                    return Err(self.structure(&item, format!("`{privilege}` is not a privilege")));
                }
                if i > 0 {
                    sql.kw(", ");
                }
                sql.user(&item, privilege);
                if let Some(column) = columns {
                    sql.kw(" (").ident(column).kw(")");
                }
            }
            sql.kw(" ON ");
            target(&mut sql);
            sql.kw(" TO ");
            role_name(&mut sql, role);
            if grant.with_grant_option {
                sql.kw(" WITH GRANT OPTION");
            }
            self.finish(sql)?;
        }
        Ok(())
    }

    /// A rename declared by `renamed_from` at `path`.
    fn rename(
        &mut self,
        path: &KeyPath,
        kind: RenameKind,
        schema: &str,
        table_or_type: Option<&str>,
        new: &str,
        old: &Option<String>,
    ) -> Result<()> {
        let Some(old) = old else {
            return Ok(());
        };
        let at = path.key("renamed_from");
        // Objects that can move between schemas name their old schema as keys do:
        // `old_schema.old_name`.
        let (old_schema, old) = match old.split_once('.') {
            Some((old_schema, name)) if kind.movable() => {
                if name.contains('.') {
                    return Err(self.structure(&at, "a name has at most one dot: `schema.name`"));
                }
                self.check_name(&at, old_schema)?;
                (old_schema.to_string(), name.to_string())
            }
            _ => (schema.to_string(), old.clone()),
        };
        let old = &old;
        self.check_name(&at, old)?;
        if old_schema == schema && old == new {
            return Err(self.structure(&at, format!("already called {new}: nothing to rename")));
        }
        let pos = self.spans.key_pos(&at);
        self.renames.push(Rename {
            kind,
            old_schema,
            schema: schema.to_string(),
            table_or_type: table_or_type.map(str::to_string),
            old: old.clone(),
            new: new.to_string(),
            file: self.file.to_path_buf(),
            line: pos.line,
            column: pos.column,
        });
        Ok(())
    }
}

/// A role in GRANT and policies: `public` is PUBLIC, the session roles are keywords.
fn role_name(sql: &mut Sql<'_>, role: &str) {
    match role {
        "public" => sql.kw("PUBLIC"),
        "current_user" | "current_role" | "session_user" => sql.kw(&role.to_uppercase()),
        _ => sql.ident(role),
    };
}

/// The 0-based character offset of a 1-based line and column of `text`.
fn char_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + column.saturating_sub(1);
        }
        offset += l.chars().count();
    }
    offset
}

/// The offset and message of a parser error about generated text.
fn source_error(text: &str, e: &schemactl_source::Error) -> (usize, String) {
    use schemactl_source::Error as E;
    match e {
        E::Syntax { line, column, message, .. } => (char_offset(text, *line, *column), message.clone()),
        E::NotSchema { line, column, statement, .. } => {
            (char_offset(text, *line, *column), format!("{statement} is not a schema statement"))
        }
        E::Unsupported { line, column, statement, reason, .. } => {
            (char_offset(text, *line, *column), format!("{statement} is not supported: {reason}"))
        }
        other => (0, other.to_string()),
    }
}
