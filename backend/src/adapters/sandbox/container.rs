//! One container's life: the hardened create body, the run directory it mounts, the
//! supervision from start to exit, and the guard that removes it whatever happens.

use std::collections::HashMap;
use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::pin::{pin, Pin};
use std::time::Duration;

use bollard::container::{AttachContainerResults, LogOutput};
use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, HostConfig, HostConfigLogConfig, Mount, MountType, ResourcesUlimits,
};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, KillContainerOptionsBuilder, RemoveContainerOptionsBuilder,
    WaitContainerOptionsBuilder,
};
use bollard::Docker;
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use tempfile::TempDir;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

use super::capture::Capture;
use super::{loader, Payload, SandboxConfig};

/// Carried by every container we create, so that a restart can sweep what a crash left.
pub(super) const MANAGED_LABEL: &str = "ved.managed";
pub(super) const EXECUTION_LABEL: &str = "ved.execution";
pub(super) const WORKER_LABEL: &str = "ved.worker";
/// The host directory a container mounts, so that a sweep can delete it with the container.
pub(super) const RUN_DIR_LABEL: &str = "ved.run_dir";
const RUN_DIR_PREFIX: &str = "run-";
const MOUNT_POINT: &str = "/runner";
/// Where every container sees the package environments (read-only).
const ENVS_MOUNT_POINT: &str = "/runner-envs";

/// How long a killed container gets to flush its last output and report its exit.
const KILL_GRACE: Duration = Duration::from_secs(5);
/// How long the loader gets, once told that time is up, to stop the script and report
/// with the files it left (a timed-out run keeps its finished files, SPEC §12).
const TIME_UP_GRACE: Duration = Duration::from_secs(3);

/// Where a run leaves files to keep (SPEC §12): a size-limited tmpfs, read back through
/// the engine before the container ends.
pub(super) const OUT_DIR: &str = "/runner/out";

/// Every container runs the loader (`loader.py`), which waits on stdin for its job: a
/// pooled container ahead of time, a cold one just after its start.
pub(super) fn container_body(
    config: &SandboxConfig,
    run_dir: &Path,
    execution_id: Option<i64>,
) -> ContainerCreateBody {
    let mut labels = HashMap::from([
        (MANAGED_LABEL.to_owned(), config.instance.clone()),
        (RUN_DIR_LABEL.to_owned(), run_dir.to_string_lossy().into_owned()),
    ]);
    if let Some(id) = execution_id {
        labels.insert(EXECUTION_LABEL.to_owned(), id.to_string());
        labels.insert(WORKER_LABEL.to_owned(), config.worker.clone());
    }
    let ulimit = |name: &str, limit: i64| ResourcesUlimits {
        name: Some(name.to_owned()),
        soft: Some(limit),
        hard: Some(limit),
    };
    let host_config = HostConfig {
        // Both: the mode removes the interfaces, the flag also skips network set-up,
        // which halves the start time.
        network_mode: Some("none".to_owned()),
        memory: Some(config.memory_bytes),
        // Equal to memory: no swap, so a hungry script hits the OOM killer, not the disk.
        memory_swap: Some(config.memory_bytes),
        nano_cpus: Some(config.nano_cpus),
        pids_limit: Some(config.pids_limit),
        readonly_rootfs: Some(true),
        tmpfs: Some(HashMap::from([
            ("/tmp".to_owned(), format!("rw,noexec,nosuid,nodev,size={}", config.tmpfs_size_bytes)),
            (
                OUT_DIR.to_owned(),
                format!(
                    "rw,noexec,nosuid,nodev,size={},uid={SANDBOX_USER},gid={SANDBOX_USER},mode=0700",
                    config.artifacts.max_bytes
                ),
            ),
        ])),
        cap_drop: Some(vec!["ALL".to_owned()]),
        security_opt: Some(vec!["no-new-privileges".to_owned()]),
        ipc_mode: Some("none".to_owned()),
        // The loader is PID 1 (no docker-init): it reaps orphans, every process ends with
        // it, and the kernel ignores signals sent to a namespace's PID 1 from inside
        // unless it handles them, so a script cannot kill its supervisor.
        init: Some(false),
        ulimits: Some(vec![ulimit("nofile", config.nofile), ulimit("fsize", config.fsize_bytes)]),
        // We read output through attach; the engine's own copy only needs to stay small.
        log_config: Some(HostConfigLogConfig {
            typ: Some("json-file".to_owned()),
            config: Some(HashMap::from([
                ("max-size".to_owned(), "1m".to_owned()),
                ("max-file".to_owned(), "1".to_owned()),
            ])),
        }),
        // A bind mount, because a read-only root refuses `upload_to_container`.
        mounts: Some(mounts(config, run_dir)),
        ..Default::default()
    };
    let (script, input) = (format!("{MOUNT_POINT}/script.py"), format!("{MOUNT_POINT}/input"));
    let python = "python".to_owned();
    let entrypoint = vec![python, "-c".to_owned(), loader::SOURCE.to_owned(), script, input];
    ContainerCreateBody {
        image: Some(config.image.clone()),
        entrypoint: Some(entrypoint),
        user: Some(format!("{SANDBOX_USER}:{SANDBOX_USER}")),
        working_dir: Some("/tmp".to_owned()),
        env: Some(
            [
                "HOME=/tmp",
                "MPLCONFIGDIR=/tmp",
                "PYTHONUTF8=1",
                // Output printed before a timeout kill must not die in a buffer.
                "PYTHONUNBUFFERED=1",
                "PYTHONDONTWRITEBYTECODE=1",
                // Figures are drawn off screen and saved as artifacts (loader.py).
                "MPLBACKEND=Agg",
            ]
            .map(str::to_owned)
            .to_vec(),
        ),
        network_disabled: Some(true),
        // Only the loader reads stdin (its job); the script gets none.
        open_stdin: Some(true),
        stdin_once: Some(true),
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(false),
        labels: Some(labels),
        host_config: Some(host_config),
        ..Default::default()
    }
}

