//! Per-script packages (SPEC §15) with the real uv against the real package index, the
//! real Docker engine and the git repository read back with `git`.
use std::{path::Path, time::SystemTime};

use reqwest::StatusCode;
use serde_json::{json, Value};
use ved_tests::harness::{git, Client, TestApp};

fn with_packages(packages: &[&str], body: &str) -> String {
    let list = packages.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ");
    format!("# /// script\n# requires-python = \">=3.9\"\n# dependencies = [{list}]\n# ///\n{body}")
}

const TABLE: &str = "import tabulate\nfrom tabulate import tabulate as table\n\
    print(table([[1, 'x']], headers=['n', 's'], tablefmt='github'))\n\
    print(tabulate.__version__, tabulate.__file__.startswith('/runner-envs/'))\n";

async fn run(editor: &Client, id: i64, source: &str) -> Value {
    let answer = editor.post(&format!("/api/execute/{id}"), &json!({"source": source})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body
}

/// The installed environments: their names and modification times.
fn environments(dir: &Path) -> Vec<(String, SystemTime)> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    (e.file_name().to_string_lossy().into_owned(), e.metadata().unwrap().modified().unwrap())
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn pins(detail: &Value) -> Vec<String> {
    detail["dependencies"]["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| format!("{}=={}", p["name"].as_str().unwrap(), p["version"].as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_script_runs_with_its_packages_installed_once_and_old_versions_keep_their_lock() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let created =
        editor.post("/api/scripts", &json!({"content": with_packages(&["tabulate==0.9.0"], TABLE)})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(created.body["warnings"], json!([]));
    assert_eq!(pins(&created.body), ["tabulate==0.9.0"]);
    assert_eq!(created.body["dependencies"]["requested"], json!(["tabulate==0.9.0"]));
    assert_eq!(created.body["dependencies"]["error"], Value::Null);

    // The lock is committed beside the script, in the version's own commit.
    let commit = created.body["version"]["git_commit_hash"].as_str().unwrap().to_owned();
    let lock = git(&app.scripts_repo(), &["show", &format!("{commit}:{id}.lock")]).unwrap();
    assert!(lock.contains("\ntabulate==0.9.0 \\\n    --hash=sha256:"), "{lock}");
    assert!(lock.contains("# python-version: 3."), "{lock}");

    editor.merge_script(id).await;
    assert_eq!(git(&app.scripts_repo(), &["show", &format!("prod:{id}.lock")]).unwrap(), lock);
    let first = run(&editor, id, "prod").await;
    assert_eq!(first["status"], "succeeded", "{first}");
    assert_eq!(first["stdout"], "|   n | s   |\n|-----|-----|\n|   1 | x   |\n0.9.0 True\n");
    let installed = environments(&app.envs_dir());
    assert_eq!(installed.len(), 1, "one environment: {installed:?}");

    // Again: nothing is installed a second time.
    let second = run(&editor, id, "prod").await;
    assert_eq!(second["stdout"], first["stdout"]);
    assert_eq!(environments(&app.envs_dir()), installed, "the environment was not touched");
    assert_eq!(app.logs().matches("installed a package environment").count(), 1);

    // The dependency changes in a new version; prod's older version keeps its own lock.
    let changed = editor
        .put(&format!("/api/scripts/{id}"), &json!({"content": with_packages(&["tabulate==0.8.10"], TABLE)}))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(pins(&changed.body), ["tabulate==0.8.10"]);
    let newer = run(&editor, id, "draft").await;
    assert!(newer["stdout"].as_str().unwrap().ends_with("0.8.10 True\n"), "{newer}");
    let older = run(&editor, id, "prod").await;
    assert!(older["stdout"].as_str().unwrap().ends_with("0.9.0 True\n"), "{older}");
    assert_eq!(environments(&app.envs_dir()).len(), 2);

    // A save of other test data keeps the lock as it was: no resolution, same environment.
    let input_only = editor
        .put(
            &format!("/api/scripts/{id}"),
            &json!({"content": with_packages(&["tabulate==0.8.10"], TABLE), "test_data": "x"}),
        )
        .await;
    let tip = input_only.body["version"]["git_commit_hash"].as_str().unwrap();
    let changed_commit = changed.body["version"]["git_commit_hash"].as_str().unwrap();
    assert_ne!(tip, changed_commit);
    assert_eq!(
        git(&app.scripts_repo(), &["show", &format!("{tip}:{id}.lock")]),
        git(&app.scripts_repo(), &["show", &format!("{changed_commit}:{id}.lock")])
    );

    // Without packages the lock leaves the branch; its environments stay while a version names them.
    editor.save_script(id, "print('plain')").await;
    assert!(git(&app.scripts_repo(), &["show", &format!("ed1:{id}.lock")]).is_err());
    let stale = "0".repeat(64);
    std::fs::create_dir(app.envs_dir().join(&stale)).unwrap();
    let gc = app.run_cli(&["deps", "gc"], "");
    assert!(gc.status.success(), "{}", String::from_utf8_lossy(&gc.stderr));
    assert!(
        String::from_utf8_lossy(&gc.stdout).contains("removed 1 environment"),
        "{}",
        String::from_utf8_lossy(&gc.stdout)
    );
    let left: Vec<String> = environments(&app.envs_dir()).into_iter().map(|(name, _)| name).collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(!left.contains(&stale));
}

#[tokio::test]
async fn runs_that_need_one_new_environment_at_once_install_it_once() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script(&with_packages(&["tabulate==0.9.0"], TABLE), "").await.id;
    let runs = (0..3).map(|_| run(&editor, id, "draft"));
    for execution in futures::future::join_all(runs).await {
        assert_eq!(execution["status"], "succeeded", "{execution}");
    }
    assert_eq!(app.logs().matches("installed a package environment").count(), 1);
    let names: Vec<String> = environments(&app.envs_dir()).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names.len(), 1, "no temporary directory is left: {names:?}");
}

#[tokio::test]
async fn a_package_that_does_not_exist_is_saved_with_a_warning_and_its_runs_say_why() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let content = with_packages(&["ved-no-such-package-zq"], "print('never')\n");
    let created = editor.post("/api/scripts", &json!({"content": content})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_i64().unwrap();
    let warning = created.body["warnings"][0].as_str().unwrap();
    assert!(warning.contains("ved-no-such-package-zq") && warning.contains("Saved"), "{warning}");
    let shown = editor.get(&format!("/api/scripts/{id}")).await.body;
    assert!(shown["dependencies"]["error"].as_str().unwrap().contains("ved-no-such-package-zq"), "{shown}");
    assert_eq!(shown["dependencies"]["packages"], json!([]));
    assert!(git(&app.scripts_repo(), &["show", &format!("ed1:{id}.lock")]).is_err(), "no lock is committed");

    let execution = run(&editor, id, "draft").await;
    assert_eq!(execution["status"], "error", "{execution}");
    let error = execution["error"].as_str().unwrap();
    assert!(error.contains("ved-no-such-package-zq") && error.contains("resolve"), "{error}");
    // uv's own words, not its traces (the server's RUST_LOG is not uv's).
    assert!(!error.contains("INFO") && !error.contains("DEBUG"), "{error}");
    assert_eq!(execution["stdout"], "");
    assert!(environments(&app.envs_dir()).is_empty());
}

#[tokio::test]
async fn a_malformed_block_or_a_requirement_that_reads_the_host_is_refused_naming_it() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let unclosed = editor
        .post("/api/scripts", &json!({"content": "print(1)\n# /// script\n# dependencies = [\"a\"]\n"}))
        .await;
    assert_eq!(unclosed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unclosed.text);
    assert!(unclosed.detail().contains("line 2"), "{}", unclosed.detail());

    let id = editor.create_script("print(1)\n", "").await.id;
    let bad_toml = "# /// script\n# dependencies = [\"tabulate\",\n# ///\nprint(1)\n";
    let refused = editor.put(&format!("/api/scripts/{id}"), &json!({"content": bad_toml})).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert!(refused.detail().contains("line "), "{}", refused.detail());
    let host_file = with_packages(&["-r /etc/passwd"], "");
    let refused = editor.put(&format!("/api/scripts/{id}"), &json!({"content": host_file})).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    let versions = editor.get(&format!("/api/scripts/{id}/versions")).await.body;
    assert_eq!(versions.as_array().unwrap().len(), 1, "nothing was saved");
}

