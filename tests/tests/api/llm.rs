use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use ved_tests::{
    fake_llm::{Behaviour, FakeLlm, DEFAULT_ANSWER, INPUT_TOKENS, OUTPUT_TOKENS},
    harness::{db_rows, repo_root, ApiResponse, Client, TestApp},
};

const KEY: &str = "sk-or-v1-test-4f9c2e7a-do-not-leak";
const MODEL: &str = "acme/test-model";

/// A server whose LLM upstream is `fake`, with a key, plus `extra` settings.
async fn app_with(fake: &FakeLlm, extra: &[(&str, &str)]) -> TestApp {
    let mut env = vec![
        ("VED_LLM_BASE_URL", fake.base_url.as_str()),
        ("OPENROUTER_API_KEY", KEY),
        ("VED_LLM_MODEL", MODEL),
    ];
    env.extend_from_slice(extra);
    TestApp::spawn_with(&env).await
}

async fn ask(client: &Client, body: Value) -> ApiResponse {
    client.post("/api/llm/complete", &body).await
}

async fn ask_prompt(client: &Client, prompt: &str) -> ApiResponse {
    ask(client, json!({"prompt": prompt})).await
}

async fn interactions(client: &Client, query: &str) -> Value {
    let answer = client.get(&format!("/api/llm/interactions{query}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body
}

fn stop_words() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("config/stop_words.txt")).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn every_stop_word_is_refused_before_the_llm_and_the_attempt_is_logged() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;
    let words = stop_words();
    assert!(words.len() >= 8, "{words:?}");
    for word in &words {
        let answer = ask_prompt(&editor, &format!("write a cleanup that calls {word} on /data")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{word}: {}", answer.text);
        assert_eq!(answer.detail(), format!("Prompt contains disallowed content: '{word}'"));
    }
    let shouted = ask_prompt(&editor, "just use OS.SYSTEM('ls')").await;
    assert_eq!(shouted.status, StatusCode::BAD_REQUEST);
    assert_eq!(shouted.detail(), "Prompt contains disallowed content: 'os.system'");
    assert_eq!(fake.request_count(), 0, "a refused prompt never reaches the upstream");

    let log = interactions(&editor, "").await;
    let rows = log["interactions"].as_array().unwrap();
    assert_eq!(rows.len(), words.len() + 1);
    for row in rows {
        assert_eq!(row["status"], "rejected");
        assert_eq!(row["model_id"], "none");
        assert_eq!(row["cost_usd"], json!(0.0));
        assert!(row["response"].as_str().unwrap().starts_with("[REJECTED"), "{row}");
    }
    assert_eq!(rows[0]["response"], "[REJECTED: os.system]");
    assert_eq!(log["total_cost_usd"], json!(0.0));
    assert_eq!(
        db_rows(&app, "SELECT DISTINCT status, model_id, cost_micros FROM llm_interactions"),
        ["rejected|none|0"]
    );
}

#[tokio::test]
async fn the_upstream_gets_the_system_prompt_the_code_the_prompt_the_model_and_the_key() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let app = app_with(&fake, &[("VED_LLM_MAX_TOKENS", "321")]).await;
    let editor = app.editor().await;
    let code = "import csv\nprint('rows')\n";
    let answer = ask(&editor, json!({"prompt": "Sort the rows by date.", "context_code": code})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(fake.request_count(), 1);

    let request = fake.last_request().unwrap();
    assert_eq!(request.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(request.body["model"], MODEL);
    assert_eq!(request.body["max_tokens"], 321);
    assert_eq!(request.body["usage"]["include"], true, "OpenRouter's cost accounting is asked for");
    let roles: Vec<&str> =
        request.body["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["system", "user", "user"]);
    let contents = request.message_contents();
    assert!(contents[0].contains("code.ved"), "{}", contents[0]);
    assert!(contents[1].contains("```python\nimport csv\nprint('rows')\n```"), "{}", contents[1]);
    assert_eq!(contents[2], "Sort the rows by date.");

    let body = &answer.body;
    assert_eq!(body["response_text"], DEFAULT_ANSWER);
    assert_eq!(body["model_id"], MODEL);
    assert_eq!(body["input_tokens"], INPUT_TOKENS);
    assert_eq!(body["output_tokens"], OUTPUT_TOKENS);
    assert!(body["latency_ms"].as_i64().unwrap() >= 0);
    let id = body["interaction_id"].as_i64().unwrap();
    assert_eq!(
        db_rows(
            &app,
            &format!(
                "SELECT status, model_id, input_tokens, output_tokens FROM llm_interactions WHERE id = {id}"
            )
        ),
        [format!("ok|{MODEL}|{INPUT_TOKENS}|{OUTPUT_TOKENS}")]
    );
    let logged = &interactions(&editor, "").await["interactions"][0];
    assert_eq!(logged["id"], id);
    assert_eq!(logged["context_code"], code);
    assert_eq!(logged["prompt"], "Sort the rows by date.");
    assert_eq!(logged["response"], DEFAULT_ANSWER);
}

#[tokio::test]
async fn the_cost_the_upstream_reports_is_kept_exactly() {
    let fake = FakeLlm::start(Behaviour::answer("ok", Some(0.000_123))).await;
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;
    let answer = ask_prompt(&editor, "Explain this script.").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.text.contains("\"cost_usd\":0.000123"), "{}", answer.text);
    assert_eq!(answer.body["cost_source"], "upstream");
    assert_eq!(db_rows(&app, "SELECT cost_micros, cost_source FROM llm_interactions"), ["123|upstream"]);
}

#[tokio::test]
async fn without_an_upstream_cost_the_price_table_prices_the_call() {
    let fake = FakeLlm::start(Behaviour::answer("ok", None)).await;
    let prices_dir = tempfile::tempdir().unwrap();
    let prices = prices_dir.path().join("prices.json");
    std::fs::write(
        &prices,
        json!({MODEL: {"input_per_million": "2.5", "output_per_million": "10"}}).to_string(),
    )
    .unwrap();
    let app = app_with(&fake, &[("VED_LLM_PRICES", prices.to_str().unwrap())]).await;
    let editor = app.editor().await;
    let answer = ask_prompt(&editor, "Explain this script.").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    // 42 input tokens at 2.5 USD and 17 output tokens at 10 USD per million: 275 micro-dollars.
    assert!(answer.text.contains("\"cost_usd\":0.000275"), "{}", answer.text);
    assert_eq!(answer.body["cost_source"], "price_table");
    assert_eq!(db_rows(&app, "SELECT cost_micros, cost_source FROM llm_interactions"), ["275|price_table"]);
}

#[tokio::test]
async fn with_neither_an_upstream_cost_nor_a_price_the_cost_is_unknown_not_zero() {
    let fake = FakeLlm::start(Behaviour::answer("ok", None)).await;
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;
    let answer = ask_prompt(&editor, "Explain this script.").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["cost_usd"], Value::Null);
    assert_eq!(answer.body["cost_source"], "unknown");
    assert_eq!(
        db_rows(&app, "SELECT CAST(cost_micros IS NULL AS INTEGER), cost_source FROM llm_interactions"),
        ["1|unknown"]
    );
    let log = interactions(&editor, "").await;
    assert_eq!(log["interactions"][0]["cost_usd"], Value::Null);
    assert_eq!(log["unknown_cost_count"], 1);
    assert_eq!(log["total_cost_usd"], json!(0.0));
}

#[tokio::test]
async fn provider_failures_are_502_with_what_went_wrong_and_are_logged_as_errors() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;
    let cases = [
        (Behaviour::error(402, "Insufficient credits"), "credits"),
        (Behaviour::error(429, "Rate limit exceeded"), "rate limit"),
        (Behaviour::error(500, "Internal upstream trouble"), "500"),
        (Behaviour::Malformed, "could not be read"),
    ];
    for (behaviour, meaning) in &cases {
        fake.set_behaviour(behaviour.clone());
        let answer = ask_prompt(&editor, "Add a docstring.").await;
        assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{behaviour:?}: {}", answer.text);
        assert!(answer.detail().contains(meaning), "{behaviour:?}: {}", answer.detail());
    }
    let payment = db_rows(&app, "SELECT error FROM llm_interactions WHERE id = 1");
    assert!(payment[0].contains("payment required"), "{payment:?}");
    assert_eq!(
        db_rows(
            &app,
            "SELECT DISTINCT status, model_id, CAST(cost_micros IS NULL AS INTEGER), cost_source FROM llm_interactions"
        ),
        [format!("error|{MODEL}|1|unknown")]
    );
}

