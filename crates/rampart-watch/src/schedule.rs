//! Rounds on a fixed schedule. The first round starts at once; each next
//! one starts `interval` after the previous one STARTED, or at once when
//! the previous one overran its interval (counted). Rounds run one after
//! the other on the caller's thread, so two can never overlap.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A stop request, shared with a signal handler (`signal_hook::flag`
/// sets the flag) and with the HTTP server.
#[derive(Clone, Debug, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    pub fn new() -> Stop {
        Stop::default()
    }
    /// The flag itself, for `signal_hook::flag::register`.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    /// Sleep until `until` or a stop request, whichever comes first (the
    /// flag is looked at every `tick`). True when stopped.
    pub fn sleep_until(&self, until: Instant, tick: Duration) -> bool {
        loop {
            if self.requested() {
                return true;
            }
            let now = Instant::now();
            if now >= until {
                return false;
            }
            std::thread::sleep((until - now).min(tick));
        }
    }
}

/// What a round is told about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Round {
    /// 1 for the first round.
    pub number: u64,
    /// Rounds before this one that took longer than the interval.
    pub overruns: u64,
}

/// What the schedule did, when it stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub rounds: u64,
    pub overruns: u64,
}

/// How often the stop flag is looked at while waiting for the next round.
const TICK: Duration = Duration::from_millis(100);

/// Run `round` now and then on the schedule until `stop` is requested or
/// `max_rounds` rounds ran. A round in progress is never interrupted here:
/// it ends within its own deadlines (each target has one), then the loop
/// sees the stop request.
pub fn run_rounds<F: FnMut(Round)>(
    interval: Duration,
    max_rounds: Option<u64>,
    stop: &Stop,
    mut round: F,
) -> Totals {
    let mut totals = Totals::default();
    loop {
        if stop.requested() || max_rounds.is_some_and(|m| totals.rounds >= m) {
            return totals;
        }
        let started = Instant::now();
        round(Round {
            number: totals.rounds + 1,
            overruns: totals.overruns,
        });
        totals.rounds += 1;
        let elapsed = started.elapsed();
        if elapsed > interval {
            totals.overruns += 1;
        }
        if max_rounds.is_some_and(|m| totals.rounds >= m) {
            return totals;
        }
        // An overrun: the next round starts at once (the deadline is past).
        if stop.sleep_until(started + interval, TICK) {
            return totals;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_never_overlap_and_overruns_are_counted() {
        let stop = Stop::new();
        let mut seen = Vec::new();
        let totals = run_rounds(Duration::from_millis(1), Some(3), &stop, |r| {
            // Each round outlasts the interval.
            std::thread::sleep(Duration::from_millis(5));
            seen.push(r);
        });
        assert_eq!(
            totals,
            Totals {
                rounds: 3,
                overruns: 3
            }
        );
        assert_eq!(
            seen.iter()
                .map(|r| (r.number, r.overruns))
                .collect::<Vec<_>>(),
            [(1, 0), (2, 1), (3, 2)]
        );
    }

    #[test]
    fn a_stop_request_ends_the_wait() {
        let stop = Stop::new();
        let s2 = stop.clone();
        // A day's interval: only the stop request can end the wait.
        let totals = run_rounds(Duration::from_secs(86_400), None, &stop, move |_| {
            s2.request()
        });
        assert_eq!(
            totals,
            Totals {
                rounds: 1,
                overruns: 0
            }
        );
    }

    #[test]
    fn a_stop_before_the_first_round_runs_none() {
        let stop = Stop::new();
        stop.request();
        let totals = run_rounds(Duration::from_secs(1), None, &stop, |_| unreachable!());
        assert_eq!(totals.rounds, 0);
    }
}
