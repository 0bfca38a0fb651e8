//! Against a real Docker engine and the runner image (`VED_RUNNER_IMAGE`, else
//! `ved-runner:latest`). Without them these tests fail, on purpose: they are the proof
//! that the sandbox holds.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use bollard::query_parameters::ListContainersOptionsBuilder;
use bollard::Docker;

use super::{sandbox, DockerRunner, ExecutorConfig, RunJob, RunOutcome, RunStatus};

fn config() -> ExecutorConfig {
    ExecutorConfig {
        image: std::env::var("VED_RUNNER_IMAGE").unwrap_or_else(|_| "ved-runner:latest".to_owned()),
        timeout: Duration::from_secs(20),
        // Servers sharing this engine sweep only their own instance, never these runs.
        instance: format!("executor-tests-{}", std::process::id()),
        ..ExecutorConfig::default()
    }
}

async fn ready(config: ExecutorConfig) -> DockerRunner {
    let runner = DockerRunner::new(config.clone());
    if let Err(e) = runner.ping().await {
        panic!("the executor tests need a running Docker engine: {e}");
    }
    if let Err(e) = runner.interpreter().await {
        panic!(
            "the executor tests need the runner image `{}`: {e}",
            config.image
        );
    }
    runner
}

/// Unique per test process, so that label filters never see another run's container.
fn next_execution_id() -> i64 {
    static NEXT: AtomicI64 = AtomicI64::new(0);
    i64::from(std::process::id()) * 1_000_000 + NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn containers_of(execution_id: i64) -> Vec<String> {
    let docker = Docker::connect_with_local_defaults().expect("a local Docker socket");
    let filters = HashMap::from([("label", vec![format!("ved.execution={execution_id}")])]);
    let options = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&filters)
        .build();
    let found = docker
        .list_containers(Some(options))
        .await
        .expect("listing containers");
    found.into_iter().filter_map(|c| c.id).collect()
}

/// Runs a script and checks that its container is gone afterwards.
async fn run_with(runner: &DockerRunner, script: &str, input: &[u8]) -> RunOutcome {
    let execution_id = next_execution_id();
    let job = RunJob {
        execution_id,
        script: script.to_owned(),
        input: input.to_vec(),
    };
    let outcome = runner.run(job).await.expect("the run is attempted");
    assert_eq!(
        containers_of(execution_id).await,
        Vec::<String>::new(),
        "container left behind"
    );
    outcome
}

async fn run(script: &str) -> RunOutcome {
    run_with(&ready(config()).await, script, b"").await
}

#[track_caller]
fn assert_succeeded(outcome: &RunOutcome) {
    assert_eq!(
        (outcome.status, outcome.exit_code),
        (RunStatus::Succeeded, Some(0)),
        "stdout: {}\nstderr: {}\nerror: {:?}",
        outcome.stdout,
        outcome.stderr,
        outcome.error
    );
}

#[test]
fn exit_code_137_alone_is_neither_oom_nor_timeout() {
    assert_eq!(
        RunStatus::of_exit(false, false, Some(137)),
        RunStatus::Failed
    );
    assert_eq!(
        RunStatus::of_exit(false, true, Some(137)),
        RunStatus::OomKilled
    );
    assert_eq!(
        RunStatus::of_exit(true, false, Some(137)),
        RunStatus::TimedOut
    );
    assert_eq!(
        RunStatus::of_exit(false, true, Some(0)),
        RunStatus::Succeeded
    );
}

#[test]
fn statuses_serialize_as_the_spec_spells_them() {
    for status in [
        RunStatus::Succeeded,
        RunStatus::Failed,
        RunStatus::TimedOut,
        RunStatus::OomKilled,
        RunStatus::Error,
    ] {
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(json, format!("\"{}\"", status.as_str()));
    }
}

#[tokio::test]
async fn hello_world_succeeds_and_names_its_interpreter() {
    let outcome = run("print('hello, world')").await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "hello, world\n");
    assert_eq!(outcome.stderr, "");
    assert!(!outcome.stdout_truncated && !outcome.stderr_truncated);
    assert!(
        outcome.interpreter.starts_with("cpython-3."),
        "{}",
        outcome.interpreter
    );
    assert!(outcome.finished_at >= outcome.started_at);
    assert!(outcome.duration_ms >= 0);
}

#[tokio::test]
async fn argv1_is_the_input_file_and_non_ascii_arrives_intact() {
    let input = "Grüße, ☃ and 日本語\nsecond line\n";
    let script = "import sys\n\
        assert sys.argv[1] == '/runner/input', sys.argv\n\
        data = open(sys.argv[1], 'rb').read()\n\
        print(data.decode('utf-8'), end='')\n\
        print('é ✓', file=sys.stderr)\n";
    let outcome = run_with(&ready(config()).await, script, input.as_bytes()).await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, input);
    assert_eq!(outcome.stderr, "é ✓\n");
}

