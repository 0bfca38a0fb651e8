//! Figures 3–5: the HTTP API under load (catalog listing, saves, the LLM proxy).
use std::{sync::Arc, time::Duration};

use serde_json::json;
use ved_tests::{
    fake_llm::FakeLlm,
    harness::{Client, TestApp},
};

use crate::{
    load::{closed_loop, expect_not_modified, expect_success, Bounds, LoadResult},
    report::Row,
};

pub const CATALOG_SIZE: usize = 1_000;
const LIST_CLIENTS: usize = 32;
const LIST_TIME: Duration = Duration::from_secs(10);
/// Far above what 10 s can reach here; only a guard against an unexpectedly fast loop.
const LIST_MAX_REQUESTS: usize = 500_000;
/// One client alone: the latency a user sees when the server is not busy.
const SINGLE_CLIENT_REQUESTS: usize = 300;
const EDITORS: usize = 8;
const SEQUENTIAL_SAVES: usize = 300;
const CONCURRENT_SAVES: usize = 800;
const SAVE_TIME: Duration = Duration::from_secs(20);
const LLM_CALLS: usize = 1_000;
const LLM_TIME: Duration = Duration::from_secs(60);

/// Tops the catalog up to [`CATALOG_SIZE`] live scripts with docstrings, as a real catalog
/// has; returns the ids of the scripts it created.
pub async fn fill_catalog(editor: &Client) -> Vec<i64> {
    let listed = editor.get("/api/scripts").await;
    let existing = listed.body.as_array().expect("catalog list").len();
    let mut created = Vec::new();
    for n in existing + 1..=CATALOG_SIZE {
        let content = format!(
            "\"\"\"Catalog script {n}.\n\nFills the catalog for the benchmark.\n\"\"\"\nprint({n})\n"
        );
        created.push(editor.create_script(&content, "").await.id);
    }
    created
}

/// Figure 3: the catalog with [`CATALOG_SIZE`] scripts against the health check, each with
/// [`LIST_CLIENTS`] clients, every one logged in with its own session.
pub async fn catalog_under_load(app: &TestApp) -> Vec<Row> {
    let mut clients = Vec::new();
    for _ in 0..LIST_CLIENTS {
        clients.push(app.viewer().await);
    }
    let listed = clients[0].get("/api/scripts").await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(CATALOG_SIZE), "the catalog is not full");
    let etag = listed.headers.get("etag").and_then(|tag| tag.to_str().ok()).map(str::to_owned);
    let clients = Arc::new(clients);
    let alone = Bounds::sequential(SINGLE_CLIENT_REQUESTS, LIST_TIME);
    let scripts_alone =
        get_loop("GET /api/scripts, one client", alone, clients.clone(), "/api/scripts").await;
    let health_alone = get_loop("GET /api/health, one client", alone, clients.clone(), "/api/health").await;
    let bounds = Bounds { workers: LIST_CLIENTS, max_requests: LIST_MAX_REQUESTS, max_time: LIST_TIME };
    let scripts = get_loop("GET /api/scripts", bounds, clients.clone(), "/api/scripts").await;
    let health = get_loop("GET /api/health", bounds, clients.clone(), "/api/health").await;
    let load = format!("{CATALOG_SIZE} scripts, {LIST_CLIENTS} clients");
    let mut rows = vec![
        Row::new(
            format!(
                "3. GET /api/scripts p50 ({CATALOG_SIZE} scripts, one client, target 3) — vs GET /api/health"
            ),
            scripts_alone.latency.p50,
            "ms",
            Some(health_alone.latency.p50),
        ),
        Row::new(
            format!("3. GET /api/scripts p50 ({load}) — vs GET /api/health"),
            scripts.latency.p50,
            "ms",
            Some(health.latency.p50),
        ),
        Row::new(
            format!("3. GET /api/scripts p99 ({load}) — vs GET /api/health"),
            scripts.latency.p99,
            "ms",
            Some(health.latency.p99),
        ),
        Row::new(
            format!("3. GET /api/scripts throughput ({load}) — vs GET /api/health"),
            scripts.per_second,
            "req/s",
            Some(health.per_second),
        ),
    ];
    // What a browser that holds the list does: asks with its tag, gets a 304 while unchanged.
    if let Some(etag) = etag {
        let revalidated = closed_loop("GET /api/scripts, If-None-Match", bounds, move |worker, _| {
            let client = clients[worker].clone();
            let request = client.raw().get(client.url("/api/scripts")).header("if-none-match", &etag);
            async move { expect_not_modified(request.send().await).await }
        })
        .await;
        rows.push(Row::new(
            format!("3. GET /api/scripts with a current If-None-Match (304) throughput ({load}) — vs GET /api/health"),
            revalidated.per_second,
            "req/s",
            Some(health.per_second),
        ));
    }
    rows
}

async fn get_loop(name: &str, bounds: Bounds, clients: Arc<Vec<Client>>, path: &'static str) -> LoadResult {
    closed_loop(name, bounds, move |worker, _| {
        let client = clients[worker].clone();
        async move { expect_success(client.raw().get(client.url(path)).send().await).await }
    })
    .await
}

