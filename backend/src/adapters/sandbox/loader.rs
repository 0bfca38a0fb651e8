//! The protocol between the server and `loader.py`, the command of a pooled container.
//!
//! Started ahead of time, the loader says it is [`READY`]; the server writes the script
//! and its input into the container's run directory and hands over a [`Job`], a line with
//! a fresh nonce, on stdin, which the loader acknowledges with [`GO`] before it lets the
//! script start (a container that died while idle never says it, and the job can go
//! elsewhere). When the script's process has ended, the loader writes an end marker,
//! `\0ved-end <nonce> <code>\n`, last on both stdout and stderr: from it the server knows
//! that each stream is complete and the exit code, without waiting for the engine to tear
//! the container down. Only the loader knows the nonce (the script runs in a child
//! forked before it arrived, and cannot read the loader's memory), so the script cannot
//! end its own run early with a marker of its making, let alone anyone else's.

use std::fmt::Write as _;

use bollard::container::LogOutput;
use futures::StreamExt;

use super::capture::Capture;
use super::container::OutputStream;

/// The program, passed as `python -c`.
pub(super) const SOURCE: &str = include_str!("loader.py");

/// The loader's first words on stdout: its interpreter is up and it waits for a job.
pub(super) const READY: &[u8] = b"\0ved-ready\n";

/// The loader has the job; what follows on stdout is the script's.
pub(super) const GO: &[u8] = b"\0ved-go\n";

/// The server has read the loader's report and files: it may end.
pub(super) const RELEASE: &[u8] = b"\n";

/// The signal by which the server says the run's time is up: the loader kills the script
/// and reports as after any end, with the files in `/runner/out`. (The script may send it
/// too, to PID 1 of its own container: that only ends its own run, killed.)
pub(super) const TIME_UP: &str = "SIGUSR2";

const NONCE_BYTES: usize = 16;

/// What the loader reads from stdin: the nonce in hex and a newline, nothing else.
pub(super) struct Job {
    nonce: String,
}

impl Job {
    pub(super) fn new() -> Self {
        let bytes: [u8; NONCE_BYTES] = rand::random();
        let nonce = bytes.iter().fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        });
        Self { nonce }
    }

    /// Must stay `NONCE_LINE` bytes long, as `loader.py` reads exactly that many.
    pub(super) fn line(&self) -> Vec<u8> {
        format!("{}\n", self.nonce).into_bytes()
    }

    /// Finds the end marker of stderr.
    pub(super) fn end_scan(&self) -> EndScan {
        EndScan {
            needle: format!("\0ved-end {} ", self.nonce).into_bytes(),
            held: Vec::new(),
            code: None,
            files: Trailer::none(),
        }
    }

    /// Finds the end marker of stdout, which is followed by the archive of the run's
    /// files: its length in decimal, a newline, and at most `limit` bytes.
    pub(super) fn end_scan_with_files(&self, limit: usize) -> EndScan {
        EndScan { files: Trailer::expected(limit), ..self.end_scan() }
    }
}

/// Finds the end marker in one stream: bytes before it are the script's output, the code
/// after it is how the script's process ended (negative: killed by that signal), and
/// anything after it (a child the script left running) is not part of the run.
pub(super) struct EndScan {
    needle: Vec<u8>,
    /// Bytes that may be the start of a marker split across reads.
    held: Vec<u8>,
    code: Option<i64>,
    files: Trailer,
}

/// What follows stdout's end marker: `<length>\n<archive>`.
struct Trailer {
    expected: bool,
    limit: usize,
    line: Vec<u8>,
    length: Option<usize>,
    body: Vec<u8>,
    /// Not what the loader writes (or larger than allowed): no files, and no waiting.
    broken: bool,
}

impl Trailer {
    fn none() -> Self {
        Self { expected: false, limit: 0, line: Vec::new(), length: None, body: Vec::new(), broken: false }
    }

    fn expected(limit: usize) -> Self {
        Self { expected: true, limit, ..Self::none() }
    }

    fn push(&mut self, mut bytes: &[u8]) {
        if !self.expected || self.broken {
            return;
        }
        if self.length.is_none() {
            let Some(newline) = bytes.iter().position(|&b| b == b'\n') else {
                self.line.extend_from_slice(bytes);
                self.broken = self.line.len() > 20;
                return;
            };
            self.line.extend_from_slice(&bytes[..newline]);
            bytes = &bytes[newline + 1..];
            match std::str::from_utf8(&self.line).ok().and_then(|n| n.parse::<usize>().ok()) {
                Some(length) if length <= self.limit => self.length = Some(length),
                _ => {
                    self.broken = true;
                    return;
                }
            }
        }
        let wanted = self.length.unwrap_or(0) - self.body.len();
        self.body.extend_from_slice(&bytes[..bytes.len().min(wanted)]);
    }

    fn done(&self) -> bool {
        !self.expected || self.broken || self.length.is_some_and(|length| self.body.len() >= length)
    }
}

