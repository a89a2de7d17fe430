// TEMPORARY stand-in for schemactl_source::Statement until crates/source defines it.
use std::path::PathBuf;
#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: String,
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub kind: String,
    pub transactional: bool,
}
impl Statement {
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file.display(), self.line, self.column)
    }
    pub fn position_of(&self, offset: usize) -> (usize, usize) {
        let mut line = self.line;
        let mut col = self.column;
        for c in self.sql.chars().take(offset.saturating_sub(1)) {
            if c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        (line, col)
    }
}
