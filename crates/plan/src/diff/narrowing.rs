//! What a column type change does to the stored rows, as the planner sees it: the old and new
//! columns with their catalogs, so domains resolve to their base types before the shared
//! verdict ([`schemactl_model::TypeChange`], which lint uses too) is asked.

use schemactl_model::{binary_coercible, widens, Catalog, Column, DomainDef, TypeChange};

/// The change from `old` (in `from`) to `new` (in `to`). `converts`: the plan converts with a
/// `USING` expression that is more than the cast itself, evaluated for every row.
pub fn type_change(from: &Catalog, to: &Catalog, old: &Column, new: &Column, converts: bool) -> TypeChange {
    TypeChange {
        // A new collation keeps the table but rebuilds the column's indexes under the same lock.
        rewrite: converts || old.collation != new.collation || !coercible(from, to, old, new),
        keeps_values: keeps_values(to, old, new),
    }
}

/// The domain a (non-array) column is of, if any.
fn domain<'a>(catalog: &'a Catalog, c: &Column) -> Option<&'a DomainDef> {
    c.type_ref.as_ref().filter(|_| !c.data_type.ends_with("[]")).and_then(|t| catalog.domains.get(t))
}

/// A domain whose values are exactly its base type's: converting to it checks nothing.
fn checks_nothing(d: &DomainDef) -> bool {
    d.constraints.is_empty() && !d.not_null
}

/// Binary coercible, domains included. PostgreSQL relabels a domain to its base type, and a
/// type to a domain that checks nothing; a domain with a CHECK is a rewrite, and so is a
/// domain to a modified type (`varchar(20)` domain to `varchar(30)`: the length coercion
/// cannot see the domain's modifier). All verified by relfilenode on PostgreSQL 15.
fn coercible(from: &Catalog, to: &Catalog, old: &Column, new: &Column) -> bool {
    let builtin = |c: &Column| c.type_ref.is_none();
    match (domain(from, old), domain(to, new)) {
        (None, None) => builtin(old) && builtin(new) && binary_coercible(&old.data_type, &new.data_type),
        (Some(d), None) => {
            builtin(new) && !new.data_type.contains('(') && binary_coercible(&d.base_type, &new.data_type)
        }
        (None, Some(d)) => builtin(old) && checks_nothing(d) && binary_coercible(&old.data_type, &d.base_type),
        (Some(_), Some(_)) => false,
    }
}

/// True when every value of `old` survives the change to `new` unchanged.
fn keeps_values(to: &Catalog, old: &Column, new: &Column) -> bool {
    // A user type (an enum's labels, a domain over text) always reads as text.
    let to_text = matches!(&*new.data_type, "text" | "character varying");
    let new_type = match domain(to, new) {
        Some(d) if checks_nothing(d) => d.base_type.as_str(),
        _ => &*new.data_type,
    };
    widens(&old.data_type, new_type) || (old.type_ref.is_some() && to_text)
}
