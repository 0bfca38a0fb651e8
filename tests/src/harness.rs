//! Starts the real `ved` binary on a random port with its own data directory and database
//! (SQLite, or PostgreSQL with `VED_TEST_DATABASE=postgres`: see [`crate::database`]), and
//! talks HTTP to it with a cookie-keeping client, as a browser or a program would.
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tempfile::TempDir;

use crate::database::TestDatabase;

/// The binary under test: `VED_BIN`, else the workspace's debug build, brought up to date
/// once per test process so that a plain `cargo test` never tests a stale binary.
pub fn ved_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    if let Ok(path) = std::env::var("VED_BIN") {
        return path.into();
    }
    BUILT.get_or_init(build_ved).clone()
}

fn build_ved() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "ved", "--bin", "ved"])
        .current_dir(&workspace)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build -p ved failed");
    let target =
        std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| workspace.join("target"));
    target.join("debug/ved")
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("repo root")
}

pub struct TestApp {
    pub base_url: String,
    data_dir: TempDir,
    /// Shared by the servers of a test that runs several on one database.
    database: Arc<TestDatabase>,
    /// Where the server runs with only `VED_BIND` set, as `make run` starts it in a
    /// checkout; `None`: in `data_dir`, every path set to a temporary one.
    checkout: Option<PathBuf>,
    env: Vec<(String, String)>,
    child: Option<Child>,
    log_path: PathBuf,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// `env` overrides the test defaults (e.g. `("VED_LLM_BASE_URL", ...)`).
    pub async fn spawn_with(env: &[(&str, &str)]) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let database = Arc::new(TestDatabase::create(data_dir.path()));
        Self::spawn_in(data_dir, database, env).await
    }

    /// One of several servers on one `database` (SPEC §14); `env` as for `spawn_with`,
    /// e.g. a shared `VED_SCRIPTS_REPO`.
    pub async fn spawn_on(database: &Arc<TestDatabase>, env: &[(&str, &str)]) -> Self {
        Self::spawn_in(tempfile::tempdir().expect("temp dir"), Arc::clone(database), env).await
    }

    async fn spawn_in(data_dir: TempDir, database: Arc<TestDatabase>, env: &[(&str, &str)]) -> Self {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let log_path = data_dir.path().join("server.log");
        let mut app =
            Self { base_url: String::new(), data_dir, database, checkout: None, env, child: None, log_path };
        app.start().await;
        app
    }

    /// The server started in `checkout` the way `make run` starts it: its working
    /// directory, no `VED_*` variable but the address (a free port), every default.
    pub async fn spawn_in_checkout(checkout: &Path) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let log_path = data_dir.path().join("server.log");
        // The default `VED_DATABASE_URL`, relative to the checkout.
        let database = Arc::new(TestDatabase::sqlite_file(&checkout.join("data/ved.db")));
        let checkout = Some(checkout.to_owned());
        let mut app = Self {
            base_url: String::new(),
            data_dir,
            database,
            checkout,
            env: Vec::new(),
            child: None,
            log_path,
        };
        app.start().await;
        app
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    pub fn database(&self) -> &Arc<TestDatabase> {
        &self.database
    }

    /// The server process while it runs, e.g. to read its memory from `/proc`.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn scripts_repo(&self) -> PathBuf {
        self.data_dir.path().join("scripts_repo")
    }

    /// Where the scripts' package environments are installed (`VED_ENVS_DIR`).
    pub fn envs_dir(&self) -> PathBuf {
        self.data_dir.path().join("envs")
    }

    /// The settings that place the app's data in its own directory, for the server and
    /// for the command line alike.
    fn data_locations(&self, command: &mut Command) {
        command
            .env("VED_DATABASE_URL", self.database.url())
            .env("VED_SCRIPTS_REPO", self.scripts_repo())
            .env("VED_ENVS_DIR", self.envs_dir());
    }

    async fn start(&mut self) {
        let log =
            std::fs::OpenOptions::new().create(true).append(true).open(&self.log_path).expect("log file");
        let before = std::fs::metadata(&self.log_path).map(|m| m.len()).unwrap_or(0);
        let mut command = Command::new(ved_binary());
        command.arg("serve").env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
        if let Some(checkout) = &self.checkout {
            command.current_dir(checkout).env("HOME", self.data_dir.path()).env("VED_BIND", "127.0.0.1:0");
        } else {
            self.isolate(&mut command);
        }
        command
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        self.child = Some(command.spawn().expect("start the ved binary"));
        self.base_url = self.wait_for_address(before).await;
    }

    /// Every location in the test's own temporary directory.
    fn isolate(&self, command: &mut Command) {
        let root = repo_root();
        command
            .current_dir(self.data_dir.path())
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info,tower_http=debug")
            .env("VED_BIND", "127.0.0.1:0")
            .env("VED_FRONTEND_DIR", root.join("frontend/dist"))
            .env("VED_STOP_WORDS_FILE", root.join("config/stop_words.txt"))
            .env("VED_RUNNER_IMAGE", std::env::var("VED_RUNNER_IMAGE").unwrap_or("ved-runner:latest".into()))
            .env("VED_UV_BIN", root.join("tools/uv/venv/bin/uv"))
            // Shared by the tests, as a machine's one uv cache would be: the first
            // download is the index's, later ones the disk's.
            .env("UV_CACHE_DIR", std::env::temp_dir().join("ved-tests-uv-cache"));
        self.data_locations(command);
        // Where this machine keeps the certificates its HTTPS (the package index) needs.
        for name in ["SSL_CERT_FILE", "SSL_CERT_DIR"] {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
    }

    async fn wait_for_address(&mut self, log_offset: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let logs = self.logs();
            let fresh = logs.get(log_offset as usize..).unwrap_or_default();
            if let Some(rest) = fresh.split("listening on http://").nth(1) {
                let addr: String = rest.chars().take_while(|c| !c.is_whitespace() && *c != '"').collect();
                return format!("http://{addr}");
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("ved exited with {status} before listening:\n{fresh}");
            }
            assert!(Instant::now() < deadline, "ved did not start within 60 s:\n{fresh}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// SIGTERM, as a service manager would stop it; waits for the exit.
    pub async fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate(child);
        }
    }

    /// SIGKILL: the server gets no chance to clean up.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub async fn restart(&mut self) {
        self.stop().await;
        self.start().await;
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base_url)
    }

    pub async fn login_as(&self, username: &str, password: &str) -> Client {
        let client = self.client();
        let response = client.login(username, password).await;
        assert_eq!(response.status, StatusCode::OK, "login as {username}: {}", response.body);
        client
    }

    pub async fn editor(&self) -> Client {
        self.login_as("ed1", "1editor").await
    }

    pub async fn viewer(&self) -> Client {
        self.login_as("mo1", "2viewer").await
    }

    pub fn with_token(&self, token: &str) -> Client {
        Client::with_token(&self.base_url, token)
    }

    /// Runs `ved` with arguments against this app's database (e.g. `users add`).
    pub fn run_cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        use std::io::Write;
        let mut command = Command::new(ved_binary());
        command.args(args).current_dir(self.data_dir.path()).env("NO_COLOR", "1");
        self.data_locations(&mut command);
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run ved");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        child.wait_with_output().expect("ved output")
    }
}

