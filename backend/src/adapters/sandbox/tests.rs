//! Against a real Docker engine and the runner image (`VED_RUNNER_IMAGE`, else
//! `ved-runner:latest`). Without them these tests fail, on purpose: they are the proof
//! that the sandbox holds.
//!
//! Every scenario about a script runs twice (see [`in_both_modes`]): in containers
//! created for each run (`cold::`) and in the warm pool's (`pooled::`). A script must not
//! be able to tell the difference, nor make the server's account of it differ.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bollard::query_parameters::ListContainersOptionsBuilder;
use bollard::Docker;
use tempfile::TempDir;

use super::{container, Correction, DockerRunner, RunJob, RunOutcome, RunStatus, SandboxConfig, StdStream};

const POOL: usize = 2;

/// Runs each scenario, an `async fn(Mode)`, as a test in each mode.
macro_rules! in_both_modes {
    ($($scenario:ident),+ $(,)?) => {
        mod cold {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::Mode::Cold).await
            })+
        }
        mod pooled {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::Mode::Pooled).await
            })+
        }
    };
}

in_both_modes!(
    hello_world_succeeds_and_names_its_interpreter,
    argv1_is_the_input_file_and_non_ascii_arrives_intact,
    the_script_is_main_as_if_run_directly,
    a_non_zero_exit_is_failed_with_its_code,
    sys_exit_with_a_message_prints_it_and_fails,
    an_exception_is_failed_with_the_traceback_on_stderr,
    threads_and_atexit_finish_before_the_end,
    os_exit_skips_the_cleanup_and_keeps_its_code,
    death_by_a_signal_is_128_plus_the_signal,
    killing_its_parent_and_every_process_does_not_change_the_verdict,
    closing_or_redirecting_stdout_and_stderr_keeps_the_status,
    a_child_left_running_does_not_hold_the_run_open,
    an_end_marker_printed_by_the_script_is_just_output,
    stdout_and_stderr_are_kept_apart,
    output_reaches_the_tap_while_the_script_runs,
    files_left_in_runner_out_are_collected_and_open_figures_saved,
    invalid_utf8_output_is_replaced_not_an_error,
    the_network_is_unreachable,
    a_fork_bomb_stops_at_the_process_limit,
    allocating_a_gibibyte_is_oom_killed,
    a_child_killed_for_memory_makes_the_run_oom_killed,
    the_root_file_system_and_the_run_dir_are_read_only,
    tmp_is_writable_but_stops_at_its_size_and_files_at_theirs,
    an_infinite_loop_times_out_near_the_limit,
    fifty_megabytes_of_output_are_cut_at_the_cap,
    the_script_runs_as_nobody_without_capabilities,
    host_files_outside_the_mount_are_out_of_reach,
    concurrent_runs_are_bounded,
    an_abandoned_run_leaves_no_container_and_no_run_dir,
    a_missing_image_is_reported_as_such,
    a_trivial_run_is_quick,
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Cold,
    Pooled,
}

fn config() -> SandboxConfig {
    SandboxConfig {
        image: std::env::var("VED_RUNNER_IMAGE").unwrap_or_else(|_| "ved-runner:latest".to_owned()),
        timeout: Duration::from_secs(20),
        // Servers sharing this engine sweep only their own instance, never these runs.
        instance: format!("executor-tests-{}", std::process::id()),
        // Each scenario says whether it wants a pool.
        warm_pool: 0,
        ..SandboxConfig::default()
    }
}

/// Starts the pool first, as the server does, so that the interpreter probe meets it.
async fn ready(config: SandboxConfig) -> DockerRunner {
    let runner = DockerRunner::new(config.clone());
    runner.start_pool();
    if let Err(e) = runner.ping().await {
        panic!("the executor tests need a running Docker engine: {e}");
    }
    if let Err(e) = runner.interpreter().await {
        panic!("the executor tests need the runner image `{}`: {e}", config.image);
    }
    runner
}

/// Runs a job; the receiver resolves with the engine's late correction, or fails once it
/// is known that none will come.
async fn run_and_hear_correction(
    runner: &DockerRunner,
    job: RunJob,
) -> (Result<RunOutcome, super::SandboxError>, tokio::sync::oneshot::Receiver<Correction>) {
    let (heard, correction) = tokio::sync::oneshot::channel();
    let outcome = runner
        .run(job, move |correction| async move {
            let _ = heard.send(correction);
        })
        .await;
    (outcome, correction)
}

