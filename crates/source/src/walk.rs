//! A complete, read-only walk over a pg_query parse tree.
//!
//! pg_query's `nodes()` skips most of the tree (column types, constraint
//! targets, function bodies...), which is exactly what dependency ordering
//! needs, so we walk every child ourselves. The per-struct field lists are
//! generated into `walk_gen.rs` by `cargo xtask walk-gen` (crates/xtask).
//!
//! Recursion depth is bounded: prost refuses to decode trees nested deeper
//! than its recursion limit (100 messages), so a decoded tree is always
//! shallow enough to walk recursively.

use pg_query::protobuf::Node;
use pg_query::NodeRef;

pub(crate) use crate::walk_gen::{empty_node, node_kind};

/// Visits `self` (when it is a node kind) and every node below it, parents first.
pub(crate) trait Walk {
    fn walk<'a>(&'a self, f: &mut dyn FnMut(NodeRef<'a>));
}

impl Walk for Node {
    fn walk<'a>(&'a self, f: &mut dyn FnMut(NodeRef<'a>)) {
        if let Some(node) = &self.node {
            crate::walk_gen::walk_enum(node, f);
        }
    }
}

impl<T: Walk> Walk for Vec<T> {
    fn walk<'a>(&'a self, f: &mut dyn FnMut(NodeRef<'a>)) {
        for item in self {
            item.walk(f);
        }
    }
}

impl<T: Walk> Walk for Option<T> {
    fn walk<'a>(&'a self, f: &mut dyn FnMut(NodeRef<'a>)) {
        if let Some(item) = self {
            item.walk(f);
        }
    }
}

impl<T: Walk> Walk for Box<T> {
    fn walk<'a>(&'a self, f: &mut dyn FnMut(NodeRef<'a>)) {
        (**self).walk(f);
    }
}

/// Implements [`Walk`] for protobuf structs: `Type as NodeRefVariant { child fields }`.
macro_rules! walk_structs {
    ($($ty:ident $(as $variant:ident)? { $($field:ident),* })*) => {
        $(
            impl Walk for $ty {
                fn walk<'a>(&'a self, _f: &mut dyn FnMut(NodeRef<'a>)) {
                    $(_f(NodeRef::$variant(self));)?
                    $(self.$field.walk(_f);)*
                }
            }
        )*
    };
}
pub(crate) use walk_structs;
