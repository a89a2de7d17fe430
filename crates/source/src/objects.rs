//! The objects that COMMENT, GRANT, SECURITY LABEL and ALTER ... OWNER / SET
//! SCHEMA / DEPENDS ON statements designate, from their object type and the
//! shape of their object node.

use pg_query::protobuf::{self, Node, ObjectType};
use pg_query::NodeEnum;

use crate::names::{Name, Ns, Role};

/// The objects a COMMENT / GRANT / ALTER ... OWNER statement designates, as
/// `Touch` names: such statements run after everything that shapes them.
/// Sub-objects (columns, constraints, triggers, policies, rules) designate
/// their table.
pub(crate) fn object_names(
    object_type: i32,
    relation: Option<&protobuf::RangeVar>,
    object: Option<&Node>,
) -> Vec<Name> {
    use ObjectType as O;
    let kind = O::try_from(object_type).unwrap_or(O::Undefined);
    let ns = match kind {
        O::ObjectTable
        | O::ObjectView
        | O::ObjectMatview
        | O::ObjectSequence
        | O::ObjectForeignTable
        | O::ObjectIndex
        | O::ObjectType
        | O::ObjectDomain
        | O::ObjectColumn
        | O::ObjectAttribute
        | O::ObjectTabconstraint
        | O::ObjectDomconstraint
        | O::ObjectTrigger
        | O::ObjectPolicy
        | O::ObjectRule => Ns::Rel,
        O::ObjectFunction | O::ObjectProcedure | O::ObjectRoutine | O::ObjectAggregate => Ns::Func,
        O::ObjectSchema => Ns::Schema,
        O::ObjectExtension => Ns::Extension,
        O::ObjectCollation => Ns::Other("collation"),
        O::ObjectEventTrigger => Ns::Other("event trigger"),
        O::ObjectFdw => Ns::Other("fdw"),
        O::ObjectForeignServer => Ns::Other("server"),
        O::ObjectPublication => Ns::Other("publication"),
        O::ObjectStatisticExt => Ns::Other("statistics"),
        O::ObjectConversion => Ns::Other("conversion"),
        O::ObjectLanguage => Ns::Other("language"),
        O::ObjectAccessMethod => Ns::Other("access method"),
        O::ObjectOperator => Ns::Other("operator"),
        O::ObjectOpclass => Ns::Other("operator class"),
        O::ObjectOpfamily => Ns::Other("operator family"),
        O::ObjectTsdictionary => Ns::Other("text search dictionary"),
        O::ObjectTsconfiguration => Ns::Other("text search configuration"),
        O::ObjectTsparser => Ns::Other("text search parser"),
        O::ObjectTstemplate => Ns::Other("text search template"),
        // Casts, transforms, roles, databases...: nothing we order by.
        _ => return Vec::new(),
    };
    let sub_object = matches!(
        kind,
        O::ObjectColumn
            | O::ObjectAttribute
            | O::ObjectTabconstraint
            | O::ObjectTrigger
            | O::ObjectPolicy
            | O::ObjectRule
    );
    let mut names = Vec::new();
    if let Some(r) = relation {
        names.extend(Name::from_range_var(ns, Role::Touch, r));
    }
    match object.and_then(|o| o.node.as_ref()) {
        Some(NodeEnum::String(s)) => names.push(Name::new(ns, Role::Touch, None, &s.sval)),
        Some(NodeEnum::RangeVar(r)) => names.extend(Name::from_range_var(ns, Role::Touch, r)),
        Some(NodeEnum::TypeName(t)) => names.extend(Name::from_nodes(ns, Role::Touch, &t.names)),
        Some(NodeEnum::ObjectWithArgs(o)) => names.extend(Name::from_nodes(ns, Role::Touch, &o.objname)),
        Some(NodeEnum::List(l)) => {
            // CONSTRAINT c ON DOMAIN d: [TypeName d, String c].
            if let Some(NodeEnum::TypeName(t)) = l.items.first().and_then(|i| i.node.as_ref()) {
                names.extend(Name::from_nodes(ns, Role::Touch, &t.names));
            } else {
                let parts =
                    if sub_object { l.items.split_last().map_or(&[][..], |(_, rest)| rest) } else { &l.items[..] };
                names.extend(Name::from_nodes(ns, Role::Touch, parts));
            }
        }
        _ => {}
    }
    names.retain(|n| !n.name.is_empty());
    names
}
