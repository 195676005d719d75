//! The record of one audit, made from the report it rendered and the
//! snapshots the report was made of: who each target was (its identity as
//! the server gave it), every finding as the JSON report shows it, and the
//! settings read. Secret settings never reach the record; every string a
//! server or a file gave goes through the scrubber.

use crate::model::{FindingRecord, RunRecord, TargetRecord};
use rampart_checks::{Avail, Snapshot};
use rampart_report::scrub::scrub;
use rampart_report::Report;
use std::collections::HashMap;

/// What the run was, beside its report.
#[derive(Clone, Debug, Default)]
pub struct RunInfo {
    pub run_id: String,
    pub started_at: i64,
    pub finished_at: i64,
    /// `K/N` for one shard of an inventory.
    pub shard: Option<String>,
    /// Empty: this host's name.
    pub host: String,
}

/// This host's name (`/proc/sys/kernel/hostname`, else `$HOSTNAME`).
pub fn host_name() -> String {
    redis_conf::fileio::read_string(std::path::Path::new("/proc/sys/kernel/hostname"), 256)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "localhost".into())
}

/// Whether a setting's value stays out of the record: a secret (passwords,
/// key passphrases), or a value a server already redacted.
pub fn is_secret_setting(name: &str, value: &str) -> bool {
    redis_conf::is_secret_config(name)
        || redis_conf::SECRET_CONFIGS.contains(&name)
        || value == "***"
}

/// Record a finished audit in the store `spec` names: a run started at
/// `started`, finished now, of `shard` when it is one.
pub fn record(
    spec: &crate::HistorySpec,
    report: &Report,
    snapshots: &[Snapshot],
    unaudited: &[String],
    started: std::time::SystemTime,
    shard: Option<String>,
) -> Result<(), crate::HistoryError> {
    let started_at = started
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let info = RunInfo {
        run_id: crate::new_run_id(started),
        started_at,
        finished_at: crate::now(),
        shard,
        host: String::new(),
    };
    let run = build(report, snapshots, unaudited, info);
    crate::open(spec)?.record_run(&run)
}

/// The record of one audit.
pub fn build(
    report: &Report,
    snapshots: &[Snapshot],
    unaudited: &[String],
    info: RunInfo,
) -> RunRecord {
    let by_name: HashMap<&str, &Snapshot> =
        snapshots.iter().map(|s| (s.target.as_str(), s)).collect();
    let advisory_data = snapshots
        .iter()
        .find_map(|s| s.currency.as_ref())
        .map(|c| c.advisories.reviewed.clone())
        .unwrap_or_default();
    let targets = report
        .targets
        .iter()
        .map(|t| {
            let snap = by_name.get(t.name.as_str()).copied();
            let mut rec = snap.map(target).unwrap_or_default();
            rec.name = clean(&t.name);
            rec.kind = t.kind.clone();
            if rec.version.is_none() {
                rec.version = t.version.as_ref().map(|v| v.dialect.clone());
            }
            rec.audited = !unaudited.contains(&t.name);
            rec
        })
        .collect();
    let findings = report
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| FindingRecord {
            target: clean(&f.target),
            check_id: f.id.to_string(),
            severity: f.severity.as_str().to_string(),
            status: f.status.as_str().to_string(),
            message: clean(&f.message),
            evidence_json: evidence(f),
            fingerprint: rampart_policy::fingerprint(f),
            suppressed: report.suppression(i).is_some(),
        })
        .collect();
    RunRecord {
        run_id: info.run_id,
        started_at: info.started_at,
        finished_at: info.finished_at,
        rampart_version: rampart_report::VERSION.to_string(),
        advisory_data,
        shard: info.shard,
        host: if info.host.is_empty() {
            host_name()
        } else {
            info.host
        },
        targets,
        findings,
    }
}

fn clean(s: &str) -> String {
    scrub(s).into_owned()
}

/// Evidence items kept per finding: the record is for comparing runs
/// (fingerprints, statuses, messages), not a copy of every report; one
/// finding of 100k ACL users made a 50 MB row.
pub const EVIDENCE_KEPT: usize = 50;

#[derive(serde::Serialize)]
struct EvidenceItem<'a> {
    source: &'a str,
    location: String,
    observed: String,
    expected: String,
}

/// The evidence as the JSON report shows it, scrubbed: the first
/// [`EVIDENCE_KEPT`] items, then `{"more": N}` when there were more.
fn evidence(f: &rampart_checks::Finding) -> String {
    let items: Vec<EvidenceItem<'_>> = f
        .evidence
        .iter()
        .take(EVIDENCE_KEPT)
        .map(|e| EvidenceItem {
            source: e.source.as_str(),
            location: clean(&e.location),
            observed: clean(&e.observed),
            expected: clean(&e.expected),
        })
        .collect();
    let mut json = serde_json::to_string(&items).unwrap_or_else(|_| "[]".into());
    if f.evidence.len() > EVIDENCE_KEPT {
        json.pop();
        json.push_str(&format!(
            ",{{\"more\":{}}}]",
            f.evidence.len() - EVIDENCE_KEPT
        ));
    }
    json
}

