//! Planning declared renames (`-- schemactl:renamed-from`), the pure half: the SQL of each
//! rename and of its inverse, the steps a plan starts (and its inverse ends) with, and the
//! renames PostgreSQL leaves to us (constraints, indexes and sequences named after a renamed
//! table or column). Running them on a shadow database, where PostgreSQL itself updates
//! everything that refers to the renamed object, is the workflow's job (`schemactl-engine`).

use crate::step::HazardKind;
use crate::{Action, Plan, Step};
use schemactl_model::{Catalog, ObjKey, ObjectId, ObjectKind, QualName, RenameKind};
use schemactl_sqltext::{comment, display_ident, ident, literal, qualified};
use std::collections::BTreeSet;

/// One rename, or one move to another schema, by the names in effect when it runs
/// (containers already renamed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameOp {
    pub kind: RenameKind,
    pub schema: String,
    /// The table (columns, constraints; the indexes and owned sequences renamed with their
    /// table) or enum type (values) it belongs to.
    pub container: Option<String>,
    pub old: String,
    pub new: String,
    /// A move: `ALTER ... SET SCHEMA` from `schema` to this one, keeping the name (`old` and
    /// `new` are equal). PostgreSQL renames and moves in separate statements.
    pub moved_to: Option<String>,
    /// What a move does to the schemas around it.
    pub schemas: Around,
}

/// A schema a move needs that exists neither before nor after it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Around {
    #[default]
    Nothing,
    /// The schema moved to is new: created first (bare; the plan sets the rest of it).
    CreateTarget,
    /// The inverse: the schema moved from was created by the move, and is dropped after it.
    DropSource,
}

impl RenameOp {
    /// A rename in `schema`.
    pub fn rename(kind: RenameKind, schema: &str, container: Option<&str>, old: &str, new: &str) -> RenameOp {
        RenameOp {
            kind,
            schema: schema.into(),
            container: container.map(str::to_string),
            old: old.into(),
            new: new.into(),
            moved_to: None,
            schemas: Around::Nothing,
        }
    }

    /// A move of `name` from `schema` to `to`.
    pub fn moving(kind: RenameKind, schema: &str, name: &str, to: &str) -> RenameOp {
        RenameOp { moved_to: Some(to.into()), ..RenameOp::rename(kind, schema, None, name, name) }
    }

    pub fn inverse(&self) -> RenameOp {
        match &self.moved_to {
            Some(to) => RenameOp {
                schema: to.clone(),
                moved_to: Some(self.schema.clone()),
                schemas: match self.schemas {
                    Around::Nothing => Around::Nothing,
                    Around::CreateTarget => Around::DropSource,
                    Around::DropSource => Around::CreateTarget,
                },
                ..self.clone()
            },
            None => RenameOp { old: self.new.clone(), new: self.old.clone(), ..self.clone() },
        }
    }

    /// The schema the object is in once the op ran.
    pub fn schema_after(&self) -> &str {
        self.moved_to.as_deref().unwrap_or(&self.schema)
    }

    pub fn name(&self, name: &str) -> QualName {
        QualName::new(&self.schema, name)
    }

    pub fn container(&self) -> QualName {
        self.name(self.container.as_deref().unwrap_or_default())
    }

