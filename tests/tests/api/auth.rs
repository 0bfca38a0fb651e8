use reqwest::StatusCode;
use serde_json::json;
use ved_tests::harness::{db_rows, TestApp};

#[tokio::test]
async fn both_default_users_log_in_with_their_roles() {
    let app = TestApp::spawn().await;
    let editor = app.client();
    let answer = editor.login("ed1", "1editor").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, json!({"username": "ed1", "roles": ["viewer", "editor"]}));
    let viewer = app.client();
    let answer = viewer.login("mo1", "2viewer").await;
    assert_eq!(answer.body, json!({"username": "mo1", "roles": ["viewer"]}));
    assert_eq!(viewer.get("/api/auth/me").await.body["username"], "mo1");
    assert_eq!(editor.get("/api/auth/me").await.body["username"], "ed1");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_scoped_to_the_site() {
    let app = TestApp::spawn().await;
    let answer = app.client().login("ed1", "1editor").await;
    let cookie = answer.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("ved_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "Secure must be opt-in: {cookie}");
}

#[tokio::test]
async fn the_cookie_is_secure_when_configured() {
    let app = TestApp::spawn_with(&[("VED_SESSION_SECURE", "true")]).await;
    let answer = app.client().login("ed1", "1editor").await;
    assert!(answer.headers["set-cookie"].to_str().unwrap().contains("Secure"));
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_401() {
    let app = TestApp::spawn().await;
    let unknown = app.client().login("nobody", "1editor").await;
    let wrong = app.client().login("ed1", "wrong-password").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.body, wrong.body);
    assert!(unknown.headers.get("set-cookie").is_none(), "a failed login must not start a session");
}

#[tokio::test]
async fn me_answers_until_logout_and_401_after() {
    let app = TestApp::spawn().await;
    let client = app.client();
    assert_eq!(client.get("/api/auth/me").await.status, StatusCode::UNAUTHORIZED);
    client.login("ed1", "1editor").await;
    assert_eq!(client.get("/api/auth/me").await.status, StatusCode::OK);
    let logout = client.post_empty("/api/auth/logout").await;
    assert_eq!((logout.status, logout.body), (StatusCode::OK, json!({"ok": true})));
    let after = client.get("/api/auth/me").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert!(!after.detail().is_empty());
}

#[tokio::test]
async fn a_logged_out_session_cookie_is_dead_on_the_server() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let login = client.login("ed1", "1editor").await;
    let cookie = login.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    client.post_empty("/api/auth/logout").await;
    // Replaying the old cookie by hand must not bring the session back.
    let replay =
        client.send(reqwest::Client::new().get(client.url("/api/auth/me")).header("cookie", cookie)).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_login_gets_a_new_session_id() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let first = client.login("ed1", "1editor").await.headers["set-cookie"].to_str().unwrap().to_owned();
    let second = client.login("ed1", "1editor").await.headers["set-cookie"].to_str().unwrap().to_owned();
    assert_ne!(first.split(';').next(), second.split(';').next());
}

#[tokio::test]
async fn a_session_survives_a_server_restart() {
    let mut app = TestApp::spawn().await;
    let login = app.client().login("ed1", "1editor").await;
    let cookie = login.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    app.restart().await;
    let client = app.client();
    let me =
        client.send(reqwest::Client::new().get(client.url("/api/auth/me")).header("cookie", cookie)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["username"], "ed1");
}

