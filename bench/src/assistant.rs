//! Figure 8: the assistant (SPEC §13). What the proxy adds to a streamed token (the fake
//! upstream notes when it sends its first piece; the client, in this process, when the
//! `token` event arrives), and what one fix round costs the server beyond the LLM call
//! and the run, each next to the same measurement without the server in between.
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Value};
use ved_tests::{
    fake_llm::{Behaviour, FakeLlm},
    harness::Client,
    sse,
};

use crate::{report::Row, stats::Summary};

const STREAMS: usize = 100;
const FIX_ROUNDS: usize = 20;
/// The upstream's pause before each chunk: a stream that is still being written.
const CHUNK_GAP: Duration = Duration::from_millis(3);

/// 8a: first token, upstream → client, through `/api/llm/complete` and directly.
pub async fn token_forwarding(editor: &Client, llm: &FakeLlm) -> Vec<Row> {
    llm.set_behaviour(Behaviour::default());
    llm.set_stream_gap(CHUNK_GAP);
    let mut proxied = Vec::new();
    for _ in 0..STREAMS {
        let body = json!({"prompt": "hi", "context_code": "print(1)", "stream": true});
        let response = editor.raw().post(editor.url("/api/llm/complete")).json(&body).send().await;
        let response = response.expect("the stream opens");
        let mut first_token = None;
        sse::read_while(response, Duration::from_secs(30), |event| {
            if event.kind == "token" && first_token.is_none() {
                first_token = Some(event.at);
            }
            event.kind != "done"
        })
        .await;
        proxied.push(since_sent(llm, first_token.expect("a token event")));
    }
    let direct_client = reqwest::Client::new();
    let mut direct = Vec::new();
    for _ in 0..STREAMS {
        let received = first_piece_directly(&direct_client, llm).await;
        direct.push(since_sent(llm, received));
    }
    llm.set_stream_gap(Duration::ZERO);
    let (proxied, direct) = (Summary::of(&proxied), Summary::of(&direct));
    vec![
        Row::new(
            "8. first streamed token, upstream → client p50 — vs direct",
            proxied.p50,
            "ms",
            Some(direct.p50),
        ),
        Row::new(
            "8. first streamed token, upstream → client p99 — vs direct",
            proxied.p99,
            "ms",
            Some(direct.p99),
        ),
    ]
}

fn since_sent(llm: &FakeLlm, received: Instant) -> Duration {
    let sent = llm.last_first_piece_sent().expect("the fake sent a piece");
    received.saturating_duration_since(sent)
}

/// Reads the fake's own stream to its end; when its second `data:` block (the first with
/// text) arrived.
async fn first_piece_directly(client: &reqwest::Client, llm: &FakeLlm) -> Instant {
    let request = client.post(format!("{}/chat/completions", llm.base_url)).json(&json!({
        "model": "openai/gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": true,
        "stream_options": {"include_usage": true},
    }));
    let mut body = request.send().await.expect("the fake answers").bytes_stream();
    let (mut blocks, mut first_piece) = (0, None);
    while let Some(chunk) = body.next().await {
        blocks += String::from_utf8_lossy(&chunk.expect("stream bytes")).matches("\n\n").count();
        if blocks >= 2 && first_piece.is_none() {
            first_piece = Some(Instant::now());
        }
    }
    first_piece.expect("a piece of text")
}

/// 8b: a one-round fix (the answer's code succeeds) against the same run as a draft run
/// plus the same streamed answer from the upstream directly.
pub async fn fix_round(editor: &Client, llm: &FakeLlm) -> Vec<Row> {
    let code = "print('ok')\n";
    llm.set_behaviour(Behaviour::answer(format!("Fixed:\n```python\n{code}```\n"), Some(0.0001)));
    let script = editor.create_script(code, "").await.id;
    let draft_run = || async {
        let started = Instant::now();
        let answer = editor.post(&format!("/api/execute/{script}"), &json!({"source": "draft"})).await;
        assert_eq!(answer.body["status"], "succeeded", "{}", answer.text);
        started.elapsed()
    };
    // A finished run of the content: the fix's first round learns from it, as after a failure.
    draft_run().await;
    // Each fix is measured next to its own run and answer, so that the machine's drift
    // between them cancels out of the difference.
    let mut overheads = Vec::new();
    let mut parts_alone = Vec::new();
    let direct_client = reqwest::Client::new();
    for _ in 0..FIX_ROUNDS {
        let started = Instant::now();
        let body = json!({"script_id": script, "content": code, "max_rounds": 1});
        let response = editor.raw().post(editor.url("/api/assistant/fix")).json(&body).send().await;
        let mut done = Value::Null;
        sse::read_while(response.expect("the fix starts"), Duration::from_secs(60), |event| {
            if event.kind == "done" {
                done = event.data;
            }
            true
        })
        .await;
        assert_eq!(done["succeeded"], true, "{done}");
        let fix = started.elapsed().as_secs_f64() * 1e3;
        let run = draft_run().await.as_secs_f64() * 1e3;
        let started = Instant::now();
        first_piece_directly(&direct_client, llm).await;
        let answer = started.elapsed().as_secs_f64() * 1e3;
        overheads.push(fix - run - answer);
        parts_alone.push(run + answer);
    }
    llm.set_behaviour(Behaviour::default());
    vec![Row::new(
        "8. fix round p50 beyond its run and LLM answer — vs run + answer alone",
        median(overheads),
        "ms",
        Some(median(parts_alone)),
    )]
}

/// Overheads may be negative (noise), which `Summary` of durations cannot hold.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    crate::stats::percentile(&values, 50.0)
}
