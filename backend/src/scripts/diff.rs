//! The unified diff of two versions of a script: its code (`N.py`) and its test data
//! (`N.input`), as `git diff` would show them, computed in process (no `git` binary).
use similar::TextDiff;

use crate::adapters::git_store::ScriptFiles;

/// Lines of context around each change, as git's default.
const CONTEXT_LINES: usize = 3;

/// `""` when nothing differs. Labels are `a/N.py`, `b/N.py` and the same for `N.input`.
pub fn unified(script_id: i64, from: &ScriptFiles, to: &ScriptFiles) -> String {
    let mut out = String::new();
    for (name, old, new) in [
        (format!("{script_id}.py"), &from.content, &to.content),
        (format!("{script_id}.input"), &from.input, &to.input),
    ] {
        if old == new {
            continue;
        }
        let diff = TextDiff::from_lines(old.as_str(), new.as_str());
        let text = diff
            .unified_diff()
            .context_radius(CONTEXT_LINES)
            .missing_newline_hint(true)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string();
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(content: &str, input: &str) -> ScriptFiles {
        ScriptFiles { content: content.to_owned(), input: input.to_owned(), lock: None }
    }

    #[test]
    fn changed_lines_of_code_and_test_data_are_shown_with_their_file() {
        let diff = unified(7, &files("a\nb\nc\n", "x\n"), &files("a\nB\nc\n", "y\n"));
        let lines: Vec<&str> = diff.lines().collect();
        assert_eq!(lines[0], "--- a/7.py");
        assert_eq!(lines[1], "+++ b/7.py");
        assert!(lines.contains(&"-b") && lines.contains(&"+B") && lines.contains(&" a"), "{diff}");
        assert!(diff.contains("--- a/7.input\n+++ b/7.input\n"), "{diff}");
        assert!(lines.contains(&"-x") && lines.contains(&"+y"), "{diff}");
    }

    #[test]
    fn identical_versions_have_an_empty_diff_and_unchanged_files_are_left_out() {
        assert_eq!(unified(1, &files("a\n", "i"), &files("a\n", "i")), "");
        let only_code = unified(1, &files("a\n", "i"), &files("b\n", "i"));
        assert!(!only_code.contains("1.input"), "{only_code}");
    }

    #[test]
    fn a_missing_final_newline_is_marked_as_git_does() {
        let diff = unified(2, &files("a", ""), &files("a\n", ""));
        assert!(diff.contains("\\ No newline at end of file"), "{diff}");
    }
}
