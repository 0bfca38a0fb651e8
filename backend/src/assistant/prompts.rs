//! What a fix round asks the model: the system prompt, and the last run's outcome with the
//! user's wish. The script itself travels as the call's context code.

use crate::adapters::llm::fenced;
use crate::entities::execution;
use crate::executions::status::ExecutionStatus;

pub const FIX_SYSTEM_PROMPT: &str = "You are the coding assistant of code.ved, where a team writes \
Python scripts that run in a sandbox with no network access and only the Python standard library, \
as `python script.py INPUT_PATH` (the script's test data file is argv[1]). You are fixing the \
script the user is editing: you see it and what its last run printed. Answer with the complete \
corrected script in a single ```python code block, then at most two sentences on what you changed.";

/// Output beyond this many characters (per stream) is cut from the front: the end of a
/// traceback says what went wrong.
const MAX_OUTPUT_CHARS: usize = 8_000;

/// What the model is told of a run.
pub struct LastRun<'a> {
    status: ExecutionStatus,
    exit_code: Option<i64>,
    error: Option<&'a str>,
    stdout: &'a str,
    stderr: &'a str,
}

impl<'a> LastRun<'a> {
    pub fn of(run: &'a execution::Model) -> Self {
        Self {
            status: run.status,
            exit_code: run.exit_code,
            error: run.error.as_deref(),
            stdout: &run.stdout,
            stderr: &run.stderr,
        }
    }

    fn outcome(&self) -> String {
        let exit = self.exit_code.map_or_else(|| "none".to_owned(), |code| code.to_string());
        let how = match self.status {
            ExecutionStatus::Succeeded => "succeeded".to_owned(),
            ExecutionStatus::Failed => "failed".to_owned(),
            ExecutionStatus::TimedOut => "was killed at the time limit".to_owned(),
            ExecutionStatus::OomKilled => "was killed for using too much memory".to_owned(),
            other => format!("ended with status {}", other.as_str()),
        };
        let mut outcome = format!(
            "The last run of this script {how} (status: {}, exit code: {exit}).",
            self.status.as_str()
        );
        if let Some(error) = self.error {
            outcome.push_str(&format!(" The sandbox said: {error}"));
        }
        outcome
    }
}

/// The round's question: how the last run went (when there was one), then the wish.
pub fn fix_prompt(last_run: Option<LastRun<'_>>, wish: &str) -> String {
    let mut prompt = String::new();
    if let Some(run) = last_run {
        prompt.push_str(&run.outcome());
        for (name, text) in [("stdout", run.stdout), ("stderr", run.stderr)] {
            prompt.push_str(&format!("\n\n{name}:\n{}", fenced("text", tail(text))));
        }
        prompt.push_str("\n\n");
    }
    match wish.trim() {
        "" => prompt.push_str("Fix the script so that it runs successfully."),
        wish => {
            prompt.push_str(&format!("Fix the script so that it runs successfully and does this: {wish}"))
        }
    }
    prompt.push_str("\nAnswer with the whole corrected script in one ```python block.");
    prompt
}

fn tail(text: &str) -> &str {
    match text.char_indices().rev().nth(MAX_OUTPUT_CHARS - 1) {
        Some((cut, _)) => &text[cut..],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed_run() -> LastRun<'static> {
        LastRun {
            status: ExecutionStatus::Failed,
            exit_code: Some(1),
            error: None,
            stdout: "partial\n",
            stderr: "Traceback (most recent call last):\nNameError: name 'x' is not defined\n",
        }
    }

    #[test]
    fn the_prompt_carries_the_exit_code_stderr_and_wish() {
        let prompt = fix_prompt(Some(failed_run()), "print the total too");
        assert!(prompt.contains("exit code: 1"), "{prompt}");
        assert!(prompt.contains("NameError: name 'x' is not defined"), "{prompt}");
        assert!(prompt.contains("partial"), "{prompt}");
        assert!(prompt.contains("print the total too"), "{prompt}");
    }

    #[test]
    fn without_a_run_or_wish_it_still_asks_for_a_working_script() {
        let prompt = fix_prompt(None, "  ");
        assert!(prompt.starts_with("Fix the script so that it runs successfully."), "{prompt}");
    }

    #[test]
    fn long_output_keeps_its_end() {
        let long = format!("{}END", "x".repeat(20_000));
        assert_eq!(tail(&long).chars().count(), MAX_OUTPUT_CHARS);
        assert!(tail(&long).ends_with("END"));
        assert_eq!(tail("short"), "short");
    }
}
