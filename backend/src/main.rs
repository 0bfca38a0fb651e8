//! The `ved` command: serve the app, print the OpenAPI document, manage users.
use std::{
    io::{BufRead, IsTerminal},
    process::ExitCode,
};

use clap::{Parser, Subcommand};
use ved::{
    auth::users::{self, Role},
    config::Config,
    server::Application,
};

#[derive(Parser)]
#[command(name = "ved", version, about = "code.ved: write, version and run Python scripts")]
struct Cli {
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, global = true, env = "VED_LOG_JSON")]
    json_logs: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and API (the default).
    Serve,
    /// Run jobs from the database on this host's Docker engine, without serving HTTP.
    Worker,
    /// Print the OpenAPI document as YAML.
    Openapi,
    /// Manage accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manage the package environments of scripts (SPEC §15).
    Deps {
        #[command(subcommand)]
        command: DepsCommand,
    },
}

#[derive(Subcommand)]
enum DepsCommand {
    /// Remove the environments that no version's `N.lock` names (and abandoned installs).
    Gc,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Add a user; the password is read from standard input.
    Add {
        name: String,
        #[arg(long, value_enum, default_value = "viewer")]
        role: Role,
    },
    /// Change a user's password, read from standard input.
    Passwd { name: String },
    /// Set a user's role (editor includes viewer); their API tokens follow at once.
    Role {
        name: String,
        #[arg(value_enum)]
        role: Role,
    },
}

fn main() -> ExitCode {
    give_large_blocks_back_on_free();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build();
    match runtime {
        Ok(runtime) => runtime.block_on(serve_or_manage()),
        Err(err) => {
            eprintln!("ved: cannot start the async runtime: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_or_manage() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.json_logs);
    match run(cli.command.unwrap_or(Command::Serve)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line that says what went wrong and what to do; the chain of causes is
            // part of it. A backtrace only when asked for, as Rust's own panics do.
            eprintln!("ved: {err:#}");
            if std::env::var_os("RUST_BACKTRACE").is_some_and(|value| value != "0") {
                eprintln!("{err:?}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Every password check (argon2, SPEC §3's login) takes a 19 MiB block. glibc serves a
/// freed block that large from its heaps the next time instead of the system, and keeps it:
/// with logins on several threads, each thread's heap kept one, which was most of the
/// server's idle memory (86 MiB after start, 282 MiB after figure 3's 32 logins in `make
/// bench`). A fixed threshold (glibc's default, which it otherwise raises as it goes) maps
/// such blocks on their own and unmaps them when freed.
fn give_large_blocks_back_on_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator settings, and runs before any other thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Application::build(Config::from_env()?).await?;
            app.run_until_stopped().await
        }
        Command::Worker => ved::server::run_worker(Config::from_env()?).await,
        Command::Openapi => {
            print!("{}", ved::openapi::yaml()?);
            Ok(())
        }
        Command::Users { command } => manage_users(command).await,
        Command::Deps { command: DepsCommand::Gc } => {
            let config = Config::from_env()?;
            let collected = ved::server::collect_environments(&config).await?;
            println!(
                "removed {} environment(s), {:.1} MiB; kept {} that versions still name ({})",
                collected.removed.len(),
                collected.freed_bytes as f64 / (1024.0 * 1024.0),
                collected.kept,
                config.deps.envs_dir.display()
            );
            Ok(())
        }
    }
}

async fn manage_users(command: UsersCommand) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let db = ved::server::open_database(&config).await?;
    match command {
        UsersCommand::Add { name, role } => {
            let password = read_password()?;
            users::add_user(&db, &name, &password, role).await?;
            println!("added {name} ({role:?})");
        }
        UsersCommand::Passwd { name } => {
            let password = read_password()?;
            users::change_password(&db, &name, &password).await?;
            println!("changed the password of {name}");
        }
        UsersCommand::Role { name, role } => {
            users::set_role(&db, &name, role).await?;
            println!("{name} is now {}", role.as_str());
        }
    }
    Ok(())
}

/// From standard input, never argv: arguments are visible to every user in `ps`.
fn read_password() -> anyhow::Result<String> {
    eprintln!("password (one line on standard input):");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn init_tracing(json: bool) {
    // async-openai logs raw upstream bodies, which may echo the API key back: silenced
    // whatever RUST_LOG says.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=info,sqlx=warn".into())
        .add_directive("async_openai=off".parse().expect("a valid directive"));
    // Colour codes only for a terminal: in a log file they are noise.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
