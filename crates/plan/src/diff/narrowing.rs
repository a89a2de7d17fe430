//! Which column type changes keep every value: the known widenings (a longer `varchar`, a
//! bigger integer, a wider `numeric`, anything to `text`...). Any other change may refuse, cut
//! or round existing values, so the plan marks it as data loss.

use schemactl_model::Column;

/// Conversions between different base types that never lose a value (new type unmodified).
const WIDENINGS: &[(&str, &str)] = &[
    ("smallint", "integer"),
    ("smallint", "bigint"),
    ("integer", "bigint"),
    ("smallint", "numeric"),
    ("integer", "numeric"),
    ("bigint", "numeric"),
    ("smallint", "real"),
    ("smallint", "double precision"),
    ("integer", "double precision"),
    ("real", "double precision"),
    ("character varying", "text"),
    ("text", "character varying"),
    ("smallint", "text"),
    ("integer", "text"),
    ("bigint", "text"),
    ("numeric", "text"),
    ("date", "timestamp without time zone"),
];

/// True when every value of `old` survives the change to `new` unchanged.
pub fn keeps_values(old: &Column, new: &Column) -> bool {
    // A user type (an enum's labels, a domain over text) always reads as text.
    let to_text = matches!(new.data_type.as_str(), "text" | "character varying");
    widens(&old.data_type, &new.data_type) || (old.type_ref.is_some() && to_text)
}

/// Compares `format_type` texts: `character varying(20)`, `numeric(10,2)`, `integer[]`,
/// `timestamp(3) without time zone`.
pub fn widens(old: &str, new: &str) -> bool {
    if old == new {
        return true;
    }
    match (old.strip_suffix("[]"), new.strip_suffix("[]")) {
        (Some(o), Some(n)) => return widens(o, n),
        (None, None) => {}
        _ => return false,
    }
    let ((old_base, old_mod), (new_base, new_mod)) = (split(old), split(new));
    if old_base == new_base {
        return match (old_mod, new_mod) {
            // `bit` without a length is bit(1), not "any length".
            (_, None) => old_base != "bit",
            (None, Some(_)) => false,
            (Some(o), Some(n)) => modifier_widens(&old_base, o, n),
        };
    }
    new_mod.is_none() && WIDENINGS.contains(&(old_base.as_str(), new_base.as_str()))
}

/// The type without its modifier, and the modifier: `timestamp(3) without time zone` reads
/// `("timestamp without time zone", Some("3"))`.
fn split(text: &str) -> (String, Option<&str>) {
    match (text.find('('), text.find(')')) {
        (Some(open), Some(close)) if open < close => {
            (format!("{}{}", &text[..open], &text[close + 1..]), Some(&text[open + 1..close]))
        }
        _ => (text.to_string(), None),
    }
}

fn modifier_widens(base: &str, old: &str, new: &str) -> bool {
    let numbers = |m: &str| m.split(',').map(|p| p.trim().parse::<i64>().ok()).collect::<Option<Vec<i64>>>();
    let (Some(o), Some(n)) = (numbers(old), numbers(new)) else { return false };
    match (base, o.as_slice(), n.as_slice()) {
        // Fixed-length bit strings are padded or cut: any change alters values.
        ("bit", _, _) => false,
        // numeric(p, s): as many digits before and after the point.
        ("numeric", [p, rest @ ..], [p2, rest2 @ ..]) => {
            let (s, s2) = (rest.first().copied().unwrap_or(0), rest2.first().copied().unwrap_or(0));
            s2 >= s && p2 - s2 >= p - s
        }
        // Lengths and precisions: varchar(n), char(n), varbit(n), timestamp(p), time(p).
        (_, [o], [n]) => n >= o,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::widens;

    #[test]
    fn known_widenings_keep_values() {
        for (old, new) in [
            ("character varying(20)", "character varying(40)"),
            ("character varying(20)", "character varying"),
            ("character varying(20)", "text"),
            ("integer", "bigint"),
            ("smallint", "integer"),
            ("numeric(10,2)", "numeric(12,2)"),
            ("numeric(10,2)", "numeric(12,4)"),
            ("numeric(10,2)", "numeric"),
            ("integer[]", "bigint[]"),
            ("timestamp(0) without time zone", "timestamp(3) without time zone"),
            ("integer", "text"),
            ("text", "text"),
        ] {
            assert!(widens(old, new), "{old} -> {new}");
        }
    }

    #[test]
    fn anything_else_may_lose_data() {
        for (old, new) in [
            ("character varying(40)", "character varying(20)"),
            ("text", "character varying(20)"),
            ("bigint", "integer"),
            ("numeric(12,2)", "numeric(10,2)"),
            ("numeric(10,2)", "numeric(10,4)"),
            ("numeric", "numeric(10,2)"),
            ("text", "integer"),
            ("double precision", "real"),
            ("integer", "integer[]"),
            ("bit(4)", "bit(8)"),
            ("timestamp without time zone", "timestamp with time zone"),
        ] {
            assert!(!widens(old, new), "{old} -> {new}");
        }
    }
}
