//! SPEC §13: streamed answers, the fix loop that runs the model's code in the sandbox
//! before offering it, and the daily budget — against a fake upstream that streams for real.
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use ved_tests::{
    fake_llm::{Behaviour, FakeLlm, DEFAULT_ANSWER, INPUT_TOKENS, OUTPUT_TOKENS},
    harness::{db_rows, git, Client, TestApp},
    sse::{self, Received},
};

const KEY: &str = "sk-or-v1-assistant-test";

async fn app_with(fake: &FakeLlm, extra: &[(&str, &str)]) -> TestApp {
    let mut env = vec![("VED_LLM_BASE_URL", fake.base_url.as_str()), ("OPENROUTER_API_KEY", KEY)];
    env.extend_from_slice(extra);
    TestApp::spawn_with(&env).await
}

async fn open_stream(client: &Client, path: &str, body: &Value) -> reqwest::Response {
    let response = client.raw().post(client.url(path)).json(body).send().await.expect("the request is sent");
    assert_eq!(response.status(), StatusCode::OK);
    response
}

async fn stream_events(client: &Client, path: &str, body: Value) -> Vec<Received> {
    sse::read_to_end(open_stream(client, path, &body).await).await
}

fn kinds(events: &[Received]) -> Vec<&str> {
    events.iter().map(|event| event.kind.as_str()).collect()
}

fn last<'a>(events: &'a [Received], kind: &str) -> &'a Value {
    &events
        .iter()
        .rev()
        .find(|event| event.kind == kind)
        .unwrap_or_else(|| panic!("no {kind}: {events:?}"))
        .data
}

/// A Python answer in the model's words, as the fix loop expects it.
fn answer_with(code: &str) -> String {
    format!("Here is the corrected script:\n\n```python\n{code}\n```\nIt should work now.")
}

#[tokio::test]
async fn a_streamed_answer_arrives_in_pieces_then_done_and_is_logged_once_whole() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    fake.set_stream_gap(Duration::from_millis(20));
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;

    let body = json!({"prompt": "say hello", "context_code": "print(1)", "stream": true});
    let events = stream_events(&editor, "/api/llm/complete", body).await;
    let tokens: Vec<&Received> = events.iter().filter(|event| event.kind == "token").collect();
    assert!(tokens.len() > 5, "the answer came in pieces: {:?}", kinds(&events));
    assert_eq!(events.last().unwrap().kind, "done", "{:?}", kinds(&events));
    let text: String = tokens.iter().map(|event| event.data["text"].as_str().unwrap()).collect();
    assert_eq!(text, DEFAULT_ANSWER);
    // The first piece was read while the upstream was still writing (20 ms a chunk).
    let done = events.last().unwrap();
    assert!(done.at - tokens[0].at >= Duration::from_millis(100), "first token came early enough");

    let done = &done.data;
    assert_eq!(done["response_text"], DEFAULT_ANSWER);
    assert_eq!(done["input_tokens"], INPUT_TOKENS);
    assert_eq!(done["output_tokens"], OUTPUT_TOKENS);
    assert_eq!(done["cost_usd"], json!(0.000123));
    assert_eq!(done["cost_source"], "upstream");
    let upstream = fake.last_request().unwrap();
    assert_eq!(upstream.body["stream"], true);
    assert_eq!(upstream.body["stream_options"]["include_usage"], true);

    let id = done["interaction_id"].as_i64().unwrap();
    assert!(!DEFAULT_ANSWER.contains('\''), "the answer can be quoted in SQL");
    let sql = format!(
        "SELECT id, status, CAST(response = '{DEFAULT_ANSWER}' AS INTEGER), output_tokens, cost_micros FROM llm_interactions"
    );
    assert_eq!(db_rows(&app, &sql), [format!("{id}|ok|1|{OUTPUT_TOKENS}|123")], "one whole row per call");
}

#[tokio::test]
async fn a_client_that_disconnects_cancels_the_upstream_and_the_row_records_it() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    fake.set_stream_gap(Duration::from_millis(150));
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;

    let response =
        open_stream(&editor, "/api/llm/complete", &json!({"prompt": "a long answer", "stream": true})).await;
    let mut tokens = 0;
    let closed = sse::read_while(response, Duration::from_secs(10), |event| {
        tokens += usize::from(event.kind == "token");
        tokens < 2
    })
    .await;
    assert!(!closed, "we left before the end");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while fake.abandoned_streams() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the upstream request was never closed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The row is written when the server notices, right after it closes the upstream.
    let row = loop {
        let rows = db_rows(
            &app,
            "SELECT status, error, CAST(length(response) > 0 AS INTEGER) FROM llm_interactions",
        );
        if let Some(row) = rows.into_iter().next() {
            break row;
        }
        assert!(tokio::time::Instant::now() < deadline, "no interaction row");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(row.starts_with("error|Cancelled: the client disconnected"), "{row}");
    assert!(row.ends_with("|1"), "the partial answer is kept: {row}");
}