/// The run directory and, read-only too, the package environments: all of them, because
/// a pooled container is started before anyone knows which it will need, and the engine
/// cannot add a mount to a running container. They hold public packages only.
fn mounts(config: &SandboxConfig, run_dir: &Path) -> Vec<Mount> {
    let bind = |source: &Path, target: &str| Mount {
        typ: Some(MountType::BIND),
        source: Some(source.to_string_lossy().into_owned()),
        target: Some(target.to_owned()),
        read_only: Some(true),
        ..Default::default()
    };
    let mut mounts = vec![bind(run_dir, MOUNT_POINT)];
    if let Some(envs) = &config.envs_dir {
        // The engine only bind-mounts absolute paths.
        let envs = std::path::absolute(envs).unwrap_or_else(|_| envs.clone());
        mounts.push(bind(&envs, ENVS_MOUNT_POINT));
    }
    mounts
}

/// The uid and gid every container runs as.
pub(super) const SANDBOX_USER: u32 = 65534;

/// A fresh, empty directory under `root` for one container to mount. No other user of the
/// host may list or read it: the root of the run directories is only traversable
/// (`0711`), and each run directory belongs to the sandbox's user with mode `0700`.
/// A server that is not root cannot give files away; its run directories are then
/// world-readable (`0755`) but still cannot be found through the root.
pub(super) fn create_run_dir(root: &Path) -> std::io::Result<TempDir> {
    // The engine only bind-mounts absolute paths.
    let root = std::path::absolute(root)?;
    std::fs::create_dir_all(&root)?;
    std::fs::set_permissions(&root, Permissions::from_mode(0o711))?;
    let dir = tempfile::Builder::new().prefix(RUN_DIR_PREFIX).tempdir_in(&root)?;
    // Where the engine mounts the run's `/runner/out` tmpfs.
    std::fs::create_dir(dir.path().join("out"))?;
    give_to_sandbox_user(dir.path(), 0o700, 0o755)?;
    Ok(dir)
}

/// The files of one run, owned, to be written off the async threads.
pub(super) struct JobFiles {
    script: String,
    input: Vec<u8>,
    /// The environment's name under the environments' mount point.
    environment: Option<String>,
}

impl JobFiles {
    pub(super) fn of(payload: &Payload<'_>) -> Self {
        Self {
            script: payload.script.to_owned(),
            input: payload.input.to_vec(),
            environment: payload.environment.map(str::to_owned),
        }
    }

    /// Puts the script, its input and the name of its environment where the container
    /// sees them: before it starts, or, for a pooled container already running, before
    /// the loader is told to go.
    pub(super) fn write(self, dir: &Path) -> std::io::Result<()> {
        // The path the loader puts on `PYTHONPATH`; a name, never a path, is accepted.
        let environment = match self.environment {
            Some(name) if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                format!("{ENVS_MOUNT_POINT}/{name}")
            }
            Some(name) => {
                return Err(std::io::Error::other(format!("{name:?} is not an environment's name")))
            }
            None => String::new(),
        };
        for (name, content) in [
            ("script.py", self.script.as_bytes()),
            ("input", &self.input),
            ("environment", environment.as_bytes()),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, content)?;
            give_to_sandbox_user(&path, 0o400, 0o644)?;
        }
        Ok(())
    }
}

