//! Starting and stopping the server: connect, migrate, seed, bind, serve until a signal.
mod listen;
mod worker_name;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use tokio::net::TcpListener;
use tower_sessions::session_store::ExpiredDeletion;

use crate::{
    adapters::{
        deps::{Collected, Deps},
        git_store::GitStore,
        llm::LlmClient,
        sandbox::DockerRunner,
    },
    assistant::StopWords,
    auth::{session_store::DbSessionStore, throttle::LoginThrottle, users},
    build_app,
    config::Config,
    executions,
    executions::{
        events::EventHub,
        worker::{sweep_lost_jobs, Doorbell, Worker, WorkerConfig},
    },
    monitoring::{self, Exporter, Scrape},
    schedules,
    scripts::catalog::Catalog,
    AppState,
};
use worker_name::NameClaim;

pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// Until the process ends: its default worker name is its own.
    _name_claim: Option<NameClaim>,
}

impl Application {
    /// Everything that can fail at start fails here, before the port is announced.
    /// Every error names what to do about it: it is the one line an operator sees.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        // First: a taken address must not leave containers or files behind.
        let listener = TcpListener::bind(&config.bind).await.with_context(|| {
            format!(
                "cannot listen on {}; stop the program using that address or set VED_BIND to another one",
                config.bind
            )
        })?;
        let (config, name_claim) = claim_worker_name(config)?;
        let db = open_database(&config).await?;
        let exporter = Exporter::install(&config.worker.name)?;
        users::ensure_default_users(&db).await?;
        let git = open_repository(&config).await?;
        let catalog = Catalog::new(db.clone(), git);
        let missing = catalog.verify_commits().await?;
        if missing > 0 {
            tracing::error!(missing, "the database names commits the scripts repository lacks: restore the repository from a backup");
        }
        let stop_words = stop_words(&config)?;
        if config.llm.api_key.is_none() {
            // Not an error: the endpoint answers 503 naming the variable; the rest works.
            tracing::warn!("OPENROUTER_API_KEY is not set: the LLM panel will answer 503 until it is");
        }
        let llm = LlmClient::new(config.llm.clone());
        let runner = DockerRunner::new(config.sandbox.clone());
        recover_runs(&db, &runner).await?;
        let hub = EventHub::default();
        hub.listen(&db).await.context("cannot listen for the database's event notifications")?;
        let doorbell = Doorbell::default();
        let deps = open_deps(&config);
        start_worker(&config, &db, &runner, &deps, &hub, &doorbell, config.worker.enabled).await?;
        let state = AppState {
            db,
            catalog,
            runner,
            deps,
            hub,
            doorbell,
            llm,
            stop_words: Arc::new(stop_words),
            exporter,
            login_throttle: Arc::new(LoginThrottle::new(config.login.clone())),
            config: Arc::new(config),
        };
        Ok(Self { listener, state, _name_claim: name_claim })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let store = DbSessionStore::new(self.state.db.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(600));
            loop {
                every.tick().await;
                if let Err(err) = store.delete_expired().await {
                    tracing::warn!(error = %err, "could not delete expired sessions");
                }
            }
        });
        if self.state.config.scheduler.enabled {
            schedules::scheduler::start(self.state.clone(), self.state.config.scheduler.tick);
        } else {
            tracing::info!("VED_SCHEDULER=false: this process fires no schedules");
        }
        let addr = self.local_addr()?;
        tracing::info!(%addr, "code.ved listening on http://{addr}");
        let runner = self.state.runner.clone();
        let header_timeout = self.state.config.header_timeout;
        listen::serve(self.listener, build_app(self.state), header_timeout, shutdown_signal()).await;
        runner.shutdown().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Connects and brings the schema up to date.
pub async fn open_database(config: &Config) -> anyhow::Result<sea_orm::DatabaseConnection> {
    crate::db::connect(&config.database_url).await.with_context(|| {
        format!(
            "cannot open the database {}; check VED_DATABASE_URL and that its folder is writable",
            config.database_url
        )
    })
}

async fn open_repository(config: &Config) -> anyhow::Result<GitStore> {
    let path = config.scripts_repo.clone();
    let git =
        tokio::task::spawn_blocking(move || GitStore::open_or_init(path)).await?.with_context(|| {
            format!(
                "cannot open the scripts repository at {}; fix it or set VED_SCRIPTS_REPO to another folder",
                config.scripts_repo.display()
            )
        })?;
    tracing::info!(path = %git.location().display(), "scripts repository");
    Ok(git)
}

/// `ved deps gc`: removes the package environments that no version's lock names any
/// more. A version saved later with the same lock simply installs it again.
pub async fn collect_environments(config: &Config) -> anyhow::Result<Collected> {
    let db = open_database(config).await?;
    let git = open_repository(config).await?;
    let wanted = crate::scripts::dependencies::wanted_environments(&db, &git).await?;
    let collected = Deps::new(config.deps.clone())
        .collect_garbage(wanted)
        .await
        .with_context(|| format!("cannot clean {}; check VED_ENVS_DIR", config.deps.envs_dir.display()))?;
    Ok(collected)
}

/// Scripts without packages never need uv, so a missing one is a warning, not a failure.
fn open_deps(config: &Config) -> Deps {
    if !config.deps.uv_bin.is_file() {
        tracing::warn!(
            uv = %config.deps.uv_bin.display(),
            "uv is missing: scripts that declare packages cannot be resolved or run; run `tools/provision.sh run` or set VED_UV_BIN"
        );
    }
    Deps::new(config.deps.clone())
}

