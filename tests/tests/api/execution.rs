//! Runs through the HTTP API against a real Docker engine and the runner image.
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use ved_tests::harness::{db_rows, Client, TestApp};

async fn merged_script(editor: &Client, content: &str, test_data: &str) -> i64 {
    let id = editor.create_script(content, test_data).await.id;
    editor.merge_script(id).await;
    id
}

async fn run(editor: &Client, id: i64, body: Value) -> Value {
    let answer = editor.post(&format!("/api/execute/{id}"), &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body
}

fn time(value: &Value) -> chrono::DateTime<chrono::Utc> {
    value.as_str().expect("a timestamp").parse().expect("RFC 3339")
}

#[tokio::test]
async fn a_script_reads_its_input_from_argv_1_and_prints_it() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let script =
        "import sys\nprint(sys.argv[1])\nprint(open(sys.argv[1], encoding='utf-8').read(), end='')\n";
    let id = merged_script(&editor, script, "naïve café ✓\n").await;
    let execution = run(&editor, id, json!({})).await;
    assert_eq!(execution["status"], "succeeded");
    assert_eq!(execution["exit_code"], 0);
    assert_eq!(execution["stdout"], "/runner/input\nnaïve café ✓\n");
    assert_eq!(execution["stderr"], "");
    assert_eq!(execution["version_label"], "0.1");
    assert_eq!(execution["triggered_by"], "ed1");
    assert!(
        execution["interpreter"].as_str().unwrap().starts_with("cpython-3."),
        "{}",
        execution["interpreter"]
    );
    assert!(execution["duration_ms"].as_i64().unwrap() >= 0);
    assert!(time(&execution["finished_at"]) >= time(&execution["started_at"]));
    let override_input = run(&editor, id, json!({"test_data": "given"})).await;
    assert_eq!(override_input["stdout"], "/runner/input\ngiven");
}

#[tokio::test]
async fn exit_codes_and_stderr_are_reported_separately() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let script = "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)\n";
    let id = merged_script(&editor, script, "").await;
    let execution = run(&editor, id, json!({})).await;
    assert_eq!((execution["status"].as_str(), execution["exit_code"].as_i64()), (Some("failed"), Some(3)));
    assert_eq!((execution["stdout"].as_str(), execution["stderr"].as_str()), (Some("out\n"), Some("err\n")));
    let crash = merged_script(&editor, "raise ValueError('boom')", "").await;
    let execution = run(&editor, crash, json!({})).await;
    assert_eq!(execution["exit_code"], 1);
    assert!(execution["stderr"].as_str().unwrap().contains("ValueError: boom"));
    let binary =
        merged_script(&editor, "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end')", "").await;
    let execution = run(&editor, binary, json!({})).await;
    assert_eq!(execution["stdout"], "ok \u{fffd}\u{fffd} end", "invalid UTF-8 is replaced");
}

#[tokio::test]
async fn prod_is_the_default_and_unmerged_scripts_need_a_merge_or_draft() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = editor.create_script("print('draft')", "").await.id;
    let refused = editor.post_empty(&format!("/api/execute/{id}")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.detail().contains("merge"), "{}", refused.detail());
    assert_eq!(run(&editor, id, json!({"source": "draft"})).await["stdout"], "draft\n");
    editor.merge_script(id).await;
    editor.save_script(id, "print('newer draft')").await;
    assert_eq!(run(&editor, id, json!({})).await["stdout"], "draft\n", "prod keeps the merged version");
    let draft = run(&editor, id, json!({"source": "draft"})).await;
    assert_eq!(
        (draft["stdout"].as_str(), draft["version_label"].as_str()),
        (Some("newer draft\n"), Some("0.2"))
    );
    let bad_source = editor.post(&format!("/api/execute/{id}"), &json!({"source": "elsewhere"})).await;
    assert_eq!(bad_source.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn last_execution_is_null_before_any_run_and_the_catalog_shows_the_last_run() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = merged_script(&editor, "print(1)", "").await;
    let last = editor.get(&format!("/api/execute/{id}/last")).await;
    assert_eq!((last.status, last.body.clone()), (StatusCode::OK, Value::Null));
    let execution = run(&editor, id, json!({})).await;
    let last = editor.get(&format!("/api/execute/{id}/last")).await.body;
    assert_eq!(last["id"], execution["id"]);
    let by_id = editor.get(&format!("/api/executions/{}", execution["id"])).await.body;
    assert_eq!(by_id, execution);
    assert_eq!(editor.get("/api/executions/99999").await.status, StatusCode::NOT_FOUND);
    let listed = editor.get("/api/scripts").await.body;
    assert_eq!(listed[0]["last_run_status"], "succeeded");
    assert_eq!(listed[0]["last_run_exit_code"], 0);
    assert!(listed[0]["last_run_at"].is_string());
    let detail = editor.get(&format!("/api/scripts/{id}")).await.body;
    assert_eq!(detail["last_execution"]["id"], execution["id"]);
}

