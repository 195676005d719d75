//! Debian package versions (`[epoch:]upstream[-revision]`) and dpkg's
//! ordering (deb-version(7)): `~` sorts before everything, even the end.

use std::cmp::Ordering;

/// A Debian package version such as `5:7.0.15-1~deb12u10`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebVersion {
    pub epoch: u64,
    pub upstream: String,
    pub revision: String,
}

impl DebVersion {
    /// Parse a package version; `None` when it is not one (empty parts,
    /// characters dpkg does not allow).
    pub fn parse(s: &str) -> Option<DebVersion> {
        let s = s.trim();
        let (epoch, rest) = match s.split_once(':') {
            Some((e, r)) => (e.parse().ok()?, r),
            None => (0, s),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => (u, r),
            None => (rest, ""),
        };
        let ok = |p: &str, extra: &str| {
            p.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".+~".contains(c) || extra.contains(c))
        };
        if upstream.is_empty()
            || !upstream.starts_with(|c: char| c.is_ascii_digit())
            || !ok(upstream, "-:")
            || !ok(revision, "")
            || (rest.contains('-') && revision.is_empty())
        {
            return None;
        }
        Some(DebVersion {
            epoch,
            upstream: upstream.to_string(),
            revision: revision.to_string(),
        })
    }

    /// The Debian release a stable/security update targets, from the
    /// revision's `debNNu` / `+debNN` marker (`1~deb12u10` → `12`).
    pub fn debian_release(&self) -> Option<String> {
        let i = self.revision.find("deb")?;
        let digits: String = self.revision[i + 3..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        (!digits.is_empty()).then_some(digits)
    }

    /// Whether the revision names Ubuntu (`0ubuntu0.22.04.1`).
    pub fn is_ubuntu(&self) -> bool {
        self.revision.contains("ubuntu")
    }
}

fn order(c: Option<char>) -> i32 {
    match c {
        None => 0,
        Some('~') => -1,
        Some(c) if c.is_ascii_alphabetic() => c as i32,
        Some(c) => c as i32 + 256,
    }
}

/// dpkg's `verrevcmp` on one part.
fn cmp_part(a: &str, b: &str) -> Ordering {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // Non-digit run.
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
            let bc = order(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            if i < a.len() && !a[i].is_ascii_digit() {
                i += 1;
            }
            if j < b.len() && !b[j].is_ascii_digit() {
                j += 1;
            }
        }
        // Digit run, compared numerically without overflow.
        while i < a.len() && a[i] == '0' {
            i += 1;
        }
        while j < b.len() && b[j] == '0' {
            j += 1;
        }
        let si = i;
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        let sj = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let (da, db) = (&a[si..i], &b[sj..j]);
        let c = da.len().cmp(&db.len()).then_with(|| da.cmp(db));
        if c != Ordering::Equal {
            return c;
        }
    }
    Ordering::Equal
}

impl Ord for DebVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| cmp_part(&self.upstream, &other.upstream))
            .then_with(|| cmp_part(&self.revision, &other.revision))
    }
}

impl PartialOrd for DebVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for DebVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}:", self.epoch)?;
        }
        f.write_str(&self.upstream)?;
        if !self.revision.is_empty() {
            write!(f, "-{}", self.revision)?;
        }
        Ok(())
    }
}
