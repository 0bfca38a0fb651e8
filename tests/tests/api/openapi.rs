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
