//! `-- schemactl:renamed-from OLD` annotations.
//!
//! Schema files declare the desired state, so a renamed object looks like a dropped object
//! plus a new one. The annotation, a line comment directly before what was renamed (only
//! whitespace and other comments in between), names what it was called before:
//!
//! ```sql
//! -- schemactl:renamed-from accounts
//! CREATE TABLE app.users (
//!   -- schemactl:renamed-from full_name
//!   display_name text,
//!   -- schemactl:renamed-from accounts_email_check
//!   CONSTRAINT users_email_check CHECK (email LIKE '%@%')
//! );
//! CREATE TYPE app.mood AS ENUM (
//!   -- schemactl:renamed-from meh
//!   'neutral', 'happy');
//! ```
//!
//! What follows the comment decides what is renamed: the first token of `CREATE SCHEMA`,
//! `CREATE TABLE`, `CREATE [MATERIALIZED] VIEW`, `CREATE SEQUENCE`, `CREATE INDEX`, `CREATE
//! TYPE` (enum, composite, range) or `CREATE DOMAIN`; a column definition or a named
//! constraint inside `CREATE TABLE` or `ALTER TABLE ... ADD` (or the `ALTER TABLE` itself
//! when it adds one column or constraint); an enum label. Positions come from the scanner
//! (comments are tokens with byte offsets) and the parse tree (`ColumnDef.location`,
//! `Constraint.location`); enum labels have no location, so the label is the n-th string
//! literal of its statement.
//!
//! OLD is a name, folded to lower case unless double-quoted, as PostgreSQL folds identifiers.
//! Enum labels are strings: taken exactly as written, with or without quotes. Tables, views,
//! materialized views, sequences, types, domains and routines may have been in another schema:
//! `-- schemactl:renamed-from old_schema.old_name` moves them (`ALTER ... SET SCHEMA`); an
//! unqualified OLD means the same schema. Columns, constraints, indexes and enum labels stay
//! in their container, so their OLD is unqualified.

use std::path::{Path, PathBuf};

use pg_query::protobuf::{AlterTableType, ConstrType, Node, ObjectType, RangeVar, ScanToken, Token};
use pg_query::NodeEnum;

use crate::error::{Error, Result};
use crate::names::strings;
use crate::parse::{explain, split_skipping_meta_commands, statement_end, SplitError};
use crate::text::{floor_char_boundary, LineIndex};

/// The annotation keyword, after `--`.
pub const ANNOTATION: &str = "schemactl:renamed-from";

/// PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes.
const MAX_NAME_BYTES: usize = 63;

const NOT_BEFORE_RENAMABLE: &str = "`-- schemactl:renamed-from` must directly precede what was renamed: CREATE \
     SCHEMA, TABLE, [MATERIALIZED] VIEW, SEQUENCE, INDEX, TYPE, DOMAIN, FUNCTION or PROCEDURE, a column \
     definition, a named constraint, or an enum label (only whitespace and comments in between)";

pub use schemactl_model::RenameKind;

/// One `-- schemactl:renamed-from OLD` annotation, bound to what it precedes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub kind: RenameKind,
    /// The schema the object lives in, by its desired name; for [`RenameKind::Schema`], the
    /// schema's own new name.
    pub schema: String,
    /// The table (columns, constraints) or enum type (values) the object belongs to, by its
    /// desired name.
    pub table_or_type: Option<String>,
    /// The schema the object was in before, as stored in the catalog: `schema` unless the
    /// annotation is qualified (a move to another schema).
    pub old_schema: String,
    /// The name before (an enum label for enum values), as stored in the catalog.
    pub old: String,
    /// The name in the schema files, as stored in the catalog.
    pub new: String,
    /// Where the annotation is.
    pub file: PathBuf,
    /// 1-based line of the annotation.
    pub line: usize,
    /// 1-based column of the annotation, in characters.
    pub column: usize,
}

