//! The server's resident memory, as the kernel reports it in `/proc/PID/status`.
use std::time::Duration;

use tokio::{sync::oneshot, task::JoinHandle, time::MissedTickBehavior};

const SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// VmRSS of a running process in MiB.
pub fn rss_mib(pid: u32) -> f64 {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    parse_vm_rss_kib(&status).unwrap_or_else(|| panic!("{path} has no VmRSS line")) as f64 / 1024.0
}

fn parse_vm_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|line| line.strip_prefix("VmRSS:"))?;
    line.split_whitespace().next()?.parse().ok()
}

/// The highest RSS seen while it runs; a short spike between two samples can be missed, which
/// is why the interval is short.
pub struct PeakSampler {
    stop: oneshot::Sender<()>,
    task: JoinHandle<f64>,
}

impl PeakSampler {
    pub fn start(pid: u32) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut every = tokio::time::interval(SAMPLE_EVERY);
            every.set_missed_tick_behavior(MissedTickBehavior::Skip);
            let mut peak = 0.0_f64;
            loop {
                tokio::select! {
                    _ = &mut stopped => return peak.max(rss_mib(pid)),
                    _ = every.tick() => peak = peak.max(rss_mib(pid)),
                }
            }
        });
        Self { stop, task }
    }

    pub async fn peak_mib(self) -> f64 {
        let _ = self.stop.send(());
        self.task.await.expect("RSS sampler panicked")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vm_rss_in_kib() {
        let status = "Name:\tved\nVmPeak:\t  900000 kB\nVmRSS:\t   51234 kB\nRssAnon:\t 40000 kB\n";
        assert_eq!(parse_vm_rss_kib(status), Some(51_234));
        assert_eq!(parse_vm_rss_kib("Name:\tzombie\n"), None);
    }

    #[test]
    fn this_process_has_a_resident_set() {
        assert!(rss_mib(std::process::id()) > 0.0);
    }
}