#[tokio::test]
async fn a_non_zero_exit_is_failed_with_its_code() {
    let outcome = run("import sys\nprint('bye')\nsys.exit(3)").await;
    assert_eq!(
        (outcome.status, outcome.exit_code),
        (RunStatus::Failed, Some(3))
    );
    assert_eq!(outcome.stdout, "bye\n");
}

#[tokio::test]
async fn an_exception_is_failed_with_the_traceback_on_stderr() {
    let outcome = run("print('before')\nraise ValueError('boom')").await;
    assert_eq!(
        (outcome.status, outcome.exit_code),
        (RunStatus::Failed, Some(1))
    );
    assert_eq!(outcome.stdout, "before\n");
    assert!(
        outcome.stderr.contains("ValueError: boom"),
        "{}",
        outcome.stderr
    );
}

#[tokio::test]
async fn stdout_and_stderr_are_kept_apart() {
    let outcome = run("import sys\n\
        for i in range(3):\n\
        \x20   print(f'out {i}')\n\
        \x20   print(f'err {i}', file=sys.stderr)\n")
    .await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "out 0\nout 1\nout 2\n");
    assert_eq!(outcome.stderr, "err 0\nerr 1\nerr 2\n");
}

#[tokio::test]
async fn invalid_utf8_output_is_replaced_not_an_error() {
    let outcome = run("import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end\\n')").await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "ok \u{FFFD}\u{FFFD} end\n");
}

#[tokio::test]
async fn the_network_is_unreachable() {
    let outcome = run("import os, socket\n\
        print(sorted(os.listdir('/sys/class/net')))\n\
        for target in [('1.1.1.1', 53), ('example.com', 80)]:\n\
        \x20   try:\n\
        \x20       socket.create_connection(target, timeout=3)\n\
        \x20       print('connected', target)\n\
        \x20   except OSError as e:\n\
        \x20       print('blocked', type(e).__name__)\n")
    .await;
    assert_succeeded(&outcome);
    assert_eq!(
        outcome.stdout,
        "['lo']\nblocked OSError\nblocked gaierror\n"
    );
}

#[tokio::test]
async fn a_fork_bomb_stops_at_the_process_limit() {
    let outcome = run("import os, time\n\
        n = 0\n\
        try:\n\
        \x20   while n < 1000:\n\
        \x20       if os.fork() == 0:\n\
        \x20           time.sleep(60)\n\
        \x20           os._exit(0)\n\
        \x20       n += 1\n\
        except OSError:\n\
        \x20   pass\n\
        print(n)\n")
    .await;
    assert_succeeded(&outcome);
    let forked: i64 = outcome.stdout.trim().parse().expect("a count");
    assert!((1..64).contains(&forked), "forked {forked} processes");
    // The sleeping children die with the script instead of holding the run open.
    assert!(
        outcome.duration_ms < 15_000,
        "took {} ms",
        outcome.duration_ms
    );
}

#[tokio::test]
async fn allocating_a_gibibyte_is_oom_killed() {
    let outcome = run("x = b'x' * (1 << 30)\nprint('survived')").await;
    assert_eq!(outcome.status, RunStatus::OomKilled, "{outcome:?}");
    assert_eq!(outcome.stdout, "");
}

#[tokio::test]
async fn the_root_file_system_and_the_run_dir_are_read_only() {
    let outcome = run("import errno\n\
        for path in ['/evil', '/runner/evil', '/runner/script.py', '/usr/lib/evil']:\n\
        \x20   try:\n\
        \x20       open(path, 'w').write('x')\n\
        \x20       print('wrote', path)\n\
        \x20   except OSError as e:\n\
        \x20       print(errno.errorcode[e.errno], path)\n\
        mounts = {line.split()[1]: line.split()[3].split(',') for line in open('/proc/mounts')}\n\
        print('ro' in mounts['/'], 'ro' in mounts['/runner'])\n")
    .await;
    assert_succeeded(&outcome);
    assert_eq!(
        outcome.stdout,
        "EROFS /evil\nEROFS /runner/evil\nEROFS /runner/script.py\nEROFS /usr/lib/evil\nTrue True\n"
    );
}

