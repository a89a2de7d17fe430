//! What the script did before the statement being checked. Objects created earlier in the
//! same script are new: nobody else reads them yet and they hold only what the script put in,
//! so locks, scans, rewrites and drops on them are no hazard. Columns added by the script hold
//! nothing older than the script either, so overwriting or dropping them loses nothing. A
//! valid `CHECK (c IS NOT NULL)` lets `SET NOT NULL` skip its scan (PostgreSQL 12+), which is
//! how online plans make a column NOT NULL.

use pg_query::protobuf::{AlterTableType, ObjectType};
use pg_query::NodeEnum;

use crate::ast::{self, Name};

#[derive(Debug, Default)]
pub(crate) struct Context {
    /// Relations (tables, materialized views, sequences, indexes) created by the script.
    created: Vec<Name>,
    /// `(table, column)` added by the script.
    added: Vec<(Name, String)>,
    /// `(table, constraint, column)`: the column is proved not null by a valid check.
    proofs: Vec<(Name, String, String)>,
    /// `(table, constraint, column)`: a not-null check added NOT VALID, awaiting VALIDATE.
    pending: Vec<(Name, String, String)>,
}

impl Context {
    pub fn is_new(&self, relation: &Name) -> bool {
        self.created.iter().any(|c| c.same(relation))
    }

    pub fn is_new_column(&self, table: &Name, column: &str) -> bool {
        self.is_new(table) || self.added.iter().any(|(t, c)| t.same(table) && c == column)
    }

    pub fn proves_not_null(&self, table: &Name, column: &str) -> bool {
        self.proofs.iter().any(|(t, _, c)| t.same(table) && c == column)
    }

    /// Records what `node` creates or proves, after its rules ran. `IF NOT EXISTS` creates
    /// nothing when the object is there already, full of rows: it is not new.
    pub fn observe(&mut self, node: &NodeEnum) {
        match node {
            NodeEnum::CreateStmt(s) if !s.if_not_exists => self.created.extend(s.relation.as_ref().map(Name::of)),
            NodeEnum::CreateTableAsStmt(s) if !s.if_not_exists => {
                self.created.extend(s.into.as_ref().and_then(|i| i.rel.as_ref()).map(Name::of))
            }
            NodeEnum::CreateSeqStmt(s) if !s.if_not_exists => self.created.extend(s.sequence.as_ref().map(Name::of)),
            NodeEnum::IndexStmt(s) if !s.idxname.is_empty() && !s.if_not_exists => {
                let schema = s.relation.as_ref().and_then(|r| Name::of(r).schema);
                self.created.push(Name { schema, name: s.idxname.clone() });
            }
            NodeEnum::DropStmt(s) if drops_relations(s.remove_type) => {
                for object in &s.objects {
                    if let Some(NodeEnum::List(list)) = &object.node {
                        if let Some(name) = Name::from_list(&list.items) {
                            // A later object of the same name is not the one created here.
                            self.created.retain(|c| !c.same(&name));
                        }
                    }
                }
            }
            _ => self.observe_alter(node),
        }
    }

    fn observe_alter(&mut self, node: &NodeEnum) {
        let Some((table, commands)) = ast::alter_commands(node) else { return };
        for (kind, cmd) in commands {
            match kind {
                // ADD COLUMN IF NOT EXISTS may find the column there already.
                AlterTableType::AtAddColumn if !cmd.missing_ok => {
                    self.added.extend(ast::column_def(cmd).map(|c| (table.clone(), c.colname.clone())));
                }
                AlterTableType::AtDropColumn => self.added.retain(|(t, c)| !(t.same(&table) && *c == cmd.name)),
                AlterTableType::AtAddConstraint => {
                    let Some(c) = ast::constraint(cmd) else { continue };
                    let Some(column) = ast::not_null_check_column(c) else { continue };
                    if c.skip_validation {
                        self.pending.push((table.clone(), c.conname.clone(), column));
                    } else {
                        self.proofs.push((table.clone(), c.conname.clone(), column));
                    }
                }
                AlterTableType::AtValidateConstraint => {
                    let found = self.pending.iter().position(|(t, name, _)| t.same(&table) && *name == cmd.name);
                    if let Some(i) = found {
                        let proof = self.pending.remove(i);
                        self.proofs.push(proof);
                    }
                }
                AlterTableType::AtDropConstraint => {
                    let other = |(t, name, _): &(Name, String, String)| !(t.same(&table) && *name == cmd.name);
                    self.pending.retain(other);
                    self.proofs.retain(other);
                }
                _ => {}
            }
        }
    }
}

fn drops_relations(remove_type: i32) -> bool {
    matches!(
        ObjectType::try_from(remove_type),
        Ok(ObjectType::ObjectTable | ObjectType::ObjectMatview | ObjectType::ObjectSequence | ObjectType::ObjectIndex)
    )
}
