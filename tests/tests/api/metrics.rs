//! SPEC §14: `GET /metrics` shows an operator the queue, the runs, the warm pool, the open
//! event streams and the LLM's calls and cost, in the Prometheus text format, to the
//! holder of the metrics token only — from an API process, and from a `ved worker` on its
//! own listener.
use std::time::{Duration, Instant};

use prometheus_parse::{LineInfo, Scrape, Value};
use reqwest::{header, StatusCode};
use serde_json::json;
use ved_tests::{
    fake_llm::{Behaviour, FakeLlm},
    harness::{TestApp, TestWorker},
};

use crate::jobs::{merged_script, start};

const TOKEN: &str = "metrics-test-token-5c1d9e0b7a";

/// One scrape: its text, checked line by line against the exposition grammar, and parsed.
struct Exposition {
    text: String,
    scrape: Scrape,
}

impl Exposition {
    /// The value of the sample named `metric` whose labels include `labels`; a counter
    /// that was never incremented is not rendered, and reads as `None`.
    fn value(&self, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let sample = self.scrape.samples.iter().find(|sample| {
            sample.metric == metric
                && labels.iter().all(|(name, value)| sample.labels.get(name) == Some(value))
        })?;
        match &sample.value {
            Value::Counter(value) | Value::Gauge(value) | Value::Untyped(value) => Some(*value),
            other => panic!("{metric} is not a single number: {other:?}"),
        }
    }

    fn has_type(&self, metric: &str, kind: &str) -> bool {
        self.text.lines().any(|line| line == format!("# TYPE {metric} {kind}"))
    }
}

fn parse(text: String) -> Exposition {
    for line in text.lines() {
        let parsed = LineInfo::parse(line);
        assert!(
            !matches!(parsed, LineInfo::Ignored),
            "not a comment, TYPE, HELP or sample line of the text format: {line:?}\n{text}"
        );
    }
    let scrape = Scrape::parse(text.lines().map(|line| Ok(line.to_owned()))).expect("parses");
    Exposition { text, scrape }
}

async fn scrape(base_url: &str) -> Exposition {
    let response = try_scrape(base_url).await.expect("the scrape is answered");
    read(response).await
}

async fn try_scrape(base_url: &str) -> reqwest::Result<reqwest::Response> {
    reqwest::Client::new().get(format!("{base_url}/metrics")).bearer_auth(TOKEN).send().await
}

async fn read(response: reqwest::Response) -> Exposition {
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    parse(response.text().await.unwrap())
}