async fn ignore(_: Correction) {}

/// Unique per test process, so that label filters never see another run's container.
fn next_execution_id() -> i64 {
    static NEXT: AtomicI64 = AtomicI64::new(0);
    i64::from(std::process::id()) * 1_000_000 + NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn containers_labelled(label: &str) -> Vec<String> {
    let docker = Docker::connect_with_local_defaults().expect("a local Docker socket");
    let filters = HashMap::from([("label", vec![label.to_owned()])]);
    let options = ListContainersOptionsBuilder::default().all(true).filters(&filters).build();
    let found = docker.list_containers(Some(options)).await.expect("listing containers");
    found.into_iter().filter_map(|c| c.id).collect()
}

async fn containers_of(execution_id: i64) -> Vec<String> {
    containers_labelled(&format!("ved.execution={execution_id}")).await
}

/// A runner of one scenario's own, with its own instance label and run directories, so
/// that whatever it leaves behind is its alone. Close it at the end.
struct Sandbox {
    mode: Mode,
    runner: DockerRunner,
    config: SandboxConfig,
    _run_dirs: TempDir,
}

impl Sandbox {
    async fn new(mode: Mode) -> Self {
        Self::with(mode, |_| {}).await
    }

    async fn with(mode: Mode, adjust: impl FnOnce(&mut SandboxConfig)) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let run_dirs = tempfile::tempdir().expect("a run directory root");
        let mut config = SandboxConfig {
            instance: format!(
                "executor-tests-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ),
            run_dir_root: run_dirs.path().to_owned(),
            warm_pool: match mode {
                Mode::Cold => 0,
                Mode::Pooled => POOL,
            },
            ..config()
        };
        adjust(&mut config);
        let runner = ready(config.clone()).await;
        Self { mode, runner, config, _run_dirs: run_dirs }
    }

    async fn ours(&self) -> Vec<String> {
        containers_labelled(&format!("ved.managed={}", self.config.instance)).await
    }

    /// For a pooled run: waits until the pool is full, so the run takes a warm container,
    /// and returns the containers it may take.
    async fn before_run(&self) -> Vec<String> {
        match self.mode {
            Mode::Cold => Vec::new(),
            Mode::Pooled => {
                self.runner.inner.pool.full().await;
                // Earlier runs (the interpreter probe too) are answered before their
                // containers are gone: wait until only the idle pool is left.
                let deadline = Instant::now() + Duration::from_secs(10);
                loop {
                    let ours = self.ours().await;
                    if ours.len() == POOL || Instant::now() > deadline {
                        return ours;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }

    /// Whether the run's container is gone: for a pooled run, exactly one of the
    /// containers idle `before` it (so the run was served warm).
    async fn served_and_gone(&self, before: &[String], execution_id: i64) -> bool {
        match self.mode {
            Mode::Cold => containers_of(execution_id).await.is_empty(),
            Mode::Pooled => {
                let now = self.ours().await;
                before.iter().filter(|id| !now.contains(id)).count() == 1
            }
        }
    }

    fn job(script: &str, input: &[u8]) -> RunJob {
        RunJob {
            execution_id: next_execution_id(),
            script: script.to_owned(),
            input: input.to_vec(),
            environment: None,
            output: None,
        }
    }

    /// Runs a script and returns its outcome as the engine finally tells it.
    async fn execute(&self, job: RunJob) -> RunOutcome {
        let (outcome, correction) = run_and_hear_correction(&self.runner, job).await;
        let mut outcome = outcome.expect("the run is attempted");
        if let Ok(Correction { status, exit_code }) = correction.await {
            outcome.status = status;
            outcome.exit_code = exit_code;
        }
        outcome
    }

    /// Runs a script and checks that its container is gone afterwards.
    async fn run_with(&self, script: &str, input: &[u8]) -> RunOutcome {
        let before = self.before_run().await;
        let job = Self::job(script, input);
        let execution_id = job.execution_id;
        let outcome = self.execute(job).await;
        assert!(self.served_and_gone(&before, execution_id).await, "container left behind");
        outcome
    }

    async fn run(&self, script: &str) -> RunOutcome {
        self.run_with(script, b"").await
    }

    /// Shuts the runner down and checks that nothing of it is left.
    async fn close(self) {
        self.runner.shutdown().await;
        assert_eq!(self.ours().await, Vec::<String>::new(), "containers left behind");
        let run_dirs = std::fs::read_dir(&self.config.run_dir_root).unwrap().count();
        assert_eq!(run_dirs, 0, "run directories left behind");
    }
}

/// One script in a sandbox of its own.
async fn run(mode: Mode, script: &str) -> RunOutcome {
    let sandbox = Sandbox::new(mode).await;
    let outcome = sandbox.run(script).await;
    sandbox.close().await;
    outcome
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

#[track_caller]
fn assert_failed_with(outcome: &RunOutcome, exit_code: i64) {
    assert_eq!((outcome.status, outcome.exit_code), (RunStatus::Failed, Some(exit_code)), "{outcome:?}");
}

#[test]
fn exit_code_137_alone_is_neither_oom_nor_timeout() {
    assert_eq!(super::ending::status_of_exit(false, false, Some(137)), RunStatus::Failed);
    assert_eq!(super::ending::status_of_exit(false, true, Some(137)), RunStatus::OomKilled);
    assert_eq!(super::ending::status_of_exit(true, false, Some(137)), RunStatus::TimedOut);
    assert_eq!(super::ending::status_of_exit(false, true, Some(0)), RunStatus::Succeeded);
}

async fn hello_world_succeeds_and_names_its_interpreter(mode: Mode) {
    let outcome = run(mode, "print('hello, world')").await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "hello, world\n");
    assert_eq!(outcome.stderr, "");
    assert!(!outcome.stdout_truncated && !outcome.stderr_truncated);
    assert!(outcome.interpreter.starts_with("cpython-3."), "{}", outcome.interpreter);
    assert!(outcome.finished_at >= outcome.started_at);
    assert!(outcome.duration_ms >= 0);
}

async fn argv1_is_the_input_file_and_non_ascii_arrives_intact(mode: Mode) {
    let input = "Grüße, ☃ and 日本語\nsecond line\n";
    let script = "import sys\n\
        assert sys.argv[1] == '/runner/input', sys.argv\n\
        data = open(sys.argv[1], 'rb').read()\n\
        print(data.decode('utf-8'), end='')\n\
        print('é ✓', file=sys.stderr)\n";
    let sandbox = Sandbox::new(mode).await;
    let outcome = sandbox.run_with(script, input.as_bytes()).await;
    sandbox.close().await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, input);
    assert_eq!(outcome.stderr, "é ✓\n");
}

async fn a_non_zero_exit_is_failed_with_its_code(mode: Mode) {
    let outcome = run(mode, "import sys\nprint('bye')\nsys.exit(3)").await;
    assert_eq!((outcome.status, outcome.exit_code), (RunStatus::Failed, Some(3)));
    assert_eq!(outcome.stdout, "bye\n");
}

async fn an_exception_is_failed_with_the_traceback_on_stderr(mode: Mode) {
    let outcome = run(mode, "print('before')\ndef fail():\n    raise ValueError('boom')\nfail()\n").await;
    assert_failed_with(&outcome, 1);
    assert_eq!(outcome.stdout, "before\n");
    assert_eq!(
        outcome.stderr,
        "Traceback (most recent call last):\n\
        \x20 File \"/runner/script.py\", line 4, in <module>\n\
        \x20   fail()\n\
        \x20 File \"/runner/script.py\", line 3, in fail\n\
        \x20   raise ValueError('boom')\n\
        ValueError: boom\n"
    );
}

async fn the_script_is_main_as_if_run_directly(mode: Mode) {
    let outcome = run(mode, "import os, pickle, sys\n\
        print(__name__, __file__, sys.argv, sys.orig_argv)\n\
        print(sys.path[0], repr(sys.stdin.read()), sorted(os.listdir('/proc/self/fd')))\n\
        print(sorted(globals()), type(__loader__).__name__, __spec__, __package__, __cached__)\n\
        class Point: pass\n\
        print(type(pickle.loads(pickle.dumps(Point()))).__name__, sys.modules['__main__'] is sys.modules[__name__])\n")
    .await;
    assert_succeeded(&outcome);
    assert_eq!(
        outcome.stdout,
        "__main__ /runner/script.py ['/runner/script.py', '/runner/input'] ['python', '/runner/script.py', '/runner/input']\n\
        /runner '' ['0', '1', '2', '3']\n\
        ['__annotations__', '__builtins__', '__cached__', '__doc__', '__file__', '__loader__', '__name__', '__package__', '__spec__', 'os', 'pickle', 'sys'] SourceFileLoader None None None\n\
        Point True\n"
    );
}

async fn sys_exit_with_a_message_prints_it_and_fails(mode: Mode) {
    let outcome = run(mode, "import sys\nsys.exit('bye')").await;
    assert_failed_with(&outcome, 1);
    assert_eq!((outcome.stdout.as_str(), outcome.stderr.as_str()), ("", "bye\n"));
    let outcome = run(mode, "print(\n").await;
    assert_failed_with(&outcome, 1);
    assert!(outcome.stderr.starts_with("  File \"/runner/script.py\", line 1\n"), "{}", outcome.stderr);
    assert!(outcome.stderr.ends_with("SyntaxError: '(' was never closed\n"), "{}", outcome.stderr);
}

async fn threads_and_atexit_finish_before_the_end(mode: Mode) {
    let outcome = run(
        mode,
        "import atexit, threading, time\n\
        atexit.register(print, 'atexit')\n\
        def late():\n\
        \x20   time.sleep(0.3)\n\
        \x20   print('thread')\n\
        threading.Thread(target=late).start()\n\
        print('main')\n",
    )
    .await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "main\nthread\natexit\n");
}

async fn os_exit_skips_the_cleanup_and_keeps_its_code(mode: Mode) {
    let outcome = run(
        mode,
        "import atexit, os\n\
        atexit.register(print, 'atexit')\n\
        print('before')\n\
        os._exit(7)\n",
    )
    .await;
    assert_failed_with(&outcome, 7);
    assert_eq!(outcome.stdout, "before\n");
}

async fn death_by_a_signal_is_128_plus_the_signal(mode: Mode) {
    let outcome = run(
        mode,
        "import os, signal\n\
        print('dying')\n\
        os.kill(os.getpid(), signal.SIGTERM)\n",
    )
    .await;
    assert_failed_with(&outcome, 128 + 15);
    assert_eq!(outcome.stdout, "dying\n");
}

/// The parent is docker-init in a cold container and the loader in a pooled one; either
/// way it is PID 1 of the container, which the kernel shields from signals sent inside.
async fn killing_its_parent_and_every_process_does_not_change_the_verdict(mode: Mode) {
    let outcome = run(
        mode,
        "import os, signal, time\n\
        print('parent', os.getppid())\n\
        os.kill(os.getppid(), signal.SIGKILL)\n\
        try:\n\
        \x20   os.kill(-1, signal.SIGKILL)\n\
        except OSError:\n\
        \x20   pass\n\
        time.sleep(0.5)\n\
        print('still here')\n",
    )
    .await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "parent 1\nstill here\n");
}

async fn files_left_in_runner_out_are_collected_and_open_figures_saved(mode: Mode) {
    let outcome = run(
        mode,
        "import os\n\
        import matplotlib.pyplot as plt\n\
        open('/runner/out/table.csv', 'w').write('a,b\\n1,2\\n')\n\
        os.symlink('/etc/passwd', '/runner/out/passwd')\n\
        os.mkfifo('/runner/out/pipe')\n\
        plt.plot([1, 2, 3])\n\
        plt.show()\n\
        print('done')\n",
    )
    .await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stderr, "", "plt.show() under Agg says nothing");
    let names: Vec<&str> = outcome.artifacts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["figure-1.png", "table.csv"]);
    assert!(outcome.artifacts[0].content.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert_eq!(outcome.artifacts[1].content, b"a,b\n1,2\n");
}

async fn output_reaches_the_tap_while_the_script_runs(mode: Mode) {
    let sandbox = Sandbox::new(mode).await;
    sandbox.before_run().await;
    let (tap, mut chunks) = tokio::sync::mpsc::unbounded_channel();
    let script = "import sys, time\nprint('first')\nprint('oops', file=sys.stderr)\ntime.sleep(1.5)\nprint('second')\n";
    let job = RunJob { output: Some(tap), ..Sandbox::job(script, b"") };
    let started = Instant::now();
    let run = tokio::spawn({
        let runner = sandbox.runner.clone();
        async move { runner.run(job, ignore).await }
    });
    let (stream, first) =
        tokio::time::timeout(Duration::from_secs(20), chunks.recv()).await.unwrap().unwrap();
    let first_after = started.elapsed();
    let outcome = run.await.unwrap().expect("the run is attempted");
    let ran_for = started.elapsed();
    sandbox.close().await;
    assert!(
        ran_for - first_after >= Duration::from_millis(1200),
        "first chunk only at the end: {first_after:?} of {ran_for:?}"
    );
    let mut streamed = [Vec::new(), Vec::new()];
    streamed[usize::from(stream == StdStream::Stderr)].extend(first);
    while let Ok((stream, chunk)) = chunks.try_recv() {
        streamed[usize::from(stream == StdStream::Stderr)].extend(chunk);
    }
    assert_eq!(String::from_utf8(streamed[0].clone()).unwrap(), outcome.stdout);
    assert_eq!(String::from_utf8(streamed[1].clone()).unwrap(), outcome.stderr);
    assert_eq!(outcome.stdout, "first\nsecond\n");
}

async fn closing_or_redirecting_stdout_and_stderr_keeps_the_status(mode: Mode) {
    let outcome = run(
        mode,
        "import os, sys\n\
        print('out')\n\
        print('err', file=sys.stderr)\n\
        os.dup2(os.open('/dev/null', os.O_WRONLY), 1)\n\
        print('hidden')\n\
        os.close(2)\n\
        sys.exit(4)\n",
    )
    .await;
    assert_failed_with(&outcome, 4);
    assert_eq!((outcome.stdout.as_str(), outcome.stderr.as_str()), ("out\n", "err\n"));
}

async fn a_child_left_running_does_not_hold_the_run_open(mode: Mode) {
    let outcome = run(
        mode,
        "import os, time\n\
        if os.fork() == 0:\n\
        \x20   time.sleep(30)\n\
        \x20   print('late')\n\
        \x20   os._exit(0)\n\
        print('parent')\n",
    )
    .await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "parent\n");
    assert!(outcome.duration_ms < 10_000, "took {} ms", outcome.duration_ms);
}

