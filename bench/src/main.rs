//! `make bench`: starts the release server (`VED_BIN`) with real Docker and a fake LLM
//! upstream, measures each figure next to a baseline taken in the same run, and prints a
//! Markdown table (also written to `target/bench/latest.json`). On a noisy machine only the
//! ratios and same-run comparisons mean anything.
mod api;
mod assistant;
mod deps;
mod events;
mod load;
mod report;
mod rss;
mod sandbox;
mod scale;
mod stats;

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use ved_tests::{
    fake_llm::{Behaviour, FakeLlm},
    harness::{repo_root, TestApp},
};

use crate::{report::Row, rss::PeakSampler};

/// `ved serve`'s own default: the harness's per-request debug lines would cost every
/// request a log write that production does not make.
const PRODUCTION_LOG_FILTER: &str = "info,tower_http=info,sqlx=warn";

/// glibc's allocator settings, passed on to the server of figures 3–8 when the bench is
/// given them: figure 6 with other settings, without a rebuild.
const ALLOCATOR_SETTINGS: [&str; 2] = ["GLIBC_TUNABLES", "MALLOC_ARENA_MAX"];

/// How long after figures 3–5 the server's memory is read again: an allocator may give
/// memory back only after a while.
const MEMORY_SETTLES: Duration = Duration::from_secs(60);

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let image = std::env::var("VED_RUNNER_IMAGE").unwrap_or_else(|_| "ved-runner:latest".to_owned());
    // `VED_BENCH_ONLY=deps`: figure 9 alone, for work on per-script packages;
    // `VED_BENCH_ONLY=api`: figures 3–6 alone, for work on the API and memory.
    let only = std::env::var("VED_BENCH_ONLY").unwrap_or_default();
    if only == "deps" {
        progress(started, "figure 9 alone: per-script packages");
        let rows = deps::figures(&[("RUST_LOG", PRODUCTION_LOG_FILTER), ("VED_RUNNER_IMAGE", &image)]).await;
        finish(started, &rows).await;
        return;
    }
    // `VED_BENCH_ONLY=scale`: figure 10 alone, for work on PostgreSQL and workers.
    if only == "scale" {
        progress(started, "figure 10 alone: PostgreSQL and workers");
        let rows = scale::figures(&[("RUST_LOG", PRODUCTION_LOG_FILTER), ("VED_RUNNER_IMAGE", &image)]).await;
        finish(started, &rows).await;
        return;
    }
    let llm = FakeLlm::start(Behaviour::default()).await;
    let mut env = vec![
        ("RUST_LOG", PRODUCTION_LOG_FILTER),
        ("VED_RUNNER_IMAGE", &image),
        ("VED_LLM_BASE_URL", &llm.base_url),
        ("OPENROUTER_API_KEY", "bench-key"),
    ];
    let allocator: Vec<(&str, String)> =
        ALLOCATOR_SETTINGS.iter().filter_map(|name| Some((*name, std::env::var(name).ok()?))).collect();
    env.extend(allocator.iter().map(|(name, value)| (*name, value.as_str())));
    let mut app = TestApp::spawn_with(&env).await;
    let pid = app.pid().expect("the server runs");
    // Let start-up work (migrations, leftover-container sweep) finish before "idle".
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_mib = rss::rss_mib(pid);
    let editor = app.editor().await;
    let mut rows = Vec::new();
    if only == "api" {
        let memory = api_figures(started, &app, &editor, &llm, idle_mib, &mut rows).await;
        rows.push(memory.await.expect("RSS reader"));
        app.stop().await;
        finish(started, &rows).await;
        return;
    }

    progress(started, "figures 1-2 with the warm pool: single runs and run-all");
    let warm = sandbox_figures(&editor, &image, "warm pool").await;
    progress(started, "figures 1-2 cold (VED_WARM_POOL=0)");
    let mut cold_app = TestApp::spawn_with(&[
        ("RUST_LOG", PRODUCTION_LOG_FILTER),
        ("VED_RUNNER_IMAGE", &image),
        ("VED_WARM_POOL", "0"),
    ])
    .await;
    let cold = sandbox_figures(&cold_app.editor().await, &image, "cold").await;
    cold_app.stop().await;
    rows.extend(warm.rows);
    rows.extend(cold.rows);
    rows.push(Row::new("1. run p50, warm pool — vs cold", warm.single_p50, "ms", Some(cold.single_p50)));
    rows.push(Row::new(
        "2. run-all wall, warm pool — vs cold",
        warm.run_all_wall,
        "ms",
        Some(cold.run_all_wall),
    ));

    progress(started, "figure 7: live events");
    rows.extend(events::first_line_latency(&editor).await);
    rows.extend(events::many_subscribers(&editor, pid).await);

    progress(started, "figure 8: the assistant");
    rows.extend(assistant::token_forwarding(&editor, &llm).await);
    rows.extend(assistant::fix_round(&editor, &llm).await);

    let memory = api_figures(started, &app, &editor, &llm, idle_mib, &mut rows).await;
    let figure_6_ends = rows.len();

    progress(started, "figure 9: per-script packages");
    rows.extend(deps::figures(&[("RUST_LOG", PRODUCTION_LOG_FILTER), ("VED_RUNNER_IMAGE", &image)]).await);
    rows.insert(figure_6_ends, memory.await.expect("RSS reader"));
    app.stop().await;
    progress(started, "figure 10: PostgreSQL and workers");
    rows.extend(scale::figures(&[("RUST_LOG", PRODUCTION_LOG_FILTER), ("VED_RUNNER_IMAGE", &image)]).await);
    finish(started, &rows).await;
}