#[tokio::test]
async fn a_provider_slower_than_the_timeout_is_504() {
    let fake = FakeLlm::start(Behaviour::Slow(Duration::from_secs(4))).await;
    let app = app_with(&fake, &[("VED_LLM_TIMEOUT_S", "1")]).await;
    let editor = app.editor().await;
    let answer = ask_prompt(&editor, "Add a docstring.").await;
    assert_eq!(answer.status, StatusCode::GATEWAY_TIMEOUT, "{}", answer.text);
    assert!(answer.detail().contains("did not answer within 1 seconds"), "{}", answer.detail());
    let row = db_rows(&app, "SELECT status, CAST(latency_ms >= 1000 AS INTEGER) FROM llm_interactions");
    assert_eq!(row, ["error|1"]);
}

#[tokio::test]
async fn without_a_key_the_call_is_503_naming_the_variable_to_set() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let app = TestApp::spawn_with(&[("VED_LLM_BASE_URL", &fake.base_url)]).await;
    let editor = app.editor().await;
    let answer = ask_prompt(&editor, "Add a docstring.").await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.text);
    assert!(answer.detail().contains("OPENROUTER_API_KEY"), "{}", answer.detail());
    assert_eq!(fake.request_count(), 0);
    assert_eq!(
        db_rows(&app, "SELECT status, cost_micros, cost_source FROM llm_interactions"),
        ["error|0|none"]
    );
}

