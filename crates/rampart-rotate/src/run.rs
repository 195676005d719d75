//! One run: the order of plan, steps, reconcile, grace, finish and
//! rollback, and the JSON summary of how it ended.

use crate::error::{Error, Result};
use crate::journal::{load_journal, unix_now, RunLock};
use crate::plan::plan;
use crate::recover::{reconcile, rollback};
use crate::sentinel::plan_sentinels;
use crate::show::show_plan;
use crate::steps::forward;
use crate::{generate, Connector, Ctx, Journal, Mode, Options, Phase, Progress};
use redis_acl::hash_password;
use std::path::{Path, PathBuf};
use std::time::Duration;
/// How a run ended, for `--format json`.
pub struct RunEnd {
    pub journal_path: Option<PathBuf>,
    pub journal: Option<Journal>,
    pub dry_run: bool,
    /// This run wrote (or continues) the journal at `journal_path`.
    pub touched: bool,
}

impl RunEnd {
    pub fn empty() -> RunEnd {
        RunEnd {
            journal_path: None,
            journal: None,
            dry_run: false,
            touched: false,
        }
    }

    /// Names, roles and flags only: never a password or a hash.
    pub fn json(&self) -> serde_json::Value {
        use serde_json::json;
        let Some(j) = &self.journal else {
            return json!({
                "schema": 1,
                "journal": self.journal_path.as_ref().map(|p| p.display().to_string()),
                "phase": null,
            });
        };
        let phase = serde_json::to_value(j.phase).unwrap_or_default();
        let next = match j.phase {
            _ if self.dry_run => "run without --dry-run",
            Phase::Ready => "finish",
            Phase::Done | Phase::RolledBack => "none",
            _ => "resume",
        };
        let nodes: Vec<serde_json::Value> = j
            .nodes
            .iter()
            .map(|n| {
                json!({
                    "node": n.name(),
                    "role": n.role,
                    "persist": n.persist,
                    "old_passwords": n.old_hashes.len(),
                    "masterauth": n.masterauth,
                    "masterauth_updated": n.masterauth_updated,
                    "requirepass": n.requirepass,
                    "sentinel_pass": n.sentinel_pass,
                    "sentinel_pass_updated": n.sentinel_pass_updated,
                })
            })
            .collect();
        let sentinels: Vec<serde_json::Value> = j
            .sentinels
            .iter()
            .map(|s| {
                json!({
                    "sentinel": s.endpoint().to_string(),
                    "master": s.master,
                    "auth_pass": s.dependent,
                    "auth_pass_updated": s.updated,
                })
            })
            .collect();
        json!({
            "schema": 1,
            "user": j.user,
            "journal": self.journal_path.as_ref().map(|p| p.display().to_string()),
            "dry_run": self.dry_run,
            "phase": phase,
            "next": next,
            "grace_secs": j.grace_secs,
            "nodes": nodes,
            "sentinels": sentinels,
            "skipped": j.skipped,
        })
    }
}