/// Owned by the sandbox's user with `private_mode` where the server may give files away
/// (it runs as root), else left the server's with `shared_mode`, which that user can read.
fn give_to_sandbox_user(path: &Path, private_mode: u32, shared_mode: u32) -> std::io::Result<()> {
    let mode = match std::os::unix::fs::chown(path, Some(SANDBOX_USER), Some(SANDBOX_USER)) {
        Ok(()) => private_mode,
        Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => shared_mode,
        Err(err) => return Err(err),
    };
    std::fs::set_permissions(path, Permissions::from_mode(mode))
}

/// Deletes the run directory a leftover container names in its label, if it is one of
/// ours: a `run-*` directly under `root`. The label is data, never a licence to delete.
pub(super) fn remove_leftover_run_dir(root: &Path, dir: &Path) {
    let Ok(root) = std::path::absolute(root) else {
        return;
    };
    let named_like_ours =
        dir.file_name().is_some_and(|name| name.to_string_lossy().starts_with(RUN_DIR_PREFIX));
    if dir.parent() != Some(root.as_path()) || !named_like_ours {
        return;
    }
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            tracing::warn!(dir = %dir.display(), error = %e, "could not delete a leftover run directory");
        }
        _ => {}
    }
}

/// Owns a created container and removes it when the run ends, is dropped midway or
/// fails. Once a run has it, it also holds the run's concurrency slot, released only once
/// the container is gone, so the bound counts containers that run or ran a script; and
/// its run directory.
pub(super) struct ContainerGuard {
    docker: Docker,
    id: Option<String>,
    slot: Option<OwnedSemaphorePermit>,
    run_dir: Option<TempDir>,
}

impl ContainerGuard {
    /// `slot` is `None` for a pooled container, which takes its run's slot when a run takes it.
    pub(super) fn new(
        docker: Docker,
        id: String,
        slot: Option<OwnedSemaphorePermit>,
        run_dir: TempDir,
    ) -> Self {
        Self { docker, id: Some(id), slot, run_dir: Some(run_dir) }
    }

    /// The container now serves a run: it holds the run's slot until it is gone.
    pub(super) fn hold(&mut self, slot: OwnedSemaphorePermit) {
        self.slot = Some(slot);
    }

    pub(super) fn id(&self) -> &str {
        self.id.as_deref().unwrap_or_default()
    }

    pub(super) fn docker(&self) -> &Docker {
        &self.docker
    }

    pub(super) fn run_dir(&self) -> &Path {
        self.run_dir.as_ref().map_or(Path::new(""), TempDir::path)
    }

    pub(super) async fn remove(mut self) {
        if let Some(id) = self.id.take() {
            if let Err(e) = remove_container(&self.docker, &id).await {
                tracing::warn!(container = %id, error = %e, "could not remove a run's container");
            }
        }
    }
}

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        // Deleted at once rather than after the container: a runtime shutting down may
        // never run the task below, and the container is going away anyway.
        drop(self.run_dir.take());
        let docker = self.docker.clone();
        let slot = self.slot.take();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(e) = remove_container(&docker, &id).await {
                        tracing::warn!(container = %id, error = %e, "could not remove an abandoned run's container");
                    }
                    drop(slot);
                });
            }
            Err(_) => {
                tracing::warn!(container = %id, "no runtime left to remove a run's container; the next start sweeps it");
            }
        }
    }
}

pub(super) async fn remove_container(docker: &Docker, id: &str) -> Result<(), BollardError> {
    let options = RemoveContainerOptionsBuilder::default().force(true).build();
    match docker.remove_container(id, Some(options)).await {
        Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => Ok(()),
        other => other,
    }
}

/// When a run began: by the wall clock for the record, monotonically for its limit.
pub(super) struct RunClock {
    pub(super) started_at: DateTime<Utc>,
    began: Instant,
    deadline: Instant,
}

impl RunClock {
    pub(super) fn start(timeout: Duration) -> Self {
        let began = Instant::now();
        Self { started_at: Utc::now(), began, deadline: began + timeout }
    }

