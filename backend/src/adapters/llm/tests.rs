//! `LlmClient` against a real HTTP fake of the upstream.

use std::time::Duration;

use ved_tests::fake_llm::{self, Behaviour, FakeLlm};

use super::*;

const KEY: &str = "sk-or-v1-test-key-0123456789";
const MODEL: &str = "openai/gpt-4o-mini";
const CODE: &str = "import sys\nprint(open(sys.argv[1]).read())\n";
const PROMPT: &str = "Make it print the lines in reverse order.";

fn config_for(fake: &FakeLlm) -> LlmConfig {
    LlmConfig {
        api_key: ApiKey::new(KEY),
        base_url: fake.base_url.clone(),
        model: MODEL.to_owned(),
        timeout: Duration::from_secs(10),
        max_tokens: 321,
        prices: PriceTable::default(),
    }
}

fn with_prices(config: LlmConfig) -> LlmConfig {
    let prices = PriceTable::from_json(
        r#"{"openai/gpt-4o-mini": {"input_per_million": "0.15", "output_per_million": "0.60"}}"#,
    )
    .unwrap();
    LlmConfig { prices, ..config }
}

async fn complete(config: LlmConfig) -> Result<Completion, LlmError> {
    LlmClient::new(config).complete(DEFAULT_SYSTEM_PROMPT, CODE, PROMPT).await
}

fn assert_key_hidden(err: &LlmError) {
    for printed in [format!("{err:?}"), err.to_string(), err.detail()] {
        assert!(!printed.contains(KEY), "the key leaked: {printed}");
    }
}

#[tokio::test]
async fn the_upstream_receives_prompt_code_model_limits_key_and_usage_request() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    complete(config_for(&fake)).await.unwrap();

    let request = fake.last_request().unwrap();
    assert_eq!(request.body["model"], MODEL);
    assert_eq!(request.body["max_tokens"], 321);
    assert_eq!(request.body["stream"], false);
    assert_eq!(request.body["usage"]["include"], true);
    let roles: Vec<_> =
        request.body["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["system", "user", "user"]);
    let contents = request.message_contents();
    assert_eq!(contents[0], DEFAULT_SYSTEM_PROMPT);
    assert!(contents[1].contains(&format!("```python\n{}\n```", CODE.trim_end())));
    assert_eq!(contents[2], PROMPT);
    assert_eq!(request.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    // Attribution headers are for OpenRouter only, and the fake is not OpenRouter.
    assert_eq!(request.header("x-title"), None);
    assert_eq!(request.header("http-referer"), None);
}

#[tokio::test]
async fn an_empty_script_is_not_sent_as_context() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    LlmClient::new(config_for(&fake)).complete("be brief", "", "Write hello world.").await.unwrap();
    assert_eq!(fake.last_request().unwrap().message_contents(), ["be brief", "Write hello world."]);
}

#[tokio::test]
async fn the_cost_the_upstream_reports_wins_over_the_price_table() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let completion = complete(with_prices(config_for(&fake))).await.unwrap();

    assert_eq!(completion.text, fake_llm::DEFAULT_ANSWER);
    assert_eq!(completion.model_id, MODEL);
    assert_eq!(completion.input_tokens, Some(fake_llm::INPUT_TOKENS));
    assert_eq!(completion.output_tokens, Some(fake_llm::OUTPUT_TOKENS));
    assert_eq!(completion.cost_micros, Some(123));
    assert_eq!(completion.cost_source, CostSource::Upstream);
    assert!(completion.latency_ms >= 0);
}

#[tokio::test]
async fn without_an_upstream_cost_the_price_table_prices_the_tokens() {
    let fake = FakeLlm::start(Behaviour::answer("ok", None)).await;
    let completion = complete(with_prices(config_for(&fake))).await.unwrap();

    // 42 * 0.15 + 17 * 0.60 = 16.5 micro-dollars, rounded once.
    assert_eq!(completion.cost_micros, Some(17));
    assert_eq!(completion.cost_source, CostSource::PriceTable);
}

#[tokio::test]
async fn with_neither_the_cost_is_unknown_not_invented() {
    let fake = FakeLlm::start(Behaviour::answer("ok", None)).await;
    let completion = complete(config_for(&fake)).await.unwrap();

    assert_eq!(completion.cost_micros, None);
    assert_eq!(completion.cost_source, CostSource::Unknown);
    assert_eq!(completion.input_tokens, Some(fake_llm::INPUT_TOKENS));
}

#[tokio::test]
async fn upstream_errors_keep_their_status_and_message() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let client = LlmClient::new(config_for(&fake));
    // async-openai retries a 5xx three times; an OpenRouter 4xx (integer `code`) is sent once.
    for (status, message, attempts) in [
        (402, "Insufficient credits. Add more using https://openrouter.ai/credits", 1),
        (429, "Rate limit exceeded: free-models-per-min.", 1),
        (500, "Internal Server Error", 4),
    ] {
        fake.set_behaviour(Behaviour::error(status, message));
        let before = fake.request_count();
        let err = client.complete(DEFAULT_SYSTEM_PROMPT, CODE, PROMPT).await.unwrap_err();
        match &err {
            LlmError::Upstream { status: got, message: said } => {
                assert_eq!((*got, said.as_str()), (status, message));
            }
            other => panic!("{status}: expected Upstream, got {other:?}"),
        }
        assert_eq!(fake.request_count() - before, attempts, "{status}");
        assert!(err.detail().contains(message));
        assert_key_hidden(&err);
    }
}