    pub fn sql(&self) -> String {
        if let Some(to) = &self.moved_to {
            return self.move_sql(to);
        }
        let rename_to =
            |what: &str| format!("ALTER {what} {} RENAME TO {}", qualified(&self.name(&self.old)), ident(&self.new));
        match self.kind {
            RenameKind::Schema => format!("ALTER SCHEMA {} RENAME TO {}", ident(&self.old), ident(&self.new)),
            RenameKind::Table => rename_to("TABLE"),
            RenameKind::View => rename_to("VIEW"),
            RenameKind::MaterializedView => rename_to("MATERIALIZED VIEW"),
            RenameKind::Sequence => rename_to("SEQUENCE"),
            RenameKind::Index => rename_to("INDEX"),
            RenameKind::Type => rename_to("TYPE"),
            RenameKind::Domain => rename_to("DOMAIN"),
            // Without an argument list: PostgreSQL finds the one routine of that name, or says
            // the name is not unique.
            RenameKind::Routine => rename_to("ROUTINE"),
            RenameKind::Column => format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                qualified(&self.container()),
                ident(&self.old),
                ident(&self.new)
            ),
            RenameKind::Constraint => format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                qualified(&self.container()),
                ident(&self.old),
                ident(&self.new)
            ),
            RenameKind::EnumValue => format!(
                "ALTER TYPE {} RENAME VALUE {} TO {}",
                qualified(&self.container()),
                literal(&self.old),
                literal(&self.new)
            ),
        }
    }

    fn move_sql(&self, to: &str) -> String {
        let what = match self.kind {
            RenameKind::Table => "TABLE",
            RenameKind::View => "VIEW",
            RenameKind::MaterializedView => "MATERIALIZED VIEW",
            RenameKind::Sequence => "SEQUENCE",
            RenameKind::Type => "TYPE",
            RenameKind::Domain => "DOMAIN",
            // Without an argument list, as its rename.
            RenameKind::Routine => "ROUTINE",
            // Never built: these kinds are not movable (`RenameKind::movable`), and the reader
            // refuses a qualified old name for them.
            RenameKind::Schema
            | RenameKind::Index
            | RenameKind::Column
            | RenameKind::Constraint
            | RenameKind::EnumValue => {
                return comment(&format!("{} cannot move to schema {}", self.kind.as_str(), display_ident(to)))
            }
        };
        let set = format!("ALTER {what} {} SET SCHEMA {}", qualified(&self.name(&self.old)), ident(to));
        match self.schemas {
            Around::Nothing => set,
            Around::CreateTarget => format!("CREATE SCHEMA {};\n{set}", ident(to)),
            Around::DropSource => format!("{set};\nDROP SCHEMA {}", ident(&self.schema)),
        }
    }

    /// The object under the name it has before the step: what the step changes.
    pub fn key(&self, name: &str) -> ObjKey {
        self.key_in(&self.schema, name)
    }

    fn key_in(&self, schema: &str, name: &str) -> ObjKey {
        let object =
            |kind| ObjKey::Object { id: ObjectId { kind, schema: schema.to_string(), name: name.into(), table: None } };
        let qual = QualName::new(schema, name);
        match self.kind {
            RenameKind::Schema => ObjKey::Schema { name: name.into() },
            RenameKind::Table => ObjKey::Table { name: qual },
            RenameKind::View => object(ObjectKind::View),
            RenameKind::MaterializedView => object(ObjectKind::MaterializedView),
            RenameKind::Sequence => ObjKey::Sequence { name: qual },
            RenameKind::Index => ObjKey::Index { name: qual },
            RenameKind::Type | RenameKind::Domain => ObjKey::Type { name: qual },
            RenameKind::Column => ObjKey::Column { table: self.container(), column: name.into() },
            RenameKind::Constraint => ObjKey::Constraint { table: self.container(), name: name.into() },
            RenameKind::EnumValue => ObjKey::Type { name: self.container() },
            RenameKind::Routine => object(ObjectKind::Function),
        }
    }

    /// A plan step, grouped with the object under its new name.
    pub fn step(&self) -> Step {
        self.step_after(&[])
    }

    /// The step when `earlier` renames ran before it: the object it changes is named as it was
    /// before all of them (it may have been renamed or moved by an earlier step, and its schema
    /// or table may be one of them), which is what the revision's drift check must find in the
    /// database.
    pub fn step_after(&self, earlier: &[RenameOp]) -> Step {
        let (schema, name) = trace(earlier, self.kind, &self.schema, &self.old);
        let mut before = RenameOp { schema, ..self.clone() };
        if let Some(container) = &self.container {
            let kind = if self.kind == RenameKind::EnumValue { RenameKind::Type } else { RenameKind::Table };
            let (schema, container) = trace(earlier, kind, &self.schema, container);
            before.schema = schema;
            before.container = Some(container);
        }
        let after = self.key_in(self.schema_after(), &self.new);
        let step = Step::new(Action::Alter, before.key(&name), self.sql()).grouped_under(after.group());
        if self.kind != RenameKind::Routine {
            return step;
        }
        // Views and defaults follow a routine by its oid; function bodies name it in text.
        let what = if self.moved_to.is_some() { "moved" } else { "renamed" };
        step.hazard(
            HazardKind::UntrackableDependencies,
            format!(
                "{} is {what}; function bodies that call it are not tracked and fail when run",
                self.describe(&self.old)
            ),
        )
    }
    /// The object under `name`, for messages: `column app.users.email`.
    pub fn describe(&self, name: &str) -> String {
        self.kind.describe(&self.schema, self.container.as_deref(), name)
    }
}

