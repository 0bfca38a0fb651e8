//! The script in a model's answer: the first fenced block marked Python (or, failing
//! that, the first unmarked one, then any), as CommonMark fences work — a closing fence
//! is at least as long as its opening one, so a block may contain shorter fences.

/// The code of the answer's script block, or `None` when it has none.
pub fn extract(answer: &str) -> Option<String> {
    let blocks = blocks(answer);
    let is_python = |info: &str| matches!(info, "python" | "py" | "python3");
    let pick = blocks
        .iter()
        .find(|block| is_python(&block.info))
        .or_else(|| blocks.iter().find(|block| block.info.is_empty()))
        .or_else(|| blocks.first())?;
    Some(pick.code.clone())
}

struct Block {
    /// The first word after the opening fence, lower-cased.
    info: String,
    code: String,
}

fn blocks(answer: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, Block)> = None;
    for line in answer.lines() {
        let trimmed = line.trim_start();
        let fence = trimmed.len() - trimmed.trim_start_matches('`').len();
        match &mut open {
            None if fence >= 3 => {
                let info =
                    trimmed[fence..].split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
                open = Some((fence, Block { info, code: String::new() }));
            }
            None => {}
            Some((opening, _)) if fence >= *opening && trimmed[fence..].trim().is_empty() => {
                blocks.push(open.take().expect("a block is open").1);
            }
            Some((_, block)) => {
                block.code.push_str(line);
                block.code.push('\n');
            }
        }
    }
    // An answer cut off inside its block still holds the script so far; running it shows
    // the model what went wrong.
    blocks.extend(open.map(|(_, block)| block));
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_python_block_is_taken_with_its_lines() {
        let answer = "Here:\n\n```python\nimport sys\nprint(1)\n```\nDone.";
        assert_eq!(extract(answer).as_deref(), Some("import sys\nprint(1)\n"));
    }

    #[test]
    fn a_python_block_wins_over_earlier_blocks_of_other_languages() {
        let answer = "Run:\n```bash\npython x.py\n```\nThen:\n```py\nprint(2)\n```";
        assert_eq!(extract(answer).as_deref(), Some("print(2)\n"));
    }

    #[test]
    fn an_unmarked_block_is_taken_when_none_says_python() {
        assert_eq!(extract("```\nprint(3)\n```").as_deref(), Some("print(3)\n"));
    }

    #[test]
    fn shorter_fences_inside_a_longer_one_stay_in_the_code() {
        let answer = "````python\ns = '''\n```\n'''\nprint(s)\n````";
        assert_eq!(extract(answer).as_deref(), Some("s = '''\n```\n'''\nprint(s)\n"));
    }

    #[test]
    fn an_answer_without_a_block_has_no_code() {
        assert_eq!(extract("I cannot help with that."), None);
    }

    #[test]
    fn a_block_cut_off_by_the_token_limit_is_kept() {
        assert_eq!(extract("```python\nprint(4)\nfor").as_deref(), Some("print(4)\nfor\n"));
    }
}
