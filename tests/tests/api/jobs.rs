//! SPEC §12: executions are jobs with live event streams, and outlive the worker that
//! lost them.
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use ved_tests::{
    harness::{Client, TestApp, TestWorker},
    sse::{self, Received},
};

/// Reads an execution's or batch's stream to its end (the server closes it after `end`).
async fn read_events(client: &Client, path: &str, last_event_id: Option<i64>) -> Vec<Received> {
    let mut request = client.raw().get(client.url(path));
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id.to_string());
    }
    let response = request.send().await.expect("the stream opens");
    assert_eq!(response.status(), StatusCode::OK);
    let events = sse::read_to_end(response).await;
    assert!(events.iter().all(|event| event.id.is_some()), "every event has an id: {events:?}");
    events
}

pub(crate) async fn merged_script(editor: &Client, content: &str) -> i64 {
    let id = editor.create_script(content, "").await.id;
    editor.merge_script(id).await;
    id
}

pub(crate) async fn start(editor: &Client, id: i64) -> i64 {
    let answer = editor.post(&format!("/api/execute/{id}?wait=false"), &json!({})).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
    answer.body["execution_id"].as_i64().expect("an execution id")
}

#[tokio::test]
async fn output_streams_while_the_script_runs_and_a_late_subscriber_replays_it() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let id = merged_script(&editor, "import sys, time\nprint('first')\nprint('warn', file=sys.stderr)\ntime.sleep(1.5)\nprint('second')\n").await;
    let execution = start(&editor, id).await;

    let events = read_events(&editor, &format!("/api/executions/{execution}/events"), None).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"status"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"end"), "{kinds:?}");
    assert!(events.windows(2).all(|pair| pair[0].id < pair[1].id), "ids increase: {events:?}");
    let first = events.iter().find(|e| e.kind == "stdout").expect("stdout events");
    let end = events.last().unwrap();
    assert!(first.data["text"].as_str().unwrap().starts_with("first"), "{events:?}");
    assert!(
        end.at - first.at >= Duration::from_secs(1),
        "the first line came only {:?} before the end",
        end.at - first.at
    );
    let streamed = |kind: &str| -> String {
        events
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.data["text"].as_str().unwrap().to_owned())
            .collect()
    };
    let finished = &end.data["execution"];
    assert_eq!(finished["status"], "succeeded");
    assert_eq!(
        streamed("stdout"),
        finished["stdout"].as_str().unwrap(),
        "stored output is what was streamed"
    );
    assert_eq!(streamed("stderr"), "warn\n");
    let statuses: Vec<&str> =
        events.iter().filter(|e| e.kind == "status").map(|e| e.data["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["queued", "running", "succeeded"]);

    // Later, and from where it left off.
    let replay = read_events(&editor, &format!("/api/executions/{execution}/events"), None).await;
    assert_eq!(
        replay.iter().map(|e| e.id).collect::<Vec<_>>(),
        events.iter().map(|e| e.id).collect::<Vec<_>>()
    );
    let resumed = read_events(&editor, &format!("/api/executions/{execution}/events"), first.id).await;
    assert_eq!(resumed.first().map(|e| e.id), events.iter().map(|e| e.id).find(|id| *id > first.id));
    assert_eq!(resumed.last().map(|e| e.kind.as_str()), Some("end"));
    // The viewer may watch; nobody may watch what does not exist.
    let viewer = app.viewer().await;
    assert_eq!(
        read_events(&viewer, &format!("/api/executions/{execution}/events"), None).await.len(),
        events.len()
    );
    assert_eq!(editor.get("/api/executions/999999/events").await.status, StatusCode::NOT_FOUND);
    assert_eq!(editor.get("/api/batches/999999/events").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.client().get(&format!("/api/executions/{execution}/events")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_run_all_streams_its_groups_and_executions_then_the_batch() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let one = merged_script(&editor, "print('one')").await;
    let two = merged_script(&editor, "print('two')").await;
    let answer = editor.post("/api/execute/all?wait=false", &json!({})).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
    let batch = answer.body["batch_id"].as_i64().unwrap();

    let events = read_events(&editor, &format!("/api/batches/{batch}/events"), None).await;
    let groups: Vec<(i64, String)> = events
        .iter()
        .filter(|e| e.kind == "group")
        .map(|e| (e.data["group"].as_i64().unwrap(), e.data["status"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        groups,
        [
            (1, "running".to_owned()),
            (1, "succeeded".to_owned()),
            (2, "running".to_owned()),
            (2, "succeeded".to_owned())
        ]
    );
    for script in [one, two] {
        let seen: Vec<&str> = events
            .iter()
            .filter(|e| e.kind == "execution" && e.data["script_id"] == script)
            .map(|e| e.data["status"].as_str().unwrap())
            .collect();
        assert_eq!(seen, ["queued", "running", "succeeded"], "script {script}: {events:?}");
    }
    let end = events.last().unwrap();
    assert_eq!(end.kind, "end");
    assert_eq!(end.data["batch"]["status"], "succeeded");
    assert_eq!(end.data["batch"]["groups"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn workers_on_one_host_without_names_get_different_ones() {
    let app = TestApp::spawn_with(&[("VED_WORKER", "false")]).await;
    let editor = app.editor().await;
    let id = merged_script(&editor, "import time\ntime.sleep(3)\n").await;
    // One run at a time each: two runs running at once are on two workers.
    let unnamed = [("VED_WORKER_NAME", ""), ("VED_MAX_CONCURRENT_RUNS", "1"), ("VED_WARM_POOL", "0")];
    let _workers = [TestWorker::spawn(&app, "", &unnamed), TestWorker::spawn(&app, "", &unnamed)];
    let executions = [start(&editor, id).await, start(&editor, id).await];
    let deadline = Instant::now() + Duration::from_secs(30);
    let workers: Vec<String> = loop {
        let mut running = Vec::new();
        for execution in executions {
            let row = editor.get(&format!("/api/executions/{execution}")).await.body;
            if row["status"] == "running" {
                running.push(row["worker"].as_str().expect("a running job names its worker").to_owned());
            }
        }
        if running.len() == 2 {
            break running;
        }
        assert!(Instant::now() < deadline, "the two runs never ran at once: {running:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let host = std::fs::read_to_string("/etc/hostname").unwrap().trim().to_owned();
    assert_ne!(workers[0], workers[1], "two workers on one host took the same default name");
    assert!(workers.iter().all(|name| name.starts_with(&host)), "{workers:?} are not named after {host}");
}

#[tokio::test]
async fn a_job_whose_worker_dies_ends_as_worker_lost_after_its_lease() {
    let app = TestApp::spawn_with(&[("VED_WORKER", "false"), ("VED_JOB_LEASE_S", "1")]).await;
    let editor = app.editor().await;
    let id = merged_script(&editor, "import time\nprint('working', flush=True)\ntime.sleep(60)\n").await;
    let mut worker = TestWorker::spawn(&app, "remote-1", &[("VED_JOB_LEASE_S", "1"), ("VED_WARM_POOL", "0")]);

    let execution = start(&editor, id).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let running = loop {
        let row = editor.get(&format!("/api/executions/{execution}")).await.body;
        if row["status"] == "running" {
            break row;
        }
        assert!(Instant::now() < deadline, "the worker never took the job: {row}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(running["worker"], "remote-1");
    // The worker's output reaches the API process through the database.
    assert_eq!(read_events_until(&editor, execution, "stdout").await, "working\n");

    worker.kill();
    let events = read_events(&editor, &format!("/api/executions/{execution}/events"), None).await;
    let end = events.last().expect("an end");
    assert_eq!(end.kind, "end");
    assert_eq!(end.data["execution"]["status"], "error");
    assert_eq!(end.data["execution"]["error"], "worker lost");
    let row = editor.get(&format!("/api/executions/{execution}")).await.body;
    assert_eq!(row["status"], "error");
}

/// The first line of `kind` output on the execution's stream, read live.
async fn read_events_until(client: &Client, execution: i64, kind: &str) -> String {
    let response =
        client.raw().get(client.url(&format!("/api/executions/{execution}/events"))).send().await.unwrap();
    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while let Ok(Some(chunk)) = tokio::time::timeout_at(deadline, body.next()).await {
        buffer.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        // Output may come in more than one event: gather it up to the first full line.
        let text: String = buffer
            .split("\n\n")
            .filter(|block| block.contains(&format!("event: {kind}\n")))
            .filter_map(|block| block.lines().find_map(|line| line.strip_prefix("data: ")))
            .filter_map(|data| serde_json::from_str::<Value>(data).ok())
            .map(|value| value["text"].as_str().unwrap_or_default().to_owned())
            .collect();
        if let Some(line_end) = text.find('\n') {
            return text[..=line_end].to_owned();
        }
    }
    panic!("no full line of {kind} within 20 s: {buffer}");
}

#[tokio::test]
async fn files_left_in_runner_out_are_kept_listed_and_served_safely() {
    let app = TestApp::spawn_with(&[("VED_RUN_ARTIFACT_MB", "1")]).await;
    let editor = app.editor().await;
    let plot = "import os\n\
        import matplotlib.pyplot as plt\n\
        open('/runner/out/table.csv', 'w').write('a,b\\n1,2\\n')\n\
        open('/runner/out/result.json', 'w').write('{\"x\": 1}')\n\
        os.symlink('/etc/passwd', '/runner/out/passwd')\n\
        plt.plot([1, 2, 3])\n\
        plt.show()\n\
        print('done')\n";
    let id = merged_script(&editor, plot).await;
    let execution = start(&editor, id).await;
    let events = read_events(&editor, &format!("/api/executions/{execution}/events"), None).await;
    let announced: Vec<&str> =
        events.iter().filter(|e| e.kind == "artifact").map(|e| e.data["name"].as_str().unwrap()).collect();
    assert_eq!(announced, ["figure-1.png", "result.json", "table.csv"], "{events:?}");
    let end = &events.last().unwrap().data["execution"];
    assert_eq!(end["status"], "succeeded", "{end}");
    let listed: Vec<(String, String)> = end["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap().to_owned(), a["content_type"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        listed,
        [
            ("figure-1.png".to_owned(), "image/png".to_owned()),
            ("result.json".to_owned(), "application/json".to_owned()),
            ("table.csv".to_owned(), "text/csv; charset=utf-8".to_owned()),
        ]
    );
    assert_eq!(editor.get(&format!("/api/executions/{execution}")).await.body["artifacts"], end["artifacts"]);

    let fetch = |name: &str| {
        let url = editor.url(&format!("/api/executions/{execution}/artifacts/{name}"));
        let raw = editor.raw().clone();
        async move { raw.get(url).send().await.unwrap() }
    };
    let png = fetch("figure-1.png").await;
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(png.headers()["x-content-type-options"], "nosniff");
    assert!(png.headers()["content-disposition"].to_str().unwrap().starts_with("inline"));
    let bytes = png.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 1000, "a real PNG");
    let csv = fetch("table.csv").await;
    assert!(csv.headers()["content-disposition"].to_str().unwrap().starts_with("inline"));
    assert_eq!(csv.text().await.unwrap(), "a,b\n1,2\n");
    let json = fetch("result.json").await;
    assert!(json.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(fetch("passwd").await.status(), StatusCode::NOT_FOUND, "a symlink is not a file of the run");
    assert_eq!(fetch("nothing.txt").await.status(), StatusCode::NOT_FOUND);
    let viewer = app.viewer().await;
    let by_viewer = viewer.get(&format!("/api/executions/{execution}/artifacts/table.csv")).await;
    assert_eq!(by_viewer.status, StatusCode::OK);

    // A file cut short by the full folder is refused, and the user told; the rest is kept.
    let big = "open('/runner/out/small.txt', 'w').write('kept')\n\
        try:\n\
        \x20   open('/runner/out/big.bin', 'wb').write(b'x' * (2 * 1024 * 1024))\n\
        except OSError as error:\n\
        \x20   print('full', error.errno)\n";
    let id = merged_script(&editor, big).await;
    let answer = editor.post(&format!("/api/execute/{id}"), &json!({})).await;
    assert_eq!(answer.body["stdout"], "full 28\n", "{}", answer.text);
    assert!(answer.body["stderr"].as_str().unwrap().contains("big.bin was cut short"), "{}", answer.text);
    let names: Vec<&str> =
        answer.body["artifacts"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["small.txt"]);
}

#[tokio::test]
async fn a_timed_out_or_oom_killed_run_keeps_the_files_it_finished() {
    let app = TestApp::spawn_with(&[("VED_RUN_TIMEOUT_S", "3"), ("VED_RUN_MEMORY_MB", "64")]).await;
    let editor = app.editor().await;
    let names = |answer: &Value| -> Vec<String> {
        answer["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };

    // A finished file is kept; one still open for writing when time is up is not.
    let slow = "import time\n\
        open('/runner/out/done.csv', 'w').write('a,b\\n1,2\\n')\n\
        partial = open('/runner/out/partial.txt', 'w')\n\
        partial.write('half')\n\
        partial.flush()\n\
        print('sleeping', flush=True)\n\
        time.sleep(60)\n";
    let id = merged_script(&editor, slow).await;
    let answer = editor.post(&format!("/api/execute/{id}"), &json!({})).await.body;
    assert_eq!(answer["status"], "timed_out", "{answer}");
    assert_eq!(answer["stdout"], "sleeping\n");
    assert_eq!(names(&answer), ["done.csv"]);
    assert!(answer["stderr"].as_str().unwrap().contains("partial.txt was still being written"), "{answer}");
    let execution = answer["id"].as_i64().unwrap();
    let csv = editor.get(&format!("/api/executions/{execution}/artifacts/done.csv")).await;
    assert_eq!(csv.text, "a,b\n1,2\n");

    let hungry = "open('/runner/out/before.txt', 'w').write('written before the memory ran out')\n\
        blocks = []\n\
        while True:\n\
        \x20   blocks.append(bytearray(16 * 1024 * 1024))\n";
    let id = merged_script(&editor, hungry).await;
    let answer = editor.post(&format!("/api/execute/{id}"), &json!({})).await.body;
    assert_eq!(answer["status"], "oom_killed", "{answer}");
    assert_eq!(names(&answer), ["before.txt"]);
}