#[tokio::test]
async fn a_cold_run_with_packages_still_has_no_network_and_cannot_change_them() {
    // No warm pool: every run is a container created for it.
    let app = TestApp::spawn_with(&[("VED_WARM_POOL", "0")]).await;
    let editor = app.editor().await;
    let probe = "import socket\nfrom tabulate import tabulate\nprint(tabulate([[1]]))\n\
        try:\n    socket.create_connection(('pypi.org', 443), timeout=3)\n    print('network')\n\
        except OSError as error:\n    print('no network:', type(error).__name__)\n\
        try:\n    socket.create_connection(('151.101.0.223', 443), timeout=3)\n    print('network')\n\
        except OSError as error:\n    print('no route:', type(error).__name__)\n\
        import tabulate as t, os\n\
        try:\n    open(os.path.join(os.path.dirname(t.__file__), 'x.py'), 'w')\n    print('writable')\n\
        except OSError as error:\n    print('read-only:', error.errno)\n\
        print(os.environ['PYTHONPATH'].startswith('/runner-envs/'))\n";
    let id = editor.create_script(&with_packages(&["tabulate"], probe), "").await.id;
    let execution = run(&editor, id, "draft").await;
    assert_eq!(execution["status"], "succeeded", "{execution}");
    let stdout = execution["stdout"].as_str().unwrap();
    assert!(stdout.starts_with("-\n1\n-\n"), "{stdout}");
    assert!(stdout.contains("no network:") && stdout.contains("no route:"), "{stdout}");
    assert!(!stdout.contains("\nnetwork\n") && !stdout.contains("writable"), "{stdout}");
    assert!(stdout.contains("read-only: 30\n"), "EROFS: {stdout}");
    assert!(stdout.ends_with("True\n"), "{stdout}");
}
