use reqwest::StatusCode;
use serde_json::{json, Value};
use ved_tests::harness::{db_rows, git, TestApp};

/// The id in a raw JSON answer.
fn id_of(script: &Value) -> i64 {
    script["id"].as_i64().expect("id")
}

/// The version label in a raw JSON answer.
fn label(script: &Value) -> &str {
    script["version"]["label"].as_str().expect("label")
}

#[tokio::test]
async fn the_first_script_is_number_1_0_at_version_0_1_on_the_editors_branch() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let script = editor.create_script("\"\"\"Load the sales.\"\"\"\nprint('hi')\n", "a,b\n").await;
    assert_eq!(script.ordering_number, 1.0);
    assert_eq!(script.version.label, "0.1");
    assert_eq!(script.descriptive_name, "Load the sales.");
    assert_eq!(script.test_data, "a,b\n");
    assert!(script.prod_version.is_none());
    let hash = script.version.git_commit_hash.as_str();
    assert_eq!(hash.len(), 40);
    let repo = app.scripts_repo();
    assert_eq!(git(&repo, &["rev-parse", "ed1"]).unwrap().trim(), hash);
    assert_eq!(git(&repo, &["show", "ed1:1.py"]).unwrap(), "\"\"\"Load the sales.\"\"\"\nprint('hi')\n");
    assert_eq!(git(&repo, &["show", "ed1:1.input"]).unwrap(), "a,b\n");
    assert_eq!(
        git(&repo, &["log", "-1", "--format=%an <%ae>/%cn/%s", "ed1"]).unwrap().trim(),
        "ed1 <ed1@ved.local>/ed1/create script 1 v0.1"
    );
    let second = editor.post_empty("/api/scripts").await;
    assert_eq!(second.status, StatusCode::CREATED, "an empty body is allowed: {}", second.text);
    assert_eq!(second.body["ordering_number"], json!(2.0));
    assert_eq!(second.body["content"], "");
}

#[tokio::test]
async fn four_saves_go_from_0_1_to_0_5_and_identical_content_makes_no_version() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("print(1)", "").await.id;
    for n in 2..=5 {
        let saved = editor.save_script(id, &format!("print({n})")).await;
        assert_eq!(saved.version.label, format!("0.{n}"));
    }
    let unchanged = editor.save_script(id, "print(5)").await;
    assert_eq!(unchanged.version.label, "0.5");
    let versions = editor.get(&format!("/api/scripts/{id}/versions")).await.body;
    let labels: Vec<&str> =
        versions.as_array().unwrap().iter().map(|v| v["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["0.5", "0.4", "0.3", "0.2", "0.1"], "newest first");
    let commits = git(&app.scripts_repo(), &["rev-list", "--count", "ed1"]).unwrap();
    assert_eq!(commits.trim(), "6", "initial prod commit + 5 saves");
    assert_eq!(
        git(&app.scripts_repo(), &["log", "-1", "--format=%s", "ed1"]).unwrap().trim(),
        "save script 1 v0.5"
    );
}

#[tokio::test]
async fn changing_only_the_test_data_is_a_new_version_and_absent_test_data_is_kept() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("print(1)", "first").await.id;
    let kept = editor.save_script(id, "print(2)").await;
    assert_eq!(kept.test_data, "first");
    let answer = editor
        .put(&format!("/api/scripts/{id}"), &json!({"content": "print(2)", "test_data": "second"}))
        .await;
    assert_eq!(label(&answer.body), "0.3");
    assert_eq!(git(&app.scripts_repo(), &["show", "ed1:1.input"]).unwrap(), "second");
}

#[tokio::test]
async fn a_stale_base_version_is_409_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let created = editor.create_script("print(1)", "").await;
    let id = created.id;
    let base = created.version.id;
    let newer = editor
        .put(&format!("/api/scripts/{id}"), &json!({"content": "print(2)", "base_version_id": base}))
        .await;
    assert_eq!(newer.status, StatusCode::OK);
    let tip_before = git(&app.scripts_repo(), &["rev-parse", "ed1"]).unwrap();
    let stale = editor
        .put(&format!("/api/scripts/{id}"), &json!({"content": "print(3)", "base_version_id": base}))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert!(stale.detail().contains("0.2"), "{}", stale.detail());
    assert_eq!(git(&app.scripts_repo(), &["rev-parse", "ed1"]).unwrap(), tip_before);
    let current = editor.get(&format!("/api/scripts/{id}")).await.body;
    assert_eq!((label(&current), current["content"].as_str().unwrap()), ("0.2", "print(2)"));
}

