//! Runs a command (the browser end-to-end suite) against a real `ved` server whose LLM
//! upstream is the fake one: `e2e_env npm run e2e` sets `VED_E2E_URL` and exits with the
//! command's status, stopping the server and the fake afterwards.
use std::time::Duration;

use ved_tests::{
    fake_llm::{Behaviour, FakeLlm},
    harness::TestApp,
};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: e2e_env COMMAND [ARGS...]");
        std::process::exit(2);
    };
    let fake = FakeLlm::start(Behaviour::default()).await;
    // Answers stream over a few seconds (≈20 chunks), as a slow model's do: the browser tests
    // see an answer grow, and have time to press Stop while it streams even on a busy machine.
    fake.set_stream_gap(Duration::from_millis(120));
    let app = TestApp::spawn_with(&[
        ("VED_LLM_BASE_URL", &fake.base_url),
        ("OPENROUTER_API_KEY", "sk-e2e-not-a-real-key"),
    ])
    .await;
    eprintln!("e2e_env: ved at {}, fake LLM at {}", app.base_url, fake.base_url);
    let status =
        tokio::process::Command::new(&program).args(args).env("VED_E2E_URL", &app.base_url).status().await;
    let code = match status {
        Ok(status) => status.code().unwrap_or(1),
        Err(err) => {
            eprintln!("e2e_env: cannot run {program}: {err}");
            1
        }
    };
    if code != 0 {
        eprintln!("e2e_env: server log:\n{}", app.logs());
    }
    drop(app);
    drop(fake);
    std::process::exit(code);
}