#[tokio::test]
async fn an_upstream_failure_inside_a_stream_is_an_error_event_with_its_status() {
    let fake = FakeLlm::start(Behaviour::error(500, "model crashed")).await;
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;

    let events = stream_events(&editor, "/api/llm/complete", json!({"prompt": "hi", "stream": true})).await;
    assert_eq!(kinds(&events), ["error"]);
    assert_eq!(events[0].data["status"], 502);
    assert!(events[0].data["detail"].as_str().unwrap().contains("model crashed"), "{:?}", events[0].data);
    assert_eq!(db_rows(&app, "SELECT status FROM llm_interactions"), ["error"]);

    // Refusals come before any stream, as plain answers.
    let refused = editor.post("/api/llm/complete", &json!({"prompt": "use os.system", "stream": true})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_two_round_fix_runs_each_answer_and_feeds_the_failure_back_saving_nothing() {
    let fake = FakeLlm::start(Behaviour::Answers(vec![
        answer_with("raise ValueError('round one broke')"),
        answer_with("print('fixed')"),
    ]))
    .await;
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;
    let script = editor.create_script("import sys\nprint('start')\nsys.exit(3)\n", "input").await;
    let commits_before = git(&app.scripts_repo(), &["rev-list", "--all", "--count"]).unwrap();

    let body = json!({"script_id": script.id, "content": script.content, "max_rounds": 3});
    let events = stream_events(&editor, "/api/assistant/fix", body).await;
    let rounds: Vec<i64> =
        events.iter().filter(|e| e.kind == "round").map(|e| e.data["n"].as_i64().unwrap()).collect();
    assert_eq!(rounds, [0, 1, 2], "round 0 runs the script as given: {:?}", kinds(&events));
    let runs: Vec<&Value> = events.iter().filter(|e| e.kind == "run").map(|e| &e.data["execution"]).collect();
    let statuses: Vec<&str> = runs.iter().map(|run| run["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["failed", "failed", "succeeded"]);
    assert_eq!(runs[0]["exit_code"], 3);
    assert_eq!(runs[2]["stdout"], "fixed\n");
    assert!(runs.iter().all(|run| run["source"] == "assistant" && run["script_id"] == script.id));
    let codes: Vec<&str> =
        events.iter().filter(|e| e.kind == "code").map(|e| e.data["content"].as_str().unwrap()).collect();
    assert_eq!(codes, ["raise ValueError('round one broke')\n", "print('fixed')\n"]);
    assert!(events.iter().any(|e| e.kind == "token"), "the model's answer streamed");

    let done = last(&events, "done");
    assert_eq!(events.last().unwrap().kind, "done");
    assert_eq!(done["succeeded"], true);
    assert_eq!(done["stop_reason"], "succeeded");
    assert_eq!(done["rounds"], 2);
    assert_eq!(done["content"], "print('fixed')\n");
    assert_eq!(done["cost_usd"], json!(0.000246));
    assert_eq!(done["interaction_ids"].as_array().unwrap().len(), 2);

    // Round 2 was told how round 1's code failed.
    let second = fake.requests()[1].message_contents().join("\n");
    assert!(second.contains("ValueError: round one broke"), "{second}");
    assert!(second.contains("exit code: 1"), "{second}");
    assert!(second.contains("raise ValueError('round one broke')"), "round 1's code is the context");
    let first = fake.requests()[0].message_contents().join("\n");
    assert!(first.contains("exit code: 3"), "round 1 saw the original run: {first}");

    // Nothing saved: no version, no commit; every round logged and audited.
    let versions = editor.get(&format!("/api/scripts/{}/versions", script.id)).await;
    assert_eq!(versions.body.as_array().map(Vec::len), Some(1), "{}", versions.text);
    assert_eq!(git(&app.scripts_repo(), &["rev-list", "--all", "--count"]).unwrap(), commits_before);
    assert_eq!(db_rows(&app, "SELECT status, cost_micros FROM llm_interactions"), ["ok|123", "ok|123"]);
    assert_eq!(db_rows(&app, "SELECT count(*) FROM audit_log WHERE action = 'llm_call'"), ["2"]);
    assert_eq!(db_rows(&app, "SELECT DISTINCT source FROM executions"), ["assistant"]);
}

#[tokio::test]
async fn a_fix_whose_rounds_never_succeed_says_so_and_offers_the_last_code() {
    let fake = FakeLlm::start(Behaviour::answer(answer_with("import sys; sys.exit(5)"), Some(0.0001))).await;
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;
    let script = editor.create_script("print(undefined_name)\n", "").await;
    // The user's failed run: round 1 learns from it instead of running the script again.
    let run = editor.post(&format!("/api/execute/{}", script.id), &json!({"source": "draft"})).await;
    assert_eq!(run.body["status"], "failed", "{}", run.text);

    let body = json!({"script_id": script.id, "content": script.content, "max_rounds": 2, "prompt": "keep it short"});
    let events = stream_events(&editor, "/api/assistant/fix", body).await;
    let rounds: Vec<i64> =
        events.iter().filter(|e| e.kind == "round").map(|e| e.data["n"].as_i64().unwrap()).collect();
    assert_eq!(rounds, [1, 2]);
    let done = last(&events, "done");
    assert_eq!(done["succeeded"], false);
    assert_eq!(done["stop_reason"], "rounds_spent");
    assert_eq!(done["content"], "import sys; sys.exit(5)\n");
    let first = fake.requests()[0].message_contents().join("\n");
    assert!(first.contains("NameError: name 'undefined_name' is not defined"), "{first}");
    assert!(first.contains("keep it short"), "{first}");
}

#[tokio::test]
async fn a_fix_refuses_bad_requests_before_streaming() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;
    let script = editor.create_script("print(1)\n", "").await;
    let fix = |body: Value| {
        let editor = &editor;
        async move { editor.post("/api/assistant/fix", &body).await }
    };

    for rounds in [0, 7] {
        let answer = fix(json!({"script_id": script.id, "content": "x", "max_rounds": rounds})).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{rounds}");
        assert!(answer.detail().contains("max_rounds"), "{}", answer.text);
    }
    let unsaved = fix(json!({"content": "print(1)"})).await;
    assert_eq!(unsaved.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unsaved.detail().contains("script_id"), "{}", unsaved.text);
    assert_eq!(fix(json!({"script_id": 999_999, "content": "x"})).await.status, StatusCode::NOT_FOUND);
    let rejected = fix(json!({"script_id": script.id, "content": "x", "prompt": "call shutil.rmtree"})).await;
    assert_eq!(rejected.status, StatusCode::BAD_REQUEST);
    assert_eq!(rejected.detail(), "Prompt contains disallowed content: 'shutil.rmtree'");
    let viewer = app.viewer().await;
    let body = json!({"script_id": script.id, "content": "x"});
    assert_eq!(viewer.post("/api/assistant/fix", &body).await.status, StatusCode::FORBIDDEN);
    assert_eq!(fake.request_count(), 0);
    assert_eq!(db_rows(&app, "SELECT count(*) FROM executions"), ["0"]);
}

#[tokio::test]
async fn the_daily_budget_refuses_calls_past_it_and_stops_a_fix_between_rounds() {
    let fake = FakeLlm::start(Behaviour::answer(answer_with("raise SystemExit(1)"), Some(0.000123))).await;
    // Room for two calls of 123 micro-dollars, not three.
    let app = app_with(&fake, &[("VED_LLM_DAILY_BUDGET_USD", "0.0002")]).await;
    let editor = app.editor().await;
    let script = editor.create_script("raise SystemExit(1)\n", "").await;

    let body = json!({"script_id": script.id, "content": script.content, "max_rounds": 5});
    let events = stream_events(&editor, "/api/assistant/fix", body).await;
    let done = last(&events, "done");
    assert_eq!(done["stop_reason"], "budget", "{done}");
    assert_eq!(done["rounds"], 2);
    assert!(done["detail"].as_str().unwrap().contains("VED_LLM_DAILY_BUDGET_USD"), "{done}");
    assert_eq!(fake.request_count(), 2);

    for (path, body) in [
        ("/api/llm/complete", json!({"prompt": "one more"})),
        ("/api/llm/complete", json!({"prompt": "one more", "stream": true})),
        ("/api/assistant/fix", json!({"script_id": script.id, "content": "x"})),
    ] {
        let refused = editor.post(path, &body).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{path}: {}", refused.text);
        assert!(refused.detail().contains("$0.0002 per user"), "names the budget: {}", refused.text);
        assert!(refused.detail().contains("00:00 UTC"), "says when it resets: {}", refused.text);
        assert!(refused.headers.contains_key("retry-after"), "{path}");
    }
    assert_eq!(fake.request_count(), 2, "refused calls never reach the upstream");
}

#[tokio::test]
async fn an_answer_of_unknown_cost_blocks_a_budget_it_cannot_be_counted_against() {
    let fake = FakeLlm::start(Behaviour::answer("no cost reported", None)).await;
    let app = app_with(&fake, &[("VED_LLM_DAILY_BUDGET_USD", "5")]).await;
    let editor = app.editor().await;
    assert_eq!(editor.post("/api/llm/complete", &json!({"prompt": "hi"})).await.status, StatusCode::OK);
    let refused = editor.post("/api/llm/complete", &json!({"prompt": "again"})).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.text);
    assert!(refused.detail().contains("VED_LLM_PRICES"), "{}", refused.text);
}