/// The schema and name, before `earlier` ran, of the object of `kind` called `schema.name`
/// after them. Schemas are traced through schema renames.
fn trace(earlier: &[RenameOp], kind: RenameKind, schema: &str, name: &str) -> (String, String) {
    let (mut schema, mut name) = (schema.to_string(), name.to_string());
    for e in earlier.iter().rev() {
        if kind == RenameKind::Schema {
            if e.kind == RenameKind::Schema && e.new == name {
                name = e.old.clone();
            }
        } else if e.kind == RenameKind::Schema {
            if e.new == schema {
                schema = e.old.clone();
            }
        } else if e.kind == kind && e.container.is_none() && e.schema_after() == schema && e.new == name {
            (schema, name) = (e.schema.clone(), e.old.clone());
        }
    }
    (schema, name)
}

/// Puts `ops` (run in this order) at the start of `up` and their inverses, last renamed first,
/// at the end of `down` (the plan back from the desired state).
pub fn wrap(ops: &[RenameOp], up: &mut Plan, down: Option<&mut Plan>) {
    let mut steps: Vec<Step> = ops.iter().enumerate().map(|(i, op)| op.step_after(&ops[..i])).collect();
    steps.append(&mut up.steps);
    up.steps = steps;
    if let Some(down) = down {
        down.steps.extend(ops.iter().rev().map(|op| op.inverse().step()));
    }
}

/// Constraints, indexes and owned sequences of `tables` that exist in `current` only, matched
/// one to one with an identical one that exists in `desired` only under another name.
pub fn implied(current: &Catalog, desired: &Catalog, tables: &BTreeSet<QualName>) -> Vec<RenameOp> {
    let mut ops = Vec::new();
    for name in tables {
        let (Some(cur), Some(want)) = (current.tables.get(name), desired.tables.get(name)) else { continue };
        let op = |kind, old: &str, new: &str| RenameOp::rename(kind, &name.schema, Some(&name.name), old, new);
        let gone: Vec<_> =
            cur.constraints.values().filter(|c| !c.inherited && !want.constraints.contains_key(&c.name)).collect();
        let added: Vec<_> =
            want.constraints.values().filter(|c| !c.inherited && !cur.constraints.contains_key(&c.name)).collect();
        let same = |a: &schemactl_model::Constraint, b: &schemactl_model::Constraint| {
            a.kind == b.kind && a.definition == b.definition
        };
        for (old, new) in one_to_one(&gone, &added, |a, b| same(a, b)) {
            ops.push(op(RenameKind::Constraint, &old.name, &new.name));
        }
        let gone: Vec<_> =
            cur.indexes.values().filter(|i| !i.inherited && !want.indexes.contains_key(&i.name)).collect();
        let added: Vec<_> =
            want.indexes.values().filter(|i| !i.inherited && !cur.indexes.contains_key(&i.name)).collect();
        let unnamed = |i: &schemactl_model::Index| {
            i.definition.replacen(&format!(" INDEX {} ON ", ident(&i.name)), " INDEX ON ", 1)
        };
        for (old, new) in one_to_one(&gone, &added, |a, b| unnamed(a) == unnamed(b)) {
            // The table stays as the container, though the SQL does not name it: a step traces
            // the index back through a move of its table (`step_after`).
            ops.push(op(RenameKind::Index, &old.name, &new.name));
        }
        let owned = |catalog: &Catalog, other: &Catalog| -> Vec<(QualName, String)> {
            catalog
                .sequences
                .values()
                .filter(|s| !other.sequences.contains_key(&s.name))
                .filter_map(|s| {
                    s.owned_by.as_ref().filter(|o| o.table == *name).map(|o| (s.name.clone(), o.column.clone()))
                })
                .collect()
        };
        let (gone, added) = (owned(current, desired), owned(desired, current));
        for (old, new) in one_to_one(&gone, &added, |a, b| a.1 == b.1 && a.0.schema == b.0.schema) {
            ops.push(op(RenameKind::Sequence, &old.0.name, &new.0.name));
        }
    }
    ops
}

