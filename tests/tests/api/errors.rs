use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use ved_tests::harness::TestApp;

#[tokio::test]
async fn a_form_post_cannot_change_anything() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let form = client
        .send(
            client
                .raw()
                .post(client.url("/api/auth/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("username=ed1&password=1editor"),
        )
        .await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(form.detail().contains("application/json"));
    // Not even on a route whose handler never reads the body.
    let editor = app.editor().await;
    let logout = editor
        .send(
            editor.raw().post(editor.url("/api/auth/logout")).header("content-type", "text/plain").body("x"),
        )
        .await;
    assert_eq!(logout.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(editor.get("/api/auth/me").await.status, StatusCode::OK, "still logged in");
}

#[tokio::test]
async fn malformed_json_is_400_and_a_missing_field_is_422_with_a_detail() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let syntax = client
        .send(
            client
                .raw()
                .post(client.url("/api/auth/login"))
                .header("content-type", "application/json")
                .body("{\"username\": "),
        )
        .await;
    assert_eq!(syntax.status, StatusCode::BAD_REQUEST);
    assert!(syntax.detail().contains("not valid JSON"), "{}", syntax.text);
    let missing = client.post("/api/auth/login", &json!({"username": "ed1"})).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.detail().contains("password"), "{}", missing.text);
}

#[tokio::test]
async fn a_body_over_2_mib_is_413() {
    let app = TestApp::spawn().await;
    let client = app.editor().await;
    let huge = "x".repeat(2 * 1024 * 1024 + 10);
    let answer = client.post("/api/auth/login", &json!({"username": huge, "password": "x"})).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.text);
    assert!(!answer.detail().is_empty());
}

#[tokio::test]
async fn unknown_api_paths_and_methods_answer_json() {
    let app = TestApp::spawn().await;
    let client = app.editor().await;
    let missing = client.get("/api/no/such/thing").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(!missing.detail().is_empty());
    let wrong_method = client.request(Method::PATCH, "/api/auth/me", None).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(!wrong_method.detail().is_empty(), "{}", wrong_method.text);
}

#[tokio::test]
async fn health_is_public_and_reports_its_dependencies() {
    let app = TestApp::spawn().await;
    let health = app.client().get("/api/health").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(health.body["database"], true);
    assert!(health.body["scripts_repo"].is_boolean());
}

#[tokio::test]
async fn other_paths_serve_the_web_app_or_say_how_to_build_it() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in ["/", "/editor/12", "/login"] {
        let page = client.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.text.contains("<html") || page.text.contains("<!doctype"), "{path}: {}", page.text);
    }
}

/// Every operation of the API document gets garbage: wrong types, broken JSON, absurd ids.
/// Nothing may answer 500 or drop the connection (a panic would).
#[tokio::test]
async fn no_route_answers_500_to_malformed_input() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let document = editor.get("/api/openapi.json").await.body;
    let bodies: Vec<Option<Value>> = vec![
        None,
        Some(json!(null)),
        Some(json!([])),
        Some(json!("text")),
        Some(json!({"content": 5, "test_data": [], "base_version_id": "x", "ordering_number": "-1"})),
        Some(json!({"prompt": null, "script_id": -1})),
        Some(json!({"username": {"$ne": 1}, "password": 1e308})),
    ];
    let ids = ["0", "-1", "abc", "99999999999999999999", "1.5", "%00"];
    let mut checked = 0;
    for (path, operations) in document["paths"].as_object().expect("paths") {
        for method in operations.as_object().unwrap().keys() {
            if path == "/api/auth/logout" {
                continue; // would end the session the rest of the loop uses
            }
            let method: Method = method.to_uppercase().parse().unwrap();
            for id in ids {
                let concrete = path.split('/').map(|part| if part.starts_with('{') { id } else { part });
                let concrete = concrete.collect::<Vec<_>>().join("/");
                for body in &bodies {
                    let answer = editor.request(method.clone(), &concrete, body.as_ref()).await;
                    assert!(
                        answer.status.as_u16() < 500 || answer.status == StatusCode::SERVICE_UNAVAILABLE,
                        "{method} {concrete} with {body:?} → {} {}",
                        answer.status,
                        answer.text
                    );
                    assert!(
                        answer.body.is_object()
                            || answer.body.is_array()
                            || answer.body.is_null() && answer.text == "null",
                        "{method} {concrete}: not JSON: {}",
                        answer.text
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 100, "only {checked} requests were made");
    assert_eq!(editor.get("/api/auth/me").await.status, StatusCode::OK, "server still healthy");
}

#[tokio::test]
async fn hashed_assets_are_gzipped_and_cached_for_good_and_pages_revalidate() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let index = client.get("/").await;
    assert_eq!(index.headers["cache-control"], "no-cache");
    let Some(asset) = index.text.split("src=\"").nth(1).and_then(|rest| rest.split('"').next()) else {
        panic!("frontend/dist must be built (make test does) to check asset serving: {}", index.text);
    };
    assert!(asset.starts_with("/assets/"), "{asset}");
    let response =
        client.raw().get(client.url(asset)).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
}