/// A `ved worker` process (SPEC §14) on a test server's database, with its own data
/// directory and Docker instance label; `env` overrides the test defaults.
pub struct TestWorker {
    child: Option<Child>,
    name: String,
    data_dir: TempDir,
}

impl TestWorker {
    pub fn spawn(app: &TestApp, name: &str, env: &[(&str, &str)]) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let log = std::fs::File::create(data_dir.path().join("worker.log")).expect("log file");
        let child = Command::new(ved_binary())
            .arg("worker")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .current_dir(data_dir.path())
            .env("NO_COLOR", "1")
            .env("VED_DATABASE_URL", app.database.url())
            .env("VED_SCRIPTS_REPO", data_dir.path().join("scripts_repo"))
            .env("VED_WORKER_NAME", name)
            .env("VED_RUNNER_IMAGE", std::env::var("VED_RUNNER_IMAGE").unwrap_or("ved-runner:latest".into()))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("ved worker starts");
        Self { child: Some(child), name: name.to_owned(), data_dir }
    }

    /// The `ved.managed` label of this worker's containers: its name and its repository path.
    pub fn instance(&self) -> String {
        format!("{}@{}", self.name, self.data_dir.path().join("scripts_repo").display())
    }

    /// SIGKILL: the worker gets no chance to finish or hand back its jobs.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate(child);
        }
    }
}

/// Waits for a graceful exit, so the server removes its warm containers; kills it if it
/// takes longer than a service manager would wait.
fn terminate(mut child: Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().ok().flatten().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate(child);
        }
    }
}