/// Figures 3–6 against `app`: the catalog filled, then the API under load while its memory
/// is sampled. Returns the reading of its memory a minute after, which the caller awaits
/// when it likes (the full bench measures figure 9 meanwhile, on another server).
async fn api_figures(
    started: Instant,
    app: &TestApp,
    editor: &ved_tests::harness::Client,
    llm: &FakeLlm,
    idle_mib: f64,
    rows: &mut Vec<Row>,
) -> tokio::task::JoinHandle<Row> {
    let pid = app.pid().expect("the server runs");
    progress(started, "filling the catalog");
    let catalog = api::fill_catalog(editor).await;
    let peak = PeakSampler::start(pid);
    progress(started, "figure 3: catalog under load");
    rows.extend(api::catalog_under_load(app).await);
    progress(started, "figure 4: saves");
    rows.extend(api::saves(app, &catalog).await);
    progress(started, "figure 5: LLM proxy");
    rows.extend(api::llm_proxy(editor, llm).await);
    let peak_mib = peak.peak_mib().await;
    // Whether the memory of figures 3–5 is given back, or stays (a leak, or the allocator
    // keeping it): compared across runs, growth here is the first sign of either.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after_mib = rss::rss_mib(pid);
    rows.push(Row::new("6. server RSS idle, after start", idle_mib, "MiB", None));
    rows.push(Row::new("6. server RSS peak during figures 3–5 — vs idle", peak_mib, "MiB", Some(idle_mib)));
    rows.push(Row::new(
        "6. server RSS idle again 1 s after figures 3–5 — vs idle",
        after_mib,
        "MiB",
        Some(idle_mib),
    ));
    tokio::spawn(async move {
        tokio::time::sleep(MEMORY_SETTLES).await;
        Row::new(
            "6. server RSS a minute after figures 3–5 (target 60) — vs idle",
            rss::rss_mib(pid),
            "MiB",
            Some(idle_mib),
        )
    })
}

async fn finish(started: Instant, rows: &[Row]) {
    let json_path = target_dir().join("bench/latest.json");
    report::write_json(&json_path, rows).unwrap_or_else(|err| panic!("{}: {err}", json_path.display()));
    println!("{}\n", machine().await);
    print!("{}", report::markdown(rows));
    progress(started, &format!("done; wrote {}", json_path.display()));
}

struct SandboxFigures {
    rows: Vec<Row>,
    single_p50: f64,
    run_all_wall: f64,
}

/// Figures 1 and 2 against one server, whose pool setting `mode` names.
async fn sandbox_figures(editor: &ved_tests::harness::Client, image: &str, mode: &str) -> SandboxFigures {
    let scripts = sandbox::create_scripts(editor).await;
    let (single, mut rows) = sandbox::single_run(editor, scripts[0], image, mode).await;
    let run_all = sandbox::run_all(editor, single, mode).await;
    let run_all_wall = run_all[0].value;
    rows.extend(run_all);
    SandboxFigures { rows, single_p50: single.p50, run_all_wall }
}

fn progress(started: Instant, what: &str) {
    eprintln!("[bench {:>5.1} s] {what}", started.elapsed().as_secs_f64());
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target"))
}

/// The figures only compare with runs on the same kind of machine.
async fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find_map(|line| line.strip_prefix("MemTotal:"))?;
            line.split_whitespace().next()?.parse::<f64>().ok()
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let docker = tokio::process::Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .await
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("Machine: {cpus} CPUs, {memory_gib:.1} GiB RAM, Docker {docker}.")
}