impl Rename {
    /// `path:line:column` of the annotation.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file.display(), self.line, self.column)
    }

    /// The object as it would be called under `name`, for messages: `column app.users.email`.
    pub fn describe(&self, name: &str) -> String {
        self.kind.describe(&self.schema, self.table_or_type.as_deref(), name)
    }

    /// The object as it was called before, for messages: `table old_app.accounts`.
    pub fn describe_old(&self) -> String {
        self.kind.describe(&self.old_schema, self.table_or_type.as_deref(), &self.old)
    }

    /// Whether the object moves to another schema.
    pub fn moves(&self) -> bool {
        self.kind != RenameKind::Schema && self.old_schema != self.schema
    }

    /// Where the name must be unique: kind family, schema, container.
    fn place(&self) -> (u8, &str, Option<&str>) {
        let schema = if self.kind == RenameKind::Schema { "" } else { self.schema.as_str() };
        (self.kind.namespace(), schema, self.table_or_type.as_deref())
    }

    /// Where the object was: kind family, schema, container, name.
    fn old_place(&self) -> (u8, &str, Option<&str>, &str) {
        let schema = if self.kind == RenameKind::Schema { "" } else { self.old_schema.as_str() };
        (self.kind.namespace(), schema, self.table_or_type.as_deref(), self.old.as_str())
    }
}

/// The annotations of one file's text, in file order; see the module documentation. `file` is
/// only used for positions.
pub fn parse_renames(file: &Path, text: &str) -> Result<Vec<Rename>> {
    let renames = extract(file, text)?;
    check_conflicts(&renames)?;
    Ok(renames)
}

/// Annotations of one file, without the cross-file checks of [`check_conflicts`].
pub(crate) fn extract(file: &Path, text: &str) -> Result<Vec<Rename>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Files without the keywords (nearly all) cost a substring search.
    if !text.contains(ANNOTATION) && !text.contains(crate::conversions::USING) {
        return Ok(Vec::new());
    }
    let index = LineIndex::new(text);
    let at = |byte: usize, message: String| {
        let (line, column) = index.position(byte);
        Error::Annotation { file: file.to_path_buf(), line, column, message }
    };
    let split = split_skipping_meta_commands(text).map_err(|e| match e {
        SplitError::Syntax(e, byte) => {
            let (line, column) = index.position(byte);
            Error::Syntax { file: file.to_path_buf(), line, column, message: explain(e.message) }
        }
        SplitError::MetaCommand(byte, message) => {
            let (line, column) = index.position(byte);
            Error::MetaCommand { file: file.to_path_buf(), line, column, message }
        }
    })?;
    let (spans, parsed, tokens) = (split.spans, split.text, split.tokens);
    let statements: Vec<(usize, usize)> = spans
        .iter()
        .map(|s| {
            let start = floor_char_boundary(&parsed, s.start);
            (start, statement_end(&parsed, start, s.end, &tokens))
        })
        .collect();

    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let (start, end) = (offset(token.start), offset(token.end).min(parsed.len()));
        let Some(comment) = parsed.get(start..end) else { continue };
        if token.token == Token::CComment as i32 {
            if comment.trim_start_matches("/*").trim_start().starts_with(ANNOTATION) {
                return Err(at(start, format!("`{ANNOTATION}` must be a line comment: `-- {ANNOTATION} OLD_NAME`")));
            }
            continue;
        }
        if token.token != Token::SqlComment as i32 {
            continue;
        }
        if crate::conversions::is_using(comment) {
            // Read with its statement (`conversions::conversions`); here only one outside any
            // statement, which that would never see, is refused.
            let inside = tokens[i + 1..].iter().find(|t| !is_comment(t)).is_some_and(|t| {
                let at = offset(t.start);
                statements.iter().any(|&(s, e)| s <= at && at < e && s < start)
            });
            if !inside {
                return Err(at(start, crate::conversions::MISPLACED.into()));
            }
            continue;
        }
        let Some(old) = parse_annotation(comment).map_err(|m| at(start, m))? else { continue };
        let target = match tokens[i + 1..].iter().position(|t| !is_comment(t)) {
            Some(p) => bind(&parsed, &statements, &tokens, i + 1 + p).map_err(|m| at(start, m))?,
            None => None,
        };
        let Some(target) = target else { return Err(at(start, NOT_BEFORE_RENAMABLE.into())) };
        let (old_schema, old) = old.resolve(target.kind).map_err(|m| at(start, m))?;
        let (line, column) = index.position(start);
        let rename = Rename {
            kind: target.kind,
            old_schema: old_schema.unwrap_or_else(|| target.schema.clone()),
            schema: target.schema,
            table_or_type: target.container,
            old,
            new: target.new,
            file: file.to_path_buf(),
            line,
            column,
        };
        if rename.old == rename.new && !rename.moves() {
            return Err(at(
                start,
                format!("{} is already called {}: nothing to rename", rename.describe(&rename.new), rename.old),
            ));
        }
        out.push(rename);
    }
    Ok(out)
}