#[tokio::test]
async fn a_viewer_gets_403_on_editor_routes_and_nobody_gets_401() {
    let app = TestApp::spawn().await;
    let viewer = app.viewer().await;
    let anonymous = app.client();
    // An editor-only route (a write) and a viewer route (a read).
    let write = viewer.post("/api/scripts", &json!({"content": "print(1)"})).await;
    assert_eq!(write.status, StatusCode::FORBIDDEN, "{}", write.text);
    assert!(write.detail().contains("editor"));
    assert_eq!(anonymous.post("/api/scripts", &json!({})).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(viewer.get("/api/auth/me").await.status, StatusCode::OK);
    assert_eq!(anonymous.get("/api/auth/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn five_failures_for_a_user_then_429_with_retry_after() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for attempt in 1..=5 {
        let answer = client.login("ed1", "guess").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    // Even the right password is refused while the lock lasts.
    let blocked = client.login("ed1", "1editor").await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = blocked.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert!(blocked.detail().contains("try again"));
}

#[tokio::test]
async fn failures_are_counted_per_client_address_across_usernames() {
    let app = TestApp::spawn_with(&[("VED_LOGIN_MAX_FAILURES", "3")]).await;
    let client = app.client();
    for name in ["a1", "b2", "c3"] {
        assert_eq!(client.login(name, "x").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(client.login("mo1", "2viewer").await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn users_can_be_added_and_passwords_changed_from_the_command_line() {
    let app = TestApp::spawn().await;
    let added = app.run_cli(&["users", "add", "ed2", "--role", "editor"], "s3cret-pass\n");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let answer = app.client().login("ed2", "s3cret-pass").await;
    assert_eq!(answer.body["roles"], json!(["viewer", "editor"]));

    let changed = app.run_cli(&["users", "passwd", "mo1"], "a-new-password\n");
    assert!(changed.status.success(), "{}", String::from_utf8_lossy(&changed.stderr));
    assert_eq!(app.client().login("mo1", "2viewer").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.client().login("mo1", "a-new-password").await.status, StatusCode::OK);

    let duplicate = app.run_cli(&["users", "add", "ed2"], "whatever-pass\n");
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));
}

#[tokio::test]
async fn the_server_warns_while_default_passwords_are_in_use() {
    let mut app = TestApp::spawn().await;
    assert!(app.logs().contains("default password"), "{}", app.logs());
    for (user, password) in [("ed1", "new-editor-pw\n"), ("mo1", "new-viewer-pw\n")] {
        assert!(app.run_cli(&["users", "passwd", user], password).status.success());
    }
    app.stop().await;
    let before = app.logs().len();
    app.restart().await;
    let fresh = app.logs()[before..].to_owned();
    assert!(fresh.contains("user"), "{fresh}");
    assert!(!fresh.contains("default password"), "{fresh}");
}

#[tokio::test]
async fn login_logout_and_failures_are_audited() {
    let app = TestApp::spawn().await;
    let client = app.client();
    client.login("ed1", "bad-password").await;
    client.login("ed1", "1editor").await;
    client.post_empty("/api/auth/logout").await;
    let rows = db_rows(&app, "SELECT action || ':' || outcome || ':' || actor FROM audit_log ORDER BY id");
    assert_eq!(rows, vec!["login_failed:denied:ed1", "login:ok:ed1", "logout:ok:ed1"]);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_hashes() {
    let app = TestApp::spawn().await;
    let hashes = db_rows(&app, "SELECT password_hash FROM users ORDER BY username");
    assert_eq!(hashes.len(), 2);
    for hash in hashes {
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("1editor") && !hash.contains("2viewer"));
    }
}

#[tokio::test]
async fn a_session_in_use_outlives_its_idle_window_and_an_unused_one_ends() {
    let app = TestApp::spawn_with(&[("VED_SESSION_IDLE_S", "3")]).await;
    let busy = app.editor().await;
    let unused = app.viewer().await;
    // Four seconds of use, one request a second: past the three-second window from login.
    for _ in 0..4 {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        assert_eq!(busy.get("/api/auth/me").await.status, StatusCode::OK);
    }
    assert_eq!(unused.get("/api/auth/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn reads_within_a_tenth_of_the_idle_window_do_not_rewrite_the_session() {
    let app = TestApp::spawn_with(&[("VED_SESSION_IDLE_S", "3600")]).await;
    let editor = app.editor().await;
    assert_eq!(editor.get("/api/auth/me").await.status, StatusCode::OK);
    let expiry = db_rows(&app, "SELECT expires_at FROM sessions");
    for _ in 0..20 {
        assert_eq!(editor.get("/api/scripts").await.status, StatusCode::OK);
    }
    assert_eq!(db_rows(&app, "SELECT expires_at FROM sessions"), expiry);
}
