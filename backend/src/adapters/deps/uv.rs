//! The two uv commands: `uv pip compile` (resolve) and `uv pip install --target`
//! (install a lock). Neither reads a configuration file (`--no-config`), so the host's
//! or the working directory's uv settings cannot change what a script gets.

use std::path::Path;
use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::{DepsConfig, DepsError};

/// Of uv's complaint, what is worth keeping on an execution or in a save's warnings.
const MESSAGE_CHARS: usize = 4096;

fn command(config: &DepsConfig, subcommand: &str, python_version: &str, platform: &str) -> Command {
    let mut command = Command::new(&config.uv_bin);
    command.args(["pip", subcommand, "--no-config", "--quiet", "--color", "never"]).args([
        "--python-version",
        python_version,
        "--python-platform",
        platform,
    ]);
    if !config.allow_sdists {
        command.args(["--only-binary", ":all:"]);
    }
    if let Some(index) = &config.index_url {
        command.args(["--index-url", index]);
    }
    for extra in &config.extra_index_urls {
        command.args(["--extra-index-url", extra]);
    }
    // uv reads RUST_LOG too: the server's log filter would fill its message with traces.
    command.env_remove("RUST_LOG");
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    command
}

/// The pinned requirements (with hashes) of `requirements` for that Python.
pub(super) async fn compile(
    config: &DepsConfig,
    requirements: &[String],
    python_version: &str,
) -> Result<String, DepsError> {
    let mut command = command(config, "compile", python_version, &config.platform);
    command.args(["--generate-hashes", "--no-header", "-"]).stdin(Stdio::piped());
    let mut input = requirements.join("\n");
    input.push('\n');
    let output = run(config, command, Some(input)).await?;
    if !output.status.success() {
        return Err(DepsError::Resolution(complaint(&output.stderr)));
    }
    String::from_utf8(output.stdout).map_err(|_| DepsError::Resolution("uv's answer is not UTF-8".to_owned()))
}

/// Installs exactly what `lock_file` pins (hashes checked, nothing else pulled in) into
/// `target`.
pub(super) async fn install(
    config: &DepsConfig,
    lock_file: &Path,
    target: &Path,
    python_version: &str,
    platform: &str,
) -> Result<(), DepsError> {
    let mut command = command(config, "install", python_version, platform);
    command.args(["--no-deps", "--require-hashes", "--target"]).arg(target).arg("-r").arg(lock_file);
    let output = run(config, command, None).await?;
    if !output.status.success() {
        return Err(DepsError::Install(complaint(&output.stderr)));
    }
    Ok(())
}

async fn run(
    config: &DepsConfig,
    mut command: Command,
    stdin: Option<String>,
) -> Result<std::process::Output, DepsError> {
    // Relative paths in uv's answer would mean nothing; nor may a `uv.toml` here matter.
    command.current_dir(std::env::temp_dir());
    let mut child = command.spawn().map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
            DepsError::UvMissing(config.uv_bin.display().to_string())
        }
        _ => DepsError::Io(err),
    })?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).await?;
    }
    tokio::time::timeout(config.timeout, child.wait_with_output())
        .await
        .map_err(|_| DepsError::Timeout(config.timeout))?
        .map_err(DepsError::from)
}

fn complaint(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    let text = text.strip_prefix("error: ").unwrap_or(text);
    match text.char_indices().nth(MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
