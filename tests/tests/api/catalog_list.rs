//! `GET /api/scripts` is served from a snapshot kept in memory (issue 18): these check that
//! it is never stale — every kind of change shows in the next list, also when another
//! process made it — and its HTTP caching: `ETag`, 304 on `If-None-Match`, gzip.
use std::io::Read;

use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use ved_tests::harness::{db_rows, Client, TestApp};

/// The list and its `ETag`.
async fn list(client: &Client) -> (Vec<Value>, String) {
    let answer = client.raw().get(client.url("/api/scripts")).send().await.expect("list");
    assert_eq!(answer.status(), StatusCode::OK);
    let etag = answer.headers().get(header::ETAG).expect("an ETag").to_str().unwrap().to_owned();
    let body: Value = answer.json().await.expect("a JSON list");
    (body.as_array().expect("a list").clone(), etag)
}

fn row(list: &[Value], id: i64) -> Option<&Value> {
    list.iter().find(|row| row["id"] == id)
}

async fn list_if_none_match(client: &Client, etag: &str) -> reqwest::Response {
    client
        .raw()
        .get(client.url("/api/scripts"))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .expect("list")
}

#[tokio::test]
async fn the_list_answers_304_while_unchanged_and_200_with_a_new_etag_after_a_save() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("\"\"\"First.\"\"\"\n", "").await.id;
    let (first, etag) = list(&editor).await;
    assert_eq!(row(&first, id).unwrap()["descriptive_name"], "First.");

    let unchanged = list_if_none_match(&editor, &etag).await;
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.headers()[header::ETAG], etag.as_str());
    assert!(unchanged.bytes().await.unwrap().is_empty(), "a 304 has no body");
    // The same list for another user: one tag for all.
    let viewer = app.viewer().await;
    assert_eq!(list_if_none_match(&viewer, &etag).await.status(), StatusCode::NOT_MODIFIED);
    let other = list_if_none_match(&editor, "W/\"0123456789abcdef0123456789abcdef\"").await;
    assert_eq!(other.status(), StatusCode::OK);

    editor.save_script(id, "\"\"\"Second.\"\"\"\n").await;
    let changed = list_if_none_match(&editor, &etag).await;
    assert_eq!(changed.status(), StatusCode::OK, "a save makes the held list stale");
    let new_etag = changed.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let body: Value = changed.json().await.unwrap();
    assert_eq!(row(body.as_array().unwrap(), id).unwrap()["descriptive_name"], "Second.");
    assert_eq!(list_if_none_match(&editor, &new_etag).await.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn the_list_needs_a_session_even_with_a_current_etag() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let (_, etag) = list(&editor).await;
    let anonymous = Client::new(&app.base_url);
    let answer = list_if_none_match(&anonymous, &etag).await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_kind_of_change_shows_in_the_next_list() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let (empty, _) = list(&editor).await;
    assert!(empty.is_empty(), "{empty:?}");

    let id = editor.create_script("\"\"\"Made.\"\"\"\nprint('hi')\n", "").await.id;
    let (after_create, _) = list(&editor).await;
    let made = row(&after_create, id).expect("a new script is listed at once");
    assert_eq!((made["version_label"].as_str(), made["prod_version_label"].is_null()), (Some("0.1"), true));

    editor.save_script(id, "\"\"\"Saved.\"\"\"\nprint('hi')\n").await;
    let (after_save, _) = list(&editor).await;
    let saved = row(&after_save, id).unwrap();
    assert_eq!(
        (saved["descriptive_name"].as_str(), saved["version_label"].as_str()),
        (Some("Saved."), Some("0.2"))
    );

    let moved = editor
        .put(
            &format!("/api/scripts/{id}"),
            &json!({"content": "\"\"\"Saved.\"\"\"\nprint('hi')\n", "ordering_number": 7.5}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let (after_move, _) = list(&editor).await;
    assert_eq!(row(&after_move, id).unwrap()["ordering_number"], 7.5, "a moved ordering number shows");

    editor.merge_script(id).await;
    let (after_merge, _) = list(&editor).await;
    assert_eq!(row(&after_merge, id).unwrap()["prod_version_label"], "0.2");

    let bumped = editor.post_empty(&format!("/api/scripts/{id}/bump-major")).await;
    assert_eq!(bumped.status, StatusCode::OK, "{}", bumped.text);
    let (after_bump, _) = list(&editor).await;
    assert_eq!(row(&after_bump, id).unwrap()["version_label"], "1.0");

    let ran = editor.post(&format!("/api/execute/{id}"), &json!({})).await;
    assert_eq!(ran.status, StatusCode::OK, "{}", ran.text);
    assert_eq!(ran.body["status"], "succeeded", "{}", ran.text);
    let (after_run, _) = list(&editor).await;
    let run = row(&after_run, id).unwrap();
    assert_eq!(
        (run["last_run_status"].as_str(), run["last_run_exit_code"].as_i64()),
        (Some("succeeded"), Some(0))
    );
    assert_eq!(run["last_run_at"], ran.body["finished_at"]);

    // Whoever writes the database, the list follows: here an operator's SQL, as a worker
    // in another process would write a run's end.
    db_rows(&app, &format!("UPDATE executions SET status = 'failed', exit_code = 9 WHERE script_id = {id}"));
    let (after_sql, _) = list(&editor).await;
    let failed = row(&after_sql, id).unwrap();
    assert_eq!(
        (failed["last_run_status"].as_str(), failed["last_run_exit_code"].as_i64()),
        (Some("failed"), Some(9))
    );

    let forked = editor.post_empty(&format!("/api/scripts/{id}/fork")).await;
    assert_eq!(forked.status, StatusCode::CREATED, "{}", forked.text);
    let fork = forked.body["id"].as_i64().unwrap();
    let deleted = editor.delete(&format!("/api/scripts/{id}")).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    let (after_delete, _) = list(&editor).await;
    assert!(row(&after_delete, id).is_none(), "a deleted script leaves the list at once");
    assert!(row(&after_delete, fork).is_some(), "its fork is listed");
}

#[tokio::test]
async fn a_write_on_one_server_shows_in_the_next_list_of_another_on_the_same_database() {
    let first = TestApp::spawn_with(&[("VED_WARM_POOL", "0"), ("VED_WORKER_NAME", "first")]).await;
    let repository = first.scripts_repo().display().to_string();
    let second = TestApp::spawn_on(
        first.database(),
        &[("VED_WARM_POOL", "0"), ("VED_WORKER_NAME", "second"), ("VED_SCRIPTS_REPO", &repository)],
    )
    .await;
    let (on_first, on_second) = (first.editor().await, second.editor().await);
    let id = on_first.create_script("\"\"\"Before.\"\"\"\n", "").await.id;
    // Both processes hold a snapshot with the script in it, and agree on its tag.
    let (held_first, etag_first) = list(&on_first).await;
    let (held_second, etag_second) = list(&on_second).await;
    assert_eq!(held_first, held_second);
    assert_eq!(etag_first, etag_second, "the same list has the same tag in every process");

    on_first.save_script(id, "\"\"\"After.\"\"\"\n").await;
    let (seen_by_second, _) = list(&on_second).await;
    assert_eq!(row(&seen_by_second, id).unwrap()["descriptive_name"], "After.");

    let other = on_second.create_script("\"\"\"Made on the second.\"\"\"\n", "").await.id;
    on_second.merge_script(other).await;
    let (seen_by_first, _) = list(&on_first).await;
    assert_eq!(row(&seen_by_first, other).unwrap()["prod_version_label"], "0.1");

    let deleted = on_second.delete(&format!("/api/scripts/{id}")).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    let (after_delete, _) = list(&on_first).await;
    assert!(row(&after_delete, id).is_none(), "deleted on the second, gone on the first");
}

#[tokio::test]
async fn a_gzipped_list_decodes_to_the_same_json() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    for n in 0..30 {
        editor.create_script(&format!("\"\"\"Script {n}, with a docstring.\"\"\"\nprint({n})\n"), "").await;
    }
    let plain = editor.raw().get(editor.url("/api/scripts")).send().await.unwrap();
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none(), "not compressed unless asked");
    let plain = plain.bytes().await.unwrap();
    let zipped = editor
        .raw()
        .get(editor.url("/api/scripts"))
        .header(header::ACCEPT_ENCODING, "br;q=1, gzip;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.status(), StatusCode::OK);
    assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(zipped.headers()[header::VARY], "Accept-Encoding");
    assert_eq!(zipped.headers()[header::CONTENT_TYPE], "application/json");
    let zipped = zipped.bytes().await.unwrap();
    assert!(zipped.len() * 3 < plain.len(), "{} bytes gzipped of {}", zipped.len(), plain.len());
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&zipped[..]).read_to_end(&mut decoded).expect("valid gzip");
    let (decoded, plain): (Value, Value) =
        (serde_json::from_slice(&decoded).unwrap(), serde_json::from_slice(&plain).unwrap());
    assert_eq!(decoded, plain);
    assert_eq!(decoded.as_array().unwrap().len(), 30);
}
