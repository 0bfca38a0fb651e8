//! Percentiles of latency samples.
use std::time::Duration;

/// Latency percentiles in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

impl Summary {
    /// Panics on no samples: a figure measured from nothing would be a lie in the table.
    pub fn of(samples: &[Duration]) -> Self {
        assert!(!samples.is_empty(), "no samples to summarize");
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        Self {
            count: ms.len(),
            p50: percentile(&ms, 50.0),
            p95: percentile(&ms, 95.0),
            p99: percentile(&ms, 99.0),
        }
    }
}

/// Nearest-rank percentile of ascending `sorted`: always a value that was measured, never an
/// interpolation, so p99 of 30 samples is honestly the slowest one.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    assert!(!sorted.is_empty(), "percentile of no samples");
    assert!((0.0..=100.0).contains(&p), "percentile {p} is out of 0..=100");
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Completed requests per second of wall time.
pub fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

/// `value / baseline`; none when the baseline is missing or zero.
pub fn ratio(value: f64, baseline: Option<f64>) -> Option<f64> {
    baseline.filter(|b| *b != 0.0).map(|b| value / b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|v| Duration::from_millis(*v)).collect()
    }

    #[test]
    fn nearest_rank_of_one_to_hundred_is_the_rank_itself() {
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 50.0), 50.0);
        assert_eq!(percentile(&sorted, 95.0), 95.0);
        assert_eq!(percentile(&sorted, 99.0), 99.0);
        assert_eq!(percentile(&sorted, 100.0), 100.0);
        assert_eq!(percentile(&sorted, 0.0), 1.0);
    }

    #[test]
    fn small_samples_round_the_rank_up() {
        let sorted = [10.0, 20.0, 30.0];
        assert_eq!(percentile(&sorted, 50.0), 20.0);
        assert_eq!(percentile(&sorted, 34.0), 20.0);
        assert_eq!(percentile(&sorted, 33.0), 10.0);
        assert_eq!(percentile(&sorted, 95.0), 30.0);
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
    }

    #[test]
    fn p99_of_thirty_is_the_slowest_and_p95_the_second_slowest() {
        let samples: Vec<u64> = (1..=30).collect();
        let summary = Summary::of(&ms(&samples));
        assert_eq!(summary.count, 30);
        assert_eq!(summary.p50, 15.0);
        assert_eq!(summary.p95, 29.0);
        assert_eq!(summary.p99, 30.0);
    }

    #[test]
    fn summary_sorts_its_input() {
        let summary = Summary::of(&ms(&[40, 10, 30, 20]));
        assert_eq!((summary.p50, summary.p99), (20.0, 40.0));
    }

    #[test]
    #[should_panic(expected = "no samples")]
    fn an_empty_summary_is_refused() {
        Summary::of(&[]);
    }

    #[test]
    fn rates_and_ratios() {
        assert_eq!(per_second(50, Duration::from_millis(500)), 100.0);
        assert_eq!(ratio(3.0, Some(2.0)), Some(1.5));
        assert_eq!(ratio(3.0, Some(0.0)), None);
        assert_eq!(ratio(3.0, None), None);
    }
}
