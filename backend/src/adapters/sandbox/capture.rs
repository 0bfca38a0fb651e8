use bollard::container::LogOutput;

use super::loader::{EndScan, Job};
use super::{OutputTap, StdStream};

/// A run's stdout and stderr. For a pooled run, each stream ends at the loader's end
/// marker, which is not part of the output.
pub(super) struct Capture {
    stdout: CappedOutput,
    stderr: CappedOutput,
    ends: Option<[EndScan; 2]>,
    tap: Option<OutputTap>,
}

impl Capture {
    pub(super) fn new(cap: usize) -> Self {
        Self { stdout: CappedOutput::new(cap), stderr: CappedOutput::new(cap), ends: None, tap: None }
    }

    /// Also sends what is kept to `tap` as it arrives.
    pub(super) fn tapped(self, tap: Option<&OutputTap>) -> Self {
        Self { tap: tap.cloned(), ..self }
    }

    /// Output of the script a loader runs for `job`; stdout's marker is followed by an
    /// archive of the run's files of at most `files_limit` bytes.
    pub(super) fn until_end_of(job: &Job, cap: usize, files_limit: usize) -> Self {
        Self { ends: Some([job.end_scan_with_files(files_limit), job.end_scan()]), ..Self::new(cap) }
    }

    /// The archive of the run's files, once the end was reported.
    pub(super) fn take_files(&mut self) -> Vec<u8> {
        self.ends.as_mut().map(|[stdout, _]| stdout.take_files()).unwrap_or_default()
    }

    pub(super) fn push(&mut self, frame: LogOutput) {
        let (output, index, message) = match frame {
            LogOutput::StdOut { message } | LogOutput::Console { message } => (&mut self.stdout, 0, message),
            LogOutput::StdErr { message } => (&mut self.stderr, 1, message),
            LogOutput::StdIn { .. } => return,
        };
        let fed;
        let kept = match &mut self.ends {
            Some(ends) => {
                fed = ends[index].feed(&message);
                output.push(&fed)
            }
            None => output.push(&message),
        };
        if let (Some(tap), false) = (&self.tap, kept.is_empty()) {
            let stream = if index == 0 { StdStream::Stdout } else { StdStream::Stderr };
            // A subscriber that went away does not stop the run.
            let _ = tap.send((stream, kept.to_vec()));
        }
    }

    /// Once both streams are complete: how the script's process ended, as the loader
    /// wrote it. Negative for death by a signal, or for markers that disagree: either way
    /// only the engine can tell what happened.
    pub(super) fn reported_exit(&self) -> Option<i64> {
        let [stdout, stderr] = self.ends.as_ref()?;
        match (stdout.code()?, stderr.code()?) {
            (out, err) if out == err => Some(out),
            _ => Some(i64::MIN),
        }
    }

    /// Each stream's text and whether bytes were dropped: stdout, then stderr.
    pub(super) fn finish(mut self) -> [(String, bool); 2] {
        if let Some([stdout, stderr]) = self.ends.take() {
            // A stream cut short of its marker (a timeout, the loader killed).
            for (index, rest) in [stdout.rest(), stderr.rest()].into_iter().enumerate() {
                self.push(if index == 0 {
                    LogOutput::StdOut { message: rest.into() }
                } else {
                    LogOutput::StdErr { message: rest.into() }
                });
            }
        }
        [self.stdout.finish(), self.stderr.finish()]
    }
}

/// One output stream of a run, kept up to a byte cap so that a chatty script cannot make
/// the server buffer more than the cap, however much it prints.
struct CappedOutput {
    bytes: Vec<u8>,
    cap: usize,
    truncated: bool,
}

impl CappedOutput {
    fn new(cap: usize) -> Self {
        Self { bytes: Vec::new(), cap, truncated: false }
    }

    /// Keeps what fits under the cap and returns it.
    fn push<'a>(&mut self, chunk: &'a [u8]) -> &'a [u8] {
        let room = self.cap - self.bytes.len();
        if chunk.len() > room {
            self.truncated = true;
        }
        let kept = &chunk[..chunk.len().min(room)];
        self.bytes.extend_from_slice(kept);
        kept
    }

    /// The text and whether bytes were dropped. Scripts may print anything, so invalid
    /// UTF-8 becomes U+FFFD rather than an error.
    fn finish(self) -> (String, bool) {
        (String::from_utf8_lossy(&self.bytes).into_owned(), self.truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::CappedOutput;

    #[test]
    fn output_within_the_cap_is_kept_whole() {
        let mut out = CappedOutput::new(10);
        out.push(b"hello ");
        out.push(b"user");
        assert_eq!(out.finish(), ("hello user".to_owned(), false));
    }

    #[test]
    fn output_past_the_cap_is_cut_and_flagged() {
        let mut out = CappedOutput::new(8);
        out.push(b"hello ");
        out.push(b"world");
        out.push(b"!");
        assert_eq!(out.finish(), ("hello wo".to_owned(), true));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let mut out = CappedOutput::new(64);
        out.push(b"ok \xff end");
        assert_eq!(out.finish(), ("ok \u{FFFD} end".to_owned(), false));
    }
}