async fn an_end_marker_printed_by_the_script_is_just_output(mode: Mode) {
    let outcome = run(
        mode,
        "import sys\n\
        sys.stdout.write('\\0ved-end ' + '0' * 32 + ' 0\\n')\n\
        sys.stderr.write('\\0ved-end ' + 'f' * 32 + ' 0\\n')\n\
        sys.exit(3)\n",
    )
    .await;
    assert_failed_with(&outcome, 3);
    assert_eq!(outcome.stdout, format!("\0ved-end {} 0\n", "0".repeat(32)));
    assert_eq!(outcome.stderr, format!("\0ved-end {} 0\n", "f".repeat(32)));
}

async fn stdout_and_stderr_are_kept_apart(mode: Mode) {
    let outcome = run(
        mode,
        "import sys\n\
        for i in range(3):\n\
        \x20   print(f'out {i}')\n\
        \x20   print(f'err {i}', file=sys.stderr)\n",
    )
    .await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "out 0\nout 1\nout 2\n");
    assert_eq!(outcome.stderr, "err 0\nerr 1\nerr 2\n");
}

async fn invalid_utf8_output_is_replaced_not_an_error(mode: Mode) {
    let outcome = run(mode, "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end\\n')").await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "ok \u{FFFD}\u{FFFD} end\n");
}

