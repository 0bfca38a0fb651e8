//! Figure 7: live events (SPEC §12). How soon a printed line reaches a subscriber, what a
//! run costs through the job queue, and what 200 subscribers of one run cost the server.
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use serde_json::{json, Value};
use ved_tests::harness::Client;

use crate::{report::Row, rss, stats::Summary};

const LATENCY_RUNS: usize = 10;
const SUBSCRIBERS: usize = 200;
const LINES: usize = 20;

/// Starts a run without waiting; its execution id.
async fn start(editor: &Client, script_id: i64) -> i64 {
    let answer = editor.post(&format!("/api/execute/{script_id}?wait=false"), &json!({})).await;
    assert_eq!(answer.status.as_u16(), 202, "{}", answer.text);
    answer.body["execution_id"].as_i64().expect("an execution id")
}

/// Reads an execution's stream to its end; each event's kind and data, with when it came.
async fn follow(editor: &Client, execution: i64) -> Vec<(String, Value, SystemTime)> {
    let url = editor.url(&format!("/api/executions/{execution}/events"));
    let response = editor.raw().get(url).send().await.expect("the stream opens");
    let mut body = response.bytes_stream();
    let (mut buffer, mut events) = (String::new(), Vec::new());
    while let Some(chunk) = body.next().await {
        buffer.push_str(&String::from_utf8_lossy(&chunk.expect("stream bytes")));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| {
                block.lines().find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_owned))
            };
            if let (Some(kind), Some(data)) = (field("event"), field("data")) {
                events.push((kind, serde_json::from_str(&data).expect("JSON"), SystemTime::now()));
            }
        }
    }
    events
}

fn seconds_since_epoch(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH).expect("after 1970").as_secs_f64()
}

/// 7a: from the script's `print` (its own clock: same host) to the client's receipt.
pub async fn first_line_latency(editor: &Client) -> Vec<Row> {
    let script = "import time\nprint(repr(time.time()))\ntime.sleep(1)\nprint('end')\n";
    let id = editor.create_script(script, "").await.id;
    editor.merge_script(id).await;
    let mut latencies = Vec::new();
    for _ in 0..LATENCY_RUNS {
        let execution = start(editor, id).await;
        let events = follow(editor, execution).await;
        let (_, data, received) =
            events.iter().find(|(kind, _, _)| kind == "stdout").expect("a stdout event");
        let printed: f64 = data["text"].as_str().unwrap().lines().next().unwrap().parse().expect("a time");
        let seconds = (seconds_since_epoch(*received) - printed).max(0.0);
        latencies.push(Duration::from_secs_f64(seconds));
    }
    let summary = Summary::of(&latencies);
    vec![
        Row::new(
            "7. first stdout event after the script's print, p50 — target 100",
            summary.p50,
            "ms",
            Some(100.0),
        ),
        Row::new(
            "7. first stdout event after the script's print, p95 — target 100",
            summary.p95,
            "ms",
            Some(100.0),
        ),
    ]
}

/// 7b: 200 subscribers of one run printing 20 lines over 2 s: whether every one got every
/// line and the end, and the server's memory meanwhile.
pub async fn many_subscribers(editor: &Client, pid: u32) -> Vec<Row> {
    let script =
        format!("import time\nfor n in range({LINES}):\n    print('line', n)\n    time.sleep(0.1)\n");
    let id = editor.create_script(&script, "").await.id;
    editor.merge_script(id).await;
    let before = rss::rss_mib(pid);
    let peak = rss::PeakSampler::start(pid);
    let execution = start(editor, id).await;
    let started = Instant::now();
    let followers: Vec<_> = (0..SUBSCRIBERS)
        .map(|_| {
            let editor = editor.clone();
            tokio::spawn(async move { follow(&editor, execution).await })
        })
        .collect();
    let mut complete = 0;
    for follower in followers {
        let events = follower.await.expect("a follower");
        let text: String = events
            .iter()
            .filter(|(kind, _, _)| kind == "stdout")
            .map(|(_, data, _)| data["text"].as_str().unwrap_or_default().to_owned())
            .collect();
        let ended = events.last().is_some_and(|(kind, _, _)| kind == "end");
        if ended && text.lines().count() == LINES {
            complete += 1;
        }
    }
    let peak = peak.peak_mib().await;
    eprintln!(
        "[bench] {SUBSCRIBERS} subscribers followed one run for {:.1} s",
        started.elapsed().as_secs_f64()
    );
    vec![
        Row::new(
            format!("7. subscribers of one run that got every line and the end (of {SUBSCRIBERS})"),
            complete as f64,
            "subscribers",
            Some(SUBSCRIBERS as f64),
        ),
        Row::new(
            format!("7. server RSS peak with {SUBSCRIBERS} subscribers — vs before (target: +30)"),
            peak,
            "MiB",
            Some(before),
        ),
    ]
}
