//! Server version strings: `7.2.11`, `8.0.0-rc1`, `7.2-rc3`, and the odd
//! numbers development and pre-release builds report.

use std::cmp::Ordering;
use std::fmt;

/// A pre-release tag (`-rc1`, `-m02`, ...). Sorts before the release.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PreRelease(pub String);

impl PreRelease {
    /// Split into (alphabetic prefix, number) for ordering: `rc10` > `rc9`.
    fn key(&self) -> (String, u64) {
        let s = self.0.to_ascii_lowercase();
        let i = s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
        let n = s[i..].parse().unwrap_or(0);
        (s[..i].to_string(), n)
    }
}

impl Ord for PreRelease {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for PreRelease {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A parsed `major.minor.patch[-pre]` version.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub pre: Option<PreRelease>,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
            pre: None,
        }
    }

    /// The release line, `major.minor` (e.g. `7.2`).
    pub fn line(&self) -> Line {
        Line {
            major: self.major,
            minor: self.minor,
        }
    }

    /// Parse strictly: `X.Y.Z`, `X.Y.Z-tag` or `X.Y-tag` (Redis tags its
    /// release candidates `7.2-rc3`, meaning `7.2.0-rc3`). Leading `v` is
    /// accepted. Anything else is an error.
    pub fn parse(s: &str) -> Result<Version, VersionError> {
        let err = || VersionError(s.to_string());
        let t = s.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let (nums, pre) = match t.split_once('-') {
            Some((n, p))
                if !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') =>
            {
                (n, Some(PreRelease(p.to_string())))
            }
            Some(_) => return Err(err()),
            None => (t, None),
        };
        let parts: Vec<&str> = nums.split('.').collect();
        let num = |p: &str| -> Result<u32, VersionError> {
            if p.is_empty() || p.len() > 9 || !p.chars().all(|c| c.is_ascii_digit()) {
                return Err(err());
            }
            p.parse().map_err(|_| err())
        };
        match parts.as_slice() {
            [a, b, c] => Ok(Version {
                major: num(a)?,
                minor: num(b)?,
                patch: num(c)?,
                pre,
            }),
            [a, b] if pre.is_some() => Ok(Version {
                major: num(a)?,
                minor: num(b)?,
                patch: 0,
                pre,
            }),
            _ => Err(err()),
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(p) = &self.pre {
            write!(f, "-{}", p.0)?;
        }
        Ok(())
    }
}

/// A release line, `major.minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Line {
    pub major: u32,
    pub minor: u32,
}

impl Line {
    pub fn parse(s: &str) -> Result<Line, VersionError> {
        let err = || VersionError(s.to_string());
        let (a, b) = s.split_once('.').ok_or_else(err)?;
        let ok = |p: &str| !p.is_empty() && p.len() < 6 && p.chars().all(|c| c.is_ascii_digit());
        if !ok(a) || !ok(b) {
            return Err(err());
        }
        Ok(Line {
            major: a.parse().map_err(|_| err())?,
            minor: b.parse().map_err(|_| err())?,
        })
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// What a reported version string is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionKind {
    /// A release (`7.2.11`) or a tagged pre-release (`8.0.0-rc1`).
    Release(Version),
    /// A build that reports pre-release numbering: Redis release candidates
    /// and milestones report `x.y.2zz` (e.g. 7.2-rc2 reports `7.1.241`), so
    /// a patch number of 200 or more is not a real patch release.
    PreReleaseNumbering(Version),
    /// Development builds (`255.255.255` from the unstable branch, or any
    /// major version of 100 or more): no line can be assigned.
    Development(Version),
    /// Not a version at all.
    Unparseable(String),
}

/// Classify a version string as the server reported it.
pub fn classify(s: &str) -> VersionKind {
    match Version::parse(s) {
        Err(_) => VersionKind::Unparseable(s.to_string()),
        Ok(v) if v.major >= 100 || v.minor >= 100 => VersionKind::Development(v),
        Ok(v) if v.patch >= 200 && v.pre.is_none() => VersionKind::PreReleaseNumbering(v),
        Ok(v) => VersionKind::Release(v),
    }
}

/// A string that is not a version.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a version: {0:?}")]
pub struct VersionError(pub String);