/// Refuses two annotations giving one object two old names, or one old name two new ones.
pub(crate) fn check_conflicts(renames: &[Rename]) -> Result<()> {
    for (i, r) in renames.iter().enumerate() {
        for earlier in &renames[..i] {
            if earlier.place() != r.place() || earlier.new != r.new {
                continue;
            }
            let message =
                format!("a second `{ANNOTATION}` for {} (the first is at {})", r.describe(&r.new), earlier.location());
            return Err(Error::Annotation { file: r.file.clone(), line: r.line, column: r.column, message });
        }
        // One old object claimed twice: it may have moved from another schema, so compared by
        // where it was.
        for earlier in &renames[..i] {
            if earlier.old_place() != r.old_place() {
                continue;
            }
            let message = format!(
                "{} cannot be renamed twice (to {} here and to {} at {})",
                r.describe_old(),
                r.new,
                earlier.new,
                earlier.location()
            );
            return Err(Error::Annotation { file: r.file.clone(), line: r.line, column: r.column, message });
        }
    }
    Ok(())
}

pub(crate) fn offset(position: i32) -> usize {
    usize::try_from(position).unwrap_or(0)
}

pub(crate) fn is_comment(t: &ScanToken) -> bool {
    t.token == Token::SqlComment as i32 || t.token == Token::CComment as i32
}

fn is_string(t: &ScanToken) -> bool {
    t.token == Token::Sconst as i32 || t.token == Token::Usconst as i32
}

/// One part of OLD as written in the annotation.
#[derive(Debug, PartialEq, Eq)]
enum OldName {
    Bare(String),
    /// Between double or single quotes, quotes undoubled.
    Quoted(String),
}

impl OldName {
    /// The catalog name this part stands for, as an identifier.
    fn identifier(self) -> std::result::Result<String, String> {
        match self {
            OldName::Quoted(s) => Ok(truncate(s)),
            OldName::Bare(s) => {
                let plain = s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
                    && s.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$');
                if !plain {
                    return Err(format!("{s} is not a plain identifier: write it in double quotes"));
                }
                // PostgreSQL folds unquoted identifiers in ASCII only.
                Ok(truncate(s.to_ascii_lowercase()))
            }
        }
    }
}

/// OLD as written: `name` or `schema.name`.
#[derive(Debug, PartialEq, Eq)]
struct Written {
    schema: Option<OldName>,
    name: OldName,
}

impl Written {
    /// The old schema (when written) and name OLD stands for, once the kind of object is known.
    fn resolve(self, kind: RenameKind) -> std::result::Result<(Option<String>, String), String> {
        if let Some(schema) = self.schema {
            if !kind.movable() {
                let name = match self.name {
                    OldName::Bare(s) | OldName::Quoted(s) => s,
                };
                let kind = kind.as_str();
                let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                return Err(format!(
                    "{article} {kind} does not move between schemas: its old name is unqualified (here `{name}`); only tables, \
                     views, materialized views, sequences, types, domains, functions and procedures take \
                     `old_schema.old_name`"
                ));
            }
            return Ok((Some(schema.identifier()?), self.name.identifier()?));
        }
        match (self.name, kind) {
            (OldName::Bare(s) | OldName::Quoted(s), RenameKind::EnumValue) => Ok((None, s)),
            (name, _) => Ok((None, name.identifier()?)),
        }
    }
}

fn truncate(mut name: String) -> String {
    if name.len() > MAX_NAME_BYTES {
        let end = floor_char_boundary(&name, MAX_NAME_BYTES);
        name.truncate(end);
    }
    name
}

/// `Ok(None)` when the comment is not an annotation; `Err` for a malformed one.
fn parse_annotation(comment: &str) -> std::result::Result<Option<Written>, String> {
    let body = comment.strip_prefix("--").unwrap_or(comment).trim_start();
    let Some(rest) = body.strip_prefix(ANNOTATION) else { return Ok(None) };
    let usage = format!("expected `-- {ANNOTATION} [OLD_SCHEMA.]OLD_NAME`");
    if !rest.starts_with(char::is_whitespace) {
        return Err(usage);
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(format!("{usage}: the old name is missing"));
    }
    let (first, after) = part(rest).map_err(|m| format!("{usage}: {m}"))?;
    let (written, after) = match after.strip_prefix('.') {
        Some(second) => {
            let (name, after) = part(second).map_err(|m| format!("{usage}: {m}"))?;
            (Written { schema: Some(first), name }, after)
        }
        None => (Written { schema: None, name: first }, after),
    };
    if after.starts_with('.') {
        return Err(format!("{usage}: at most a schema and a name, found `{rest}`"));
    }
    if !after.trim().is_empty() {
        return Err(format!("{usage}: one name only, found `{}` after it", after.trim()));
    }
    Ok(Some(written))
}

