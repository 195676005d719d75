//! `rampart watch`: the audit on a schedule, its metrics served for
//! Prometheus. The targets are resolved once (a password is asked for
//! once); each round collects them again, assembles the report exactly as
//! `audit` does, records it, and replaces the served page. Rounds never
//! overlap (rampart-watch's schedule); the server reads the last finished
//! round's page and never waits for one.

use super::audit;
use crate::cli::AuditArgs;
use anyhow::{bail, Context, Result};
use rampart_report::metrics::{self, LastRound, MetricsState};
use rampart_watch::{run_rounds, Limits, Pages, Server, Stop};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Audit on a schedule and serve Prometheus metrics.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub audit: AuditArgs,

    /// Time from one round's start to the next (`30s`, `5m`, `1h`; at
    /// least 1s). A round that takes longer is followed at once by the
    /// next (never two at once; counted in rampart_run_overruns_total).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_interval, help_heading = "Watch")]
    pub interval: Duration,

    /// Serve the metrics at http://ADDR:PORT/metrics. The default listens
    /// on loopback only; listening on another address exposes the audit's
    /// results (check statuses of every target) to whoever reaches it:
    /// that is the operator's choice.
    #[arg(
        long,
        value_name = "ADDR:PORT",
        default_value = "127.0.0.1:9187",
        help_heading = "Watch"
    )]
    pub listen: String,

    /// Run one round, print its metrics (to standard output or -o FILE)
    /// and exit (2 when the round could not run); no server.
    #[arg(long, help_heading = "Watch")]
    pub once: bool,
}

fn parse_interval(s: &str) -> std::result::Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (e.g. 30s, 5m, 1h)"))?;
    if d < Duration::from_secs(1) {
        return Err("the interval is at least 1s".into());
    }
    Ok(d)
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Age of the advisory data in use, from its review date.
fn advisory_age(now: f64) -> Option<f64> {
    let (c, _) = rampart_collect::advisories::active();
    let days = redis_advisories::date_days(&c.advisories.reviewed)?;
    Some((now - days as f64 * 86_400.0).max(0.0))
}

fn say(msg: &str) {
    anstream::eprintln!(
        "rampart watch: {}",
        rampart_report::scrub::scrub(&rampart_report::sanitize::for_terminal(msg))
    );
}

/// One round: collect, assemble, record; the state updated whatever happens.
fn round(
    plan: &audit::Plan,
    args: &WatchArgs,
    policy: &rampart_policy::Policy,
    state: &mut MetricsState,
    n: u64,
) {
    let a = &args.audit;
    state.runs_total += 1;
    let started = Instant::now();
    let started_wall = std::time::SystemTime::now();
    let result = audit::collect_snapshots(plan, a).and_then(|s| audit::assemble(s, a, policy));
    let finished_at = unix_now();
    let took = started.elapsed();
    if took > args.interval {
        state.run_overruns_total += 1;
    }
    state.advisory_data_age_seconds = advisory_age(finished_at);
    match result {
        Ok(assembled) => {
            // Recorded as an audit is, through the audit's own call (the
            // store is opened each time: a PostgreSQL that was down is used
            // again once it is back); a failure is counted and said, and
            // the round's metrics are served all the same.
            if let Some(line) = super::history::record_audit(
                &a.history,
                &assembled,
                started_wall,
                a.shard.map(|s| s.to_string()),
            ) {
                state.history_record_failures_total += 1;
                let why = line.strip_prefix("rampart: ").unwrap_or(&line);
                say(&format!("round {n}: not recorded in the history: {why}"));
            }
            let s = rampart_checks::Summary::of(assembled.report.counting());
            say(&format!(
                "round {n}: {} targets ({} not audited), {} fail, {} warn, {} error, {:.1}s",
                assembled.report.targets.len(),
                assembled.unaudited.len(),
                s.fail,
                s.warn,
                s.error,
                took.as_secs_f64()
            ));
            state.last_run_failed = false;
            state.last = Some(LastRound {
                report: assembled.report,
                unaudited: assembled.unaudited,
                finished_at,
                duration_seconds: took.as_secs_f64(),
            });
        }
        Err(e) => {
            // The last good round stays shown; the failure is counted.
            state.run_failures_total += 1;
            state.last_run_failed = true;
            say(&format!("round {n} could not run: {e:#}"));
        }
    }
}