async fn the_network_is_unreachable(mode: Mode) {
    let outcome = run(
        mode,
        "import os, socket\n\
        print(sorted(os.listdir('/sys/class/net')))\n\
        for target in [('1.1.1.1', 53), ('example.com', 80)]:\n\
        \x20   try:\n\
        \x20       socket.create_connection(target, timeout=3)\n\
        \x20       print('connected', target)\n\
        \x20   except OSError as e:\n\
        \x20       print('blocked', type(e).__name__)\n",
    )
    .await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "['lo']\nblocked OSError\nblocked gaierror\n");
}

async fn a_fork_bomb_stops_at_the_process_limit(mode: Mode) {
    let outcome = run(
        mode,
        "import os, time\n\
        n = 0\n\
        try:\n\
        \x20   while n < 1000:\n\
        \x20       if os.fork() == 0:\n\
        \x20           time.sleep(60)\n\
        \x20           os._exit(0)\n\
        \x20       n += 1\n\
        except OSError:\n\
        \x20   pass\n\
        print(n)\n",
    )
    .await;
    assert_succeeded(&outcome);
    let forked: i64 = outcome.stdout.trim().parse().expect("a count");
    assert!((1..64).contains(&forked), "forked {forked} processes");
    // The sleeping children die with the script instead of holding the run open.
    assert!(outcome.duration_ms < 15_000, "took {} ms", outcome.duration_ms);
}