/// `ved worker`: runs jobs from the database on this host's Docker engine until stopped,
/// needing nothing of an API process.
pub async fn run_worker(config: Config) -> anyhow::Result<()> {
    let metrics_listener = bind_metrics(&config).await?;
    let (config, _name_claim) = claim_worker_name(config)?;
    let db = open_database(&config).await?;
    let exporter = Exporter::install(&config.worker.name)?;
    let runner = DockerRunner::new(config.sandbox.clone());
    remove_leftover_containers(&runner).await;
    let (hub, doorbell) = (EventHub::default(), Doorbell::default());
    start_worker(&config, &db, &runner, &open_deps(&config), &hub, &doorbell, true).await?;
    tracing::info!(worker = %config.worker.name, "worker running; stop it with Ctrl+C or SIGTERM");
    match metrics_listener {
        Some(listener) => {
            let scrape = Scrape { db, runner: runner.clone(), token: config.metrics.token.clone(), exporter };
            tracing::info!(addr = %listener.local_addr()?, "serving /metrics");
            listen::serve(listener, monitoring::standalone(scrape), config.header_timeout, shutdown_signal())
                .await;
        }
        None => shutdown_signal().await,
    }
    runner.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// `VED_WORKER_NAME` is used as given; the default (the host's name) is claimed, so that
/// a second process on this host gets a name of its own.
fn claim_worker_name(config: Config) -> anyhow::Result<(Config, Option<NameClaim>)> {
    if config.worker.name_given {
        return Ok((config, None));
    }
    let locks = worker_name::locks_dir();
    let (name, claim) =
        worker_name::claim(&config.worker.name, &config.database_url, &locks).with_context(|| {
            format!(
                "cannot claim a worker name in {}; set VED_WORKER_NAME to a name of this process's own",
                locks.display()
            )
        })?;
    tracing::info!(worker = %name, "VED_WORKER_NAME is not set: this process is worker {name}");
    Ok((config.with_worker_name(name), Some(claim)))
}

/// `VED_METRICS_BIND` of `ved worker`, bound before anything else starts; it serves only
/// with a token, so one without `VED_METRICS_TOKEN` is a mistake said at once.
async fn bind_metrics(config: &Config) -> anyhow::Result<Option<TcpListener>> {
    let Some(bind) = &config.metrics.bind else { return Ok(None) };
    anyhow::ensure!(
        config.metrics.token.is_some(),
        "VED_METRICS_BIND is set but VED_METRICS_TOKEN is not: set a token for the scraper to send, or unset VED_METRICS_BIND"
    );
    let listener = TcpListener::bind(bind).await.with_context(|| {
        format!("cannot listen on {bind}; stop the program using that address or set VED_METRICS_BIND to another one")
    })?;
    Ok(Some(listener))
}

/// Starts the pool and, when `runs_jobs`, this process's worker; every process sweeps for
/// jobs whose worker was lost.
async fn start_worker(
    config: &Config,
    db: &sea_orm::DatabaseConnection,
    runner: &DockerRunner,
    deps: &Deps,
    hub: &EventHub,
    doorbell: &Doorbell,
    runs_jobs: bool,
) -> anyhow::Result<()> {
    let settings = &config.worker;
    sweep_lost_jobs(db.clone(), hub.clone(), runner.clone(), settings.lease / 2);
    if !runs_jobs {
        tracing::info!("VED_WORKER=false: this process runs no jobs; `ved worker` processes do");
        return Ok(());
    }
    // After the sweep of leftovers, which would remove the pool's containers too.
    runner.start_pool();
    let worker = Worker {
        db: db.clone(),
        sandbox: runner.clone(),
        deps: deps.clone(),
        hub: hub.clone(),
        doorbell: doorbell.clone(),
        config: WorkerConfig {
            name: settings.name.clone(),
            lease: settings.lease,
            poll: Duration::from_millis(500),
            slots: config.sandbox.max_concurrent_runs,
        },
    };
    worker.start().await?;
    doorbell.ring_on_notices(db).await.context("cannot listen for jobs queued by other processes")?;
    Ok(())
}

/// After a crash: run-alls this process was driving are marked interrupted, and the
/// containers it left are removed (its worker marks its own unfinished runs).
async fn recover_runs(db: &sea_orm::DatabaseConnection, runner: &DockerRunner) -> anyhow::Result<()> {
    let interrupted = executions::records::mark_batches_interrupted(db).await?;
    if interrupted > 0 {
        tracing::warn!(interrupted, "marked run-alls left running by the previous process as interrupted");
    }
    remove_leftover_containers(runner).await;
    Ok(())
}

async fn remove_leftover_containers(runner: &DockerRunner) {
    match runner.remove_leftovers().await {
        Ok(0) => {}
        Ok(removed) => tracing::warn!(removed, "removed containers left behind by the previous process"),
        Err(err) => {
            tracing::warn!(error = %err, "Docker engine not reachable at start; runs will answer 503 until it is")
        }
    }
}

/// The guardrail's list; a missing file is not fatal (the built-in list stands in).
fn stop_words(config: &Config) -> anyhow::Result<StopWords> {
    let path = &config.stop_words_file;
    if path.is_file() {
        return Ok(StopWords::load(path)?);
    }
    tracing::warn!(path = %path.display(), "stop-word file not found; using the built-in list");
    Ok(StopWords::builtin())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
