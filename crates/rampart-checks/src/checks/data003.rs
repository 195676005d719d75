use crate::model::{Evidence, Outcome, Source};
use crate::registry::check;
use crate::snapshot::Snapshot;

check! {
    /// Sensitive data is encrypted on the client side.
    ///
    /// **What.** An opt-in, read-only sample of values on a live server
    /// (`rampart audit TARGET --sample-values N`): up to N keys per server
    /// (SCAN, then TYPE and one bounded read per key), each value checked
    /// for plaintext that looks like a secret or personal data: a PEM
    /// private key, a payment card number (issuer prefix and Luhn check
    /// digit), an e-mail address, a JSON Web Token, an AWS access key id,
    /// a password in clear (a hash field or JSON key named like a password
    /// or secret, whose value is not a password hash). Ciphertext and
    /// binary data are not flagged. Values are never printed or kept: the
    /// report names the key, where in it, and what was seen. Without
    /// `--sample-values`, or in a files-only audit, it is skipped.
    ///
    /// **Why.** Anyone who gets a copy of an RDB file, a replica or a
    /// backup reads every value in clear; client-side encryption keeps
    /// those values useless without the application's key.
    ///
    /// **References.** Checklist "Consider using client side encryption to
    /// encrypt sensitive data".
    id: "DATA003",
    title: "Sensitive data is encrypted by clients",
    severity: Low,
    sources: [Live],
    refs: [Nist80053("SC-28"), Nist80053("SC-28(1)")],
    remediation: "Encrypt sensitive values in the application before writing them (envelope encryption with a KMS), and keep keys out of Redis.",
    fix: crate::fix::FixRule::DisplayOnly("encrypting values is a change in the client applications"),
    run: run,
}

/// Keys named in the evidence; the rest are counted.
const SHOWN: usize = 20;

fn run(s: &Snapshot) -> Outcome {
    let l = match &s.live {
        crate::Avail::Present(l) => l,
        _ => {
            return Outcome::skip(
                "needs a live connection and the opt-in value sampling (--sample-values N); a files-only audit cannot see values",
            )
        }
    };
    let sample = match &l.value_sample {
        None => return Outcome::skip("value sampling is opt-in: run with --sample-values N"),
        Some(Err(e)) => return Outcome::error(format!("value sampling failed: {e}")),
        Some(Ok(v)) => v,
    };
    let location = format!("sample of values on {}", l.endpoint);
    let scope = format!(
        "{} value(s) of {} key(s){}{}",
        sample.values,
        sample.keys,
        if sample.truncated {
            " (the keyspace has more: raise --sample-values)"
        } else {
            ""
        },
        if sample.no_touch {
            ""
        } else {
            "; CLIENT NO-TOUCH is not available here (7.2+): the sampled keys' LRU/LFU data was updated by the reads"
        }
    );
    if sample.keys == 0 {
        return Outcome::skip(format!("no keys to sample on {}", l.endpoint));
    }
    let unread = match (&sample.first_error, sample.unreadable) {
        (Some(e), n) if n > 0 => Some(format!("{n} key(s) could not be read ({e})")),
        _ => None,
    };
    if sample.hits.is_empty() && sample.values == 0 {
        return Outcome::error(format!(
            "no value could be read on {}: {}",
            l.endpoint,
            unread.unwrap_or_else(|| "the sampled keys hold no readable values".into())
        ));
    }
    if let (true, Some(u)) = (sample.hits.is_empty(), &unread) {
        return Outcome::warn(
            format!("{scope}: none looks like plaintext secrets or personal data, but {u}"),
            vec![Evidence::new(
                Source::Live,
                location,
                format!("{scope}; {u}"),
                "every sampled key read, no plaintext secrets or personal data",
            )],
        );
    }
    if sample.hits.is_empty() {
        return Outcome::pass(
            format!("{scope}: none looks like plaintext secrets or personal data"),
            vec![Evidence::new(
                Source::Live,
                location,
                scope.clone(),
                "no plaintext secrets or personal data",
            )],
        );
    }
    let mut evidence: Vec<Evidence> = sample
        .hits
        .iter()
        .take(SHOWN)
        .map(|h| {
            let kinds: Vec<&str> = h.kinds.iter().map(|k| k.label()).collect();
            Evidence::new(
                Source::Live,
                format!("{} db{} key {:?} ({})", l.endpoint, h.db, h.key, h.place),
                kinds.join(", "),
                "ciphertext (client-side encryption)",
            )
        })
        .collect();
    if sample.hits.len() > SHOWN {
        evidence.push(Evidence::new(
            Source::Live,
            location,
            format!("and {} more key(s)", sample.hits.len() - SHOWN),
            "ciphertext (client-side encryption)",
        ));
    }
    Outcome::fail(
        format!(
            "{} of the sampled keys hold plaintext that looks sensitive ({scope}{})",
            sample.hits.len(),
            unread.map(|u| format!("; {u}")).unwrap_or_default()
        ),
        evidence,
    )
}