impl EndScan {
    /// Returns the part of `chunk` that is output.
    pub(super) fn feed(&mut self, chunk: &[u8]) -> Vec<u8> {
        if self.code.is_some() {
            self.files.push(chunk);
            return Vec::new();
        }
        self.held.extend_from_slice(chunk);
        let Some(at) = find(&self.held, &self.needle) else {
            // Hold back only what may be the start of a marker, so that output streams at
            // once (ordinary text has no NUL, and every marker begins with one).
            let keep = (1..self.needle.len().min(self.held.len() + 1))
                .rev()
                .find(|&k| self.held.ends_with(&self.needle[..k]))
                .unwrap_or(0);
            let rest = self.held.split_off(self.held.len() - keep);
            return std::mem::replace(&mut self.held, rest);
        };
        let after = &self.held[at + self.needle.len()..];
        let Some(end) = after.iter().position(|&b| b == b'\n') else {
            // The marker's tail has not arrived yet; the output before it is final.
            let marker = self.held.split_off(at);
            return std::mem::replace(&mut self.held, marker);
        };
        // A code that does not parse cannot come from the loader: the run then ends
        // only with the container, as if no marker had been written.
        self.code = Some(
            std::str::from_utf8(&after[..end]).ok().and_then(|code| code.parse().ok()).unwrap_or(i64::MIN),
        );
        let trailing = after[end + 1..].to_vec();
        self.files.push(&trailing);
        self.held.truncate(at);
        std::mem::take(&mut self.held)
    }

    /// The code the marker carried, once it and what follows it have been read.
    pub(super) fn code(&self) -> Option<i64> {
        self.code.filter(|_| self.files.done())
    }

    /// The archive of the run's files that followed the marker (empty if none came).
    pub(super) fn take_files(&mut self) -> Vec<u8> {
        if self.files.broken {
            return Vec::new();
        }
        std::mem::take(&mut self.files.body)
    }

    /// At the end of a stream without a marker, the output still held back.
    pub(super) fn rest(self) -> Vec<u8> {
        self.held
    }
}

/// Reads until the loader has said `word`, its first words on stdout since the last ones;
/// other output read meanwhile goes to `aside` (stderr, and stdout after the word, may be
/// the script's already). If the loader says something else or stops, says why.
pub(super) async fn hear(output: &mut OutputStream, word: &[u8], aside: &mut Capture) -> Result<(), String> {
    let mut said = Vec::new();
    while let Some(frame) = output.next().await {
        match frame.map_err(|e| e.to_string())? {
            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                said.extend_from_slice(&message);
                if let Some(after) = said.strip_prefix(word) {
                    aside.push(LogOutput::StdOut { message: after.to_vec().into() });
                    return Ok(());
                }
                if !word.starts_with(&said) {
                    return Err(format!("the loader said {:?}", String::from_utf8_lossy(&said)));
                }
            }
            other => aside.push(other),
        }
    }
    Err("the loader stopped".to_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::Job;

    fn scan_in_pieces(job: &Job, stream: &[u8], piece: usize) -> (Vec<u8>, Option<i64>) {
        let mut scan = job.end_scan();
        let mut output = Vec::new();
        for chunk in stream.chunks(piece) {
            output.extend(scan.feed(chunk));
        }
        let code = scan.code();
        output.extend(scan.rest());
        (output, code)
    }

    #[test]
    fn the_marker_ends_the_output_however_the_stream_is_cut() {
        let job = Job::new();
        let nonce = String::from_utf8(job.line()).unwrap();
        let stream = format!("out\0ved-end {} 3\nleft-over child output", nonce.trim_end());
        for piece in 1..stream.len() {
            assert_eq!(
                scan_in_pieces(&job, stream.as_bytes(), piece),
                (b"out".to_vec(), Some(3)),
                "in pieces of {piece}"
            );
        }
    }

    #[test]
    fn output_that_cannot_start_a_marker_is_passed_on_at_once() {
        let job = Job::new();
        let mut scan = job.end_scan();
        assert_eq!(scan.feed(b"first\n"), b"first\n");
        assert_eq!(scan.feed(b"x\0ved-e"), b"x", "a possible marker start is held");
        assert_eq!(scan.feed(b"nd? no\n"), b"\0ved-end? no\n");
    }

    #[test]
    fn a_marker_with_another_nonce_is_just_output() {
        let job = Job::new();
        let forged = format!("\0ved-end {} 0\nmore", "0".repeat(32));
        let (output, code) = scan_in_pieces(&job, forged.as_bytes(), 7);
        assert_eq!((output, code), (forged.into_bytes(), None));
    }

    #[test]
    fn the_job_line_is_what_the_loader_reads() {
        let line = Job::new().line();
        let expected: usize = super::SOURCE
            .lines()
            .find_map(|line| line.strip_prefix("NONCE_LINE = "))
            .and_then(|n| n.parse().ok())
            .expect("NONCE_LINE in loader.py");
        assert_eq!(line.len(), expected);
    }
}