/// Pairs of `(gone, added)` that match each other and nothing else.
fn one_to_one<'a, T>(gone: &'a [T], added: &'a [T], same: impl Fn(&T, &T) -> bool) -> Vec<(&'a T, &'a T)> {
    let mut pairs = Vec::new();
    for g in gone {
        let mut matches = added.iter().filter(|a| same(g, a));
        let (Some(a), None) = (matches.next(), matches.next()) else { continue };
        if gone.iter().filter(|other| same(other, a)).count() == 1 {
            pairs.push((g, a));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(kind: RenameKind, container: Option<&str>, old: &str, new: &str) -> RenameOp {
        RenameOp::rename(kind, "app", container, old, new)
    }

    #[test]
    fn sql_of_each_kind_and_its_inverse() {
        let cases = [
            (op(RenameKind::Schema, None, "old", "app"), "ALTER SCHEMA old RENAME TO app"),
            (op(RenameKind::Table, None, "accounts", "user"), "ALTER TABLE app.accounts RENAME TO \"user\""),
            (op(RenameKind::MaterializedView, None, "m0", "m"), "ALTER MATERIALIZED VIEW app.m0 RENAME TO m"),
            (op(RenameKind::Domain, None, "d0", "d"), "ALTER DOMAIN app.d0 RENAME TO d"),
            (
                op(RenameKind::Column, Some("users"), "Full", "name"),
                "ALTER TABLE app.users RENAME COLUMN \"Full\" TO name",
            ),
            (op(RenameKind::Constraint, Some("users"), "a", "b"), "ALTER TABLE app.users RENAME CONSTRAINT a TO b"),
            (
                op(RenameKind::EnumValue, Some("mood"), "meh", "it's ok"),
                "ALTER TYPE app.mood RENAME VALUE 'meh' TO 'it''s ok'",
            ),
        ];
        for (op, sql) in cases {
            assert_eq!(op.sql(), sql);
            assert_eq!(op.inverse().inverse(), op);
        }
        assert_eq!(op(RenameKind::Index, None, "a", "b").inverse().sql(), "ALTER INDEX app.b RENAME TO a");
    }

    #[test]
    fn steps_change_the_old_object_and_are_grouped_under_the_new() {
        let step = op(RenameKind::Column, Some("users"), "full_name", "name").step();
        assert_eq!(step.object, ObjKey::Column { table: QualName::new("app", "users"), column: "full_name".into() });
        assert_eq!(step.group, "table app.users");
        assert!(step.hazards.is_empty() && step.action == Action::Alter);
        let mut up = Plan {
            steps: vec![Step::new(Action::Create, ObjKey::Schema { name: "x".into() }, "CREATE SCHEMA x")],
            ..Plan::default()
        };
        let mut down = Plan::default();
        let ops = [op(RenameKind::Table, None, "a", "b"), op(RenameKind::Column, Some("b"), "c", "d")];
        wrap(&ops, &mut up, Some(&mut down));
        let sql = |p: &Plan| p.steps.iter().map(|s| s.sql.clone()).collect::<Vec<_>>();
        assert_eq!(
            sql(&up),
            ["ALTER TABLE app.a RENAME TO b", "ALTER TABLE app.b RENAME COLUMN c TO d", "CREATE SCHEMA x"]
        );
        assert_eq!(sql(&down), ["ALTER TABLE app.b RENAME COLUMN d TO c", "ALTER TABLE app.b RENAME TO a"]);
        // The column step changes the column of the table as it was before the revision.
        assert_eq!(up.steps[1].object, ObjKey::Column { table: QualName::new("app", "a"), column: "c".into() });
        assert_eq!(up.steps[1].group, "table app.b");
        let in_renamed_schema = op(RenameKind::EnumValue, Some("mood"), "meh", "ok")
            .step_after(&[RenameOp { schema: "app".into(), ..op(RenameKind::Schema, None, "core", "app") }]);
        assert_eq!(in_renamed_schema.object, ObjKey::Type { name: QualName::new("core", "mood") });
    }

    #[test]
    fn moves_set_the_schema_and_steps_trace_the_object_back() {
        let moving = RenameOp::moving(RenameKind::Routine, "old", "f", "app");
        assert_eq!(moving.sql(), "ALTER ROUTINE old.f SET SCHEMA app");
        assert_eq!(moving.inverse().sql(), "ALTER ROUTINE app.f SET SCHEMA old");
        assert_eq!(moving.inverse().inverse(), moving);
        let into_new = RenameOp { schemas: Around::CreateTarget, ..moving.clone() };
        assert_eq!(into_new.sql(), "CREATE SCHEMA app;\nALTER ROUTINE old.f SET SCHEMA app");
        assert_eq!(into_new.inverse().sql(), "ALTER ROUTINE app.f SET SCHEMA old;\nDROP SCHEMA app");
        assert_eq!(into_new.inverse().inverse(), into_new);
        assert_eq!(
            RenameOp::moving(RenameKind::Table, "a b", "t", "x y").sql(),
            "ALTER TABLE \"a b\".t SET SCHEMA \"x y\""
        );
        // Moved, then renamed in its new schema, then a column renamed: each step names the
        // object as it was before the revision, and is grouped under where it leaves it.
        let ops = [
            RenameOp::moving(RenameKind::Table, "old", "t0", "app"),
            op(RenameKind::Table, None, "t0", "t"),
            op(RenameKind::Column, Some("t"), "c0", "c"),
        ];
        let mut up = Plan::default();
        let mut down = Plan::default();
        wrap(&ops, &mut up, Some(&mut down));
        let objects: Vec<_> = up.steps.iter().map(|s| s.object.clone()).collect();
        let t0 = QualName::new("old", "t0");
        assert_eq!(
            objects,
            [
                ObjKey::Table { name: t0.clone() },
                ObjKey::Table { name: t0.clone() },
                ObjKey::Column { table: t0, column: "c0".into() }
            ]
        );
        // A sequence renamed after its table (implied) was in the table's old schema.
        let sequence = RenameOp::rename(RenameKind::Sequence, "app", Some("t"), "t0_id_seq", "t_id_seq");
        assert_eq!(sequence.sql(), "ALTER SEQUENCE app.t0_id_seq RENAME TO t_id_seq");
        assert_eq!(sequence.step_after(&ops).object, ObjKey::Sequence { name: QualName::new("old", "t0_id_seq") });
        let groups: Vec<_> = up.steps.iter().map(|s| s.group.as_str()).collect();
        assert_eq!(groups, ["table app.t0", "table app.t", "table app.t"]);
        let sql: Vec<_> = down.steps.iter().map(|s| s.sql.clone()).collect();
        assert_eq!(
            sql,
            [
                "ALTER TABLE app.t RENAME COLUMN c TO c0",
                "ALTER TABLE app.t RENAME TO t0",
                "ALTER TABLE app.t0 SET SCHEMA old"
            ]
        );
    }

    #[test]
    fn one_to_one_skips_ambiguous_matches() {
        // 2 and 12 both match 32: neither is renamed; 1 matches 21 alone.
        let pairs = one_to_one(&[1, 2, 12], &[21, 32], |a, b| a % 10 == b % 10);
        assert_eq!(pairs, [(&1, &21)]);
        // 3 matches both 13 and 23.
        assert!(one_to_one(&[3], &[13, 23], |a, b| a % 10 == b % 10).is_empty());
    }
}