#[tokio::test]
async fn tmp_is_writable_but_stops_at_its_size_and_files_at_theirs() {
    // Writes 1 MiB at a time into /tmp/<name> until refused; prints the error and the MiB.
    let outcome = run("import errno\n\
        def fill(name, most):\n\
        \x20   written = 0\n\
        \x20   try:\n\
        \x20       with open('/tmp/' + name, 'wb') as f:\n\
        \x20           while written < most:\n\
        \x20               f.write(b'x' * (1 << 20))\n\
        \x20               f.flush()\n\
        \x20               written += 1\n\
        \x20       return 'ok', written\n\
        \x20   except OSError as e:\n\
        \x20       return errno.errorcode[e.errno], written\n\
        print(*fill('big', 64))\n\
        print(*fill('more', 8))\n")
    .await;
    assert_succeeded(&outcome);
    // One file stops at the fsize limit (10 MiB); /tmp as a whole at 16 MiB.
    assert_eq!(outcome.stdout, "EFBIG 10\nENOSPC 6\n");
}

#[tokio::test]
async fn an_infinite_loop_times_out_near_the_limit() {
    let limit = Duration::from_secs(3);
    let runner = ready(ExecutorConfig {
        timeout: limit,
        ..config()
    })
    .await;
    let started = Instant::now();
    let outcome = run_with(
        &runner,
        "print('looping', flush=True)\nwhile True:\n    pass",
        b"",
    )
    .await;
    let took = started.elapsed();
    assert_eq!(outcome.status, RunStatus::TimedOut, "{outcome:?}");
    // Output printed before the kill is kept.
    assert_eq!(outcome.stdout, "looping\n");
    assert!(
        (3_000..4_500).contains(&outcome.duration_ms),
        "duration {} ms",
        outcome.duration_ms
    );
    assert!(took < Duration::from_secs(8), "the run took {took:?}");
}

#[tokio::test]
async fn fifty_megabytes_of_output_are_cut_at_the_cap() {
    let outcome = run("import sys\n\
        chunk = 'x' * (1 << 20)\n\
        for _ in range(50):\n\
        \x20   sys.stdout.write(chunk)\n\
        print('done', file=sys.stderr)\n")
    .await;
    // Past the cap the output is drained and dropped, so the script ends on its own.
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout.len(), 1 << 20);
    assert!(outcome.stdout_truncated);
    assert_eq!(outcome.stderr, "done\n");
    assert!(!outcome.stderr_truncated);
}

#[tokio::test]
async fn the_script_runs_as_nobody_without_capabilities() {
    let outcome = run("import os\n\
        print(os.getuid(), os.getgid())\n\
        status = dict(l.split(':\\t') for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)\n\
        print(status['CapEff'], status['NoNewPrivs'])\n")
    .await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "65534 65534\n0000000000000000 1\n");
}

#[tokio::test]
async fn host_files_outside_the_mount_are_out_of_reach() {
    // A sibling of the mounted run directory, and a file outside /tmp.
    let root = config().run_dir_root;
    std::fs::create_dir_all(&root).unwrap();
    let sibling = tempfile::NamedTempFile::new_in(&root).expect("a host file");
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let script = format!(
        "import os\n\
        print([os.path.exists(p) for p in [{sibling:?}, {manifest:?}]])\n\
        print(sorted(os.listdir('/runner')))\n\
        try:\n\
        \x20   open('/etc/shadow').read()\n\
        \x20   print('read shadow')\n\
        except PermissionError:\n\
        \x20   print('shadow denied')\n",
        sibling = sibling.path().to_string_lossy(),
    );
    let outcome = run(&script).await;
    assert_succeeded(&outcome);
    assert_eq!(
        outcome.stdout,
        "[False, False]\n['input', 'script.py']\nshadow denied\n"
    );
}

#[tokio::test]
async fn concurrent_runs_are_bounded() {
    let runner = ready(ExecutorConfig {
        max_concurrent_runs: 2,
        ..config()
    })
    .await;
    let started = Instant::now();
    let sleep = "import time\ntime.sleep(1)";
    let outcomes = futures::future::join_all((0..3).map(|_| run_with(&runner, sleep, b""))).await;
    let took = started.elapsed();
    outcomes.iter().for_each(assert_succeeded);
    assert!(
        took >= Duration::from_secs(2),
        "three 1 s runs, two at a time, took {took:?}"
    );
}

