//! The `schemactl` binary. Its target belongs to the workspace's root package (see the root
//! `Cargo.toml`), whose end-to-end tests then find it through `CARGO_BIN_EXE_schemactl`.

fn main() -> std::process::ExitCode {
    schemactl_cli::main()
}
