use ved_tests::harness::TestApp;

#[tokio::test]
async fn json_logs_are_one_object_per_line_when_asked_for() {
    let app = TestApp::spawn_with(&[("VED_LOG_JSON", "true")]).await;
    app.client().get("/api/health").await;
    let logs = app.logs();
    let lines: Vec<&str> = logs.lines().filter(|line| !line.trim().is_empty()).collect();
    assert!(lines.len() >= 3, "{logs}");
    for line in lines {
        let parsed: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line}"));
        assert!(parsed["level"].is_string() && parsed["fields"].is_object(), "{line}");
    }
}

#[tokio::test]
async fn sigterm_finishes_gracefully() {
    let mut app = TestApp::spawn().await;
    assert_eq!(app.client().get("/api/health").await.status, reqwest::StatusCode::OK);
    app.stop().await;
    let logs = app.logs();
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(logs.contains("stopped"), "{logs}");
}