#[tokio::test]
async fn an_abandoned_run_leaves_no_container_and_no_run_dir() {
    let run_dir_root = tempfile::tempdir().unwrap();
    let runner = ready(ExecutorConfig {
        run_dir_root: run_dir_root.path().to_owned(),
        ..config()
    })
    .await;
    let execution_id = next_execution_id();
    let job = RunJob {
        execution_id,
        script: "import time\ntime.sleep(60)".to_owned(),
        input: vec![],
    };
    let abandoned = tokio::time::timeout(Duration::from_secs(2), runner.run(job)).await;
    assert!(abandoned.is_err(), "the run should still be going");
    let run_dirs = std::fs::read_dir(run_dir_root.path()).unwrap().count();
    assert_eq!(run_dirs, 0, "the abandoned run's directory is still there");
    for _ in 0..50 {
        if containers_of(execution_id).await.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the abandoned run's container is still there after 5 s");
}

#[tokio::test]
async fn leftovers_of_a_previous_process_are_swept_and_nobody_elses() {
    // An instance of its own, so that the sweep cannot hit the other tests' runs.
    let config = ExecutorConfig {
        instance: format!("executor-sweep-test-{}", std::process::id()),
        ..config()
    };
    let runner = ready(config.clone()).await;
    let docker = Docker::connect_with_local_defaults().expect("a local Docker socket");
    let run_dir = sandbox::prepare_run_dir(&config.run_dir_root, "pass", b"")
        .unwrap()
        .keep();
    let elsewhere = tempfile::tempdir().unwrap();

    let (ours, ours_too, theirs) = (
        next_execution_id(),
        next_execution_id(),
        next_execution_id(),
    );
    for (instance, execution_id, dir) in [
        (config.instance.as_str(), ours, run_dir.as_path()),
        // A label naming a directory outside the run root must not get it deleted.
        (config.instance.as_str(), ours_too, elsewhere.path()),
        ("someone-else", theirs, run_dir.as_path()),
    ] {
        let leftover = bollard::models::ContainerCreateBody {
            image: Some(config.image.clone()),
            labels: Some(HashMap::from([
                ("ved.managed".to_owned(), instance.to_owned()),
                ("ved.execution".to_owned(), execution_id.to_string()),
                ("ved.run_dir".to_owned(), dir.to_string_lossy().into_owned()),
            ])),
            ..Default::default()
        };
        docker
            .create_container(None, leftover)
            .await
            .expect("creating a stand-in leftover");
    }

    assert_eq!(runner.remove_leftovers().await.expect("the sweep"), 2);
    assert_eq!(containers_of(ours).await, Vec::<String>::new());
    assert_eq!(containers_of(ours_too).await, Vec::<String>::new());
    assert!(
        !run_dir.exists(),
        "the leftover run directory is still there"
    );
    assert!(
        elsewhere.path().exists(),
        "a directory outside the run root was deleted"
    );
    let others = containers_of(theirs).await;
    assert_eq!(others.len(), 1, "another instance's container was removed");
    sandbox::remove_container(&docker, &others[0])
        .await
        .expect("cleaning up");
}

#[tokio::test]
async fn a_missing_image_is_reported_as_such() {
    let runner = DockerRunner::new(ExecutorConfig {
        image: "ved-runner:does-not-exist".to_owned(),
        ..config()
    });
    runner
        .ping()
        .await
        .expect("the executor tests need a running Docker engine");
    let job = RunJob {
        execution_id: next_execution_id(),
        script: "print(1)".to_owned(),
        input: vec![],
    };
    let err = runner.run(job).await.expect_err("no image, no run");
    assert!(
        matches!(err, super::ExecutorError::ImageMissing(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("runner/build-image.sh"), "{err}");
}

#[tokio::test]
async fn a_trivial_run_is_quick() {
    let runner = ready(config()).await;
    let mut times = Vec::new();
    for _ in 0..9 {
        let started = Instant::now();
        assert_succeeded(&run_with(&runner, "pass", b"").await);
        times.push(started.elapsed());
    }
    times.sort();
    let p50 = times[times.len() / 2];
    eprintln!(
        "trivial run: p50 {p50:?}, min {:?}, max {:?}",
        times[0],
        times[times.len() - 1]
    );
    assert!(
        p50 < Duration::from_secs(2),
        "p50 of a trivial run is {p50:?}"
    );
}

#[tokio::test]
#[ignore]
async fn zz_throwaway_measure() {
    let runner = ready(ExecutorConfig { max_concurrent_runs: 4, ..config() }).await;
    let mut times = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        assert_succeeded(&run_with(&runner, "print('hi')", b"").await);
        times.push(started.elapsed());
    }
    times.sort();
    eprintln!("single: p50 {:?} p95 {:?}", times[10], times[19]);
    for _ in 0..3 {
        let started = Instant::now();
        for _ in 0..3 {
            let outs = futures::future::join_all((0..8).map(|_| run_with(&runner, "print('hi')", b""))).await;
            outs.iter().for_each(assert_succeeded);
        }
        eprintln!("run-all: {:?}", started.elapsed());
    }
}