#[tokio::test]
async fn bump_major_keeps_content_and_commit_and_the_next_save_is_minor_1() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("print(1)", "").await.id;
    let saved = editor.save_script(id, "print(2)").await;
    let bumped = editor.post_empty(&format!("/api/scripts/{id}/bump-major")).await;
    assert_eq!(bumped.status, StatusCode::OK, "{}", bumped.text);
    assert_eq!(label(&bumped.body), "1.0");
    assert_eq!(bumped.body["version"]["git_commit_hash"], saved.version.git_commit_hash.as_str());
    assert_eq!(bumped.body["content"], "print(2)");
    let again = editor.post_empty(&format!("/api/scripts/{id}/bump-major")).await;
    assert_eq!(label(&again.body), "2.0");
    assert_eq!(editor.save_script(id, "print(3)").await.version.label, "2.1");
    assert_eq!(editor.save_script(id, "print(4)").await.version.label, "2.2");
}

#[tokio::test]
async fn a_fork_is_a_new_script_with_the_next_number_and_both_parent_ids() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("print('source')", "in").await.id;
    let source = editor.save_script(id, "print('source v2')").await;
    editor.create_script("print('other')", "").await;
    let fork = editor.post_empty(&format!("/api/scripts/{id}/fork")).await;
    assert_eq!(fork.status, StatusCode::CREATED, "{}", fork.text);
    let fork = fork.body;
    assert_eq!(fork["ordering_number"], json!(3.0));
    assert_eq!(label(&fork), "0.1");
    assert_eq!(
        (fork["content"].as_str(), fork["test_data"].as_str()),
        (Some("print('source v2')"), Some("in"))
    );
    assert_eq!(fork["version"]["parent_script_id"], json!(id));
    assert_eq!(fork["version"]["parent_version_id"], source.version.id);
    let new_id = id_of(&fork);
    assert_ne!(new_id, id);
    assert_eq!(
        git(&app.scripts_repo(), &["show", &format!("ed1:{new_id}.py")]).unwrap(),
        "print('source v2')"
    );
    let message = git(&app.scripts_repo(), &["log", "-1", "--format=%s", "ed1"]).unwrap();
    assert_eq!(message.trim(), format!("fork script {new_id} v0.1 from script {id} v0.2"));
}

#[tokio::test]
async fn merge_puts_the_latest_version_on_prod_and_unmerged_scripts_stay_off() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let merged = editor.create_script("print('merged')", "data").await.id;
    let unmerged = editor.create_script("print('draft only')", "").await.id;
    let result = editor.merge_script(merged).await;
    assert!(result.ok);
    assert_eq!(result.version.label, "0.1");
    let repo = app.scripts_repo();
    assert_eq!(git(&repo, &["rev-parse", "prod"]).unwrap().trim(), result.prod_commit);
    assert_eq!(git(&repo, &["show", &format!("prod:{merged}.py")]).unwrap(), "print('merged')");
    assert_eq!(git(&repo, &["show", &format!("prod:{merged}.input")]).unwrap(), "data");
    assert!(git(&repo, &["show", &format!("prod:{unmerged}.py")]).is_err());
    let again = editor.merge_script(merged).await;
    assert_eq!(again.prod_commit, result.prod_commit, "merging what is on prod is a no-op");
    let detail = editor.get(&format!("/api/scripts/{merged}")).await.body;
    assert_eq!(detail["prod_version"]["label"], "0.1");
    editor.save_script(merged, "print('newer')").await;
    let listed = editor.get("/api/scripts").await.body;
    let entry = listed.as_array().unwrap().iter().find(|s| s["id"] == json!(merged)).unwrap().clone();
    assert_eq!(
        (entry["version_label"].as_str(), entry["prod_version_label"].as_str()),
        (Some("0.2"), Some("0.1"))
    );
    assert_eq!(git(&repo, &["show", &format!("prod:{merged}.py")]).unwrap(), "print('merged')");
    assert!(git(&repo, &["fsck", "--strict"]).is_ok());
}