async fn allocating_a_gibibyte_is_oom_killed(mode: Mode) {
    let outcome = run(mode, "x = b'x' * (1 << 30)\nprint('survived')").await;
    assert_eq!(outcome.status, RunStatus::OomKilled, "{outcome:?}");
    assert_eq!(outcome.stdout, "");
}

/// The script survives; only the engine knows that one of its processes was OOM-killed.
const CHILD_KILLED_FOR_MEMORY: &str = "import os, sys\n\
    pid = os.fork()\n\
    if pid == 0:\n\
    \x20   x = b'x' * (1 << 30)\n\
    \x20   os._exit(0)\n\
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n\
    sys.exit(1)\n";

async fn a_child_killed_for_memory_makes_the_run_oom_killed(mode: Mode) {
    let outcome = run(mode, CHILD_KILLED_FOR_MEMORY).await;
    assert_eq!((outcome.status, outcome.exit_code), (RunStatus::OomKilled, Some(1)), "{outcome:?}");
    assert_eq!(outcome.stdout, "-9\n");
}

async fn the_root_file_system_and_the_run_dir_are_read_only(mode: Mode) {
    let outcome = run(
        mode,
        "import errno\n\
        for path in ['/evil', '/runner/evil', '/runner/script.py', '/usr/lib/evil']:\n\
        \x20   try:\n\
        \x20       open(path, 'w').write('x')\n\
        \x20       print('wrote', path)\n\
        \x20   except OSError as e:\n\
        \x20       print(errno.errorcode[e.errno], path)\n\
        mounts = {line.split()[1]: line.split()[3].split(',') for line in open('/proc/mounts')}\n\
        print('ro' in mounts['/'], 'ro' in mounts['/runner'])\n",
    )
    .await;
    assert_succeeded(&outcome);
    assert_eq!(
        outcome.stdout,
        "EROFS /evil\nEROFS /runner/evil\nEROFS /runner/script.py\nEROFS /usr/lib/evil\nTrue True\n"
    );
}