/// One name at the start of `s` (quoted, or up to a dot or whitespace) and what follows.
fn part(s: &str) -> std::result::Result<(OldName, &str), String> {
    match s.chars().next() {
        None => Err("a name is missing after the dot".into()),
        Some(quote @ ('"' | '\'')) => {
            let (name, after) = unquote(s, quote).ok_or_else(|| format!("unterminated {quote}"))?;
            if name.is_empty() {
                return Err("the old name is empty".into());
            }
            Ok((OldName::Quoted(name), after))
        }
        Some(_) => {
            let end = s.find(|c: char| c.is_whitespace() || c == '.').unwrap_or(s.len());
            if end == 0 {
                return Err("a name is missing before the dot".into());
            }
            Ok((OldName::Bare(s[..end].to_string()), &s[end..]))
        }
    }
}

/// The text between `quote` at the start of `s` and its closing quote (doubled quotes stand
/// for one), and what follows.
fn unquote(s: &str, quote: char) -> Option<(String, &str)> {
    let mut name = String::new();
    let mut chars = s.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c != quote {
            name.push(c);
        } else if chars.peek().is_some_and(|&(_, next)| next == quote) {
            name.push(quote);
            chars.next();
        } else {
            return Some((name, &s[i + c.len_utf8()..]));
        }
    }
    None
}

/// What an annotation renames, by desired names.
pub(crate) struct Target {
    pub(crate) kind: RenameKind,
    pub(crate) schema: String,
    pub(crate) container: Option<String>,
    pub(crate) new: String,
}

/// Binds an annotation to the token `next` that follows it. `Ok(None)`: nothing renamable
/// starts there.
pub(crate) fn bind(
    text: &str,
    statements: &[(usize, usize)],
    tokens: &[ScanToken],
    next: usize,
) -> std::result::Result<Option<Target>, String> {
    let at = offset(tokens[next].start);
    let Some(&(start, end)) = statements.iter().find(|&&(s, e)| s <= at && at < e) else { return Ok(None) };
    let node = match pg_query::parse(&text[start..end], 0) {
        Ok(parsed) => parsed.protobuf.stmts.into_iter().next().and_then(|s| s.stmt).and_then(|s| s.node),
        Err(_) => None,
    };
    let Some(node) = node else { return Err("cannot read the statement this annotation precedes".into()) };
    let in_statement = |t: &ScanToken| offset(t.start) >= start && !is_comment(t);
    if !tokens[..next].iter().any(in_statement) {
        return statement_target(&node);
    }
    if is_string(&tokens[next]) {
        let NodeEnum::CreateEnumStmt(e) = &node else { return Ok(None) };
        let ordinal = tokens[..next].iter().filter(|t| in_statement(t) && is_string(t)).count();
        let labels = strings(&e.vals);
        let (Some(label), Some((schema, name))) = (labels.get(ordinal), qualified(&e.type_name)) else {
            return Ok(None);
        };
        return Ok(Some(Target { kind: RenameKind::EnumValue, schema, container: Some(name), new: label.to_string() }));
    }
    // In `ALTER TABLE`, an annotation may also precede `ADD [COLUMN] [IF NOT EXISTS]`.
    let mut element = next;
    if matches!(node, NodeEnum::AlterTableStmt(_)) {
        let lead = [Token::AddP, Token::Column, Token::IfP, Token::Not, Token::Exists].map(|t| t as i32);
        while lead.contains(&tokens[element].token) {
            match tokens[element + 1..].iter().position(|t| !is_comment(t)) {
                Some(p) => element += 1 + p,
                None => break,
            }
        }
    }
    element_target(&node, offset(tokens[element].start).saturating_sub(start))
}

