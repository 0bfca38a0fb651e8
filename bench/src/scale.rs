//! Figure 10 (SPEC §14): PostgreSQL next to SQLite in the same run — saves and the catalog
//! of 1,000 scripts — and a run-all spread over two `ved worker` processes on one Docker
//! engine against one in-process worker. The PostgreSQL databases come from the test
//! harness's private cluster (`ved_tests::database`), started once for the run.
use std::{collections::BTreeMap, sync::Arc, time::Duration, time::Instant};

use serde_json::json;
use ved_tests::{
    database::TestDatabase,
    harness::{Client, TestApp, TestWorker},
};

use crate::{
    api::{fill_catalog, CATALOG_SIZE},
    load::{closed_loop, expect_success, Bounds},
    report::Row,
    sandbox,
    stats::Summary,
};

const SAVES: usize = 100;
const LISTINGS: usize = 200;
const LOOP_TIME: Duration = Duration::from_secs(30);
const RUN_ALL_REPEATS: usize = 3;
const WORKERS: [&str; 2] = ["bench-worker-1", "bench-worker-2"];

/// `env`: the bench's settings for every server and worker (log filter, runner image).
pub async fn figures(env: &[(&str, &str)]) -> Vec<Row> {
    let sqlite = TestApp::spawn_with(env).await;
    assert!(!sqlite.database().is_postgres(), "the baseline is SQLite: unset VED_TEST_DATABASE");
    let on_sqlite = database_figures(&sqlite).await;
    drop(sqlite);
    let postgres = TestApp::spawn_on(&Arc::new(TestDatabase::postgres()), env).await;
    let on_postgres = database_figures(&postgres).await;
    drop(postgres);

    let in_process = TestApp::spawn_on(&Arc::new(TestDatabase::postgres()), env).await;
    let (one_worker, _) = run_all_wall(&in_process.editor().await).await;
    drop(in_process);
    let mut only_jobs = env.to_vec();
    only_jobs.push(("VED_WORKER", "false"));
    let api = TestApp::spawn_on(&Arc::new(TestDatabase::postgres()), &only_jobs).await;
    let _workers: Vec<TestWorker> = WORKERS.iter().map(|name| TestWorker::spawn(&api, name, env)).collect();
    let (two_workers, ran) = run_all_wall(&api.editor().await).await;
    assert_eq!(
        ran.keys().map(String::as_str).collect::<Vec<_>>(),
        WORKERS,
        "the run-alls were not spread over both workers: {ran:?}"
    );

    let runs = sandbox::RUN_ALL_SCRIPTS * RUN_ALL_REPEATS;
    let mut rows = vec![
        Row::new("10. save p50, sequential, PostgreSQL — vs SQLite", on_postgres.save_p50, "ms", Some(on_sqlite.save_p50)),
        Row::new(
            format!("10. GET /api/scripts p50 ({CATALOG_SIZE} scripts), PostgreSQL — vs SQLite"),
            on_postgres.catalog_p50,
            "ms",
            Some(on_sqlite.catalog_p50),
        ),
        Row::new(
            format!(
                "10. run-all {} scripts wall, 2 `ved worker` processes, one engine, PostgreSQL — vs 1 in-process worker",
                sandbox::RUN_ALL_SCRIPTS
            ),
            two_workers,
            "ms",
            Some(one_worker),
        ),
    ];
    for (worker, count) in ran {
        rows.push(Row::new(
            format!("10. runs of {worker} in those run-alls — vs all runs"),
            count as f64,
            "runs",
            Some(runs as f64),
        ));
    }
    rows
}

struct DatabaseFigures {
    save_p50: f64,
    catalog_p50: f64,
}

async fn database_figures(app: &TestApp) -> DatabaseFigures {
    fill_catalog(&app.editor().await).await;
    let viewer = app.viewer().await;
    let listed = viewer.get("/api/scripts").await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(CATALOG_SIZE), "the catalog is not full");
    let catalog = closed_loop("GET /api/scripts", Bounds::sequential(LISTINGS, LOOP_TIME), move |_, _| {
        let viewer = viewer.clone();
        async move { expect_success(viewer.raw().get(viewer.url("/api/scripts")).send().await).await }
    })
    .await;
    // A fresh editor, as in figure 4: the catalog's creator's branch holds all of it.
    let added = app.run_cli(&["users", "add", "scale", "--role", "editor"], "bench-password\n");
    assert!(added.status.success(), "ved users add: {}", String::from_utf8_lossy(&added.stderr));
    let editor = app.login_as("scale", "bench-password").await;
    let script = editor.create_script("print(0)\n", "").await.id;
    let saves = closed_loop("PUT /api/scripts/{id}", Bounds::sequential(SAVES, LOOP_TIME), move |_, n| {
        let editor = editor.clone();
        let body = json!({"content": format!("\"\"\"Saved by the benchmark.\"\"\"\nprint({n})\n")});
        async move {
            expect_success(
                editor.raw().put(editor.url(&format!("/api/scripts/{script}"))).json(&body).send().await,
            )
            .await
        }
    })
    .await;
    DatabaseFigures { save_p50: saves.latency.p50, catalog_p50: catalog.latency.p50 }
}

/// The median wall time of a few run-alls of the 24 scripts after one that warms up, and
/// how many of the timed runs each worker ran.
async fn run_all_wall(editor: &Client) -> (f64, BTreeMap<String, usize>) {
    sandbox::create_scripts(editor).await;
    run_all(editor).await;
    let mut walls = Vec::new();
    let mut ran = BTreeMap::new();
    for _ in 0..RUN_ALL_REPEATS {
        let started = Instant::now();
        let executions = run_all(editor).await;
        walls.push(started.elapsed());
        for execution in executions {
            let worker = execution["worker"].as_str().expect("a worker ran it").to_owned();
            *ran.entry(worker).or_default() += 1;
        }
    }
    (Summary::of(&walls).p50, ran)
}

async fn run_all(editor: &Client) -> Vec<serde_json::Value> {
    let answer = editor.post("/api/execute/all", &json!({})).await;
    assert!(answer.status.is_success(), "run-all: {}", answer.text);
    let executions = answer.body.as_array().expect("run-all answers a list").clone();
    assert_eq!(executions.len(), sandbox::RUN_ALL_SCRIPTS, "{}", answer.text);
    executions.iter().for_each(sandbox::expect_hi);
    executions
}
