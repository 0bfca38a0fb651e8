use reqwest::StatusCode;
use ved_tests::harness::{repo_root, ved_binary, TestApp};

#[test]
fn openapi_yaml_is_what_the_code_generates() {
    let output = std::process::Command::new(ved_binary()).arg("openapi").output().expect("ved openapi");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let generated = String::from_utf8(output.stdout).expect("utf-8");
    let checked_in = std::fs::read_to_string(repo_root().join("openapi.yaml")).expect("openapi.yaml");
    assert!(
        generated == checked_in,
        "openapi.yaml is stale: regenerate it with `make openapi` and commit it"
    );
    assert!(generated.starts_with("openapi: 3.1"), "{}", &generated[..40]);
}

#[tokio::test]
async fn the_document_and_its_interactive_reference_are_served_without_a_cdn() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let document = client.get("/api/openapi.json").await;
    assert_eq!(document.status, StatusCode::OK);
    let paths = document.body["paths"].as_object().expect("paths");
    for path in ["/api/auth/login", "/api/auth/logout", "/api/auth/me", "/api/health"] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    let docs = client.get("/api/docs/").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.text.to_lowercase().contains("swagger"));
    assert!(!docs.text.contains("https://"), "the page must not load from the internet");
    let script = client.get("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.text.len() > 100_000);
}

/// The answers a fuzzer found, asked of every operation in the served document: each
/// status the server gives must be one the document lists for that operation, so that a
/// generated client knows every answer it can meet.
#[tokio::test]
async fn every_answer_to_bad_input_is_documented_for_its_operation() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let viewer = app.viewer().await;
    let anonymous = app.client();
    editor.create_script("print(1)", "").await;
    let document = anonymous.get("/api/openapi.json").await.body;
    let big_body = format!(r#"{{"content":"{}"}}"#, "x".repeat(2 * 1024 * 1024 + 1));
    let mut undocumented = Vec::new();
    let mut asked = 0;

    for (template, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let documented: Vec<String> =
                operation["responses"].as_object().unwrap().keys().cloned().collect();
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let ids: &[&str] = if template.contains("{id}") {
                &["1", "987654", "abc", "-1", "99999999999999999999"]
            } else {
                &["1"]
            };
            for id in ids {
                let path = template.replace("{id}", id);
                let bodies: [Option<(&str, &str)>; 6] = [
                    None,
                    Some(("application/json", "{}")),
                    Some(("application/json", "{\"content\": ")),
                    Some(("application/json", "[1, \"x\", null]")),
                    Some(("application/x-www-form-urlencoded", "a=b")),
                    Some(("application/json", big_body.as_str())),
                ];
                for (who, client) in [("anonymous", &anonymous), ("viewer", &viewer), ("editor", &editor)] {
                    for body in &bodies {
                        if who != "editor" && body.is_some_and(|(_, text)| text.len() > 1000) {
                            continue;
                        }
                        let mut request = client.raw().request(method.clone(), client.url(&path));
                        if let Some((content_type, text)) = body {
                            request = request.header("content-type", *content_type).body(text.to_string());
                        }
                        let answer = client.send(request).await;
                        asked += 1;
                        let status = answer.status.as_u16().to_string();
                        assert_ne!(status, "500", "{method} {path} as {who}: {}", answer.text);
                        if !documented.contains(&status) {
                            undocumented.push(format!(
                                "{method} {template}: {status} ({who}, {path}, {:?})",
                                body.map(|b| &b.1[..b.1.len().min(20)])
                            ));
                        }
                    }
                }
            }
        }
    }
    undocumented.sort();
    undocumented.dedup_by(|a, b| a.split(" (").next() == b.split(" (").next());
    assert!(asked > 500, "{asked} requests");
    assert!(undocumented.is_empty(), "answers missing from openapi.yaml:\n{}", undocumented.join("\n"));
}
