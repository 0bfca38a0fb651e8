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

#[tokio::test]
async fn built_files_go_out_in_their_precompressed_copies_as_they_are() {
    let dist = tempfile::tempdir().unwrap();
    let assets = dist.path().join("assets");
    std::fs::create_dir(&assets).unwrap();
    std::fs::write(dist.path().join("index.html"), "<!doctype html><title>code.ved</title>").unwrap();
    let plain = "console.log('the worker');\n".repeat(100);
    std::fs::write(assets.join("worker-abc.js"), &plain).unwrap();
    // Not real encodings: bytes the server could only send by reading these files.
    std::fs::write(assets.join("worker-abc.js.br"), b"brotli copy").unwrap();
    std::fs::write(assets.join("worker-abc.js.gz"), b"gzip copy").unwrap();
    let app = TestApp::spawn_with(&[("VED_FRONTEND_DIR", dist.path().to_str().unwrap())]).await;

    let http = reqwest::Client::new();
    let fetch = |encoding: &'static str| {
        let request =
            http.get(format!("{}/assets/worker-abc.js", app.base_url)).header("accept-encoding", encoding);
        async move { request.send().await.unwrap() }
    };
    for (accepted, encoding, body) in [
        ("br, gzip", Some("br"), "brotli copy"),
        ("gzip", Some("gzip"), "gzip copy"),
        ("identity", None, plain.as_str()),
    ] {
        let response = fetch(accepted).await;
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{accepted}");
        let sent = response.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(sent.as_deref(), encoding, "{accepted}");
        assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(response.headers()["vary"], "accept-encoding", "{accepted}");
        assert_eq!(response.text().await.unwrap(), body, "{accepted}");
    }

    // An asset of another build is missing, not a page of the app: no index.html kept for a
    // year under a script's name.
    let missing = fetch_path(&http, &app.base_url, "/assets/worker-old.js").await;
    assert_eq!(missing.status(), reqwest::StatusCode::NOT_FOUND);
    assert_eq!(missing.headers()["cache-control"], "no-cache");
    // Any other path is a client-side route: the app itself.
    let route = fetch_path(&http, &app.base_url, "/editor/12").await;
    assert_eq!(route.status(), reqwest::StatusCode::OK);
    assert_eq!(route.headers()["cache-control"], "no-cache");
    assert!(route.text().await.unwrap().contains("<title>code.ved</title>"));
}

async fn fetch_path(http: &reqwest::Client, base_url: &str, path: &str) -> reqwest::Response {
    http.get(format!("{base_url}{path}")).send().await.unwrap()
}