#[tokio::test]
async fn the_api_key_never_appears_in_logs_answers_or_the_database() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;
    let echoing_the_key = [
        Behaviour::default(),
        Behaviour::error(401, format!("Invalid key {KEY}")),
        Behaviour::error(500, format!("failed for Bearer {KEY}")),
        Behaviour::Raw {
            status: 200,
            content_type: "application/json".into(),
            body: format!("{{\"key\": \"{KEY}\""),
        },
        Behaviour::Raw { status: 502, content_type: "text/plain".into(), body: format!("bad gateway {KEY}") },
    ];
    let mut answers = Vec::new();
    for behaviour in echoing_the_key {
        fake.set_behaviour(behaviour);
        answers.push(ask_prompt(&editor, "Add a docstring.").await.text);
    }
    answers.push(ask_prompt(&editor, "then rm -rf it").await.text);
    answers.push(editor.get("/api/llm/interactions").await.text);
    assert!(
        answers[1].contains("OPENROUTER_API_KEY"),
        "a refused key says which setting to check: {}",
        answers[1]
    );

    for answer in &answers {
        assert!(!answer.contains(KEY), "the key leaked into an answer: {answer}");
    }
    let logs = app.logs();
    let leaking: Vec<&str> = logs.lines().filter(|line| line.contains(KEY)).collect();
    assert!(leaking.is_empty(), "the key leaked into the server log:\n{}", leaking.join("\n"));
    let dump = app.database().dump();
    assert!(dump.contains("llm_interactions"), "the dump is of the right database");
    assert!(!dump.contains(KEY), "the key leaked into the database");
}

#[tokio::test]
async fn only_editors_may_use_the_llm_or_read_its_log() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let app = app_with(&fake, &[]).await;
    let viewer = app.viewer().await;
    let anonymous = app.client();
    for (client, status) in [(&viewer, StatusCode::FORBIDDEN), (&anonymous, StatusCode::UNAUTHORIZED)] {
        let complete = ask_prompt(client, "Add a docstring.").await;
        assert_eq!(complete.status, status, "{}", complete.text);
        assert!(!complete.detail().is_empty());
        let log = client.get("/api/llm/interactions").await;
        assert_eq!(log.status, status, "{}", log.text);
    }
    assert_eq!(fake.request_count(), 0);
    assert_eq!(db_rows(&app, "SELECT count(*) FROM llm_interactions"), ["0"]);
}