async fn tmp_is_writable_but_stops_at_its_size_and_files_at_theirs(mode: Mode) {
    // Writes 1 MiB at a time into /tmp/<name> until refused; prints the error and the MiB.
    let outcome = run(
        mode,
        "import errno\n\
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
        print(*fill('more', 8))\n",
    )
    .await;
    assert_succeeded(&outcome);
    // One file stops at the fsize limit (10 MiB); /tmp as a whole at 16 MiB.
    assert_eq!(outcome.stdout, "EFBIG 10\nENOSPC 6\n");
}

async fn an_infinite_loop_times_out_near_the_limit(mode: Mode) {
    let sandbox = Sandbox::with(mode, |config| config.timeout = Duration::from_secs(3)).await;
    let started = Instant::now();
    let outcome = sandbox.run("print('looping', flush=True)\nwhile True:\n    pass").await;
    let took = started.elapsed();
    sandbox.close().await;
    assert_eq!(outcome.status, RunStatus::TimedOut, "{outcome:?}");
    // Output printed before the kill is kept.
    assert_eq!(outcome.stdout, "looping\n");
    assert!((3_000..4_500).contains(&outcome.duration_ms), "duration {} ms", outcome.duration_ms);
    assert!(took < Duration::from_secs(8), "the run took {took:?}");
}

async fn fifty_megabytes_of_output_are_cut_at_the_cap(mode: Mode) {
    let outcome = run(
        mode,
        "import sys\n\
        chunk = 'x' * (1 << 20)\n\
        for _ in range(50):\n\
        \x20   sys.stdout.write(chunk)\n\
        print('done', file=sys.stderr)\n",
    )
    .await;
    // Past the cap the output is drained and dropped, so the script ends on its own.
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout.len(), 1 << 20);
    assert!(outcome.stdout_truncated);
    assert_eq!(outcome.stderr, "done\n");
    assert!(!outcome.stderr_truncated);
}

async fn the_script_runs_as_nobody_without_capabilities(mode: Mode) {
    let outcome = run(mode, "import os\n\
        print(os.getuid(), os.getgid())\n\
        status = dict(l.split(':\\t') for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)\n\
        print(status['CapEff'], status['NoNewPrivs'])\n")
    .await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "65534 65534\n0000000000000000 1\n");
}

async fn host_files_outside_the_mount_are_out_of_reach(mode: Mode) {
    let sandbox = Sandbox::new(mode).await;
    // A sibling of the mounted run directory, and a file outside /tmp.
    let sibling = tempfile::NamedTempFile::new_in(&sandbox.config.run_dir_root).expect("a host file");
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
    let outcome = sandbox.run(&script).await;
    drop(sibling);
    sandbox.close().await;
    assert_succeeded(&outcome);
    assert_eq!(
        outcome.stdout,
        "[False, False]\n['environment', 'input', 'out', 'script.py']\nshadow denied\n"
    );
}

