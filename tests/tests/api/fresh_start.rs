//! SPEC §11: a fresh clone serves the app with no configuration at all. Every other test
//! points the server at temporary paths; this one uses the defaults, in a real clone.
use std::{path::Path, process::Command};

use reqwest::StatusCode;
use ved_tests::harness::{git, repo_root, TestApp};

fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).current_dir(dir).output().expect("runs");
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn a_fresh_clone_serves_with_the_defaults_and_ed1_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let checkout = dir.path().join("code.ved");
    let source = repo_root();
    run(
        dir.path(),
        "git",
        &["clone", "--quiet", "--no-hardlinks", source.to_str().unwrap(), checkout.to_str().unwrap()],
    );
    assert!(checkout.join("scripts_repo/README.md").is_file(), "the checked-in README is part of the test");

    let mut app = TestApp::spawn_in_checkout(&checkout).await;
    let client = app.client();
    assert_eq!(client.get("/api/health").await.status, StatusCode::OK);
    let me = client.login("ed1", "1editor").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["roles"], serde_json::json!(["viewer", "editor"]));
    let created = client.create_script("print('fresh')", "").await;
    let logs = app.logs();
    assert!(logs.contains("default password"), "the default passwords are called out:\n{logs}");

    // The defaults put everything inside the checkout, out of git's way.
    let repository = checkout.join("scripts_repo/repo.git");
    let head = git(&repository, &["log", "--format=%an %s", "-1", "ed1"]).expect("a real repository");
    assert!(head.starts_with("ed1 "), "{head}");
    assert_eq!(
        git(&repository, &["cat-file", "-p", &format!("ed1:{}.py", created.id)]).unwrap(),
        "print('fresh')"
    );
    assert!(checkout.join("data/ved.db").is_file());
    assert_eq!(
        run(&checkout, "git", &["status", "--porcelain"]),
        "",
        "the server wrote nothing git would track"
    );

    // And it starts again on what it left.
    app.restart().await;
    assert_eq!(app.client().get("/api/health").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_start_up_failure_is_one_sentence_that_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = Command::new(ved_tests::harness::ved_binary())
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("VED_BIND", &address)
        .env("VED_WARM_POOL", "0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("ved: cannot listen on") && last.contains("VED_BIND"), "{stderr}");
    assert!(!stderr.contains("stack backtrace") && !stderr.contains("panicked"), "{stderr}");

    let bad = Command::new(ved_tests::harness::ved_binary())
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("VED_RUN_TIMEOUT_S", "soon")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("VED_RUN_TIMEOUT_S") && stderr.contains("correct it or unset it"), "{stderr}");
}
