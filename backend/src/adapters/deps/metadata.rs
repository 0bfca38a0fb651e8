//! Inline script metadata (PEP 723): the `# /// script` block of a script, read with the
//! PEP's reference grammar, and the two fields code.ved uses from it.
//!
//! The reference regular expression is
//! `(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$`: a block opens
//! with `# /// TYPE`, goes on with lines that are `#` or `# ` and text, and closes at the
//! last `# ///` of that run of comment lines. Only the `script` type means anything here;
//! two `script` blocks are an error, as the PEP says. Where the regular expression would
//! silently find nothing (an opening line never closed) we say so instead: a script that
//! looks as if it declares packages but does not is the confusing case.

use toml_edit::{Document, Item, Value};

/// What a script asks for; empty when it has no block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptMetadata {
    /// PEP 508 requirement strings, as written.
    pub dependencies: Vec<String>,
    /// A PEP 440 version specifier set, e.g. `>=3.11`.
    pub requires_python: Option<String>,
}

impl ScriptMetadata {
    pub fn needs_packages(&self) -> bool {
        !self.dependencies.is_empty()
    }
}

/// A block that cannot be read; `line` is 1-based, in the whole script.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct MetadataError {
    pub line: usize,
    pub problem: String,
}

fn error(line: usize, problem: impl Into<String>) -> MetadataError {
    MetadataError { line, problem: problem.into() }
}

/// One block found by the grammar: its type, the line of its opening (0-based) and its
/// content with the comment prefixes taken off.
struct Block<'a> {
    kind: &'a str,
    opening: usize,
    content: String,
}

pub fn parse(script: &str) -> Result<ScriptMetadata, MetadataError> {
    let lines: Vec<&str> = script.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line)).collect();
    let mut script_block = None;
    for block in blocks(&lines)? {
        if block.kind != "script" {
            continue;
        }
        if let Some(first) = &script_block {
            let first: &Block = first;
            return Err(error(
                block.opening + 1,
                format!("a second `# /// script` block (the first opens on line {})", first.opening + 1),
            ));
        }
        script_block = Some(block);
    }
    match script_block {
        None => Ok(ScriptMetadata::default()),
        Some(block) => read_fields(&block),
    }
}

fn opening_type(line: &str) -> Option<&str> {
    let kind = line.strip_prefix("# /// ")?;
    let valid = !kind.is_empty() && kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then_some(kind)
}

fn is_content_line(line: &str) -> bool {
    line == "#" || line.starts_with("# ")
}

fn blocks<'a>(lines: &[&'a str]) -> Result<Vec<Block<'a>>, MetadataError> {
    let mut found = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let Some(kind) = opening_type(lines[at]) else {
            at += 1;
            continue;
        };
        // The run of comment lines after the opening; the block closes at its last `# ///`.
        let run_end = (at + 1..lines.len()).find(|&i| !is_content_line(lines[i])).unwrap_or(lines.len());
        let Some(closing) = (at + 1..run_end).rev().find(|&i| lines[i] == "# ///") else {
            return Err(error(at + 1, format!("`# /// {kind}` is never closed by a `# ///` line")));
        };
        let content = lines[at + 1..closing]
            .iter()
            .map(|line| line.strip_prefix("# ").unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        found.push(Block { kind, opening: at, content });
        at = closing + 1;
    }
    Ok(found)
}

fn read_fields(block: &Block) -> Result<ScriptMetadata, MetadataError> {
    // Content line n of the block is script line opening + 1 + n (0-based).
    let line_of_offset = |offset: usize| block.opening + 2 + block.content[..offset].matches('\n').count();
    let document = Document::parse(block.content.as_str()).map_err(|err| {
        let line = err.span().map_or(block.opening + 1, |span| line_of_offset(span.start));
        error(line, format!("the `# /// script` block is not valid TOML: {}", err.message()))
    })?;
    let line_of = |item: &Item| item.span().map_or(block.opening + 1, |span| line_of_offset(span.start));
    let mut metadata = ScriptMetadata::default();
    if let Some(item) = document.get("dependencies") {
        let Some(array) = item.as_array() else {
            return Err(error(line_of(item), "`dependencies` must be a list of strings"));
        };
        for value in array {
            match value {
                Value::String(requirement) if !requirement.value().trim().is_empty() => {
                    metadata.dependencies.push(requirement.value().trim().to_owned());
                }
                other => {
                    let line = other.span().map_or(line_of(item), |span| line_of_offset(span.start));
                    return Err(error(line, "every entry of `dependencies` must be a requirement string"));
                }
            }
        }
    }
    if let Some(item) = document.get("requires-python") {
        let Some(specifier) = item.as_str() else {
            return Err(error(line_of(item), "`requires-python` must be a string such as \">=3.11\""));
        };
        metadata.requires_python = Some(specifier.trim().to_owned());
    }
    Ok(metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pep_example_is_read() {
        let script = "# /// script\n# requires-python = \">=3.11\"\n# dependencies = [\n#   \"requests<3\",\n#   \"rich\",\n# ]\n# ///\n\nimport requests\n";
        let metadata = parse(script).unwrap();
        assert_eq!(metadata.dependencies, ["requests<3", "rich"]);
        assert_eq!(metadata.requires_python.as_deref(), Some(">=3.11"));
    }

    #[test]
    fn no_block_means_nothing_to_install() {
        assert_eq!(parse("print('hi')\n").unwrap(), ScriptMetadata::default());
        assert!(!parse("# /// script\n# ///\n").unwrap().needs_packages());
    }

    #[test]
    fn the_block_closes_at_the_last_closing_line_of_its_comment_run() {
        // As the reference regex, greedy: an inner `# ///` is content, here inside a string.
        let script =
            "# /// script\n# dependencies = [\"tabulate\"]\n# ///\n# more = \"x\"\n# ///\nprint(1)\n";
        let err = parse(script).unwrap_err();
        assert_eq!(err.line, 3, "{err}");
    }

    #[test]
    fn other_block_types_are_ignored_and_crlf_is_fine() {
        let script = "# /// pyproject\n# whatever = 1\n# ///\r\n\r\n# /// script\r\n# dependencies = [\"a\"]\r\n# ///\r\n";
        assert_eq!(parse(script).unwrap().dependencies, ["a"]);
    }

    #[test]
    fn malformed_blocks_name_their_line() {
        let unclosed = "print(1)\n# /// script\n# dependencies = [\"a\"]\nprint(2)\n";
        assert_eq!(parse(unclosed).unwrap_err().line, 2);
        let bad_toml = "# /// script\n# requires-python = \">=3.11\"\n# dependencies = [\"a\",\n# ///\n";
        let err = parse(bad_toml).unwrap_err();
        assert!((3..=4).contains(&err.line), "{err}");
        assert!(err.problem.contains("TOML"), "{err}");
        let not_strings =
            "x = 1\n# /// script\n# requires-python = \">=3\"\n# dependencies = [\"a\", 3]\n# ///\n";
        assert_eq!(parse(not_strings).unwrap_err().line, 4);
        let not_list = "# /// script\n# dependencies = \"tabulate\"\n# ///\n";
        assert_eq!(parse(not_list).unwrap_err().line, 2);
        let twice = "# /// script\n# ///\n\n# /// script\n# ///\n";
        assert_eq!(parse(twice).unwrap_err().line, 4);
    }
}