    pub(super) fn elapsed(&self) -> Duration {
        self.began.elapsed()
    }
}

/// How far a started container was followed.
pub(super) enum Ending {
    /// The loader reported how the script's process exited; the container is winding
    /// down, and only the engine can still tell whether the OOM killer was involved.
    Reported { exit_code: i64, ran_for: Duration },
    /// The container exited and the engine said how.
    Exited(Exited),
}

pub(super) struct Exited {
    pub(super) timed_out: bool,
    pub(super) oom_killed: bool,
    pub(super) exit_code: Option<i64>,
    pub(super) ran_for: Duration,
}

pub(super) type OutputStream = Pin<Box<dyn Stream<Item = Result<LogOutput, BollardError>> + Send>>;

/// Attached before start, so that not a byte printed at start-up is missed.
pub(super) async fn attach(docker: &Docker, id: &str) -> Result<AttachContainerResults, BollardError> {
    let options = AttachContainerOptionsBuilder::default()
        .stdin(true)
        .stdout(true)
        .stderr(true)
        .stream(true)
        .logs(false)
        .build();
    docker.attach_container(id, Some(options)).await
}

/// How far [`follow`] got.
pub(super) enum Followed {
    /// The loader reported how the script's process ended, and waits to be released;
    /// `ran_for` is the run's time until then.
    Reported { exit_code: i64, ran_for: Duration },
    /// The container ended without a report (killed at the deadline, or the loader died).
    Ended(Ending),
}

/// Follows a running script to the loader's report, else to the container's exit; at the
/// deadline the container is killed. Output goes into the caller's buffers so that it
/// survives an engine failure midway.
pub(super) async fn follow(
    docker: &Docker,
    id: &str,
    output: &mut OutputStream,
    clock: &RunClock,
    capture: &mut Capture,
) -> Result<Followed, BollardError> {
    let timed_out = match tokio::time::timeout_at(clock.deadline, copy_output(output, capture)).await {
        Ok(Ok(Some(exit_code))) => return Ok(Followed::Reported { exit_code, ran_for: clock.elapsed() }),
        // The streams closed as the container exits.
        Ok(Ok(None)) => !exits_in_time(docker, id, clock).await?,
        Ok(Err(e)) => return Err(e),
        Err(_) => true,
    };
    if timed_out {
        if let Some(exit_code) = report_when_time_is_up(docker, id, output, capture).await? {
            // Killed by the loader at our word: the engine's account (after the deadline,
            // so `timed_out`) follows in `settle`.
            return Ok(Followed::Reported { exit_code, ran_for: clock.elapsed() });
        }
        kill(docker, id).await?;
        let _ = tokio::time::timeout(KILL_GRACE, async {
            copy_output(output, capture).await?;
            wait_for_exit(docker, id).await
        })
        .await;
    }
    exited(docker, id, timed_out, clock).await.map(|exited| Followed::Ended(Ending::Exited(exited)))
}

/// Tells the loader that time is up (`loader::TIME_UP`): it kills the script and reports
/// as after any end, files included. `None` when no report came within the grace.
async fn report_when_time_is_up(
    docker: &Docker,
    id: &str,
    output: &mut OutputStream,
    capture: &mut Capture,
) -> Result<Option<i64>, BollardError> {
    let options = KillContainerOptionsBuilder::default().signal(loader::TIME_UP).build();
    match docker.kill_container(id, Some(options)).await {
        Ok(()) => {}
        // It exited on its own at the deadline: nothing is left to report.
        Err(BollardError::DockerResponseServerError { status_code: 409, .. }) => return Ok(None),
        Err(e) => return Err(e),
    }
    match tokio::time::timeout(TIME_UP_GRACE, copy_output(output, capture)).await {
        Ok(Ok(reported)) => Ok(reported),
        Ok(Err(e)) => Err(e),
        Err(_) => Ok(None),
    }
}

/// After the loader's report, once it was released: a normal exit is the answer now (the
/// engine's verdict may follow); death by a signal only the engine can explain (the OOM
/// killer's is SIGKILL), so its account is awaited.
pub(super) async fn after_report(
    docker: &Docker,
    id: &str,
    exit_code: i64,
    ran_for: Duration,
    clock: &RunClock,
) -> Result<Ending, BollardError> {
    if exit_code >= 0 {
        return Ok(Ending::Reported { exit_code, ran_for });
    }
    settle(docker, id, clock).await.map(Ending::Exited)
}