#[tokio::test]
async fn a_slow_upstream_times_out() {
    let fake = FakeLlm::start(Behaviour::Slow(Duration::from_secs(5))).await;
    let config = LlmConfig { timeout: Duration::from_millis(200), ..config_for(&fake) };
    let err = complete(config).await.unwrap_err();

    assert!(matches!(err, LlmError::Timeout(after) if after == Duration::from_millis(200)), "{err:?}");
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn unreadable_answers_are_malformed_never_a_panic() {
    let fake = FakeLlm::start(Behaviour::Malformed).await;
    let client = LlmClient::new(config_for(&fake));
    let raw = |status: u16, content_type: &str, body: &str| Behaviour::Raw {
        status,
        content_type: content_type.to_owned(),
        body: body.to_owned(),
    };
    for behaviour in [
        Behaviour::Malformed,
        raw(200, "text/html", "<html><body>Bad gateway</body></html>"),
        raw(200, "application/json", ""),
        raw(200, "application/json", "{}"),
        raw(200, "application/json", r#"{"choices": []}"#),
        raw(200, "application/json", r#"{"choices": [{"message": {"content": null}}]}"#),
        raw(400, "text/html", "<html>nope</html>"),
    ] {
        fake.set_behaviour(behaviour.clone());
        let err = client.complete(DEFAULT_SYSTEM_PROMPT, CODE, PROMPT).await.unwrap_err();
        assert!(matches!(err, LlmError::Malformed(_)), "{behaviour:?} gave {err:?}");
        assert_key_hidden(&err);
    }
}

#[tokio::test]
async fn odd_but_readable_answers_degrade_gracefully() {
    let fake = FakeLlm::start(Behaviour::Raw {
        status: 200,
        content_type: "application/json".to_owned(),
        body: r#"{"choices":[{"message":{"content":"hi"}}],"usage":{"cost":"lots"}}"#.to_owned(),
    })
    .await;
    let completion = complete(config_for(&fake)).await.unwrap();
    assert_eq!(completion.text, "hi");
    // No `model` in the answer: the model asked for is what was used.
    assert_eq!(completion.model_id, MODEL);
    assert_eq!((completion.input_tokens, completion.cost_micros), (None, None));
    assert_eq!(completion.cost_source, CostSource::Unknown);
}

#[tokio::test]
async fn an_error_inside_a_200_answer_is_an_upstream_error() {
    let fake = FakeLlm::start(Behaviour::Raw {
        status: 200,
        content_type: "application/json".to_owned(),
        body: r#"{"error":{"code":503,"message":"No provider available"}}"#.to_owned(),
    })
    .await;
    let err = complete(config_for(&fake)).await.unwrap_err();
    assert!(
        matches!(&err, LlmError::Upstream { status: 503, message } if message == "No provider available"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_upstream_echoing_the_key_does_not_leak_it() {
    let fake = FakeLlm::start(Behaviour::error(401, format!("Incorrect API key provided: {KEY}"))).await;
    let err = complete(config_for(&fake)).await.unwrap_err();
    assert!(matches!(err, LlmError::Upstream { status: 401, .. }), "{err:?}");
    assert_key_hidden(&err);
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_bad_gateway() {
    // A port that was just free: nothing listens there, so connecting is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = LlmConfig {
        base_url: format!("http://127.0.0.1:{port}/v1"),
        ..LlmConfig { api_key: ApiKey::new(KEY), ..LlmConfig::default() }
    };
    let err = complete(config).await.unwrap_err();
    assert!(matches!(err, LlmError::Unreachable(_)), "{err:?}");
    assert_key_hidden(&err);
}

#[tokio::test]
async fn without_a_key_nothing_is_sent() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let client = LlmClient::new(LlmConfig { api_key: ApiKey::new("  "), ..config_for(&fake) });
    assert!(!client.is_configured());

    let err = client.complete(DEFAULT_SYSTEM_PROMPT, CODE, PROMPT).await.unwrap_err();
    assert!(matches!(err, LlmError::NotConfigured));
    assert!(err.detail().contains("OPENROUTER_API_KEY"));
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn the_key_is_in_no_debug_output() {
    let fake = FakeLlm::start(Behaviour::default()).await;
    let config = config_for(&fake);
    let client = LlmClient::new(config.clone());
    for printed in [format!("{config:?}"), format!("{client:?}"), format!("{:?}", config.api_key)] {
        assert!(!printed.contains(KEY), "the key leaked: {printed}");
    }
}