#[tokio::test]
async fn delete_is_soft_removes_the_files_from_prod_and_keeps_history() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("print('bye')", "").await.id;
    editor.merge_script(id).await;
    let deleted = editor.delete(&format!("/api/scripts/{id}")).await;
    assert_eq!((deleted.status, deleted.body.clone()), (StatusCode::OK, json!({"ok": true})));
    assert_eq!(editor.get(&format!("/api/scripts/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(editor.get(&format!("/api/scripts/{id}/versions")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(editor.delete(&format!("/api/scripts/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(editor.get("/api/scripts").await.body, json!([]));
    let repo = app.scripts_repo();
    assert!(git(&repo, &["show", &format!("prod:{id}.py")]).is_err());
    let history = git(&repo, &["log", "--format=%s", "prod"]).unwrap();
    assert!(history.contains("delete script 1") && history.contains("merge script 1 v0.1"), "{history}");
    assert_eq!(db_rows(&app, "SELECT CAST(is_deleted AS INTEGER) FROM scripts WHERE id = 1"), ["1"]);
    let next = editor.create_script("print('next')", "").await;
    assert_eq!(next.ordering_number, 1.0, "deleted scripts do not count for the next number");
}

#[tokio::test]
async fn unknown_ids_are_404_and_old_versions_can_be_read() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    for path in ["/api/scripts/999", "/api/scripts/999/versions"] {
        let answer = editor.get(path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(answer.detail().contains("999"));
    }
    for path in ["/api/scripts/999/fork", "/api/scripts/999/bump-major", "/api/scripts/999/merge"] {
        assert_eq!(editor.post_empty(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(editor.put("/api/scripts/999", &json!({"content": "x"})).await.status, StatusCode::NOT_FOUND);
    let first = editor.create_script("print('old')", "old input").await;
    let id = first.id;
    let other = editor.create_script("print('other')", "").await.id;
    editor.save_script(id, "print('new')").await;
    let old_version = first.version.id;
    let old = editor.get(&format!("/api/scripts/{id}?version_id={old_version}")).await.body;
    assert_eq!((old["content"].as_str(), label(&old)), (Some("print('old')"), "0.1"));
    assert_eq!(old["test_data"], "old input");
    let foreign = editor.get(&format!("/api/scripts/{other}?version_id={old_version}")).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "a version of another script");
}

#[tokio::test]
async fn a_viewer_reads_everything_and_is_refused_every_change() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("print(1)", "").await.id;
    let viewer = app.viewer().await;
    assert_eq!(viewer.get("/api/scripts").await.status, StatusCode::OK);
    assert_eq!(viewer.get(&format!("/api/scripts/{id}")).await.status, StatusCode::OK);
    assert_eq!(viewer.get(&format!("/api/scripts/{id}/versions")).await.status, StatusCode::OK);
    let refused = [
        viewer.post("/api/scripts", &json!({})).await,
        viewer.put(&format!("/api/scripts/{id}"), &json!({"content": "x"})).await,
        viewer.post_empty(&format!("/api/scripts/{id}/fork")).await,
        viewer.post_empty(&format!("/api/scripts/{id}/bump-major")).await,
        viewer.post_empty(&format!("/api/scripts/{id}/merge")).await,
        viewer.delete(&format!("/api/scripts/{id}")).await,
    ];
    for answer in refused {
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
    }
    assert_eq!(db_rows(&app, "SELECT count(*) FROM script_versions"), ["1"]);
}

#[tokio::test]
async fn twenty_concurrent_saves_make_twenty_consecutive_versions() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("print(0)", "").await.id;
    let saves =
        (1..=20).map(|n| {
            let editor = editor.clone();
            async move {
                editor.put(&format!("/api/scripts/{id}"), &json!({"content": format!("print({n})")})).await
            }
        });
    let answers = futures_join_all(saves).await;
    let mut minors: Vec<i64> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, StatusCode::OK, "{}", a.text);
            a.body["version"]["minor"].as_i64().unwrap()
        })
        .collect();
    minors.sort();
    assert_eq!(minors, (2..=21).collect::<Vec<_>>());
    let repo = app.scripts_repo();
    assert_eq!(git(&repo, &["rev-list", "--count", "ed1"]).unwrap().trim(), "22");
    git(&repo, &["fsck", "--strict"]).expect("fsck is clean");
}

#[tokio::test]
async fn concurrent_saves_from_one_base_version_give_one_winner_and_409s() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let created = editor.create_script("print(0)", "").await;
    let (id, base) = (created.id, created.version.id);
    let saves = (1..=20).map(|n| {
        let editor = editor.clone();
        async move {
            let body = json!({"content": format!("print({n})"), "base_version_id": base});
            editor.put(&format!("/api/scripts/{id}"), &body).await.status
        }
    });
    let statuses = futures_join_all(saves).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 19);
    assert_eq!(db_rows(&app, "SELECT count(*) FROM script_versions"), ["2"]);
    git(&app.scripts_repo(), &["fsck", "--strict"]).expect("fsck is clean");
}

async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.expect("task"));
    }
    outputs
}

#[tokio::test]
async fn content_over_1_mib_is_413_and_invalid_python_is_still_saved() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let big = "#".repeat(1024 * 1024 + 1);
    let answer = editor.post("/api/scripts", &json!({"content": big})).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.text);
    assert!(answer.detail().contains("1 MiB"));
    assert_eq!(db_rows(&app, "SELECT count(*) FROM scripts"), ["0"], "nothing half-written");
    let broken = editor.create_script("def broken(:\n    pass", "").await;
    assert_eq!(broken.content, "def broken(:\n    pass");
    let exactly = "#".repeat(1024 * 1024);
    let answer = editor.put(&format!("/api/scripts/{}", broken.id), &json!({"content": exactly})).await;
    assert_eq!(answer.status, StatusCode::OK, "exactly 1 MiB is allowed");
}