pub(crate) fn run(args: WatchArgs) -> Result<ExitCode> {
    let a = &args.audit;
    if a.fixes.fix || a.fixes.diff || a.fixes.unsafe_fixes {
        bail!("watch is read-only: --fix and --diff belong to `rampart audit --config FILE`");
    }
    // Settings and baseline problems stop before anything is audited.
    let policy = super::policy::load(&a.policy)?;
    let plan = audit::plan(a)?;
    if !a.history.no_history
        && a.history.file.is_none()
        && rampart_history::resolve_path(None).is_none()
    {
        say("no history file (no $HOME, $RAMPART_HISTORY or --history): the rounds are not recorded");
    }
    let stop = Stop::new();
    // The first SIGTERM or SIGINT asks for a stop (exit 0; the round in
    // flight has --timeout to finish); a second one exits at once.
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register_conditional_shutdown(sig, 1, stop.flag())
            .context("cannot handle SIGTERM/SIGINT")?;
        signal_hook::flag::register(sig, stop.flag()).context("cannot handle SIGTERM/SIGINT")?;
    }
    let mut state = MetricsState {
        version: rampart_report::VERSION.to_string(),
        interval_seconds: args.interval.as_secs_f64(),
        advisory_data_age_seconds: advisory_age(unix_now()),
        ..MetricsState::default()
    };
    let pages = Pages::new(metrics::render(&state));
    let server = if args.once {
        None
    } else {
        let s = Server::start(&args.listen, pages.clone(), Limits::default())?;
        say(&format!(
            "serving http://{}/metrics, a round every {}",
            s.local_addr(),
            humantime::format_duration(args.interval)
        ));
        Some(s)
    };
    // The rounds run on their own thread: a stop request is seen at once
    // even in the middle of a round, which then has the target deadline
    // (--timeout) to finish before it is abandoned (never recorded half:
    // the record is one transaction).
    let grace = Duration::from_secs_f64(a.conn.timeout.clamp(0.1, 600.0));
    let (once, interval) = (args.once, args.interval);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let (worker_stop, worker_pages) = (stop.clone(), pages.clone());
    std::thread::Builder::new()
        .name("rampart-watch-rounds".into())
        .spawn(move || {
            let totals = run_rounds(interval, once.then_some(1), &worker_stop, |r| {
                round(&plan, &args, &policy, &mut state, r.number);
                // Labels are scrubbed one by one; the whole page once more.
                let page = metrics::render(&state);
                worker_pages.set(rampart_report::scrub::scrub(&page).into_owned());
            });
            let _ = done_tx.send((totals, state.last_run_failed, args));
        })
        .context("cannot start the rounds")?;
    let finished = loop {
        match done_rx.recv_timeout(Duration::from_millis(100)) {
            Ok(done) => break Some(done),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                bail!("the audit rounds stopped unexpectedly")
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if stop.requested() => {
                break done_rx.recv_timeout(grace).ok();
            }
            Err(_) => {}
        }
    };
    if let Some(s) = server {
        s.stop();
    }
    let Some((totals, last_failed, args)) = finished else {
        say("stopped: the round in flight was abandoned");
        return Ok(ExitCode::SUCCESS);
    };
    if once {
        super::emit(&pages.get(), args.audit.output.output.as_deref())?;
        return Ok(if last_failed {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        });
    }
    say(&format!("stopped after {} rounds", totals.rounds));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::parse_interval;
    use std::time::Duration;

    #[test]
    fn intervals_read_as_humans_write_them() {
        assert_eq!(parse_interval("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_interval("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_interval("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_interval("500ms").is_err());
        assert!(parse_interval("soon").is_err());
        assert!(parse_interval("0s").is_err());
    }
}
