//! A running script's output on its way to the event stream: bytes become text (a
//! character split across two reads is kept whole; invalid UTF-8 becomes U+FFFD, as in the
//! stored output), and bursts are gathered into one event every few milliseconds so that a
//! chatty script does not write a row per line.
use std::time::Duration;

use sea_orm::DatabaseConnection;
use serde::Serialize;
use tokio::sync::mpsc::UnboundedReceiver;

use super::events::EventHub;
use crate::adapters::sandbox::StdStream;

/// How long output may wait to be gathered with more (well under SPEC §12's 100 ms).
const GATHER: Duration = Duration::from_millis(15);
/// A gathered event is sent at once past this many bytes.
const GATHER_BYTES: usize = 64 * 1024;

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

/// Turns a byte stream into text incrementally.
#[derive(Default)]
pub struct Utf8Decoder {
    carry: Vec<u8>,
}

impl Utf8Decoder {
    /// The text of `bytes` after what came before; an incomplete character at the end waits
    /// for the next call.
    pub fn push(&mut self, bytes: &[u8]) -> String {
        self.carry.extend_from_slice(bytes);
        let mut text = String::new();
        loop {
            match std::str::from_utf8(&self.carry) {
                Ok(valid) => {
                    text.push_str(valid);
                    self.carry.clear();
                    return text;
                }
                Err(err) => {
                    let valid = err.valid_up_to();
                    text.push_str(std::str::from_utf8(&self.carry[..valid]).expect("checked"));
                    match err.error_len() {
                        // Cut short: maybe the rest comes next.
                        None => {
                            self.carry.drain(..valid);
                            return text;
                        }
                        Some(bad) => {
                            text.push(char::REPLACEMENT_CHARACTER);
                            self.carry.drain(..valid + bad);
                        }
                    }
                }
            }
        }
    }

    /// Whatever is left when the stream ends.
    pub fn finish(self) -> String {
        String::from_utf8_lossy(&self.carry).into_owned()
    }
}

/// Publishes the output arriving on `chunks` as `stdout` and `stderr` events of `stream`
/// until the run drops its end of the channel.
pub async fn forward(
    db: DatabaseConnection,
    hub: EventHub,
    stream: String,
    mut chunks: UnboundedReceiver<(StdStream, Vec<u8>)>,
) {
    let mut decoders = [Utf8Decoder::default(), Utf8Decoder::default()];
    let mut gathered: [String; 2] = Default::default();
    let mut order: Vec<usize> = Vec::new();
    loop {
        let first = chunks.recv().await;
        let Some((which, bytes)) = first else { break };
        // Within one gathering the two streams are sent in the order they first spoke.
        let mut take =
            |which: StdStream, bytes: Vec<u8>, gathered: &mut [String; 2], order: &mut Vec<usize>| {
                let index = usize::from(which == StdStream::Stderr);
                if !order.contains(&index) {
                    order.push(index);
                }
                gathered[index].push_str(&decoders[index].push(&bytes));
            };
        take(which, bytes, &mut gathered, &mut order);
        let deadline = tokio::time::Instant::now() + GATHER;
        while gathered.iter().map(String::len).sum::<usize>() < GATHER_BYTES {
            match tokio::time::timeout_at(deadline, chunks.recv()).await {
                Ok(Some((which, bytes))) => take(which, bytes, &mut gathered, &mut order),
                Ok(None) | Err(_) => break,
            }
        }
        send(&db, &hub, &stream, &mut gathered, &mut order).await;
    }
    for (index, decoder) in decoders.into_iter().enumerate() {
        gathered[index].push_str(&decoder.finish());
        if !gathered[index].is_empty() && !order.contains(&index) {
            order.push(index);
        }
    }
    send(&db, &hub, &stream, &mut gathered, &mut order).await;
}

async fn send(
    db: &DatabaseConnection,
    hub: &EventHub,
    stream: &str,
    gathered: &mut [String; 2],
    order: &mut Vec<usize>,
) {
    for index in order.drain(..) {
        let text = std::mem::take(&mut gathered[index]);
        if text.is_empty() {
            continue;
        }
        let kind = if index == 0 { "stdout" } else { "stderr" };
        if let Err(err) = hub.publish(db, stream, kind, &Text { text: &text }).await {
            tracing::warn!(%stream, error = %err, "could not store output events");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Utf8Decoder;

    #[test]
    fn a_character_split_across_reads_is_kept_whole() {
        let mut decoder = Utf8Decoder::default();
        let bytes = "héllo €".as_bytes();
        let mut text = String::new();
        for byte in bytes {
            text.push_str(&decoder.push(&[*byte]));
        }
        text.push_str(&decoder.finish());
        assert_eq!(text, "héllo €");
    }

    #[test]
    fn invalid_bytes_become_replacement_characters_as_in_the_stored_output() {
        let raw = b"ok \xff end \xe2\x82";
        let mut decoder = Utf8Decoder::default();
        let mut text = decoder.push(&raw[..5]);
        text.push_str(&decoder.push(&raw[5..]));
        text.push_str(&decoder.finish());
        assert_eq!(text, String::from_utf8_lossy(raw));
    }
}
