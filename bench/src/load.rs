//! A closed-loop load generator: each worker sends its next request as soon as the previous
//! one is answered, so the offered load adapts to the server instead of queueing without end.
use std::{
    future::Future,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use crate::stats::{per_second, Summary};

/// Every loop stops at whichever bound it reaches first.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub workers: usize,
    pub max_requests: usize,
    pub max_time: Duration,
}

impl Bounds {
    pub fn sequential(max_requests: usize, max_time: Duration) -> Self {
        Self { workers: 1, max_requests, max_time }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct LoadResult {
    pub latency: Summary,
    pub per_second: f64,
}

/// Runs `request(worker, n)` (`n` counts every request of the loop from 0) until a bound is
/// reached. A failed request aborts the bench: latencies of errors would flatter the server.
pub async fn closed_loop<F, Fut>(name: &str, bounds: Bounds, request: F) -> LoadResult
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let request = Arc::new(request);
    let issued = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + bounds.max_time;
    let workers: Vec<_> = (0..bounds.workers)
        .map(|worker| {
            let (request, issued) = (request.clone(), issued.clone());
            tokio::spawn(async move {
                let mut samples = Vec::new();
                loop {
                    let n = issued.fetch_add(1, Ordering::Relaxed);
                    if n >= bounds.max_requests || Instant::now() >= deadline {
                        return Ok(samples);
                    }
                    let sent = Instant::now();
                    request(worker, n).await?;
                    samples.push(sent.elapsed());
                }
            })
        })
        .collect();
    let mut samples = Vec::new();
    for worker in workers {
        match worker.await.expect("load worker panicked") {
            Ok(mine) => samples.extend(mine),
            Err(err) => panic!("{name}: {err}"),
        }
    }
    let elapsed = start.elapsed();
    LoadResult { latency: Summary::of(&samples), per_second: per_second(samples.len(), elapsed) }
}

/// Reads the whole body, so that a latency includes the transfer, and refuses non-2xx.
pub async fn expect_success(sent: reqwest::Result<reqwest::Response>) -> Result<(), String> {
    let response = sent.map_err(|err| format!("request failed: {err}"))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|err| format!("reading the body failed: {err}"))?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
    }
}
