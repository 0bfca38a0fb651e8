//! The prompt guardrail: a replaceable list of phrases a prompt must not contain.

use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// The list shipped at `config/stop_words.txt`, compiled in so the server has a
/// guardrail even when it runs from a directory without that file.
const BUILTIN: &str = include_str!("../../../config/stop_words.txt");

/// Lower-cased phrases, in file order so the reported word is deterministic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StopWords {
    phrases: Vec<String>,
}

/// A prompt that hit the guardrail; `Display` is the API's `detail` sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Prompt contains disallowed content: '{word}'")]
pub struct Rejected {
    pub word: String,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read the stop-word file {}: {source}", path.display())]
pub struct StopWordsError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl StopWords {
    /// The default list (the contents of `config/stop_words.txt` at build time).
    pub fn builtin() -> Self {
        Self::parse(BUILTIN)
    }

    /// One phrase per line; blank lines and lines starting with `#` are ignored.
    pub fn parse(text: &str) -> Self {
        let phrases = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(normalise)
            .filter(|phrase| !phrase.is_empty())
            .collect();
        Self { phrases }
    }

    pub fn load(path: &Path) -> Result<Self, StopWordsError> {
        std::fs::read_to_string(path)
            .map(|text| Self::parse(&text))
            .map_err(|source| StopWordsError { path: path.to_owned(), source })
    }

    pub fn phrases(&self) -> &[String] {
        &self.phrases
    }

    pub fn check(&self, prompt: &str) -> Result<(), Rejected> {
        let prompt = normalise(prompt);
        match self.phrases.iter().find(|phrase| prompt.contains(phrase.as_str())) {
            Some(word) => Err(Rejected { word: word.clone() }),
            None => Ok(()),
        }
    }
}

/// The text as the guardrail compares it: what a reader (or Python) would take it for,
/// not how it is spelled. NFKC folds look-alikes such as fullwidth letters (`ｏｓ`), the
/// invisible characters a human never sees (zero-width spaces and joiners, soft hyphens,
/// bidi controls, variation selectors) are dropped, runs of whitespace become one space,
/// and case is ignored. So `os\u{200b}.system` and `rm  -rf` are caught.
fn normalise(text: &str) -> String {
    let mut normalised = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.nfkc().filter(|&c| !is_invisible(c)).flat_map(char::to_lowercase) {
        if c.is_whitespace() {
            in_space = true;
            continue;
        }
        if in_space && !normalised.is_empty() {
            normalised.push(' ');
        }
        in_space = false;
        normalised.push(c);
    }
    normalised
}

fn is_invisible(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
        || matches!(c, '\u{034f}' | '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}')
        || matches!(c, '\u{fe00}'..='\u{fe0f}' | '\u{e0100}'..='\u{e01ef}' | '\u{180b}'..='\u{180f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUIRED: [&str; 8] = [
        "rm -rf",
        "os.system",
        "os.popen",
        "__import__",
        "shutil.rmtree",
        "subprocess.call",
        "subprocess.run",
        "subprocess.popen",
    ];

    #[test]
    fn invisible_and_look_alike_characters_do_not_hide_a_word() {
        let words = StopWords::builtin();
        for bypass in [
            "call os\u{200b}.system('x')",
            "call os.\u{200d}system",
            "use o\u{00ad}s.popen",
            "\u{feff}__import__('os')",
            "use ｏｓ．ｓｙｓｔｅｍ",
            "rm  -rf /",
            "rm\t-rf /",
            "rm\u{00a0}-rf /",
            "shutil\u{2060}.rmtree",
            "subprocess\u{202e}.run",
            "os.sys\u{fe0f}tem",
            "__imp\u{034f}ort__",
        ] {
            assert!(words.check(bypass).is_err(), "{bypass:?} slipped through");
        }
        assert_eq!(words.check("Summarise   the\u{200b} rows"), Ok(()));
    }

    #[test]
    fn builtin_list_rejects_every_required_word() {
        let words = StopWords::builtin();
        for word in REQUIRED {
            let prompt = format!("please write code that uses {word} on the data dir");
            assert_eq!(
                words.check(&prompt),
                Err(Rejected { word: word.to_owned() }),
                "{word} must be rejected"
            );
        }
    }

    #[test]
    fn matching_ignores_case_of_prompt_and_list() {
        let words = StopWords::parse("Subprocess.Popen\n");
        let rejected = words.check("call SUBPROCESS.POPEN(['ls'])").unwrap_err();
        assert_eq!(rejected.word, "subprocess.popen");
        assert_eq!(rejected.to_string(), "Prompt contains disallowed content: 'subprocess.popen'");
    }

    #[test]
    fn a_clean_prompt_passes() {
        let words = StopWords::builtin();
        assert_eq!(words.check("Sort the rows of the CSV by date, newest first."), Ok(()));
    }

    #[test]
    fn comments_and_blank_lines_are_not_phrases() {
        let words = StopWords::parse("# a comment\n\n   \n  eval(  \n#exec(\n");
        assert_eq!(words.phrases(), ["eval("]);
        assert_eq!(words.check("a # b"), Ok(()));
        assert_eq!(words.check("use exec( here"), Ok(()));
        assert!(words.check("use EVAL( here").is_err());
    }

    #[test]
    fn load_reads_a_replacement_file_and_names_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("words.txt");
        std::fs::write(&path, "drop table\n").unwrap();
        let words = StopWords::load(&path).unwrap();
        assert!(words.check("DROP TABLE users").is_err());
        assert_eq!(words.check("rm -rf /"), Ok(()));

        let missing = dir.path().join("nope.txt");
        let err = StopWords::load(&missing).unwrap_err();
        assert!(err.to_string().contains("nope.txt"));
    }
}
