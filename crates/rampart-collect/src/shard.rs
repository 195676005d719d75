//! `--shard K/N`: one run's share of an inventory, so N rampart runs (on
//! N machines) each audit a part of one fleet and together audit every
//! target exactly once.
//!
//! A target's shard is a function of its canonical name alone (`host:port`
//! with the host in lower case, a socket's or a config's path as written):
//! a 64-bit hash of the name (FNV-1a, then the SplitMix64 finaliser) fed to
//! jump consistent hashing (Lamping and Veach, 2014). So it does not depend
//! on the order of the inventory nor on the other targets: adding a target
//! moves no other, and going from N to N+1 shards moves only about
//! 1/(N+1) of the targets (to the new shard). Every run of every machine
//! computes the same assignment; no coordinator is needed.

use std::fmt;
use std::str::FromStr;

/// Shard `k` of `n` (1-based: `1/4` ... `4/4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    k: u32,
    n: u32,
}

/// The most shards a fleet is split into.
pub const MAX_SHARDS: u32 = 10_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardError {
    #[error("--shard {0:?}: expected K/N, such as 2/4 (shard K of N, 1 ≤ K ≤ N)")]
    Syntax(String),
    #[error("--shard {given}: K must be between 1 and N ({n})")]
    OutOfRange { given: String, n: u32 },
    #[error("--shard {given}: N must be between 1 and {MAX_SHARDS}")]
    BadCount { given: String },
}

impl Shard {
    pub fn new(k: u32, n: u32) -> Result<Shard, ShardError> {
        let given = format!("{k}/{n}");
        if n == 0 || n > MAX_SHARDS {
            return Err(ShardError::BadCount { given });
        }
        if k == 0 || k > n {
            return Err(ShardError::OutOfRange { given, n });
        }
        Ok(Shard { k, n })
    }

    pub fn k(&self) -> u32 {
        self.k
    }

    pub fn n(&self) -> u32 {
        self.n
    }

    /// Whether the target named `canonical` belongs to this shard.
    pub fn contains(&self, canonical: &str) -> bool {
        shard_of(canonical, self.n) == self.k
    }

    /// The items of this shard, in their order; `name` gives an item's
    /// canonical name.
    pub fn select<T>(&self, items: Vec<T>, name: impl Fn(&T) -> String) -> Vec<T> {
        items
            .into_iter()
            .filter(|t| self.contains(&name(t)))
            .collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl FromStr for Shard {
    type Err = ShardError;
    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax(s.to_string());
        let (k, n) = s.trim().split_once('/').ok_or_else(syntax)?;
        let k: u32 = k.trim().parse().map_err(|_| syntax())?;
        let n: u32 = n.trim().parse().map_err(|_| syntax())?;
        Shard::new(k, n)
    }
}

/// The canonical name of a live target: `host:port` (`[v6]:port`) with the
/// host in lower case, or a Unix socket's path.
pub fn endpoint_name(ep: &rampart_live::Endpoint) -> String {
    if ep.is_unix() {
        ep.host.clone()
    } else {
        let host = ep.host.to_ascii_lowercase();
        if host.contains(':') {
            format!("[{host}]:{}", ep.port)
        } else {
            format!("{host}:{}", ep.port)
        }
    }
}

/// The 1-based shard of `canonical` among `n`.
pub fn shard_of(canonical: &str, n: u32) -> u32 {
    jump(mix(fnv1a(canonical.as_bytes())), n.max(1)) + 1
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64's finaliser: FNV's low bits are weak for short, similar
/// names (`10.0.0.1:6379`, `10.0.0.2:6379`).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Jump consistent hash: a bucket in `0..n` for `key`.
fn jump(mut key: u64, n: u32) -> u32 {
    let mut b: i64 = -1;
    let mut j: i64 = 0;
    while j < i64::from(n) {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        let r = ((key >> 33) + 1) as f64;
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / r)) as i64;
    }
    u32::try_from(b).unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fleet() -> Vec<String> {
        (0..1000)
            .map(|i| format!("redis-{}.prod.example:{}", i / 4, 6379 + i % 4))
            .collect()
    }

    #[test]
    fn every_target_is_in_exactly_one_shard_whatever_n() {
        let names = fleet();
        for n in 1..=7u32 {
            let mut seen = vec![0u32; names.len()];
            for k in 1..=n {
                let shard = Shard::new(k, n).unwrap();
                let mine = shard.select((0..names.len()).collect(), |&i| names[i].clone());
                for i in &mine {
                    seen[*i] += 1;
                }
                // 1000 / n each, give or take: no shard left empty.
                assert!(!mine.is_empty(), "shard {k}/{n} is empty");
            }
            assert!(seen.iter().all(|&c| c == 1), "n = {n}: {seen:?}");
        }
    }

    #[test]
    fn shards_are_roughly_even() {
        let names = fleet();
        let mut counts = [0usize; 4];
        for name in &names {
            counts[(shard_of(name, 4) - 1) as usize] += 1;
        }
        // 250 each in expectation; a bad hash would leave one near 0.
        assert!(
            counts.iter().all(|&c| (150..=350).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn adding_a_target_moves_no_other_and_growing_n_moves_few() {
        let names = fleet();
        let before: Vec<u32> = names.iter().map(|t| shard_of(t, 5)).collect();
        let mut more = names.clone();
        more.push("new.example:6379".into());
        let after: Vec<u32> = more.iter().map(|t| shard_of(t, 5)).collect();
        assert_eq!(before[..], after[..names.len()]);
        // 5 → 6 shards: a target either stays or moves to the new shard 6.
        let grown: Vec<u32> = names.iter().map(|t| shard_of(t, 6)).collect();
        let moved = before
            .iter()
            .zip(&grown)
            .filter(|(a, b)| a != b)
            .inspect(|(_, b)| assert_eq!(**b, 6))
            .count();
        assert!(moved < 300, "{moved} of 1000 moved");
    }

    #[test]
    fn k_of_n_is_checked() {
        assert_eq!("2/4".parse::<Shard>().unwrap().to_string(), "2/4");
        assert_eq!(
            " 1 / 1 ".parse::<Shard>().unwrap(),
            Shard::new(1, 1).unwrap()
        );
        assert!(matches!(
            "0/4".parse::<Shard>(),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(
            "5/4".parse::<Shard>(),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(
            "1/0".parse::<Shard>(),
            Err(ShardError::BadCount { .. })
        ));
        assert!(matches!("2".parse::<Shard>(), Err(ShardError::Syntax(_))));
        assert!(matches!("a/b".parse::<Shard>(), Err(ShardError::Syntax(_))));
        assert!(matches!(
            "-1/4".parse::<Shard>(),
            Err(ShardError::Syntax(_))
        ));
    }

    #[test]
    fn the_name_is_canonical() {
        let a = rampart_live::Endpoint {
            host: "Redis-1.Example".into(),
            port: 6379,
            tls: false,
        };
        let b = rampart_live::Endpoint {
            host: "redis-1.example".into(),
            port: 6379,
            tls: true,
        };
        assert_eq!(endpoint_name(&a), endpoint_name(&b));
        assert_eq!(
            endpoint_name(&rampart_live::Endpoint::unix("/run/r.sock")),
            "/run/r.sock"
        );
    }
}