#[tokio::test]
async fn the_log_is_newest_first_and_its_total_covers_every_matching_call() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;
    let script = editor.create_script("print(1)\n", "").await;
    let script_id = script.id;
    for (n, cost) in [(1, 0.000_1), (2, 0.000_2), (3, 0.000_3)] {
        fake.set_behaviour(Behaviour::answer(format!("answer {n}"), Some(cost)));
        let answer = ask(&editor, json!({"prompt": format!("question {n}"), "script_id": script_id})).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    fake.set_behaviour(Behaviour::default());
    ask_prompt(&editor, "question 4, about no script").await;
    ask_prompt(&editor, "question 5 uses os.popen").await;

    let page = interactions(&editor, "?limit=2").await;
    let prompts: Vec<&str> =
        page["interactions"].as_array().unwrap().iter().map(|i| i["prompt"].as_str().unwrap()).collect();
    assert_eq!(prompts, ["question 5 uses os.popen", "question 4, about no script"]);
    assert_eq!(page["total_count"], 5);
    // 100 + 200 + 300 + 123 micro-dollars, the first three beyond the page.
    assert!(page.to_string().contains("\"total_cost_usd\":0.000723"), "{page}");

    let about_the_script = interactions(&editor, &format!("?script_id={script_id}")).await;
    let rows = about_the_script["interactions"].as_array().unwrap();
    let responses: Vec<&str> = rows.iter().map(|i| i["response"].as_str().unwrap()).collect();
    assert_eq!(responses, ["answer 3", "answer 2", "answer 1"]);
    assert_eq!(about_the_script["total_cost_usd"], json!(0.0006));
    let newest = &rows[0];
    for field in [
        "id",
        "user",
        "script_id",
        "script_version_id",
        "prompt",
        "context_code",
        "response",
        "model_id",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "cost_source",
        "latency_ms",
        "status",
        "error",
        "created_at",
    ] {
        assert!(newest.get(field).is_some(), "{field} missing from {newest}");
    }
    assert_eq!(newest["user"], "ed1");
    assert_eq!(newest["script_id"], script_id);
    assert_eq!(newest["status"], "ok");
    assert_eq!(newest["cost_usd"], json!(0.0003));

    for bad in ["?limit=0", "?limit=501"] {
        let answer = editor.get(&format!("/api/llm/interactions{bad}")).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", answer.text);
    }
    assert_eq!(editor.get("/api/llm/interactions?limit=lots").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn each_call_writes_an_audit_row_with_its_outcome_and_script() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;
    let script = editor.create_script("print(1)\n", "").await;
    let (script_id, version_id) = (script.id, script.version.id);
    let about = |prompt: &str| json!({"prompt": prompt, "script_version_id": version_id});
    assert_eq!(ask(&editor, about("Add a docstring.")).await.status, StatusCode::OK);
    assert_eq!(ask(&editor, about("Call shutil.rmtree")).await.status, StatusCode::BAD_REQUEST);
    fake.set_behaviour(Behaviour::error(500, "down"));
    assert_eq!(ask(&editor, about("Add a docstring.")).await.status, StatusCode::BAD_GATEWAY);

    assert_eq!(
        db_rows(&app, "SELECT actor, outcome, script_id, script_version_id FROM audit_log WHERE action = 'llm_call' ORDER BY id"),
        [
            format!("ed1|ok|{script_id}|{version_id}"),
            format!("ed1|rejected|{script_id}|{version_id}"),
            format!("ed1|error|{script_id}|{version_id}"),
        ]
    );
    assert_eq!(
        db_rows(&app, "SELECT DISTINCT script_id, script_version_id FROM llm_interactions"),
        [format!("{script_id}|{version_id}")],
        "the script is taken from the version when only the version is given"
    );
}

#[tokio::test]
async fn oversized_blank_or_dangling_requests_are_refused_before_anything_is_logged() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let app = app_with(&fake, &[]).await;
    let editor = app.editor().await;
    let first = editor.create_script("print(1)\n", "").await;
    let second = editor.create_script("print(2)\n", "").await;
    let cases = [
        (json!({"prompt": "x".repeat(32 * 1024 + 1)}), StatusCode::PAYLOAD_TOO_LARGE),
        (json!({"prompt": "ok", "context_code": "x".repeat(1024 * 1024 + 1)}), StatusCode::PAYLOAD_TOO_LARGE),
        (json!({"prompt": " \n\t"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"context_code": "print(1)"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"prompt": "ok", "temperature": 2}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"prompt": "ok", "script_id": 999}), StatusCode::NOT_FOUND),
        (json!({"prompt": "ok", "script_version_id": 999}), StatusCode::NOT_FOUND),
        (
            json!({"prompt": "ok", "script_id": first.id, "script_version_id": second.version.id}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (body, status) in cases {
        let answer = ask(&editor, body).await;
        assert_eq!(answer.status, status, "{}", answer.text);
        assert!(!answer.detail().is_empty(), "{}", answer.text);
    }
    let at_the_limit = ask(&editor, json!({"prompt": "x".repeat(32 * 1024)})).await;
    assert_eq!(at_the_limit.status, StatusCode::OK, "{}", at_the_limit.text);
    assert_eq!(fake.request_count(), 1);
    assert_eq!(db_rows(&app, "SELECT count(*) FROM llm_interactions"), ["1"]);
}