/// Scrapes until `reached` holds (a run's end is counted just after its row is written),
/// waiting for a worker's listener to open first.
async fn scrape_until(base_url: &str, what: &str, reached: impl Fn(&Exposition) -> bool) -> Exposition {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let last = match try_scrape(base_url).await {
            Ok(response) => {
                let exposition = read(response).await;
                if reached(&exposition) {
                    return exposition;
                }
                exposition.text
            }
            Err(err) => format!("no answer: {err}"),
        };
        assert!(Instant::now() < deadline, "never saw {what}:\n{last}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn only_the_metrics_token_opens_the_page() {
    let app = TestApp::spawn_with(&[("VED_METRICS_TOKEN", TOKEN)]).await;
    let url = format!("{}/metrics", app.base_url);
    let http = reqwest::Client::new();
    let editor = app.editor().await;
    let token = editor.post("/api/tokens", &json!({"name": "ci", "role": "editor"})).await;
    assert_eq!(token.status, StatusCode::CREATED, "{}", token.text);
    let api_token = token.body["token"].as_str().unwrap().to_owned();

    let refused = [
        http.get(&url).send().await.unwrap(),
        http.get(&url).bearer_auth("metrics-test-token-wrong-guess").send().await.unwrap(),
        http.get(&url).bearer_auth(&TOKEN[..TOKEN.len() - 1]).send().await.unwrap(),
        http.get(&url).header(header::AUTHORIZATION, format!("Basic {TOKEN}")).send().await.unwrap(),
        // A user, even an editor, is not a scraper: neither the session nor an API token.
        editor.raw().get(&url).send().await.unwrap(),
        http.get(&url).bearer_auth(&api_token).send().await.unwrap(),
    ];
    for response in refused {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let body = response.text().await.unwrap();
        assert!(body.contains("VED_METRICS_TOKEN"), "{body}");
        assert!(!body.contains(TOKEN) && !body.contains("ved_"), "no secret in the answer: {body}");
    }
    let exposition = scrape(&app.base_url).await;
    assert!(exposition.has_type("ved_queue_depth", "gauge"), "{}", exposition.text);

    // Without a token configured the page is closed, not open.
    let closed = TestApp::spawn().await;
    let response = http.get(format!("{}/metrics", closed.base_url)).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_run_is_counted_timed_and_its_open_stream_seen() {
    let app = TestApp::spawn_with(&[("VED_METRICS_TOKEN", TOKEN), ("VED_WORKER_NAME", "metered")]).await;
    let editor = app.editor().await;
    let before = scrape(&app.base_url).await;
    for (metric, kind) in
        [("ved_queue_depth", "gauge"), ("ved_executions", "gauge"), ("ved_warm_pool_containers", "gauge")]
    {
        assert!(before.has_type(metric, kind), "# TYPE {metric} {kind}:\n{}", before.text);
    }
    let succeeded = [("status", "succeeded"), ("process", "metered")];
    assert_eq!(before.value("ved_runs_finished_total", &succeeded), None, "no run yet");
    assert_eq!(before.value("ved_executions", &[("status", "succeeded")]), Some(0.0));

    let id = merged_script(&editor, "import time\ntime.sleep(1.5)\nprint('done')\n").await;
    let execution = start(&editor, id).await;
    let stream = editor
        .raw()
        .get(editor.url(&format!("/api/executions/{execution}/events")))
        .send()
        .await
        .expect("the stream opens");
    assert_eq!(stream.status(), StatusCode::OK);
    scrape_until(&app.base_url, "the open event stream", |e| {
        e.value("ved_sse_streams_active", &[("kind", "events")]) == Some(1.0)
    })
    .await;
    let events = ved_tests::sse::read_to_end(stream).await;
    assert_eq!(events.last().map(|event| event.kind.as_str()), Some("end"));

    let after = scrape_until(&app.base_url, "the run's end and the stream's close", |e| {
        e.value("ved_runs_finished_total", &succeeded) == Some(1.0)
            && e.value("ved_sse_streams_active", &[("kind", "events")]) == Some(0.0)
    })
    .await;
    assert!(after.has_type("ved_runs_finished_total", "counter"), "{}", after.text);
    assert!(after.has_type("ved_run_duration_seconds", "histogram"), "{}", after.text);
    assert_eq!(after.value("ved_run_duration_seconds_count", &succeeded), Some(1.0));
    let seconds = after.value("ved_run_duration_seconds_sum", &succeeded).unwrap();
    assert!((1.5..30.0).contains(&seconds), "the run slept 1.5 s, measured {seconds} s");
    let under_a_second = after
        .text
        .lines()
        .find(|line| line.starts_with("ved_run_duration_seconds_bucket{") && line.contains("le=\"1\""));
    assert!(under_a_second.is_some_and(|line| line.ends_with(" 0")), "{}", after.text);
    assert_eq!(after.value("ved_executions", &[("status", "succeeded")]), Some(1.0));
    assert_eq!(after.value("ved_queue_depth", &[]), Some(0.0));
}

#[tokio::test]
async fn the_queue_is_seen_from_the_api_and_the_runs_from_the_worker_that_ran_them() {
    let app = TestApp::spawn_with(&[("VED_METRICS_TOKEN", TOKEN), ("VED_WORKER", "false")]).await;
    let editor = app.editor().await;
    let id = merged_script(&editor, "print('queued')\n").await;
    for _ in 0..3 {
        start(&editor, id).await;
    }
    let queued = scrape(&app.base_url).await;
    assert_eq!(queued.value("ved_queue_depth", &[]), Some(3.0), "{}", queued.text);
    assert_eq!(queued.value("ved_executions", &[("status", "queued")]), Some(3.0));
    assert_eq!(queued.value("ved_warm_pool_containers", &[]), Some(0.0), "this process runs no jobs");

    let bind = format!("127.0.0.1:{}", free_port());
    let _worker = TestWorker::spawn(
        &app,
        "remote-metrics",
        &[("VED_METRICS_TOKEN", TOKEN), ("VED_METRICS_BIND", bind.as_str()), ("VED_WARM_POOL", "1")],
    );
    let worker_url = format!("http://{bind}");
    let ran = [("status", "succeeded"), ("process", "remote-metrics")];
    let seen = scrape_until(&worker_url, "the worker's three runs and its warm container", |e| {
        e.value("ved_runs_finished_total", &ran) == Some(3.0)
            && e.value("ved_warm_pool_containers", &[]) == Some(1.0)
    })
    .await;
    assert_eq!(seen.value("ved_run_duration_seconds_count", &ran), Some(3.0));
    let refused = reqwest::get(format!("{worker_url}/metrics")).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "the worker's page needs the token too");

    let api = scrape(&app.base_url).await;
    assert_eq!(api.value("ved_queue_depth", &[]), Some(0.0), "{}", api.text);
    assert_eq!(api.value("ved_executions", &[("status", "succeeded")]), Some(3.0));
    assert_eq!(api.value("ved_runs_finished_total", &[]), None, "the API process ran none");
}

#[tokio::test]
async fn llm_calls_and_their_cost_are_counted() {
    let fake = FakeLlm::start(Behaviour::answer("ok", Some(0.000_123))).await;
    let app = TestApp::spawn_with(&[
        ("VED_METRICS_TOKEN", TOKEN),
        ("VED_LLM_BASE_URL", fake.base_url.as_str()),
        ("OPENROUTER_API_KEY", "sk-or-v1-metrics-test"),
    ])
    .await;
    let editor = app.editor().await;
    for prompt in ["Explain this script.", "Explain it again."] {
        let answer = editor.post("/api/llm/complete", &json!({"prompt": prompt})).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    let refused = editor.post("/api/llm/complete", &json!({"prompt": "call os.system('ls')"})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    let exposition = scrape(&app.base_url).await;
    assert!(exposition.has_type("ved_llm_calls_total", "counter"), "{}", exposition.text);
    assert_eq!(exposition.value("ved_llm_calls_total", &[("outcome", "ok")]), Some(2.0));
    assert_eq!(exposition.value("ved_llm_calls_total", &[("outcome", "rejected")]), Some(1.0));
    assert_eq!(exposition.value("ved_llm_cost_microdollars_total", &[]), Some(246.0));
}
