//! SPEC §14: several `ved serve` processes and `ved worker` processes on one PostgreSQL
//! database and one scripts repository. Always on PostgreSQL, whatever `VED_TEST_DATABASE`
//! says: a SQLite file is one process's database.
use std::{
    collections::{BTreeSet, HashMap},
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::{json, Value};
use tempfile::TempDir;
use ved_tests::{
    database::TestDatabase,
    harness::{git, Client, TestApp, TestWorker},
    sse,
};

/// Two API processes on one new database and one repository, with `env` on both.
struct TwoServers {
    a: TestApp,
    b: TestApp,
    repo: PathBuf,
    _repo_dir: TempDir,
}

impl TwoServers {
    async fn start(env: &[(&str, &str)]) -> Self {
        let database = Arc::new(TestDatabase::postgres());
        let repo_dir = tempfile::tempdir().unwrap();
        let repo = repo_dir.path().join("scripts.git");
        let repo_path = repo.to_str().unwrap().to_owned();
        let with = |name: &'static str| {
            let mut env: Vec<(&str, &str)> = env.to_vec();
            env.extend([("VED_SCRIPTS_REPO", repo_path.as_str()), ("VED_WORKER_NAME", name)]);
            env
        };
        let a = TestApp::spawn_on(&database, &with("api-a")).await;
        let b = TestApp::spawn_on(&database, &with("api-b")).await;
        Self { a, b, repo, _repo_dir: repo_dir }
    }
}

async fn merged_script(editor: &Client, content: &str) -> i64 {
    let id = editor.create_script(content, "").await.id;
    editor.merge_script(id).await;
    id
}

