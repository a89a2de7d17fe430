//! Issue 10: nothing a name, a file, a pooler or a second applier does can hurt a database.
//! Each module holds the reproducers of one class of attack or operational failure; every test
//! runs against a real PostgreSQL. Run them with `cargo test --test e2e -- security::`.

mod appliers;
mod hazards;
mod names;
mod names_prop;
mod operations;
mod secrets;
mod shadow;