#[tokio::test]
async fn ordering_numbers_are_exact_decimals_sorted_numerically() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let a = editor.create_script("print('a')", "").await.id;
    let b = editor.create_script("print('b')", "").await.id;
    let c = editor.create_script("print('c')", "").await.id;
    for (id, number) in [(a, json!(10)), (b, json!(3.01)), (c, json!("2.5"))] {
        let answer = editor
            .put(&format!("/api/scripts/{id}"), &json!({"content": "print(1)", "ordering_number": number}))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    let listed = editor.get("/api/scripts").await;
    assert!(listed.text.contains("\"ordering_number\":3.01"), "{}", listed.text);
    let order: Vec<Value> =
        listed.body.as_array().unwrap().iter().map(|s| s["ordering_number"].clone()).collect();
    assert_eq!(order, [json!(2.5), json!(3.01), json!(10.0)]);
    for bad in [json!(-1), json!(1.001), json!("abc"), json!(1e300)] {
        let answer =
            editor.put(&format!("/api/scripts/{a}"), &json!({"content": "x", "ordering_number": bad})).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", answer.text);
    }
    let next = editor.create_script("print('d')", "").await;
    assert_eq!(next.ordering_number, 11.0);
}

#[tokio::test]
async fn every_change_is_audited() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("print(1)", "").await.id;
    editor.save_script(id, "print(2)").await;
    editor.post_empty(&format!("/api/scripts/{id}/bump-major")).await;
    editor.post_empty(&format!("/api/scripts/{id}/fork")).await;
    editor.merge_script(id).await;
    editor.delete(&format!("/api/scripts/{id}")).await;
    let rows = db_rows(&app, "SELECT action || ':' || actor || ':' || script_id FROM audit_log WHERE script_id IS NOT NULL ORDER BY id");
    assert_eq!(
        rows,
        ["create:ed1:1", "save:ed1:1", "bump_major:ed1:1", "fork:ed1:2", "merge:ed1:1", "delete:ed1:1"]
    );
}

#[tokio::test]
async fn versions_and_content_survive_a_restart() {
    let mut app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("print('kept')", "x").await.id;
    editor.save_script(id, "print('kept 2')").await;
    app.restart().await;
    let editor = app.editor().await;
    let detail = editor.get(&format!("/api/scripts/{id}")).await.body;
    assert_eq!((detail["content"].as_str(), label(&detail)), (Some("print('kept 2')"), "0.2"));
    assert!(!app.logs().contains("missing from the scripts repository"));
}

#[tokio::test]
async fn a_start_with_commits_missing_from_the_repository_says_so_loudly() {
    let mut app = TestApp::spawn().await;
    let editor = app.editor().await;
    editor.create_script("print('lost')", "").await;
    app.stop().await;
    std::fs::remove_dir_all(app.scripts_repo()).expect("remove the repository");
    let before = app.logs().len();
    app.restart().await;
    let fresh = app.logs()[before..].to_owned();
    assert!(fresh.contains("ERROR"), "{fresh}");
    assert!(fresh.contains("missing from the scripts repository"), "{fresh}");
}

/// A fault injected into the real database (a trigger that refuses version rows) makes a
/// create fail after its script row was written: the transaction leaves nothing behind.
#[tokio::test]
async fn a_create_that_fails_half_way_leaves_no_script_behind() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let kept = editor.create_script("print('kept')", "").await;
    app.database().refuse_inserts("script_versions");

    let failed = editor.post("/api/scripts", &json!({"content": "print('lost')"})).await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", failed.text);
    let saved = editor
        .put(&format!("/api/scripts/{}", kept.id), &json!({"content": "print(2)", "ordering_number": 7}))
        .await;
    assert_eq!(saved.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", saved.text);

    assert_eq!(db_rows(&app, "SELECT count(*) FROM scripts"), ["1"], "no script without a version");
    assert_eq!(db_rows(&app, "SELECT ordering_hundredths FROM scripts"), ["100"], "the save changed nothing");
    app.database().accept_inserts("script_versions");
    let listing = editor.get("/api/scripts").await;
    assert_eq!(listing.status, StatusCode::OK);
    assert_eq!(listing.body.as_array().unwrap().len(), 1, "{}", listing.text);
    let next = editor.create_script("print('next')", "").await;
    assert_eq!(next.ordering_number, 2.0);
    assert_eq!(next.version.label, "0.1");
}