async fn execution(client: &Client, id: i64) -> Value {
    let answer = client.get(&format!("/api/executions/{id}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body
}

/// Polls the execution until `done` holds; fails after `within`.
async fn wait_until(client: &Client, id: i64, done: impl Fn(&Value) -> bool, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let row = execution(client, id).await;
        if done(&row) {
            return row;
        }
        assert!(Instant::now() < deadline, "execution {id} did not get there within {within:?}: {row}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn containers_labelled(labels: &[String]) -> Vec<String> {
    let mut command = std::process::Command::new("docker");
    command.args(["ps", "-aq"]);
    for label in labels {
        command.args(["--filter", &format!("label={label}")]);
    }
    let output = command.output().expect("docker is installed");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect()
}

fn commit_count(repo: &Path, branch: &str) -> usize {
    git(repo, &["rev-list", "--count", branch]).unwrap().trim().parse().unwrap()
}

#[tokio::test]
async fn twenty_concurrent_saves_over_two_processes_make_twenty_versions_and_a_clean_repository() {
    let servers = TwoServers::start(&[("VED_WORKER", "false")]).await;
    let (on_a, on_b) = (servers.a.editor().await, servers.b.editor().await);
    let script = on_a.create_script("print('start')", "").await;

    let saves = (0..20).map(|n| {
        let client = if n % 2 == 0 { on_a.clone() } else { on_b.clone() };
        let path = format!("/api/scripts/{}", script.id);
        async move { (n, client.put(&path, &json!({"content": format!("print({n})")})).await) }
    });
    let answers = futures::future::join_all(saves).await;

    let mut commits = HashMap::new();
    for (n, answer) in &answers {
        assert_eq!(answer.status, StatusCode::OK, "save {n}: {}", answer.text);
        let version = &answer.body["version"];
        commits
            .insert(version["label"].as_str().unwrap().to_owned(), (*n, version["git_commit_hash"].clone()));
    }
    let labels: BTreeSet<&str> = commits.keys().map(String::as_str).collect();
    let expected: Vec<String> = (2..=21).map(|minor| format!("0.{minor}")).collect();
    assert_eq!(
        labels,
        expected.iter().map(String::as_str).collect(),
        "twenty distinct, consecutive versions"
    );
    // Every version's commit holds exactly the content of the save that made it.
    for (label, (n, commit)) in &commits {
        let file = format!("{}:{}.py", commit.as_str().unwrap(), script.id);
        assert_eq!(git(&servers.repo, &["show", &file]).unwrap(), format!("print({n})"), "version {label}");
    }
    // Both processes list the same 21 versions, and git has no commit beyond them: prod's
    // root, the creation and the twenty saves.
    for client in [&on_a, &on_b] {
        let versions = client.get(&format!("/api/scripts/{}/versions", script.id)).await;
        assert_eq!(versions.status, StatusCode::OK);
        assert_eq!(versions.body.as_array().unwrap().len(), 21, "{}", versions.text);
    }
    assert_eq!(commit_count(&servers.repo, "ed1"), 22);
    git(&servers.repo, &["fsck", "--strict"]).expect("git fsck --strict is clean");
}

#[tokio::test]
async fn a_session_started_on_one_process_is_valid_on_the_other() {
    let servers = TwoServers::start(&[("VED_WORKER", "false")]).await;
    let login = servers.a.client().login("ed1", "1editor").await;
    assert_eq!(login.status, StatusCode::OK);
    let cookie = login.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let me = reqwest::Client::new()
        .get(format!("{}/api/auth/me", servers.b.base_url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.json::<Value>().await.unwrap()["username"], "ed1");
}

#[tokio::test]
async fn a_run_all_through_one_process_is_spread_over_two_workers() {
    let servers = TwoServers::start(&[("VED_WORKER", "false")]).await;
    let workers_env = [("VED_MAX_CONCURRENT_RUNS", "2"), ("VED_WARM_POOL", "0")];
    let _workers = [
        TestWorker::spawn(&servers.a, "spread-1", &workers_env),
        TestWorker::spawn(&servers.a, "spread-2", &workers_env),
    ];
    let editor = servers.a.editor().await;
    let sleeper = "import time\ntime.sleep(1)\nprint('slept')\n";
    for _ in 0..6 {
        let id = merged_script(&editor, sleeper).await;
        // One group: all six may run at once, two per worker.
        let body = json!({"content": sleeper, "ordering_number": 1.0});
        assert_eq!(editor.put(&format!("/api/scripts/{id}"), &body).await.status, StatusCode::OK);
        editor.merge_script(id).await;
    }

    let answer = servers.b.editor().await.post("/api/execute/all", &json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let executions = answer.body.as_array().unwrap();
    assert_eq!(executions.len(), 6);
    assert!(executions.iter().all(|e| e["status"] == "succeeded"), "{executions:?}");
    let workers: BTreeSet<&str> = executions.iter().map(|e| e["worker"].as_str().unwrap()).collect();
    assert_eq!(workers, BTreeSet::from(["spread-1", "spread-2"]), "{executions:?}");
}

#[tokio::test]
async fn a_subscriber_on_one_process_sees_a_run_started_through_the_other_live() {
    let servers = TwoServers::start(&[]).await;
    let (on_a, on_b) = (servers.a.editor().await, servers.b.editor().await);
    let id = merged_script(&on_b, "import time\ntime.sleep(1)\nprint('late', flush=True)\ntime.sleep(1.5)\n")
        .await;
    let started = on_b.post(&format!("/api/execute/{id}?wait=false"), &json!({})).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    let execution_id = started.body["execution_id"].as_i64().unwrap();

    let stream =
        on_a.raw().get(on_a.url(&format!("/api/executions/{execution_id}/events"))).send().await.unwrap();
    let events = sse::read_to_end(stream).await;
    let stdout = events.iter().find(|e| e.kind == "stdout").expect("the output reached process A");
    assert_eq!(stdout.data["text"], "late\n");
    let end = events.last().unwrap();
    assert_eq!(end.kind, "end");
    assert_eq!(end.data["execution"]["status"], "succeeded");
    // Live, not read back at the end: the line came while the script still slept.
    assert!(
        end.at - stdout.at >= Duration::from_millis(1000),
        "the line reached process A only {:?} before the end",
        end.at - stdout.at
    );
}

#[tokio::test]
async fn a_worker_killed_mid_run_loses_its_job_within_the_lease_and_the_other_finishes() {
    let lease = [("VED_JOB_LEASE_S", "2")];
    let servers = TwoServers::start(&[("VED_WORKER", "false"), lease[0]]).await;
    let workers_env = [("VED_MAX_CONCURRENT_RUNS", "1"), ("VED_WARM_POOL", "0"), lease[0]];
    // Names of their own: the sweep removes the lost run's container by worker and id.
    let mut doomed = TestWorker::spawn(&servers.a, "doomed", &workers_env);
    let _survivor = TestWorker::spawn(&servers.a, "survivor", &workers_env);
    let editor = servers.a.editor().await;
    let id =
        merged_script(&editor, "import time\nprint('started', flush=True)\ntime.sleep(6)\nprint('done')\n")
            .await;
    let mut started = Vec::new();
    for _ in 0..2 {
        let answer = editor.post(&format!("/api/execute/{id}?wait=false"), &json!({})).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
        started.push(answer.body["execution_id"].as_i64().unwrap());
    }
    let mut by_worker = HashMap::new();
    for execution_id in &started {
        let running =
            wait_until(&editor, *execution_id, |row| row["status"] == "running", Duration::from_secs(30))
                .await;
        by_worker.insert(running["worker"].as_str().unwrap().to_owned(), *execution_id);
    }
    let (lost, kept) = (by_worker["doomed"], by_worker["survivor"]);

    let container_of_lost =
        vec![format!("ved.managed={}", doomed.instance()), format!("ved.execution={lost}")];
    // `running` comes before the container: a worker's first job waits for the probe of
    // the image's interpreter.
    let deadline = Instant::now() + Duration::from_secs(20);
    while containers_labelled(&container_of_lost).len() != 1 {
        assert!(Instant::now() < deadline, "the doomed worker never ran its job in a container");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    doomed.kill();
    let killed_at = Instant::now();
    let row = wait_until(&editor, lost, |row| row["status"] != "running", Duration::from_secs(20)).await;
    assert!(killed_at.elapsed() < Duration::from_secs(5), "lost only after {:?}", killed_at.elapsed());
    assert_eq!(row["status"], "error", "{row}");
    assert_eq!(row["error"], "worker lost", "{row}");
    // The sweep marks the row first, then removes the container (and then sends `end`).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !containers_labelled(&container_of_lost).is_empty() {
        assert!(Instant::now() < deadline, "the lost run's container was not removed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let other = wait_until(&editor, kept, |row| row["status"] != "running", Duration::from_secs(30)).await;
    assert_eq!(other["status"], "succeeded", "{other}");
    assert_eq!(other["stdout"], "started\ndone\n");
}
