//! Benchmark (not a test): 10,000 users against the Redis 7.0 command table.
//!
//! `cargo run --release -p redis-acl --example acl_bench [USERS]`
//!
//! Prints the time to compile the users (rules → bitmaps), one `who-can`
//! (a command line against every user), `who-can` for every command of the
//! table, `review` of every user, and the cost of one `can` decision.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::Instant;

use redis_acl::review::Reviewer;
use redis_acl::{CommandTable, Engine, User};

fn users(n: usize) -> Vec<User> {
    let templates: [&[&str]; 8] = [
        &[
            "on",
            ">pw",
            "~app:{i}:*",
            "&app:{i}:*",
            "+@read",
            "+@write",
            "-@dangerous",
        ],
        &[
            "on",
            "#{h}",
            "%R~*",
            "+@read",
            "-@dangerous",
            "(~cache:{i}:* +set +del)",
        ],
        &[
            "on",
            ">pw",
            "allkeys",
            "-@all",
            "+@admin",
            "+info",
            "+config|get",
        ],
        &["on", "nopass", "~*", "&*", "+@all"],
        &[
            "on",
            ">pw",
            "~q:{i}",
            "resetchannels",
            "&jobs.{i}",
            "+@list",
            "+publish",
            "+subscribe",
            "+select|0",
        ],
        &[
            "off",
            ">pw",
            "~*",
            "+@all",
            "-@dangerous",
            "+client|kill",
            "-flushall",
        ],
        &[
            "on",
            ">pw",
            "%W~log:{i}:*",
            "+lpush",
            "+rpush",
            "(%R~log:* +lrange +llen)",
        ],
        &[
            "on",
            ">pw",
            "~t{i}*",
            "+@all",
            "-@admin",
            "-@scripting",
            "-keys",
            "+@keyspace",
        ],
    ];
    let h = redis_acl::hash_password(b"x");
    (0..n)
        .map(|i| {
            let toks: Vec<String> = templates[i % templates.len()]
                .iter()
                .map(|t| t.replace("{i}", &i.to_string()).replace("{h}", &h))
                .collect();
            let mut u = User::new(&format!("user{i}"));
            u.apply_tokens(&toks).unwrap();
            u
        })
        .collect()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let table = CommandTable::redis_7_0();
    let engine = Engine::new(table);
    let users = users(n);

    let t = Instant::now();
    let compiled = engine.compile_all(users.iter());
    let compile = t.elapsed();

    let argv = ["SET", "app:7:x", "v"];
    let t = Instant::now();
    let cmd = engine.resolve(&argv).unwrap();
    let who = compiled
        .iter()
        .filter(|u| engine.decide(u, cmd, &argv).allowed)
        .count();
    let one = t.elapsed();

    // who-can for every command of the table (command check, no args).
    let t = Instant::now();
    let mut pairs = 0usize;
    for c in table.commands().iter().filter(|c| c.subcommands.is_empty()) {
        pairs += compiled
            .iter()
            .filter(|u| engine.allows_command(u, c.id))
            .count();
    }
    let sweep = t.elapsed();

    let t = Instant::now();
    let mut reviewer = Reviewer::new(&engine);
    let reviews: Vec<_> = compiled.iter().map(|u| reviewer.review(u)).collect();
    let review = t.elapsed();

    // Cost of one full `can` decision (keys included).
    let queries: [&[&str]; 4] = [
        &["GET", "app:3:k"],
        &["MSET", "a", "1", "b", "2"],
        &["PUBLISH", "jobs.4", "m"],
        &["CONFIG", "GET", "maxmemory"],
    ];
    let t = Instant::now();
    let mut decisions = 0usize;
    let mut allowed = 0usize;
    for q in queries {
        for u in &compiled {
            allowed += engine.can(u, q).unwrap().allowed as usize;
            decisions += 1;
        }
    }
    let per_can = t.elapsed() / decisions as u32;

    println!("users: {n} ({} commands in table)", table.len());
    println!("compile (rules → bitmaps): {compile:?}");
    println!("who-can SET app:7:x over {n} users: {one:?} ({who} users)");
    println!(
        "who-can every command ({} commands × {n} users): {sweep:?} ({pairs} grants)",
        table
            .commands()
            .iter()
            .filter(|c| c.subcommands.is_empty())
            .count()
    );
    println!(
        "review of {n} users: {review:?} ({} dangerous grants)",
        reviews.iter().map(|r| r.dangerous.len()).sum::<usize>()
    );
    println!("can: {per_can:?} per decision ({decisions} decisions, {allowed} allowed)");
}
