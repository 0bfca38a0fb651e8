//! SPEC §16: versions that can be described, compared and restored.
use reqwest::StatusCode;
use serde_json::{json, Value};
use ved_tests::harness::{git, Client, TestApp};

async fn save_with_message(editor: &Client, id: i64, content: &str, test_data: &str, message: &str) -> Value {
    let body = json!({"content": content, "test_data": test_data, "message": message});
    let answer = editor.put(&format!("/api/scripts/{id}"), &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body
}

fn diff_lines(diff: &Value) -> Vec<String> {
    diff["unified_diff"].as_str().expect("a diff").lines().map(str::to_owned).collect()
}

#[tokio::test]
async fn a_message_is_kept_on_the_version_and_in_the_commit_body() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("print(1)\n", "in").await.id;
    let saved =
        save_with_message(&editor, id, "print(2)\n", "in", "  Prints two, as the report needs.  ").await;
    assert_eq!(saved["version"]["message"], "Prints two, as the report needs.");

    let log = git(&app.scripts_repo(), &["log", "-1", "--format=%s|%b", "ed1"]).unwrap();
    assert_eq!(log.trim(), format!("save script {id} v0.2|Prints two, as the report needs."));
    let versions = editor.get(&format!("/api/scripts/{id}/versions")).await.body;
    assert_eq!(versions[0]["message"], "Prints two, as the report needs.");
    assert!(versions[1]["message"].is_null(), "the first version had none");

    let too_long = json!({"content": "print(3)\n", "message": "x".repeat(501)});
    let refused = editor.put(&format!("/api/scripts/{id}"), &too_long).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert!(refused.detail().contains("501 characters"), "{}", refused.text);
    let versions = editor.get(&format!("/api/scripts/{id}/versions")).await.body;
    assert_eq!(versions.as_array().unwrap().len(), 2, "nothing was written");
    let exactly_500 = save_with_message(&editor, id, "print(3)\n", "in", &"é".repeat(500)).await;
    assert_eq!(exactly_500["version"]["label"], "0.3");
}

#[tokio::test]
async fn the_diff_shows_code_and_test_data_changes_from_prod_to_the_latest_by_default() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("a = 1\nb = 2\nprint(a + b)\n", "first\n").await.id;
    let v1 = editor.merge_script(id).await.version.id;
    let latest = save_with_message(&editor, id, "a = 1\nb = 3\nprint(a + b)\n", "second\n", "b is 3").await;

    let diff = editor.get(&format!("/api/scripts/{id}/diff")).await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.text);
    assert_eq!(diff.body["from"]["id"], v1);
    assert_eq!(diff.body["to"]["id"], latest["version"]["id"]);
    let lines = diff_lines(&diff.body);
    for expected in [
        format!("--- a/{id}.py"),
        format!("+++ b/{id}.py"),
        "-b = 2".to_owned(),
        "+b = 3".to_owned(),
        " a = 1".to_owned(),
        format!("--- a/{id}.input"),
        "-first".to_owned(),
        "+second".to_owned(),
    ] {
        assert!(lines.contains(&expected), "{expected:?} missing from:\n{}", lines.join("\n"));
    }

    // Backwards, explicitly; and a version with itself is an empty diff.
    let to = latest["version"]["id"].as_i64().unwrap();
    let back = editor.get(&format!("/api/scripts/{id}/diff?from={to}&to={v1}")).await.body;
    assert!(diff_lines(&back).contains(&"+b = 2".to_owned()));
    let same = editor.get(&format!("/api/scripts/{id}/diff?from={v1}&to={v1}")).await.body;
    assert_eq!(same["unified_diff"], "");
    // A viewer may read diffs.
    assert_eq!(app.viewer().await.get(&format!("/api/scripts/{id}/diff")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_or_foreign_versions_are_404_and_an_unmerged_script_needs_a_from() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("print(1)\n", "").await.id;
    let other = editor.create_script("print('other')\n", "").await;
    let foreign = other.version.id;

    let unmerged = editor.get(&format!("/api/scripts/{id}/diff")).await;
    assert_eq!(unmerged.status, StatusCode::BAD_REQUEST, "{}", unmerged.text);
    assert!(unmerged.detail().contains("not on prod"), "{}", unmerged.text);
    for query in [format!("from={foreign}"), "from=999999".to_owned(), format!("to={foreign}")] {
        let answer = editor.get(&format!("/api/scripts/{id}/diff?{query}")).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{query}: {}", answer.text);
    }
    assert_eq!(editor.get("/api/scripts/999999/diff?from=1").await.status, StatusCode::NOT_FOUND);
    let restore = editor.post(&format!("/api/scripts/{id}/restore"), &json!({"version_id": foreign})).await;
    assert_eq!(restore.status, StatusCode::NOT_FOUND, "{}", restore.text);
    let malformed = editor.post(&format!("/api/scripts/{id}/restore"), &json!({"version": 1})).await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", malformed.text);
}

#[tokio::test]
async fn restore_makes_a_new_minor_version_with_the_old_code_and_test_data() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let created = editor.create_script("print('one')\n", "data one").await;
    let id = created.id;
    let first = created.version.id;
    save_with_message(&editor, id, "print('two')\n", "data two", "second try").await;

    let restored = editor.post(&format!("/api/scripts/{id}/restore"), &json!({"version_id": first})).await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    assert_eq!(restored.body["version"]["label"], "0.3");
    assert_eq!(restored.body["content"], "print('one')\n");
    assert_eq!(restored.body["test_data"], "data one");
    assert_eq!(restored.body["version"]["message"], "restore v0.1");
    let subject = git(&app.scripts_repo(), &["log", "-1", "--format=%s", "ed1"]).unwrap();
    assert_eq!(subject.trim(), "restore v0.1");
    let file = git(&app.scripts_repo(), &["show", &format!("ed1:{id}.py")]).unwrap();
    assert_eq!(file, "print('one')\n");

    // Restoring what is already the latest makes no version.
    let again = editor.post(&format!("/api/scripts/{id}/restore"), &json!({"version_id": first})).await;
    assert_eq!(again.body["version"]["label"], "0.3");
    // A viewer may not restore.
    let viewer = app.viewer().await;
    let refused = viewer.post(&format!("/api/scripts/{id}/restore"), &json!({"version_id": first})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
