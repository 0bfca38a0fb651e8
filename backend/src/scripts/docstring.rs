//! The module docstring as Python's `ast.get_docstring` sees it, found without a Python
//! parser: skip blank lines and comments, read the string literal(s) of the first statement,
//! check that the statement ends there, decode escapes and clean the indentation the way
//! `inspect.cleandoc` does. Anything else, including code that does not parse, has none.

/// The docstring of a module, or `None` when its first statement is not a plain string.
pub fn module_docstring(source: &str) -> Option<String> {
    let mut scanner = Scanner { chars: source.trim_start_matches('\u{feff}').chars().collect(), pos: 0 };
    scanner.skip_trivia(true);
    let mut value = scanner.string_literal()?;
    loop {
        // Adjacent literals on the same line concatenate, like "a" "b".
        scanner.skip_spaces();
        match scanner.peek() {
            None | Some('\n' | '\r' | '#' | ';') => return Some(clean_doc(&value)),
            Some('\\') if scanner.line_continuation() => continue,
            Some(_) => value.push_str(&scanner.string_literal()?),
        }
    }
}

/// The first non-empty line of the docstring, or `Untitled`.
pub fn descriptive_name(docstring: Option<&str>) -> String {
    docstring
        .and_then(|doc| doc.lines().map(str::trim).find(|line| !line.is_empty()))
        .map_or_else(|| "Untitled".to_owned(), str::to_owned)
}

struct Scanner {
    chars: Vec<char>,
    pos: usize,
}

impl Scanner {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\x0c')) {
            self.pos += 1;
        }
    }

    fn line_continuation(&mut self) -> bool {
        let newline_len = match (self.peek_at(1), self.peek_at(2)) {
            (Some('\n'), _) => 1,
            (Some('\r'), Some('\n')) => 2,
            (Some('\r'), _) => 1,
            _ => return false,
        };
        self.pos += 1 + newline_len;
        true
    }

    /// Blank lines and comments (a shebang and an encoding line are comments too).
    fn skip_trivia(&mut self, allow_newlines: bool) {
        loop {
            self.skip_spaces();
            match self.peek() {
                Some('#') => {
                    while !matches!(self.peek(), None | Some('\n' | '\r')) {
                        self.pos += 1;
                    }
                }
                Some('\n' | '\r') if allow_newlines => self.pos += 1,
                Some('\\') if self.line_continuation() => {}
                _ => return,
            }
        }
    }

    /// A `str` literal with an optional `r`/`u` prefix; bytes and f-strings are not
    /// docstrings.
    fn string_literal(&mut self) -> Option<String> {
        let mut raw = false;
        let mut prefix_len = 0;
        while let Some(c) = self.peek_at(prefix_len) {
            match c.to_ascii_lowercase() {
                'r' => raw = true,
                'u' => {}
                _ => break,
            }
            prefix_len += 1;
        }
        if prefix_len > 1 {
            // `ur""` is a syntax error in Python 3, and `url` is a name, not a prefix.
            return None;
        }
        let quote = self.peek_at(prefix_len).filter(|c| *c == '"' || *c == '\'')?;
        self.pos += prefix_len;
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        let mut body = String::new();
        loop {
            let c = self.peek()?;
            if c == quote && (!triple || (self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote))) {
                self.pos += if triple { 3 } else { 1 };
                break;
            }
            if !triple && (c == '\n' || c == '\r') {
                return None;
            }
            if c == '\\' {
                let next = self.peek_at(1)?;
                body.push(c);
                body.push(next);
                self.pos += 2;
                continue;
            }
            body.push(c);
            self.pos += 1;
        }
        let body = body.replace("\r\n", "\n").replace('\r', "\n");
        Some(if raw { body } else { unescape(&body) })
    }
}

