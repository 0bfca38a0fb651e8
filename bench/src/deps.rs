//! Figure 9, per-script packages (SPEC §15): a run whose environment is installed against
//! the same run without packages (target: p50 at most 20 ms more, warm pool and cold), and
//! the first run after a new lock with an empty uv cache (target: 10 s or less).
use std::time::{Duration, Instant};

use ved_tests::harness::{Client, TestApp};

use crate::{report::Row, sandbox::run_via_api as run, stats::Summary};

const RUNS: usize = 20;
/// Time for the warm pool to start a container again between timed runs.
const REFILL: Duration = Duration::from_millis(500);
/// What a cached environment may add to a run's p50.
const TARGET_EXTRA_MS: f64 = 20.0;
const PLAIN: &str = "print('hi')\n";
/// One small pure-Python package, the case.
const BLOCK: &str = "# /// script\n# dependencies = [\"tabulate==0.9.0\"]\n# ///\n";
/// A pin no other figure uses, so that its lock is new to the server and its wheel to uv.
const FIRST_BLOCK: &str = "# /// script\n# dependencies = [\"tabulate==0.8.10\"]\n# ///\n";

/// The rows of figure 9; `base_env` is what every server of the bench gets.
pub async fn figures(base_env: &[(&str, &str)]) -> Vec<Row> {
    let mut rows = Vec::new();
    for (mode, pool) in [("warm pool", None), ("cold", Some("0"))] {
        let mut env = base_env.to_vec();
        env.extend(pool.map(|size| ("VED_WARM_POOL", size)));
        let mut app = TestApp::spawn_with(&env).await;
        rows.extend(cached_environment(&app.editor().await, mode).await);
        app.stop().await;
    }
    rows.extend(first_run_after_a_new_lock(base_env).await);
    rows
}

/// The same `print('hi')` with and without the block (its environment installed before
/// the first timed run), then with `import tabulate` too; interleaved in rotating order,
/// so drift on the machine hits all alike.
async fn cached_environment(editor: &Client, mode: &str) -> Vec<Row> {
    let plain = merged(editor, PLAIN).await;
    let declared = merged(editor, &format!("{BLOCK}{PLAIN}")).await;
    let importing = merged(editor, &format!("{BLOCK}import tabulate\n{PLAIN}")).await;
    // Not counted: the installation, and the first run of each (page cache).
    for id in [plain, declared, importing] {
        run(editor, id).await;
    }
    let mut samples = [Vec::new(), Vec::new(), Vec::new()];
    for round in 0..RUNS {
        // Each script takes each place in turn, and every run finds the pool refilled, as
        // figure 1's runs do: a run right after another may find it empty.
        for turn in 0..3 {
            let which = (round + turn) % 3;
            tokio::time::sleep(REFILL).await;
            samples[which].push(run(editor, [plain, declared, importing][which]).await);
        }
    }
    let [without, with, with_import] = samples;
    let (without, with, with_import) = (Summary::of(&without), Summary::of(&with), Summary::of(&with_import));
    vec![
        Row::new(
            format!(
                "9. run with 1 cached package (tabulate) p50, {mode} — vs the same script without packages"
            ),
            with.p50,
            "ms",
            Some(without.p50),
        ),
        Row::new(
            format!("9. … p50 with the package minus p50 without, {mode} — vs the target, 20 ms"),
            with.p50 - without.p50,
            "ms",
            Some(TARGET_EXTRA_MS),
        ),
        Row::new(
            format!("9. … and `import tabulate` too, p50, {mode} — vs without packages"),
            with_import.p50,
            "ms",
            Some(without.p50),
        ),
    ]
}

/// A server with an empty uv cache: the save resolves the new lock, the first run installs
/// it and runs; the second run is the baseline.
async fn first_run_after_a_new_lock(base_env: &[(&str, &str)]) -> Vec<Row> {
    let cache = tempfile_dir();
    let mut env = base_env.to_vec();
    let cache_path = cache.to_string_lossy().into_owned();
    env.push(("UV_CACHE_DIR", &cache_path));
    let mut app = TestApp::spawn_with(&env).await;
    let editor = app.editor().await;
    // The interpreter probe is a run of its own: not part of this figure.
    let warm_up = merged(&editor, PLAIN).await;
    run(&editor, warm_up).await;
    let started = Instant::now();
    let id = editor.create_script(&format!("{FIRST_BLOCK}import tabulate\nprint('hi')\n"), "").await.id;
    let saved = started.elapsed();
    editor.merge_script(id).await;
    let started_run = Instant::now();
    run(&editor, id).await;
    let first = started_run.elapsed();
    let second = run(&editor, id).await;
    app.stop().await;
    let _ = std::fs::remove_dir_all(&cache);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    vec![
        Row::new("9. save resolving a new lock, empty uv cache — vs the first run after it", ms(saved), "ms", Some(ms(first))),
        Row::new(
            "9. first run after a new lock (install + run, target ≤ 10 s), empty uv cache — vs the second run",
            ms(first),
            "ms",
            Some(ms(second)),
        ),
        Row::new(
            "9. save + first run after a new lock, empty uv cache (target ≤ 10 s) — vs the second run",
            ms(saved + first),
            "ms",
            Some(ms(second)),
        ),
    ]
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ved-bench-uv-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn merged(editor: &Client, content: &str) -> i64 {
    let id = editor.create_script(content, "").await.id;
    editor.merge_script(id).await;
    id
}
