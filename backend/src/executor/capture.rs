/// One output stream of a run, kept up to a byte cap so that a chatty script cannot make
/// the server buffer more than the cap, however much it prints.
pub(super) struct CappedOutput {
    bytes: Vec<u8>,
    cap: usize,
    truncated: bool,
}

impl CappedOutput {
    pub(super) fn new(cap: usize) -> Self {
        Self {
            bytes: Vec::new(),
            cap,
            truncated: false,
        }
    }

    pub(super) fn push(&mut self, chunk: &[u8]) {
        let room = self.cap - self.bytes.len();
        if chunk.len() > room {
            self.truncated = true;
        }
        self.bytes
            .extend_from_slice(&chunk[..chunk.len().min(room)]);
    }

    /// The text and whether bytes were dropped. Scripts may print anything, so invalid
    /// UTF-8 becomes U+FFFD rather than an error.
    pub(super) fn finish(self) -> (String, bool) {
        (
            String::from_utf8_lossy(&self.bytes).into_owned(),
            self.truncated,
        )
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
