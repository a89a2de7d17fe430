//! Unit tests of the public API.

mod debug {
    #[test]
    fn print_dashboard() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/yaml/dashboard");
        for f in ["portal.yaml", "users.yaml", "dashboards.yaml", "audit.yaml"] {
            let p = dir.join(f);
            let text = std::fs::read_to_string(&p).unwrap();
            match crate::statements(std::path::Path::new(f), &text) {
                Ok((s, _)) => {
                    for st in s {
                        println!("-- {}:{}:{} {} {}\n{};", st.file.display(), st.line, st.column, st.kind, st.origins.len(), st.sql);
                    }
                }
                Err(e) => println!("ERR {e}"),
            }
        }
    }
}