/// The object a whole statement creates, when the annotation precedes the statement.
fn statement_target(node: &NodeEnum) -> std::result::Result<Option<Target>, String> {
    let named = |kind: RenameKind, (schema, new): (String, String)| Target { kind, schema, container: None, new };
    Ok(match node {
        NodeEnum::CreateSchemaStmt(s) if !s.schemaname.is_empty() => Some(Target {
            kind: RenameKind::Schema,
            schema: s.schemaname.clone(),
            container: None,
            new: s.schemaname.clone(),
        }),
        NodeEnum::CreateStmt(s) => s.relation.as_ref().map(|r| named(RenameKind::Table, relation(r))),
        NodeEnum::ViewStmt(s) => s.view.as_ref().map(|r| named(RenameKind::View, relation(r))),
        NodeEnum::CreateTableAsStmt(s) if s.objtype == ObjectType::ObjectMatview as i32 => {
            s.into.as_ref().and_then(|i| i.rel.as_ref()).map(|r| named(RenameKind::MaterializedView, relation(r)))
        }
        NodeEnum::CreateSeqStmt(s) => s.sequence.as_ref().map(|r| named(RenameKind::Sequence, relation(r))),
        NodeEnum::IndexStmt(s) => {
            if s.idxname.is_empty() {
                return Err("an index without a name cannot be the target of a rename: name it".into());
            }
            s.relation.as_ref().map(|r| named(RenameKind::Index, (relation(r).0, s.idxname.clone())))
        }
        NodeEnum::CreateEnumStmt(s) => qualified(&s.type_name).map(|n| named(RenameKind::Type, n)),
        NodeEnum::CreateRangeStmt(s) => qualified(&s.type_name).map(|n| named(RenameKind::Type, n)),
        NodeEnum::CompositeTypeStmt(s) => s.typevar.as_ref().map(|r| named(RenameKind::Type, relation(r))),
        NodeEnum::CreateDomainStmt(s) => qualified(&s.domainname).map(|n| named(RenameKind::Domain, n)),
        NodeEnum::CreateFunctionStmt(s) => qualified(&s.funcname).map(|n| named(RenameKind::Routine, n)),
        // `ALTER TABLE t ADD [COLUMN] c ...` / `ADD CONSTRAINT c ...`: the one thing it adds.
        NodeEnum::AlterTableStmt(s) if s.objtype == ObjectType::ObjectTable as i32 && s.cmds.len() == 1 => {
            let Some(table) = s.relation.as_ref().map(relation) else { return Ok(None) };
            match added(&s.cmds[0]) {
                Some(element) => element_of(&table, element)?,
                None => None,
            }
        }
        _ => None,
    })
}

/// The column or named constraint of a table statement that starts at byte `rel` of it.
fn element_target(node: &NodeEnum, rel: usize) -> std::result::Result<Option<Target>, String> {
    let starts_here = |location: i32| usize::try_from(location).is_ok_and(|l| l == rel);
    let (table, elements): (_, Vec<&NodeEnum>) = match node {
        NodeEnum::CreateStmt(s) => {
            (s.relation.as_ref().map(relation), s.table_elts.iter().filter_map(|e| e.node.as_ref()).collect())
        }
        NodeEnum::AlterTableStmt(s) if s.objtype == ObjectType::ObjectTable as i32 => {
            (s.relation.as_ref().map(relation), s.cmds.iter().filter_map(added).collect())
        }
        _ => return Ok(None),
    };
    let Some(table) = table else { return Ok(None) };
    for element in elements {
        match element {
            NodeEnum::ColumnDef(c) => {
                if starts_here(c.location) {
                    return element_of(&table, element);
                }
                // `CONSTRAINT name PRIMARY KEY` written on the column.
                for constraint in c.constraints.iter().filter_map(|n| n.node.as_ref()) {
                    if matches!(constraint, NodeEnum::Constraint(k) if starts_here(k.location)) {
                        return element_of(&table, constraint);
                    }
                }
            }
            NodeEnum::Constraint(k) if starts_here(k.location) => return element_of(&table, element),
            _ => {}
        }
    }
    Ok(None)
}

/// The column or constraint an `ALTER TABLE` subcommand adds.
fn added(cmd: &Node) -> Option<&NodeEnum> {
    match &cmd.node {
        Some(NodeEnum::AlterTableCmd(c))
            if c.subtype == AlterTableType::AtAddColumn as i32
                || c.subtype == AlterTableType::AtAddConstraint as i32 =>
        {
            c.def.as_ref().and_then(|d| d.node.as_ref())
        }
        _ => None,
    }
}

/// A column or named constraint of `table`.
fn element_of((schema, table): &(String, String), element: &NodeEnum) -> std::result::Result<Option<Target>, String> {
    let target =
        |kind, new: &str| Target { kind, schema: schema.clone(), container: Some(table.clone()), new: new.into() };
    match element {
        NodeEnum::ColumnDef(c) => Ok(Some(target(RenameKind::Column, &c.colname))),
        NodeEnum::Constraint(k) if !k.conname.is_empty() => Ok(Some(target(RenameKind::Constraint, &k.conname))),
        NodeEnum::Constraint(k) if is_named_kind(k.contype) => {
            Err("a constraint without a name cannot be the target of a rename: name it (`CONSTRAINT name ...`)".into())
        }
        _ => Ok(None),
    }
}