/// Python's escapes in a non-raw `str` literal; unknown escapes stay as written.
fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(escape) = chars.next() else {
            out.push('\\');
            break;
        };
        match escape {
            '\n' => {}
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            'x' | 'u' | 'U' => {
                let width = match escape {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = chars.clone().take(width).collect();
                match u32::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| hex.len() == width)
                    .and_then(char::from_u32)
                {
                    Some(decoded) => {
                        out.push(decoded);
                        for _ in 0..width {
                            chars.next();
                        }
                    }
                    None => {
                        out.push('\\');
                        out.push(escape);
                    }
                }
            }
            '0'..='7' => {
                let mut value = escape.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(digit) => {
                            value = value * 8 + digit;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.extend(char::from_u32(value));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// `inspect.cleandoc`: tabs expanded, the first line's leading whitespace removed, the
/// common indentation of the other lines removed, blank lines at both ends dropped.
fn clean_doc(doc: &str) -> String {
    let expanded: Vec<String> = doc.lines().map(expand_tabs).collect();
    let margin = expanded
        .iter()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut lines: Vec<String> = expanded
        .iter()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                line.trim_start().to_owned()
            } else {
                line.get(margin..).unwrap_or("").trim_end_matches([' ', '\t']).to_owned()
            }
        })
        .collect();
    if let Some(first) = lines.first_mut() {
        *first = first.trim_end().to_owned();
    }
    while lines.first().is_some_and(|line| line.trim().is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|line| line.trim().is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

fn expand_tabs(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if c == '\t' {
            let spaces = 8 - out.chars().count() % 8;
            out.extend(std::iter::repeat_n(' ', spaces));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(source: &str) -> Option<String> {
        module_docstring(source)
    }

    #[test]
    fn no_docstring_gives_untitled() {
        assert_eq!(doc("print('hi')\n"), None);
        assert_eq!(doc(""), None);
        assert_eq!(descriptive_name(doc("x = 1").as_deref()), "Untitled");
    }

    #[test]
    fn an_empty_docstring_is_a_docstring_but_gives_untitled() {
        assert_eq!(doc("\"\"\"\"\"\"\nx = 1"), Some(String::new()));
        assert_eq!(descriptive_name(Some("")), "Untitled");
    }

    #[test]
    fn leading_blank_lines_comments_shebang_and_encoding_are_skipped() {
        let source = "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n\n# a comment\n\n\"\"\"Load sales.\n\nMore text.\n\"\"\"\nimport os\n";
        assert_eq!(doc(source).as_deref(), Some("Load sales.\n\nMore text."));
        assert_eq!(descriptive_name(doc(source).as_deref()), "Load sales.");
    }

    #[test]
    fn single_quotes_triple_single_quotes_and_raw_strings() {
        assert_eq!(doc("'Short one.'\n").as_deref(), Some("Short one."));
        assert_eq!(doc("'''Triple single.'''").as_deref(), Some("Triple single."));
        assert_eq!(doc("r\"\"\"Raw \\n stays.\"\"\"").as_deref(), Some("Raw \\n stays."));
        assert_eq!(doc("\"Tab\\there\"").as_deref(), Some("Tab     here"));
        assert_eq!(doc("u'Unicode \\u00e9'").as_deref(), Some("Unicode é"));
    }

    #[test]
    fn the_first_line_of_a_docstring_starting_with_blank_lines_is_the_name() {
        let source = "\"\"\"\n\n   Report builder\n   second line\n\"\"\"";
        assert_eq!(doc(source).as_deref(), Some("Report builder\nsecond line"));
        assert_eq!(descriptive_name(doc(source).as_deref()), "Report builder");
    }

    #[test]
    fn indentation_is_cleaned_like_inspect_cleandoc() {
        let source = "\"\"\"Title.\n\n    Indented body\n      deeper\n    \"\"\"";
        assert_eq!(doc(source).as_deref(), Some("Title.\n\nIndented body\n  deeper"));
    }

    #[test]
    fn a_string_that_is_not_the_whole_first_statement_is_not_a_docstring() {
        assert_eq!(doc("x = 1\n\"\"\"Not a docstring.\"\"\""), None);
        assert_eq!(doc("\"a\".upper()\n"), None);
        assert_eq!(doc("\"a\" + b\n"), None);
        assert_eq!(doc("b\"bytes\"\n"), None);
        assert_eq!(doc("f\"formatted\"\n"), None);
        assert_eq!(doc("import os\n'''doc'''"), None);
    }

    #[test]
    fn adjacent_literals_concatenate_and_a_trailing_comment_or_semicolon_ends_it() {
        assert_eq!(doc("\"Part one, \" 'part two.'  # note\n").as_deref(), Some("Part one, part two."));
        assert_eq!(doc("'Doc.'; x = 1").as_deref(), Some("Doc."));
    }

    #[test]
    fn unterminated_strings_have_no_docstring_and_do_not_panic() {
        assert_eq!(doc("\"\"\"never closed"), None);
        assert_eq!(doc("'broken\n'"), None);
        assert_eq!(doc("\"\\"), None);
    }
}
