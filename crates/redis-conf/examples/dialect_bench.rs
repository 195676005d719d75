//! What choosing and loading a dialect costs, in one process from cold:
//! `cargo run --release -p redis-conf --example dialect_bench [CONFIG]`
//! (bench/dialect-load.sh runs it). It prints the first parse of CONFIG
//! for a version (which chooses the dialect and builds its table), a warm
//! parse of the same file as the baseline, and their difference: the cost
//! of the dialect.
use std::path::Path;
use std::time::Instant;

use redis_conf::{Config, LoadOptions, Product, Version};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/insecure/redis.conf".into());
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let t0 = Instant::now();
    let version = redis_dialects::choose(Product::Redis, "7.2.6").map(Version::from_choice);
    let opts = LoadOptions {
        version,
        ..LoadOptions::default()
    };
    let cold = Config::parse_str(Path::new(&path), &text, &opts);
    let first = t0.elapsed();
    let t1 = Instant::now();
    let warm = Config::parse_str(Path::new(&path), &text, &opts);
    let second = t1.elapsed();
    let t2 = Instant::now();
    let other = redis_dialects::choose(Product::Valkey, "9.1.2").map(Version::from_choice);
    let _ = Config::parse_str(
        Path::new(&path),
        &text,
        &LoadOptions {
            version: other,
            ..LoadOptions::default()
        },
    );
    let another = t2.elapsed();
    assert_eq!(cold.directives.len(), warm.directives.len());
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "first parse (choose + load redis-7.2): {:.3} ms; warm parse (baseline): {:.3} ms; dialect cost: {:.3} ms ({:.1}x the baseline); a second dialect (valkey-9.1): {:.3} ms",
        ms(first),
        ms(second),
        ms(first) - ms(second),
        ms(first) / ms(second).max(1e-6),
        ms(another)
    );
}