#[tokio::test]
async fn viewers_cannot_run_and_the_interpreter_is_listed() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = merged_script(&editor, "print(1)", "").await;
    let viewer = app.viewer().await;
    assert_eq!(viewer.post_empty(&format!("/api/execute/{id}")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(viewer.post_empty("/api/execute/all").await.status, StatusCode::FORBIDDEN);
    assert_eq!(viewer.get(&format!("/api/execute/{id}/last")).await.status, StatusCode::OK);
    let interpreters = viewer.get("/api/interpreters").await;
    assert_eq!(interpreters.status, StatusCode::OK, "{}", interpreters.text);
    assert!(interpreters.body[0]["name"].as_str().unwrap().starts_with("cpython-3."));
    assert_eq!(db_rows(&app, "SELECT count(*) FROM executions"), ["0"]);
}

#[tokio::test]
async fn run_all_runs_groups_in_order_and_scripts_of_a_group_together() {
    let app = TestApp::spawn_with(&[("VED_MAX_CONCURRENT_RUNS", "4")]).await;
    let editor = app.editor().await;
    let sleeper = "import time\ntime.sleep(1)\nprint('slept')\n";
    let group_one: Vec<i64> = futures_ids(&editor, sleeper, 3).await;
    let two_a = merged_script(&editor, "print('2a')", "").await;
    let two_b = merged_script(&editor, "print('2b')", "").await;
    for (id, number) in [(two_a, 2.5), (two_b, 2.01)] {
        let body = json!({"content": if id == two_a { "print('2a')" } else { "print('2b')" }, "ordering_number": number});
        assert_eq!(editor.put(&format!("/api/scripts/{id}"), &body).await.status, StatusCode::OK);
    }
    for id in &group_one {
        let body = json!({"content": sleeper, "ordering_number": 1.0});
        assert_eq!(editor.put(&format!("/api/scripts/{id}"), &body).await.status, StatusCode::OK);
    }
    let unmerged = editor.create_script("print('not on prod')", "").await.id;
    let deleted = merged_script(&editor, "print('deleted')", "").await;
    editor.delete(&format!("/api/scripts/{deleted}")).await;

    let started = Instant::now();
    let answer = editor.post("/api/execute/all", &json!({})).await;
    let wall = started.elapsed();
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let executions = answer.body.as_array().unwrap().clone();
    let ran: Vec<i64> = executions.iter().map(|e| e["script_id"].as_i64().unwrap()).collect();
    assert_eq!(ran, [group_one[0], group_one[1], group_one[2], two_b, two_a], "ordering-number order");
    assert!(!ran.contains(&unmerged) && !ran.contains(&deleted));
    assert!(executions.iter().all(|e| e["status"] == "succeeded"), "{executions:?}");
    let batch_id = executions[0]["batch_id"].clone();
    assert!(batch_id.is_i64() && executions.iter().all(|e| e["batch_id"] == batch_id));
    let last_group_one_finish = executions[..3].iter().map(|e| time(&e["finished_at"])).max().unwrap();
    let first_group_two_start = executions[3..].iter().map(|e| time(&e["started_at"])).min().unwrap();
    assert!(first_group_two_start >= last_group_one_finish, "group 2 began before group 1 ended");
    let group_one_span =
        last_group_one_finish - executions[..3].iter().map(|e| time(&e["started_at"])).min().unwrap();
    assert!(
        group_one_span < chrono::Duration::milliseconds(2500),
        "three 1 s sleeps took {group_one_span} together"
    );
    assert!(wall < Duration::from_secs(6), "run-all took {wall:?}");

    let batch = editor.get("/api/batches/latest").await.body;
    assert_eq!(batch["id"], batch_id);
    assert_eq!(batch["status"], "succeeded");
    let groups: Vec<(i64, usize)> = batch["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["group"].as_i64().unwrap(), g["executions"].as_array().unwrap().len()))
        .collect();
    assert_eq!(groups, [(1, 3), (2, 2)]);
    let listed: Vec<i64> = batch["groups"][1]["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["script_id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [two_b, two_a], "inside a group, by ordering number");
    assert_eq!(editor.get(&format!("/api/batches/{batch_id}")).await.body, batch);
    assert_eq!(editor.get("/api/batches/424242").await.status, StatusCode::NOT_FOUND);
}

async fn futures_ids(editor: &Client, content: &str, count: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for _ in 0..count {
        ids.push(merged_script(editor, content, "").await);
    }
    ids
}

#[tokio::test]
async fn stop_on_failure_skips_later_groups() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let failing = merged_script(&editor, "raise SystemExit(2)", "").await;
    let later = merged_script(&editor, "print('later')", "").await;
    let answer = editor.post("/api/execute/all", &json!({"stop_on_failure": true})).await;
    let ran: Vec<i64> =
        answer.body.as_array().unwrap().iter().map(|e| e["script_id"].as_i64().unwrap()).collect();
    assert_eq!(ran, [failing]);
    assert_eq!(editor.get("/api/batches/latest").await.body["status"], "stopped");
    let answer = editor.post("/api/execute/all", &json!({})).await;
    let ran: Vec<i64> =
        answer.body.as_array().unwrap().iter().map(|e| e["script_id"].as_i64().unwrap()).collect();
    assert_eq!(ran, [failing, later], "without stop_on_failure every group runs");
    assert_eq!(editor.get("/api/batches/latest").await.body["status"], "failed");
}

#[tokio::test]
async fn run_all_without_waiting_answers_202_and_the_batch_can_be_followed() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    merged_script(&editor, "import time\ntime.sleep(0.5)\nprint('done')", "").await;
    let answer = editor.post("/api/execute/all?wait=false", &json!({})).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
    let batch_id = answer.body["batch_id"].as_i64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let batch = loop {
        let batch = editor.get(&format!("/api/batches/{batch_id}")).await.body;
        if batch["status"] != "running" {
            break batch;
        }
        assert!(Instant::now() < deadline, "batch never finished: {batch}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(batch["status"], "succeeded");
    assert_eq!(batch["groups"][0]["executions"][0]["stdout"], "done\n");
}

#[tokio::test]
async fn without_a_docker_engine_runs_answer_503_and_the_attempt_is_recorded() {
    let app = TestApp::spawn_with(&[("DOCKER_HOST", "unix:///nonexistent/docker.sock")]).await;
    let editor = app.editor().await;
    let id = merged_script(&editor, "print(1)", "").await;
    let answer = editor.post_empty(&format!("/api/execute/{id}")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.text);
    assert!(answer.detail().contains("dockerd") || answer.detail().contains("Docker"), "{}", answer.detail());
    let last = editor.get(&format!("/api/execute/{id}/last")).await.body;
    assert_eq!(last["status"], "error");
    assert!(last["error"].as_str().unwrap().contains("not reachable"), "{last}");
    assert_eq!(editor.post_empty("/api/execute/all").await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.client().get("/api/health").await.body["docker"], false);
    let audited =
        db_rows(&app, "SELECT action || ':' || outcome FROM audit_log WHERE action LIKE 'run%' ORDER BY id");
    assert_eq!(audited, ["run:error", "run_all:error"]);
}

#[tokio::test]
async fn a_server_killed_during_a_run_marks_it_interrupted_and_leaves_no_container() {
    let mut app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = merged_script(&editor, "import time\ntime.sleep(20)", "").await;
    let url = editor.url(&format!("/api/execute/{id}"));
    let runner = editor.raw().post(url).header("content-type", "application/json").body("{}").send();
    let pending = tokio::spawn(runner);
    let deadline = Instant::now() + Duration::from_secs(20);
    while db_rows(&app, "SELECT count(*) FROM executions WHERE status = 'running'") != ["1"] {
        assert!(Instant::now() < deadline, "the run never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    app.kill();
    let _ = pending.await;
    app.restart().await;
    let editor = app.editor().await;
    let last = editor.get(&format!("/api/execute/{id}/last")).await.body;
    assert_eq!(last["status"], "error");
    assert_eq!(last["error"], "interrupted by restart");
    // Other tests' servers number their executions from 1 too: only this server's count.
    let leftovers = std::process::Command::new("docker")
        .args(["ps", "-a", "--filter", &format!("label=ved.execution={}", last["id"])])
        .args(["--format", "{{.ID}} {{.Label \"ved.managed\"}}"])
        .output()
        .expect("docker CLI");
    let ours = format!("@{}", app.scripts_repo().display());
    let listed = String::from_utf8_lossy(&leftovers.stdout);
    let left: Vec<&str> = listed.lines().filter(|line| line.ends_with(&ours)).collect();
    assert!(left.is_empty(), "a container was left behind: {left:?}");
}

#[tokio::test]
async fn run_and_run_all_are_audited() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = merged_script(&editor, "print(1)", "").await;
    run(&editor, id, json!({})).await;
    editor.post("/api/execute/all", &json!({})).await;
    let audited =
        db_rows(&app, "SELECT action || ':' || outcome FROM audit_log WHERE action LIKE 'run%' ORDER BY id");
    assert_eq!(audited, ["run:ok", "run_all:ok"]);
}

#[tokio::test]
async fn a_pooled_run_that_allocates_a_gibibyte_ends_oom_killed() {
    // The default pool (2) holding both slots: once its containers run, no run can start cold.
    let app = TestApp::spawn_with(&[("VED_MAX_CONCURRENT_RUNS", "2"), ("VED_WORKER_NAME", "pooled")]).await;
    let editor = app.editor().await;
    let id = merged_script(&editor, "x = b'x' * (1 << 30)\nprint('survived')", "").await;
    // The first run asks the image for its interpreter, in a container of its own.
    run(&editor, merged_script(&editor, "pass", "").await, json!({})).await;
    // The containers of this process: its worker name and its repository.
    let instance = format!("pooled@{}", std::path::absolute(app.scripts_repo()).unwrap().display());
    let deadline = Instant::now() + Duration::from_secs(20);
    while running_containers_labelled(&format!("ved.managed={instance}")) < 2 {
        assert!(Instant::now() < deadline, "the warm pool never filled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let answered = run(&editor, id, json!({})).await;
    assert_eq!(answered["stdout"], "");
    // A pooled run may be answered before the engine has told about the OOM kill.
    let deadline = Instant::now() + Duration::from_secs(10);
    let execution = loop {
        let execution = editor.get(&format!("/api/executions/{}", answered["id"])).await.body;
        if execution["status"] == "oom_killed" || Instant::now() > deadline {
            break execution;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(execution["status"], "oom_killed", "{execution}");
    assert_eq!(execution["exit_code"], 137);
}

fn running_containers_labelled(label: &str) -> usize {
    let listed = std::process::Command::new("docker")
        .args(["ps", "-q", "--filter", &format!("label={label}")])
        .output()
        .expect("docker CLI");
    String::from_utf8_lossy(&listed.stdout).lines().count()
}
