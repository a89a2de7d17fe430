//! Positions in source text: byte offsets (what libpg_query reports for
//! statement boundaries) and character offsets (what it reports for error
//! cursors) turned into 1-based line and column numbers, columns counted in
//! characters as editors do.

/// Line starts of one text, for repeated offset -> (line, column) lookups.
///
/// Statements are located in file order, and a whole file may be one line (minified SQL): so
/// the last lookup is remembered, and a later offset on the same line counts characters from
/// there rather than from the line start. Locating every statement of a file thus costs time
/// linear in its size, not quadratic in its longest line.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the first character of every line.
    line_starts: Vec<usize>,
    /// The last lookup: byte offset, line, column.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Self { text, line_starts, last: std::cell::Cell::new((0, 1, 1)) }
    }

    /// 1-based line and column of the character at byte offset `byte`
    /// (clamped to the text, and moved back to a character boundary).
    pub(crate) fn position(&self, byte: usize) -> (usize, usize) {
        let byte = floor_char_boundary(self.text, byte);
        let line = self.line_starts.partition_point(|&start| start <= byte);
        let start = self.line_starts[line - 1];
        let (last_byte, last_line, last_column) = self.last.get();
        let column = if last_line == line && last_byte <= byte {
            last_column + self.text[last_byte..byte].chars().count()
        } else {
            self.text[start..byte].chars().count() + 1
        };
        self.last.set((byte, line, column));
        (line, column)
    }
}

/// The largest character boundary of `text` that is `<= byte`.
pub(crate) fn floor_char_boundary(text: &str, byte: usize) -> usize {
    let mut byte = byte.min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    byte
}

/// Byte offset of the 1-based character offset `chars` (as PostgreSQL
/// reports error cursors); offsets past the end map to the end.
pub(crate) fn byte_of_char(text: &str, chars: usize) -> usize {
    match chars.checked_sub(1) {
        None => 0,
        Some(skip) => text.char_indices().nth(skip).map_or(text.len(), |(i, _)| i),
    }
}

/// Line and column reached after advancing over `text` from (line, column).
pub(crate) fn advance(mut line: usize, mut column: usize, text: &str) -> (usize, usize) {
    for c in text.chars() {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "ab\né€😀x\n\nz";
        let index = LineIndex::new(text);
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(2), (1, 3));
        assert_eq!(index.position(3), (2, 1));
        let x = text.find('x').unwrap();
        assert_eq!(index.position(x), (2, 4));
        // Inside a multi-byte character: the character's own position.
        assert_eq!(index.position(x - 1), (2, 3));
        assert_eq!(index.position(text.len()), (4, 2));
        assert_eq!(index.position(usize::MAX), (4, 2));
    }

    #[test]
    fn lookups_in_any_order_agree_with_a_fresh_index() {
        let text = "a é b\n😀 c d e\n\nf g";
        let index = LineIndex::new(text);
        let boundaries: Vec<usize> = (0..=text.len() + 1).collect();
        // Forward, backward, and jumping around: the remembered lookup must never change answers.
        let orders = [boundaries.clone(), boundaries.iter().rev().copied().collect(), vec![7, 3, 9, 1, 12, 12, 0, 5]];
        for order in orders {
            for byte in order {
                assert_eq!(index.position(byte), LineIndex::new(text).position(byte), "byte {byte}");
            }
        }
    }

    #[test]
    fn char_offsets_to_bytes() {
        let text = "é€😀x";
        assert_eq!(byte_of_char(text, 0), 0);
        assert_eq!(byte_of_char(text, 1), 0);
        assert_eq!(byte_of_char(text, 4), text.find('x').unwrap());
        assert_eq!(byte_of_char(text, 99), text.len());
    }

    #[test]
    fn advance_over_newlines() {
        assert_eq!(advance(3, 5, "ab"), (3, 7));
        assert_eq!(advance(3, 5, "a\nbc"), (4, 3));
    }
}