/// After the loader's report: the engine's own account of the container's end, waiting
/// for the exit no longer than the run's deadline.
pub(super) async fn settle(docker: &Docker, id: &str, clock: &RunClock) -> Result<Exited, BollardError> {
    let timed_out = !exits_in_time(docker, id, clock).await?;
    if timed_out {
        kill(docker, id).await?;
        let _ = tokio::time::timeout(KILL_GRACE, wait_for_exit(docker, id)).await;
    }
    exited(docker, id, timed_out, clock).await
}

async fn exits_in_time(docker: &Docker, id: &str, clock: &RunClock) -> Result<bool, BollardError> {
    match tokio::time::timeout_at(clock.deadline, wait_for_exit(docker, id)).await {
        Ok(waited) => waited.map(|()| true),
        Err(_) => Ok(false),
    }
}

async fn kill(docker: &Docker, id: &str) -> Result<(), BollardError> {
    match docker.kill_container(id, None).await {
        // 409: it exited on its own at the deadline; it still had its time.
        Ok(()) | Err(BollardError::DockerResponseServerError { status_code: 409, .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

async fn exited(
    docker: &Docker,
    id: &str,
    timed_out: bool,
    clock: &RunClock,
) -> Result<Exited, BollardError> {
    let ran_for = clock.elapsed();
    let state = docker.inspect_container(id, None).await?.state.unwrap_or_default();
    Ok(Exited {
        timed_out,
        oom_killed: state.oom_killed.unwrap_or(false),
        exit_code: state.exit_code,
        ran_for,
    })
}

/// Reads until the container closes its streams or the loader reports the end on both;
/// returns the reported exit code. Past the cap, bytes are read and dropped, so the
/// script keeps running and its own exit status stands.
async fn copy_output(output: &mut OutputStream, capture: &mut Capture) -> Result<Option<i64>, BollardError> {
    loop {
        // The report may be complete before the first frame read here: the engine can
        // deliver the loader's go-ahead, the script's output and the report in one frame,
        // all of it taken in while listening for the go-ahead. Another frame would then
        // only come with the container's end, after the loader's release timeout.
        if let Some(exit_code) = capture.reported_exit() {
            return Ok(Some(exit_code));
        }
        let Some(frame) = output.next().await else { return Ok(None) };
        capture.push(frame?);
    }
}

async fn wait_for_exit(docker: &Docker, id: &str) -> Result<(), BollardError> {
    let options = WaitContainerOptionsBuilder::default().condition("not-running").build();
    let mut waiting = pin!(docker.wait_container(id, Some(options)));
    match waiting.next().await {
        // bollard reports a non-zero exit as an error; the code is read from inspect.
        Some(Ok(_)) | Some(Err(BollardError::DockerContainerWaitError { .. })) | None => Ok(()),
        Some(Err(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use bollard::container::LogOutput;
    use futures::StreamExt;

    use super::{copy_output, OutputStream};
    use crate::adapters::sandbox::capture::Capture;
    use crate::adapters::sandbox::loader::{self, Job};

    /// Under load the engine coalesces what the loader writes: the whole of stdout (the
    /// go-ahead, the output, the report) may come as one frame, after stderr's report.
    #[tokio::test]
    async fn a_report_read_with_the_go_ahead_ends_the_run_without_another_frame() {
        let job = Job::new();
        let line = job.line();
        let nonce = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
        let marker = format!("\0ved-end {nonce} 0\n");
        let stdout = [loader::GO, b"hi\n", marker.as_bytes(), b"0\n"].concat();
        let frames = vec![
            Ok(LogOutput::StdErr { message: marker.clone().into_bytes().into() }),
            Ok(LogOutput::StdOut { message: stdout.into() }),
        ];
        // The container stays up (the loader waits to be released): no more frames.
        let mut output: OutputStream =
            Box::pin(futures::stream::iter(frames).chain(futures::stream::pending()));
        let mut capture = Capture::until_end_of(&job, 1024, 1024);
        loader::hear(&mut output, loader::GO, &mut capture).await.expect("the go-ahead");
        let reported =
            tokio::time::timeout(std::time::Duration::from_secs(1), copy_output(&mut output, &mut capture))
                .await
                .expect("the report was already read: no frame to wait for");
        assert_eq!(reported.expect("no engine error"), Some(0));
        let [(stdout, _), (stderr, _)] = capture.finish();
        assert_eq!((stdout.as_str(), stderr.as_str()), ("hi\n", ""));
    }
}