/// Constraint kinds that exist in the catalog under a name (not NULL/NOT NULL/DEFAULT...).
fn is_named_kind(contype: i32) -> bool {
    [
        ConstrType::ConstrCheck,
        ConstrType::ConstrPrimary,
        ConstrType::ConstrUnique,
        ConstrType::ConstrExclusion,
        ConstrType::ConstrForeign,
    ]
    .iter()
    .any(|&k| k as i32 == contype)
}

/// `(schema, name)` of a relation; unqualified names are created in `public`, the shadow
/// database's creation schema.
fn relation(r: &RangeVar) -> (String, String) {
    let schema = if r.schemaname.is_empty() { "public" } else { r.schemaname.as_str() };
    (schema.to_string(), r.relname.clone())
}

/// `(schema, name)` of a name list (`name`, `schema.name`, `db.schema.name`).
fn qualified(parts: &[Node]) -> Option<(String, String)> {
    let parts = strings(parts);
    let (name, rest) = parts.split_last()?;
    Some((rest.last().copied().unwrap_or("public").to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_syntax() {
        let bare = |s: &str| Ok(Some(Written { schema: None, name: OldName::Bare(s.into()) }));
        assert_eq!(parse_annotation("-- schemactl:renamed-from old_name"), bare("old_name"));
        assert_eq!(parse_annotation("--schemactl:renamed-from   Old  "), bare("Old"));
        assert_eq!(
            parse_annotation("-- schemactl:renamed-from \"A \"\"b\"\"\""),
            Ok(Some(Written { schema: None, name: OldName::Quoted("A \"b\"".into()) }))
        );
        assert_eq!(
            parse_annotation("-- schemactl:renamed-from 'it''s'"),
            Ok(Some(Written { schema: None, name: OldName::Quoted("it's".into()) }))
        );
        assert_eq!(
            parse_annotation("-- schemactl:renamed-from app.users"),
            Ok(Some(Written { schema: Some(OldName::Bare("app".into())), name: OldName::Bare("users".into()) }))
        );
        assert_eq!(
            parse_annotation("-- schemactl:renamed-from \"Old App\".\"a.b\""),
            Ok(Some(Written { schema: Some(OldName::Quoted("Old App".into())), name: OldName::Quoted("a.b".into()) }))
        );
        assert_eq!(parse_annotation("-- a plain comment"), Ok(None));
        assert_eq!(parse_annotation("-- see schemactl:renamed-from"), Ok(None));
        for bad in [
            "-- schemactl:renamed-from",
            "-- schemactl:renamed-fromx",
            "-- schemactl:renamed-from a b",
            "-- schemactl:renamed-from \"open",
            "-- schemactl:renamed-from \"\"",
            "-- schemactl:renamed-from a.b.c",
            "-- schemactl:renamed-from a.",
            "-- schemactl:renamed-from .a",
            "-- schemactl:renamed-from a. b",
        ] {
            assert!(parse_annotation(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_fold_like_postgres() {
        let written = |schema: Option<OldName>, name: OldName| Written { schema, name };
        let bare = |s: &str| OldName::Bare(s.into());
        assert_eq!(written(None, bare("OldName")).resolve(RenameKind::Column), Ok((None, "oldname".into())));
        assert_eq!(
            written(None, OldName::Quoted("OldName".into())).resolve(RenameKind::Column),
            Ok((None, "OldName".into()))
        );
        assert_eq!(written(None, bare("Active")).resolve(RenameKind::EnumValue), Ok((None, "Active".into())));
        assert!(written(None, bare("1abc")).resolve(RenameKind::Table).is_err());
        assert!(written(None, bare("a-b")).resolve(RenameKind::Table).is_err());
        let long = "x".repeat(70);
        assert_eq!(written(None, bare(&long)).resolve(RenameKind::Table), Ok((None, "x".repeat(63))));
        assert_eq!(
            written(Some(bare("Old")), bare("T")).resolve(RenameKind::Table),
            Ok((Some("old".into()), "t".into()))
        );
        for kind in [RenameKind::Column, RenameKind::Index, RenameKind::Schema, RenameKind::EnumValue] {
            let err = written(Some(bare("app")), bare("users")).resolve(kind).unwrap_err();
            assert!(err.contains("`users`"), "{err}");
        }
    }
}
