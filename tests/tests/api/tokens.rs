//! SPEC §17: personal API tokens. A program sends `Authorization: Bearer` and gets its
//! token's role (never above its owner's), without cookie or same-origin rules; the secret
//! is shown once and found nowhere afterwards.
use reqwest::StatusCode;
use serde_json::{json, Value};
use ved_tests::harness::{db_rows, Client, TestApp};

/// Issues a token as `owner`; the answer, which holds the secret.
async fn issue(owner: &Client, name: &str, role: &str) -> Value {
    let answer = owner.post("/api/tokens", &json!({"name": name, "role": role})).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    answer.body
}

fn secret(issued: &Value) -> &str {
    issued["token"].as_str().expect("the secret, shown once")
}

#[tokio::test]
async fn an_editor_token_writes_and_runs_and_a_viewer_token_only_reads() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let issued = issue(&editor, "nightly export", "editor").await;
    assert_eq!(issued["role"], "editor");
    assert_eq!(issued["name"], "nightly export");
    assert!(secret(&issued).starts_with("ved_") && secret(&issued).len() == 4 + 64, "{issued}");
    let program = app.with_token(secret(&issued));

    // No cookie, no login: the token is the credential, for reads and writes.
    assert_eq!(
        program.get("/api/auth/me").await.body,
        json!({"username": "ed1", "roles": ["viewer", "editor"]})
    );
    let created = program.post("/api/scripts", &json!({"content": "print('hello')", "test_data": ""})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let script = created.body["id"].as_i64().unwrap();
    assert_eq!(program.post_empty(&format!("/api/scripts/{script}/merge")).await.status, StatusCode::OK);
    let run = program.post(&format!("/api/execute/{script}"), &json!({})).await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    assert_eq!(run.body["status"], "succeeded", "{}", run.text);
    assert_eq!(run.body["triggered_by"], "ed1");

    // The audit rows of its requests name the token; the actor is still its owner.
    let token_id = issued["id"].as_i64().unwrap();
    let audited = db_rows(
        &app,
        "SELECT action || ' ' || actor || ' ' || coalesce(CAST(api_token_id AS TEXT), '-') FROM audit_log ORDER BY id",
    );
    for action in ["create", "merge", "run"] {
        assert!(
            audited.contains(&format!("{action} ed1 {token_id}")),
            "{action} names token {token_id}: {audited:?}"
        );
    }
    assert!(audited.contains(&"login ed1 -".to_owned()), "{audited:?}");
    assert!(audited.contains(&"token_create ed1 -".to_owned()), "{audited:?}");

    // Viewer tokens read and no more; a viewer cannot issue an editor token.
    let viewer = app.viewer().await;
    let refused = viewer.post("/api/tokens", &json!({"name": "more power", "role": "editor"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let reader = app.with_token(secret(&issue(&viewer, "dashboard", "viewer").await));
    assert_eq!(reader.get("/api/auth/me").await.body["roles"], json!(["viewer"]));
    assert_eq!(reader.get("/api/scripts").await.status, StatusCode::OK);
    assert_eq!(reader.get(&format!("/api/execute/{script}/last")).await.body["status"], "succeeded");
    for (path, body) in [
        ("/api/scripts".to_owned(), json!({"content": "print(1)"})),
        (format!("/api/execute/{script}"), json!({})),
        ("/api/execute/all".to_owned(), json!({})),
        ("/api/llm/complete".to_owned(), json!({"prompt": "hi"})),
    ] {
        assert_eq!(reader.post(&path, &body).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(reader.get("/api/llm/interactions").await.status, StatusCode::FORBIDDEN);
    // An editor's viewer token is a viewer too.
    let editors_reader = app.with_token(secret(&issue(&editor, "read only", "viewer").await));
    assert_eq!(
        editors_reader.post("/api/scripts", &json!({"content": "print(2)"})).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn tokens_are_listed_without_secrets_and_a_revoked_token_is_refused() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let first = issue(&editor, "first", "editor").await;
    let second = issue(&editor, "second", "viewer").await;
    let program = app.with_token(secret(&first));
    assert_eq!(program.get("/api/scripts").await.status, StatusCode::OK);

    let listed = editor.get("/api/tokens").await;
    assert_eq!(listed.status, StatusCode::OK);
    let rows = listed.body.as_array().unwrap();
    assert_eq!(rows.iter().map(|t| t["name"].as_str().unwrap()).collect::<Vec<_>>(), ["second", "first"]);
    for row in rows {
        let mut keys: Vec<&str> = row.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["created_at", "id", "last_used_at", "name", "role"]);
    }
    assert!(rows[1]["last_used_at"].is_string(), "used once: {}", listed.text);
    assert!(rows[0]["last_used_at"].is_null(), "never used: {}", listed.text);
    for issued in [&first, &second] {
        assert!(!listed.text.contains(secret(issued)));
    }
    // Each user sees and revokes only their own.
    let viewer = app.viewer().await;
    assert_eq!(viewer.get("/api/tokens").await.body, json!([]));
    let first_id = first["id"].as_i64().unwrap();
    assert_eq!(viewer.delete(&format!("/api/tokens/{first_id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(program.get("/api/scripts").await.status, StatusCode::OK);

    let revoked = editor.delete(&format!("/api/tokens/{first_id}")).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert_eq!(revoked.body, json!({"ok": true}));
    let refused = program.get("/api/scripts").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.headers["www-authenticate"], "Bearer");
    assert!(refused.detail().contains("revoked"), "{}", refused.text);
    assert_eq!(editor.delete(&format!("/api/tokens/{first_id}")).await.status, StatusCode::NOT_FOUND);
    let left: Vec<i64> = editor
        .get("/api/tokens")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(left, [second["id"].as_i64().unwrap()]);

    // The secret is nowhere: not in the database file, not in the server's log.
    for issued in [&first, &second] {
        let needle = secret(issued).as_bytes();
        for file in ["ved.db", "ved.db-wal"] {
            let bytes = std::fs::read(app.data_dir().join(file)).unwrap_or_default();
            assert!(!bytes.windows(needle.len()).any(|window| window == needle), "the secret is in {file}");
        }
        assert!(!app.logs().contains(secret(issued)), "the secret is in the log");
    }
    let stored = db_rows(&app, "SELECT secret_sha256 FROM api_tokens ORDER BY id");
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|hash| hash.len() == 64), "{stored:?}");
}

#[tokio::test]
async fn a_token_acts_alone_and_skips_the_same_origin_rule() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let token = secret(&issue(&editor, "ci", "editor").await).to_owned();

    // A bad token is refused even next to a good session cookie: it cannot borrow it.
    let with_cookie =
        |value: &str| editor.raw().get(editor.url("/api/scripts")).header("authorization", value.to_owned());
    let forged = editor.send(with_cookie(&format!("Bearer ved_{}", "0".repeat(64)))).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    assert_eq!(editor.send(with_cookie("Basic ZWQxOjFlZGl0b3I=")).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(editor.send(with_cookie("Bearer not-a-token")).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(editor.send(with_cookie(&format!("Bearer {token}"))).await.status, StatusCode::OK);

    // A cookie write from another site is refused; the same write with a token is the
    // token holder's own request.
    let from_elsewhere = |client: &Client| {
        client
            .raw()
            .post(client.url("/api/scripts"))
            .header("origin", "http://evil.example")
            .json(&json!({"content": "print('x')"}))
    };
    assert_eq!(editor.send(from_elsewhere(&editor)).await.status, StatusCode::FORBIDDEN);
    let program = app.with_token(&token);
    assert_eq!(program.send(from_elsewhere(&program)).await.status, StatusCode::CREATED);

    // Public routes do not care; bad input is a clear 422.
    assert_eq!(app.with_token("junk").get("/api/health").await.status, StatusCode::OK);
    for body in
        [json!({"name": "", "role": "viewer"}), json!({"name": "x", "role": "admin"}), json!({"name": "x"})]
    {
        let answer = editor.post("/api/tokens", &body).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", answer.text);
    }
    assert_eq!(
        app.client().post("/api/tokens", &json!({"name": "x", "role": "viewer"})).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_demoted_owners_editor_token_acts_as_a_viewer() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let program = app.with_token(secret(&issue(&editor, "deploy", "editor").await));
    assert_eq!(
        program.post("/api/scripts", &json!({"content": "print(1)"})).await.status,
        StatusCode::CREATED
    );

    let demoted = app.run_cli(&["users", "role", "ed1", "viewer"], "");
    assert!(demoted.status.success(), "{}", String::from_utf8_lossy(&demoted.stderr));
    assert_eq!(program.get("/api/auth/me").await.body["roles"], json!(["viewer"]));
    assert_eq!(program.get("/api/scripts").await.status, StatusCode::OK);
    let refused = program.post("/api/scripts", &json!({"content": "print(2)"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);

    let promoted = app.run_cli(&["users", "role", "ed1", "editor"], "");
    assert!(promoted.status.success());
    assert_eq!(
        program.post("/api/scripts", &json!({"content": "print(3)"})).await.status,
        StatusCode::CREATED
    );
}