/// An HTTP client with its own cookie jar (one browser).
#[derive(Clone)]
pub struct Client {
    base_url: String,
    http: reqwest::Client,
}

#[derive(Debug)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl ApiResponse {
    pub fn detail(&self) -> &str {
        self.body["detail"].as_str().unwrap_or_default()
    }
}

impl Client {
    pub fn new(base_url: &str) -> Self {
        Self::built(base_url, reqwest::Client::builder().cookie_store(true))
    }

    /// A program holding an API token: no cookies; `Authorization: Bearer` on every request.
    pub fn with_token(base_url: &str, token: &str) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        let value = format!("Bearer {token}").parse().expect("a header value");
        headers.insert(reqwest::header::AUTHORIZATION, value);
        Self::built(base_url, reqwest::Client::builder().default_headers(headers))
    }

    fn built(base_url: &str, builder: reqwest::ClientBuilder) -> Self {
        let http = builder.timeout(Duration::from_secs(120)).build().expect("client");
        Self { base_url: base_url.to_owned(), http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn raw(&self) -> &reqwest::Client {
        &self.http
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> ApiResponse {
        let response = request.send().await.expect("request reached the server");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        ApiResponse { status, headers, body, text }
    }

    pub async fn request(&self, method: Method, path: &str, body: Option<&Value>) -> ApiResponse {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(request).await
    }

    pub async fn get(&self, path: &str) -> ApiResponse {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> ApiResponse {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn post_empty(&self, path: &str) -> ApiResponse {
        self.request(Method::POST, path, None).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> ApiResponse {
        self.request(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> ApiResponse {
        self.request(Method::DELETE, path, None).await
    }

    pub async fn login(&self, username: &str, password: &str) -> ApiResponse {
        self.post("/api/auth/login", &serde_json::json!({"username": username, "password": password})).await
    }
}

/// Runs the real `git` against a bare repository and returns its stdout; `Err(stderr)` when
/// git fails (e.g. `git show prod:5.py` for a file that is not there).
pub fn git(repo: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg(format!("--git-dir={}", repo.display()))
        .args(args)
        .output()
        .expect("git is installed");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Runs SQL on the app's database with its command-line client (`sqlite3`, `psql`), as an
/// operator would; columns joined by `|`. Booleans print as `1`/`0` on SQLite and `t`/`f`
/// on PostgreSQL: cast them (`CAST(x AS INTEGER)`) to compare.
pub fn db_rows(app: &TestApp, sql: &str) -> Vec<String> {
    app.database.rows(sql)
}

/// `VersionInfo` of the API, as the tests read it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Version {
    pub id: i64,
    pub major: i32,
    pub minor: i32,
    pub label: String,
    pub committer: String,
    pub git_commit_hash: String,
    pub parent_script_id: Option<i64>,
    pub parent_version_id: Option<i64>,
    pub message: Option<String>,
}

/// `ScriptDetail` of the API, as the tests read it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Script {
    pub id: i64,
    pub ordering_number: f64,
    pub descriptive_name: String,
    pub docstring: String,
    pub content: String,
    pub test_data: String,
    pub version: Version,
    pub prod_version: Option<Version>,
}

/// The answer of a merge.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Merged {
    pub ok: bool,
    pub version: Version,
    pub prod_commit: String,
}

fn typed<T: serde::de::DeserializeOwned>(answer: &ApiResponse) -> T {
    serde_json::from_value(answer.body.clone()).unwrap_or_else(|err| panic!("{err}: {}", answer.text))
}

impl Client {
    /// Creates a script and returns its detail; panics with the server's answer otherwise.
    pub async fn create_script(&self, content: &str, test_data: &str) -> Script {
        let answer =
            self.post("/api/scripts", &serde_json::json!({"content": content, "test_data": test_data})).await;
        assert_eq!(answer.status, StatusCode::CREATED, "create: {}", answer.text);
        typed(&answer)
    }

    pub async fn save_script(&self, id: i64, content: &str) -> Script {
        let answer = self.put(&format!("/api/scripts/{id}"), &serde_json::json!({"content": content})).await;
        assert_eq!(answer.status, StatusCode::OK, "save: {}", answer.text);
        typed(&answer)
    }

    pub async fn merge_script(&self, id: i64) -> Merged {
        let answer = self.post_empty(&format!("/api/scripts/{id}/merge")).await;
        assert_eq!(answer.status, StatusCode::OK, "merge: {}", answer.text);
        typed(&answer)
    }
}