/// Figure 4: saves one after another (against reading the same script) and from
/// [`EDITORS`] editors at once, each on a script of their own (against sequential saves).
/// Every save comes from a fresh editor: a save rewrites the tree of the editor's branch, and
/// the branch of whoever created the whole catalog holds all of it, which would make the
/// sequential saves slower for a reason that has nothing to do with concurrency.
pub async fn saves(app: &TestApp, scripts: &[i64]) -> Vec<Row> {
    let mut editors = Vec::new();
    for number in 1..=EDITORS {
        let name = format!("bench{number}");
        let added = app.run_cli(&["users", "add", &name, "--role", "editor"], "bench-password\n");
        assert!(added.status.success(), "ved users add {name}: {}", String::from_utf8_lossy(&added.stderr));
        editors.push(app.login_as(&name, "bench-password").await);
    }
    let (sequential_script, scripts) = scripts.split_last().expect("scripts to save");
    let sequential_script = *sequential_script;
    let bounds = Bounds::sequential(SEQUENTIAL_SAVES, SAVE_TIME);
    let read = closed_loop("GET /api/scripts/{id}", bounds, {
        let editor = editors[0].clone();
        move |_, _| {
            let editor = editor.clone();
            async move {
                expect_success(
                    editor.raw().get(editor.url(&format!("/api/scripts/{sequential_script}"))).send().await,
                )
                .await
            }
        }
    })
    .await;
    let first_editor = Arc::new(vec![editors[0].clone()]);
    let sequential =
        save_loop("sequential saves", bounds, first_editor, Arc::new(vec![sequential_script])).await;
    let scripts = scripts[scripts.len() - EDITORS..].to_vec();
    let bounds = Bounds { workers: EDITORS, max_requests: CONCURRENT_SAVES, max_time: SAVE_TIME };
    let concurrent = save_loop("concurrent saves", bounds, Arc::new(editors), Arc::new(scripts)).await;

    let many = format!("{EDITORS} editors — vs sequential saves");
    vec![
        Row::new(
            "4. save p50, sequential — vs GET /api/scripts/{id}",
            sequential.latency.p50,
            "ms",
            Some(read.latency.p50),
        ),
        Row::new(
            "4. save p99, sequential — vs GET /api/scripts/{id}",
            sequential.latency.p99,
            "ms",
            Some(read.latency.p99),
        ),
        Row::new(
            "4. saves/s, sequential — vs GET /api/scripts/{id}",
            sequential.per_second,
            "saves/s",
            Some(read.per_second),
        ),
        Row::new(format!("4. save p50, {many}"), concurrent.latency.p50, "ms", Some(sequential.latency.p50)),
        Row::new(format!("4. save p99, {many}"), concurrent.latency.p99, "ms", Some(sequential.latency.p99)),
        Row::new(
            format!("4. saves/s, {many}"),
            concurrent.per_second,
            "saves/s",
            Some(sequential.per_second),
        ),
    ]
}

/// Worker `w` saves script `scripts[w]` as `editors[w]`, with content new on every save so
/// that each one really writes a commit and a version.
async fn save_loop(
    name: &str,
    bounds: Bounds,
    editors: Arc<Vec<Client>>,
    scripts: Arc<Vec<i64>>,
) -> LoadResult {
    closed_loop(name, bounds, move |worker, n| {
        let editor = editors[worker].clone();
        let url = editor.url(&format!("/api/scripts/{}", scripts[worker]));
        let body = json!({"content": format!("\"\"\"Saved by the benchmark.\"\"\"\nprint({n})\n")});
        async move { expect_success(editor.raw().put(url).json(&body).send().await).await }
    })
    .await
}

/// Figure 5: what the proxy adds to a completion, against calling the same fake upstream
/// directly with an equivalent request.
pub async fn llm_proxy(editor: &Client, llm: &FakeLlm) -> Vec<Row> {
    let bounds = Bounds::sequential(LLM_CALLS, LLM_TIME);
    let proxied = closed_loop("POST /api/llm/complete", bounds, {
        let editor = editor.clone();
        move |_, _| {
            let editor = editor.clone();
            let body = json!({"prompt": "hi", "context_code": "print(1)"});
            async move {
                expect_success(editor.raw().post(editor.url("/api/llm/complete")).json(&body).send().await)
                    .await
            }
        }
    })
    .await;
    let upstream = reqwest::Client::new();
    let url = format!("{}/chat/completions", llm.base_url);
    let direct = closed_loop("POST {fake}/chat/completions", bounds, move |_, _| {
        let request = upstream.post(&url).bearer_auth("bench-key").json(&json!({
            "model": "openai/gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are the coding assistant of code.ved. Help with the script the user is editing."},
                {"role": "user", "content": "The script being edited:\n\n```python\nprint(1)\n```"},
                {"role": "user", "content": "hi"},
            ],
            "max_tokens": 1024,
            "stream": false,
            "usage": {"include": true},
        }));
        async move { expect_success(request.send().await).await }
    })
    .await;
    vec![
        Row::new(
            "5. LLM proxy added latency p50 — vs direct call to the upstream",
            proxied.latency.p50 - direct.latency.p50,
            "ms",
            Some(direct.latency.p50),
        ),
        Row::new(
            "5. LLM proxy added latency p99 — vs direct call to the upstream",
            proxied.latency.p99 - direct.latency.p99,
            "ms",
            Some(direct.latency.p99),
        ),
    ]
}