async fn concurrent_runs_are_bounded(mode: Mode) {
    let sandbox = Sandbox::with(mode, |config| config.max_concurrent_runs = 2).await;
    sandbox.before_run().await;
    let started = Instant::now();
    let sleep = "import time\ntime.sleep(1)";
    let runs = (0..3).map(|_| sandbox.execute(Sandbox::job(sleep, b"")));
    let outcomes = futures::future::join_all(runs).await;
    let took = started.elapsed();
    sandbox.close().await;
    outcomes.iter().for_each(assert_succeeded);
    assert!(took >= Duration::from_secs(2), "three 1 s runs, two at a time, took {took:?}");
}

async fn an_abandoned_run_leaves_no_container_and_no_run_dir(mode: Mode) {
    let sandbox = Sandbox::new(mode).await;
    let before = sandbox.before_run().await;
    let job = Sandbox::job("import time\ntime.sleep(60)", b"");
    let execution_id = job.execution_id;
    let abandoned = tokio::time::timeout(Duration::from_secs(2), sandbox.runner.run(job, ignore)).await;
    assert!(abandoned.is_err(), "the run should still be going");
    // The pool's idle containers have run directories too, but none holds a script.
    let scripts = std::fs::read_dir(&sandbox.config.run_dir_root)
        .unwrap()
        .filter(|dir| dir.as_ref().unwrap().path().join("script.py").exists())
        .count();
    assert_eq!(scripts, 0, "the abandoned run's directory is still there");
    for _ in 0..50 {
        if sandbox.served_and_gone(&before, execution_id).await {
            return sandbox.close().await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the abandoned run's container is still there after 5 s");
}

#[tokio::test]
async fn a_pooled_run_is_answered_first_and_corrected_by_the_engine() {
    let sandbox = Sandbox::new(Mode::Pooled).await;
    sandbox.before_run().await;
    let (outcome, correction) =
        run_and_hear_correction(&sandbox.runner, Sandbox::job(CHILD_KILLED_FOR_MEMORY, b"")).await;
    assert_failed_with(&outcome.expect("the run is attempted"), 1);
    assert_eq!(correction.await.ok(), Some(Correction { status: RunStatus::OomKilled, exit_code: Some(1) }));
    sandbox.close().await;
}

#[tokio::test]
async fn the_loader_is_out_of_the_pooled_scripts_reach() {
    let sandbox = Sandbox::new(Mode::Pooled).await;
    let outcome = sandbox
        .run(
            "import os, signal\n\
            loader = os.getppid()\n\
            for name in ['mem', 'environ', 'fd/0']:\n\
            \x20   try:\n\
            \x20       open(f'/proc/{loader}/{name}', 'rb').read(64)\n\
            \x20       print('read', name)\n\
            \x20   except PermissionError:\n\
            \x20       print('denied', name)\n\
            for number in [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]:\n\
            \x20   os.kill(loader, number)\n\
            print('still reported')\n",
        )
        .await;
    sandbox.close().await;
    assert_succeeded(&outcome);
    assert_eq!(outcome.stdout, "denied mem\ndenied environ\ndenied fd/0\nstill reported\n");
}

#[tokio::test]
async fn a_pool_larger_than_the_slot_limit_never_blocks_a_run() {
    // The pool holds the only slot from the start: the interpreter probe, and every run,
    // must take its container rather than wait for a slot.
    let sandbox = Sandbox::with(Mode::Pooled, |config| config.max_concurrent_runs = 1).await;
    for _ in 0..3 {
        let run = sandbox.execute(Sandbox::job("print('through')", b""));
        let outcome = tokio::time::timeout(Duration::from_secs(30), run).await.expect("the run went through");
        assert_eq!(outcome.stdout, "through\n");
    }
    sandbox.close().await;
}

#[tokio::test]
async fn a_previous_processs_pool_is_swept_at_start() {
    let sandbox = Sandbox::new(Mode::Pooled).await;
    let idle = sandbox.before_run().await;
    assert_eq!(idle.len(), POOL);
    // As after a crash: a new process finds the old pool.
    let next = DockerRunner::new(sandbox.config.clone());
    assert_eq!(next.remove_leftovers().await.expect("the sweep"), POOL);
    let run_dirs = std::fs::read_dir(&sandbox.config.run_dir_root).unwrap().count();
    assert_eq!(run_dirs, 0, "the old pool's run directories are still there");
    sandbox.close().await;
}

#[tokio::test]
async fn leftovers_of_a_previous_process_are_swept_and_nobody_elses() {
    // An instance of its own, so that the sweep cannot hit the other tests' runs.
    let config =
        SandboxConfig { instance: format!("executor-sweep-test-{}", std::process::id()), ..config() };
    let runner = ready(config.clone()).await;
    // The interpreter probe is answered before its container is gone: let it go first.
    let probe_label = format!("ved.managed={}", config.instance);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !containers_labelled(&probe_label).await.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let docker = Docker::connect_with_local_defaults().expect("a local Docker socket");
    let run_dir = container::create_run_dir(&config.run_dir_root).unwrap().keep();
    let elsewhere = tempfile::tempdir().unwrap();

    let (ours, ours_too, theirs) = (next_execution_id(), next_execution_id(), next_execution_id());
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
        docker.create_container(None, leftover).await.expect("creating a stand-in leftover");
    }

    assert_eq!(runner.remove_leftovers().await.expect("the sweep"), 2);
    assert_eq!(containers_of(ours).await, Vec::<String>::new());
    assert_eq!(containers_of(ours_too).await, Vec::<String>::new());
    assert!(!run_dir.exists(), "the leftover run directory is still there");
    assert!(elsewhere.path().exists(), "a directory outside the run root was deleted");
    let others = containers_of(theirs).await;
    assert_eq!(others.len(), 1, "another instance's container was removed");
    container::remove_container(&docker, &others[0]).await.expect("cleaning up");
}

async fn a_missing_image_is_reported_as_such(mode: Mode) {
    let runner = DockerRunner::new(SandboxConfig {
        image: "ved-runner:does-not-exist".to_owned(),
        warm_pool: if mode == Mode::Pooled { POOL } else { 0 },
        ..config()
    });
    runner.ping().await.expect("the executor tests need a running Docker engine");
    runner.start_pool();
    let err = runner.run(Sandbox::job("print(1)", b""), ignore).await.expect_err("no image, no run");
    runner.shutdown().await;
    assert!(matches!(err, super::SandboxError::ImageMissing(_)), "{err:?}");
    assert!(err.to_string().contains("runner/build-image.sh"), "{err}");
}

async fn a_trivial_run_is_quick(mode: Mode) {
    let sandbox = Sandbox::new(mode).await;
    let mut times = Vec::new();
    for _ in 0..9 {
        sandbox.before_run().await;
        let started = Instant::now();
        let outcome = sandbox.runner.run(Sandbox::job("pass", b""), ignore).await;
        times.push(started.elapsed());
        assert_succeeded(&outcome.expect("the run is attempted"));
    }
    sandbox.close().await;
    times.sort();
    let p50 = times[times.len() / 2];
    eprintln!("trivial run ({mode:?}): p50 {p50:?}, min {:?}, max {:?}", times[0], times[times.len() - 1]);
    assert!(p50 < Duration::from_secs(2), "p50 of a trivial run is {p50:?}");
}

#[test]
fn run_directories_cannot_be_listed_by_other_users_of_the_host() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let root = TempDir::new().unwrap();
    let runs = root.path().join("runs");
    let dir = container::create_run_dir(&runs).unwrap();
    let payload = super::Payload { script: "print(1)", input: b"input", environment: None };
    container::JobFiles::of(&payload).write(dir.path()).unwrap();
    let hostile = super::Payload { environment: Some("../../etc"), ..payload };
    assert!(container::JobFiles::of(&hostile).write(dir.path()).is_err(), "a path is not a name");
    let metadata = |name: &str| std::fs::metadata(dir.path().join(name)).unwrap();
    let mode = |name: &str| metadata(name).permissions().mode() & 0o777;
    assert_eq!(std::fs::metadata(&runs).unwrap().permissions().mode() & 0o777, 0o711, "the root");
    // This suite runs as root (it needs the Docker engine), so files can be given away.
    assert_eq!((metadata("").uid(), mode("")), (container::SANDBOX_USER, 0o700), "a run directory");
    for file in ["script.py", "input", "environment"] {
        assert_eq!((metadata(file).uid(), mode(file)), (container::SANDBOX_USER, 0o400), "{file}");
    }
}