/// Run a rotation as `opts` says: plan (or continue from the journal),
/// step forward, finish or roll back. `end` tells the caller, also after
/// an error, which journal this run used and whether it wrote it.
pub fn run(
    opts: &Options,
    connector: &dyn Connector,
    progress: &dyn Progress,
    end: &mut RunEnd,
) -> Result<()> {
    end.dry_run = opts.dry_run;
    let journal_path = opts.journal.clone();
    end.journal_path = Some(journal_path.clone());
    // Every secret this run holds, registered before any server is asked
    // anything: a server echoing one cannot put it into the output.
    for s in [&opts.new_password, &opts.old_password, &opts.login.password]
        .into_iter()
        .flatten()
    {
        rampart_report::scrub::register(s.expose());
    }
    let _lock = if opts.dry_run {
        None
    } else {
        Some(RunLock::take(&journal_path)?)
    };
    let existing = load_journal(&journal_path)?;
    let mut ctx = Ctx {
        connector,
        progress,
        fault: opts.fault.as_deref(),
        login: opts.login.clone(),
        user: opts.user.clone(),
        journal_path: journal_path.clone(),
        new_password: opts.new_password.clone(),
        history: opts.history.clone(),
        no_relink: opts.no_relink,
        extra_sentinels: opts.extra_sentinels.clone(),
        skip: opts.skip_nodes.clone(),
        peers: opts.peers.clone(),
    };
    let finish = opts.mode == Mode::Finish;
    let rollback_mode = opts.mode == Mode::Rollback;

    let continuing = opts.mode != Mode::Start;
    if continuing {
        let mut j = existing.ok_or_else(|| Error::NoJournal {
            path: journal_path.clone(),
        })?;
        if j.user != ctx.user {
            return Err(Error::Request(format!(
                "the journal is for user {:?}, not {:?}",
                j.user, ctx.user
            )));
        }
        let of_sentinels = !j.nodes.is_empty() && j.nodes.iter().all(|n| n.sentinel);
        if of_sentinels != opts.sentinels {
            return Err(Error::Request(format!(
                "the journal {} is a rotation of {}: {} --sentinels",
                journal_path.display(),
                if of_sentinels {
                    "the Sentinels' own ACL user"
                } else {
                    "the data nodes' user"
                },
                if of_sentinels { "add" } else { "drop" }
            )));
        }
        if let Some(p) = &ctx.new_password {
            if hash_password(p.expose()) != j.new_hash {
                return Err(Error::Request(
                    "the new password given does not match the journal's hash".to_string(),
                ));
            }
        }
        if matches!(j.phase, Phase::Done | Phase::RolledBack) {
            ctx.say(&format!(
                "The rotation in {} is already {:?}: nothing to do.",
                journal_path.display(),
                j.phase
            ));
            end.journal = Some(j);
            return Ok(());
        }
        if opts.dry_run {
            show_plan(&ctx, &j, &journal_path);
            ctx.say(&format!("Recorded phase: {:?}", j.phase));
            end.journal = Some(j);
            return Ok(());
        }
        end.touched = true;
        if rollback_mode {
            rollback(&ctx, &mut j, opts.old_password.clone())?;
            ctx.say("Rolled back: every node accepts the old password(s) only.");
            end.journal = Some(j);
            return Ok(());
        }
        if let Some(g) = opts.grace {
            j.grace_secs = Some(g.as_secs());
        }
        let finish_now = finish || j.grace_secs.is_some();
        ctx.say("Reading every node back:");
        reconcile(&ctx, &mut j)?;
        forward(&ctx, &mut j, Phase::Ready).map_err(|e| stopped(&j, &journal_path, e))?;
        if finish_now {
            wait_grace(&ctx, &j, finish);
            forward(&ctx, &mut j, Phase::Done).map_err(|e| stopped(&j, &journal_path, e))?;
            ctx.say(&done_line(&j));
        } else {
            ctx.say(&format!(
                "Ready: both passwords work. Remove the old one with --finish (journal {}).",
                journal_path.display()
            ));
        }
        end.journal = Some(j);
        return Ok(());
    }

    if let Some(j) = &existing {
        if !matches!(j.phase, Phase::Done | Phase::RolledBack) && !opts.dry_run {
            return Err(Error::Request(format!(
                "a rotation of {:?} is in progress (phase {:?}, journal {}): use --resume, --finish or --rollback",
                j.user,
                j.phase,
                journal_path.display()
            )));
        }
    }
    let new_password = match (&ctx.new_password, opts.generate) {
        (Some(p), _) => p.clone(),
        (None, true) => generate()?,
        (None, false) => {
            return Err(Error::Request(
                "give --new-password-file FILE (or -) or --generate".to_string(),
            ))
        }
    };
    let new_hash = hash_password(new_password.expose());
    let mut j = if opts.sentinels {
        plan_sentinels(&ctx, &opts.seed, &new_hash, opts.grace)?
    } else {
        plan(&ctx, opts.seed.clone(), &new_hash, opts.grace)?
    };
    show_plan(&ctx, &j, &journal_path);
    if opts.dry_run {
        ctx.say("Dry run: nothing changed.");
        end.journal = Some(j);
        return Ok(());
    }
    if let Some(out) = &opts.password_out {
        crate::journal::write_private(out, new_password.expose()).map_err(|source| {
            Error::PasswordOut {
                path: out.clone(),
                source,
            }
        })?;
        ctx.say(&format!(
            "The new password is in {} (mode 600).",
            out.display()
        ));
    } else if opts.generate
        && !j.nodes.iter().any(|n| n.masterauth || n.sentinel_pass)
        && !j.sentinels.iter().any(|s| s.dependent)
    {
        ctx.warn("the generated password is not saved anywhere (--password-out FILE); only rampart's own steps will know it");
    }
    ctx.new_password = Some(new_password);
    ctx.save(&j)?;
    end.touched = true;
    forward(&ctx, &mut j, Phase::Ready).map_err(|e| stopped(&j, &journal_path, e))?;
    if j.grace_secs.is_some() {
        wait_grace(&ctx, &j, false);
        forward(&ctx, &mut j, Phase::Done).map_err(|e| stopped(&j, &journal_path, e))?;
        ctx.say(&done_line(&j));
    } else {
        ctx.say(&format!(
            "Ready: both passwords work on every node. Move the clients to the new password, then run again with --finish (journal {}).",
            journal_path.display()
        ));
    }
    end.journal = Some(j);
    Ok(())
}

/// What to do after a step failed: the journal knows where it stopped.
fn stopped(j: &Journal, journal: &Path, e: Error) -> Error {
    Error::Stopped {
        phase: j.phase,
        journal: journal.to_path_buf(),
        source: Box::new(e),
    }
}

/// The rest of the grace period, counted from when the new password first
/// worked everywhere (so an interrupted wait does not start over).
fn wait_grace(ctx: &Ctx, j: &Journal, finish: bool) {
    let grace = if finish { 0 } else { j.grace_secs.unwrap_or(0) };
    let elapsed = j
        .ready_at
        .map(|t| unix_now().saturating_sub(t))
        .unwrap_or(0);
    let secs = grace.saturating_sub(elapsed);
    if secs > 0 {
        ctx.say(&format!(
            "Grace period: waiting {secs}s more before removing the old password(s)."
        ));
        std::thread::sleep(Duration::from_secs(secs));
    }
}

/// The last line of a finished rotation; names the skipped nodes.
fn done_line(j: &Journal) -> String {
    if j.skipped.is_empty() {
        return "Done: every node accepts the new password only.".to_string();
    }
    format!(
        "Done: every node accepts the new password only, except the skipped node(s) {}: they still accept only the old password (add the new one there before their clients or replicas need it).",
        j.skipped.join(", ")
    )
}
