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
                let mut samples: Vec<Duration> = Vec::new();
                loop {
                    let n = issued.fetch_add(1, Ordering::Relaxed);
                    if n >= bounds.max_requests || Instant::now() >= deadline {
                        return Ok::<_, String>(samples);
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

/// A conditional request's answer must be 304: a 200 would mean the tag was not honoured
/// and the figure would measure something else.
pub async fn expect_not_modified(sent: reqwest::Result<reqwest::Response>) -> Result<(), String> {
    let response = sent.map_err(|err| format!("request failed: {err}"))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|err| format!("reading the body failed: {err}"))?;
    if status == reqwest::StatusCode::NOT_MODIFIED {
        Ok(())
    } else {
        Err(format!("{status} instead of 304 Not Modified ({} bytes)", body.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stops_at_the_request_count() {
        let bounds = Bounds { workers: 4, max_requests: 10, max_time: Duration::from_secs(60) };
        let result = closed_loop("count", bounds, |_, _| async { Ok(()) }).await;
        assert_eq!(result.latency.count, 10);
    }

    #[tokio::test]
    async fn stops_at_the_time_limit() {
        let bounds = Bounds { workers: 2, max_requests: usize::MAX, max_time: Duration::from_millis(100) };
        let started = Instant::now();
        let result = closed_loop("time", bounds, |_, _| async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok(())
        })
        .await;
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!((2..=30).contains(&result.latency.count), "{result:?}");
    }

    #[tokio::test]
    async fn each_worker_is_told_its_number_and_every_request_is_numbered_once() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let bounds = Bounds { workers: 3, max_requests: 30, max_time: Duration::from_secs(60) };
        closed_loop("numbers", bounds, {
            let seen = seen.clone();
            move |worker, n| {
                seen.lock().unwrap().push((worker, n));
                async { Ok(()) }
            }
        })
        .await;
        let seen = seen.lock().unwrap();
        let mut numbers: Vec<usize> = seen.iter().map(|(_, n)| *n).collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (0..30).collect::<Vec<_>>());
        assert!(seen.iter().all(|(worker, _)| *worker < 3));
    }

    #[tokio::test]
    #[should_panic(expected = "failing: 500 Internal Server Error: boom")]
    async fn a_failed_request_aborts_with_its_reason() {
        let bounds = Bounds::sequential(5, Duration::from_secs(60));
        closed_loop("failing", bounds, |_, _| async { Err("500 Internal Server Error: boom".to_owned()) })
            .await;
    }
}