/// Who a target is, and its settings.
fn target(s: &Snapshot) -> TargetRecord {
    let mut rec = TargetRecord::default();
    if let Avail::Present(live) = &s.live {
        let info = |k: &str| live.info.get(k).filter(|v| !v.is_empty()).map(|v| clean(v));
        rec.address = Some(clean(&live.endpoint));
        rec.server_run_id = info("run_id");
        rec.version = match (info("valkey_version"), info("redis_version")) {
            (Some(v), _) => Some(format!("valkey {v}")),
            (None, Some(v)) => Some(format!("redis {v}")),
            _ => None,
        };
        rec.role = if info("redis_mode").as_deref() == Some("sentinel") {
            Some("sentinel".into())
        } else {
            info("role")
        };
        if let Ok(config) = &live.config {
            rec.settings = config
                .iter()
                .filter(|(k, v)| !is_secret_setting(k, v))
                .map(|(k, v)| (k.clone(), clean(v)))
                .collect();
            return rec;
        }
    }
    if let Avail::Present(conf) = &s.conf {
        if let Some(d) = conf.config.dialect() {
            let mut settings: Vec<(String, String)> = redis_conf::config_names(d)
                .into_iter()
                .filter(|n| !is_secret_setting(n, ""))
                .filter_map(|n| {
                    conf.effective(n)
                        .map(|e| (n.to_string(), e.value))
                        .filter(|(n, v)| !is_secret_setting(n, v))
                })
                .map(|(n, v)| (n, clean(&v)))
                .collect();
            settings.sort();
            settings.dedup_by(|a, b| a.0 == b.0);
            rec.settings = settings;
        }
    }
    rec
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rampart_checks::{run_all, LiveFacts};
    use std::collections::BTreeMap;

    const PW: &str = "build-test-password-8c1e5f0a77";
    const KEYPW: &str = "build-test-key-pass-31d9b0";

    fn conf_snapshot() -> Snapshot {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("redis.conf");
        std::fs::write(
            &path,
            format!(
                "port 6380\nprotected-mode no\nrequirepass {PW}\nmasterauth {PW}\ntls-key-file-pass {KEYPW}\nuser app on >{PW} ~* +@all\n"
            ),
        )
        .unwrap();
        let snap = rampart_checks::Snapshot {
            conf: Avail::Present(rampart_checks::ConfFacts {
                path: path.clone(),
                config: redis_conf::Config::load(&path, &redis_conf::LoadOptions::default())
                    .unwrap(),
            }),
            ..Snapshot::empty(path.display().to_string())
        };
        snap
    }

    fn report_of(snaps: &[Snapshot]) -> Report {
        let mut r = Report::default();
        for s in snaps {
            r.findings.extend(run_all(s));
            r.targets.push(rampart_report::Target {
                name: s.target.clone(),
                kind: "files".into(),
                version: None,
            });
        }
        r
    }

    #[test]
    fn no_secret_reaches_the_record() {
        rampart_report::scrub::register(PW.as_bytes());
        let files = conf_snapshot();
        let mut live = Snapshot::empty("10.0.0.1:6379");
        let mut config = BTreeMap::new();
        config.insert("requirepass".to_string(), PW.to_string());
        config.insert("masterauth".to_string(), "***".to_string());
        config.insert("tls-key-file-pass".to_string(), KEYPW.to_string());
        config.insert("maxmemory".to_string(), "0".to_string());
        config.insert("dir".to_string(), format!("/data/{PW}"));
        let mut info = BTreeMap::new();
        info.insert("redis_version".to_string(), "7.2.6".to_string());
        info.insert("run_id".to_string(), "f00d".to_string());
        info.insert("role".to_string(), "master".to_string());
        live.live = Avail::Present(LiveFacts {
            endpoint: "10.0.0.1:6379".into(),
            info,
            config: Ok(config),
            protocol: 2,
            acl_list: Err("not read".into()),
            clients: Err("not read".into()),
            cluster_nodes: None,
            unauth: None,
            plaintext_probes: Vec::new(),
            command_table: None,
            modules: Err("not read".into()),
            masterauth_sha256: None,
            peers: Vec::new(),
            package_version: None,
            value_sample: None,
            sentinel: None,
        });
        let snaps = vec![files, live];
        let mut report = report_of(&snaps);
        report.targets[1].kind = "server".into();
        let rec = build(&report, &snaps, &[], RunInfo::default());
        let all = serde_json::to_string(&rec).unwrap();
        assert!(!all.contains(PW), "{all}");
        assert!(!all.contains(KEYPW), "{all}");
        assert!(!all.contains("requirepass\""), "{all}");
        let live = &rec.targets[1];
        assert_eq!(live.version.as_deref(), Some("redis 7.2.6"));
        assert_eq!(live.server_run_id.as_deref(), Some("f00d"));
        assert_eq!(live.role.as_deref(), Some("master"));
        assert_eq!(
            live.settings
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>(),
            ["dir", "maxmemory"]
        );
        // The file's effective settings, without its secrets.
        let files = &rec.targets[0];
        let get = |n: &str| {
            files
                .settings
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("protected-mode"), Some("no"));
        assert_eq!(get("port"), Some("6380"));
        assert_eq!(get("requirepass"), None);
        assert_eq!(get("masterauth"), None);
        assert!(files.settings.len() > 50, "{}", files.settings.len());
        assert!(!rec.findings.is_empty());
        assert!(rec.findings.iter().all(|f| f.fingerprint.len() == 32));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod evidence_tests {
    use rampart_checks::{Evidence, Finding, Severity, Source, Status};

    #[test]
    fn a_finding_of_many_users_keeps_fifty_items_and_the_count() {
        let f = Finding {
            id: "ACL002",
            title: "t",
            severity: Severity::High,
            status: Status::Fail,
            target: "x".into(),
            message: "m".into(),
            evidence: (0..120)
                .map(|i| Evidence::new(Source::Aclfile, format!("f:{i}"), "weak", "strong"))
                .collect(),
            remediation: "r",
            fix: None,
        };
        let v: serde_json::Value = serde_json::from_str(&super::evidence(&f)).unwrap();
        let a = v.as_array().unwrap();
        assert_eq!(a.len(), super::EVIDENCE_KEPT + 1);
        assert_eq!(a[super::EVIDENCE_KEPT]["more"], 70);
        assert_eq!(a[0]["location"], "f:0");
    }
}
