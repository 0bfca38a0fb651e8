//! Figures 1 and 2: runs in the Docker sandbox, through the API and straight from the CLI.
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::process::Command;
use ved_tests::harness::Client;

use crate::{report::Row, stats::Summary};

const SCRIPT: &str = "print('hi')";
const SINGLE_RUNS: usize = 30;
const GROUPS: u32 = 3;
const SCRIPTS_PER_GROUP: u32 = 8;
/// How many scripts [`create_scripts`] makes, and every run-all runs.
pub const RUN_ALL_SCRIPTS: usize = (GROUPS * SCRIPTS_PER_GROUP) as usize;
/// Run-all takes seconds; the median of a few keeps one slow container from deciding it.
const RUN_ALL_REPEATS: usize = 3;

/// Creates the run-all scripts (1.01–3.08, all on prod) and returns their ids, lowest
/// ordering number first.
pub async fn create_scripts(editor: &Client) -> Vec<i64> {
    let mut ids = Vec::new();
    for group in 1..=GROUPS {
        for place in 1..=SCRIPTS_PER_GROUP {
            let id = editor.create_script("", "").await.id;
            let ordering = f64::from(group) + f64::from(place) / 100.0;
            let saved = editor
                .put(&format!("/api/scripts/{id}"), &json!({"content": SCRIPT, "ordering_number": ordering}))
                .await;
            assert!(saved.status.is_success(), "save with ordering number {ordering}: {}", saved.text);
            editor.merge_script(id).await;
            ids.push(id);
        }
    }
    ids
}

/// Figure 1 interleaves the API and the CLI so that drift on the machine hits both alike,
/// and returns the API's summary for figure 2's baseline.
pub async fn single_run(editor: &Client, script_id: i64, image: &str, mode: &str) -> (Summary, Vec<Row>) {
    // Not counted: the first run pays for page-cache misses on the image and the binary.
    run_via_api(editor, script_id).await;
    run_via_cli(image).await;
    let (mut api, mut cli) = (Vec::new(), Vec::new());
    for _ in 0..SINGLE_RUNS {
        api.push(run_via_api(editor, script_id).await);
        cli.push(run_via_cli(image).await);
    }
    let (api, cli) = (Summary::of(&api), Summary::of(&cli));
    let rows = vec![
        Row::new(
            format!("1. run `print('hi')` p50, {mode} — vs `docker run --rm` CLI"),
            api.p50,
            "ms",
            Some(cli.p50),
        ),
        Row::new(
            format!("1. run `print('hi')` p95, {mode} — vs `docker run --rm` CLI"),
            api.p95,
            "ms",
            Some(cli.p95),
        ),
    ];
    (api, rows)
}

/// Figure 2: `execute/all` of the 24 scripts against running them one by one.
pub async fn run_all(editor: &Client, single: Summary, mode: &str) -> Vec<Row> {
    let scripts = RUN_ALL_SCRIPTS;
    let mut walls = Vec::new();
    for _ in 0..RUN_ALL_REPEATS {
        let started = Instant::now();
        let answer = editor.post("/api/execute/all", &json!({})).await;
        walls.push(started.elapsed());
        assert!(answer.status.is_success(), "run-all: {}", answer.text);
        let runs = answer.body.as_array().expect("run-all answers a list");
        assert_eq!(runs.len(), scripts, "run-all ran another number of scripts: {}", answer.text);
        runs.iter().for_each(expect_hi);
    }
    let wall = Summary::of(&walls).p50;
    let one_by_one = scripts as f64 * single.p50;
    vec![
        Row::new(
            format!("2. run-all {scripts} scripts, 3 groups, {mode}, wall — vs {scripts} × run p50"),
            wall,
            "ms",
            Some(one_by_one),
        ),
        Row::new(
            format!("2. run-all throughput, {mode} — vs one at a time (1 / run p50)"),
            scripts as f64 / wall * 1e3,
            "runs/s",
            Some(1e3 / single.p50),
        ),
    ]
}

/// One run of a script that prints `hi` through the API, its answer checked.
pub async fn run_via_api(editor: &Client, script_id: i64) -> Duration {
    let started = Instant::now();
    let answer = editor.post(&format!("/api/execute/{script_id}"), &json!({})).await;
    let elapsed = started.elapsed();
    assert!(answer.status.is_success(), "execute {script_id}: {}", answer.text);
    expect_hi(&answer.body);
    elapsed
}

/// A fast wrong answer is no result: every run must print exactly what the script prints.
pub fn expect_hi(execution: &Value) {
    assert_eq!(execution["status"], "succeeded", "{execution}");
    assert_eq!(execution["stdout"], "hi\n", "{execution}");
}

/// The same limits the server gives a run, so the difference is the server's own work.
async fn run_via_cli(image: &str) -> Duration {
    let started = Instant::now();
    let output = Command::new("docker")
        .args(["run", "--rm", "--network", "none", "--memory", "256m", "--memory-swap", "256m"])
        .args(["--cpus", "0.5", "--pids-limit", "64", "--read-only"])
        .args(["--tmpfs", "/tmp:rw,noexec,nosuid,size=16m", "--cap-drop", "ALL"])
        .args(["--security-opt", "no-new-privileges", "--user", "65534:65534", "--ipc", "none", "--init"])
        .args(["--entrypoint", "python", image, "-c", SCRIPT])
        .output()
        .await
        .expect("the docker CLI is installed");
    let elapsed = started.elapsed();
    assert!(output.status.success(), "docker run: {}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "hi\n");
    elapsed
}
