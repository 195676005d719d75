//! Unit tests: one per rule kind and per error.

use std::path::Path;

use crate::*;

fn rule(t: &str) -> Rule {
    parse_rule(t).unwrap()
}

fn err(t: &str) -> RuleErrorKind {
    parse_rule(t).unwrap_err().kind().unwrap()
}

fn user(tokens: &[&str]) -> Result<User, RuleError> {
    let mut u = User::new("u");
    u.apply_tokens(tokens)?;
    Ok(u)
}

fn kind(tokens: &[&str]) -> RuleErrorKind {
    user(tokens).unwrap_err().kind().unwrap()
}

const H: &str = "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"; // "secret"

#[test]
fn keywords_case_insensitive() {
    assert_eq!(rule("ON"), Rule::On);
    assert_eq!(rule("oFf"), Rule::Off);
    assert_eq!(rule("NoPass"), Rule::NoPass);
    assert_eq!(rule("RESETPASS"), Rule::ResetPass);
    assert_eq!(rule("AllKeys"), Rule::AllKeys);
    assert_eq!(rule("~*"), Rule::AllKeys);
    assert_eq!(rule("resetKEYS"), Rule::ResetKeys);
    assert_eq!(rule("ALLCHANNELS"), Rule::AllChannels);
    assert_eq!(rule("&*"), Rule::AllChannels);
    assert_eq!(rule("ResetChannels"), Rule::ResetChannels);
    assert_eq!(rule("AllCommands"), Rule::AllCommands);
    assert_eq!(rule("+@ALL"), Rule::AllCommands);
    assert_eq!(rule("nocommands"), Rule::NoCommands);
    assert_eq!(rule("-@All"), Rule::NoCommands);
    assert_eq!(rule("ClearSelectors"), Rule::ClearSelectors);
    assert_eq!(rule("RESET"), Rule::Reset);
    assert_eq!(rule("Sanitize-Payload"), Rule::SanitizePayload);
    assert_eq!(rule("skip-sanitize-payload"), Rule::SkipSanitizePayload);
}

#[test]
fn passwords_and_hashes() {
    assert_eq!(rule(">secret"), Rule::AddPassword(Secret::new("secret")));
    assert_eq!(rule("<secret"), Rule::RemovePassword(Secret::new("secret")));
    assert_eq!(rule(&format!("#{H}")), Rule::AddHash(H.into()));
    assert_eq!(rule(&format!("!{H}")), Rule::RemoveHash(H.into()));
    assert_eq!(err("#abc"), RuleErrorKind::BadHash);
    assert_eq!(
        err(&format!("#{}", H.to_uppercase())),
        RuleErrorKind::BadHash
    );
    assert_eq!(err(&format!("!{H}0")), RuleErrorKind::BadHash);
    assert_eq!(hash_password(b"secret"), H);
    // Debug never shows a password.
    let dbg = format!("{:?}", rule(">hunter2"));
    assert!(!dbg.contains("hunter2"), "{dbg}");
    assert!(!parse_rule("#hunter2")
        .unwrap_err()
        .message
        .contains("hunter2"));
}

#[test]
fn password_semantics() {
    let u = user(&[">a", ">a", ">b", "<a"]).unwrap();
    assert_eq!(u.passwords.len(), 1);
    assert_eq!(u.passwords[0].hash, hash_password(b"b"));
    assert_eq!(u.passwords[0].plaintext, Some(Secret::new("b")));
    assert!(!u.nopass);
    let u = user(&[">a", "nopass"]).unwrap();
    assert!(u.nopass && u.passwords.is_empty());
    let u = user(&["nopass", "resetpass"]).unwrap();
    assert!(!u.nopass && u.passwords.is_empty());
    let u = user(&["nopass", &format!("#{H}")]).unwrap();
    assert!(!u.nopass && u.passwords[0].plaintext.is_none());
    let u = user(&[">secret", &format!("!{H}")]).unwrap();
    assert!(u.passwords.is_empty());
    assert_eq!(kind(&["<nothere"]), RuleErrorKind::NoSuchPassword);
    let e = user(&[">x", "<hunter2"]).unwrap_err();
    assert!(!e.message.contains("hunter2"), "{}", e.message);
    assert_eq!(
        e.message,
        "Error in ACL SETUSER modifier '<***': The password you are trying to remove from the user does not exist"
    );
}

#[test]
fn key_patterns() {
    assert_eq!(
        rule("~k:*"),
        Rule::KeyPattern {
            pattern: "k:*".into(),
            read: true,
            write: true
        }
    );
    assert_eq!(
        rule("%r~k"),
        Rule::KeyPattern {
            pattern: "k".into(),
            read: true,
            write: false
        }
    );
    assert_eq!(
        rule("%W~k"),
        Rule::KeyPattern {
            pattern: "k".into(),
            read: false,
            write: true
        }
    );
    assert_eq!(
        rule("%wR~*"),
        Rule::KeyPattern {
            pattern: "*".into(),
            read: true,
            write: true
        }
    );
    // `%R` without `~` is accepted by Redis: an empty pattern.
    assert_eq!(
        rule("%R"),
        Rule::KeyPattern {
            pattern: "".into(),
            read: true,
            write: false
        }
    );
    assert_eq!(err("%~x"), RuleErrorKind::Syntax);
    assert_eq!(err("%"), RuleErrorKind::Syntax);
    assert_eq!(err("%RR~x"), RuleErrorKind::Syntax);
    assert_eq!(err("%RX~x"), RuleErrorKind::Syntax);
    assert_eq!(err("~a\tb"), RuleErrorKind::Syntax);

    let u = user(&["%R~a", "%W~a", "%R~b"]).unwrap();
    assert_eq!(u.root.keys_string(), "~a %R~b");
    let u = user(&["%RW~*"]).unwrap();
    assert!(!u.root.all_keys, "%RW~* is a pattern, not allkeys");
    let u = user(&["~a", "~*"]).unwrap();
    assert!(u.root.all_keys && u.root.keys.is_empty());
    assert_eq!(
        kind(&["allkeys", "~a"]),
        RuleErrorKind::KeyPatternAfterAllKeys
    );
    // Redis checks allkeys before parsing the pattern.
    assert_eq!(
        kind(&["allkeys", "%X~a"]),
        RuleErrorKind::KeyPatternAfterAllKeys
    );
    assert!(user(&["allkeys", "resetkeys", "~a"]).is_ok());
}

#[test]
fn channels() {
    assert_eq!(rule("&news.*"), Rule::Channel("news.*".into()));
    let u = user(&["&a", "&a", "&b"]).unwrap();
    assert_eq!(u.root.channels_string(), "&a &b");
    assert_eq!(
        kind(&["&*", "&a"]),
        RuleErrorKind::ChannelPatternAfterAllChannels
    );
    assert_eq!(kind(&["&a b"]), RuleErrorKind::Syntax);
    assert!(user(&["allchannels", "resetchannels", "&a"]).is_ok());
}

#[test]
fn commands_and_categories() {
    let t = CommandTable::redis_7_0();
    assert_eq!(rule("+GET"), Rule::AllowCommand("get".into()));
    assert_eq!(rule("-Config|Set"), Rule::DenyCommand("config|set".into()));
    assert_eq!(rule("+@Read"), Rule::AllowCategory("read".into()));
    assert_eq!(rule("-@dangerous"), Rule::DenyCategory("dangerous".into()));

    let u = user(&["+get", "+@read", "-@dangerous", "+config|get", "+select|0"]).unwrap();
    assert!(u.root.allows_command(t, "get"));
    assert!(u.root.allows_command(t, "CONFIG|GET"));
    assert!(!u.root.allows_command(t, "config|set"));
    assert!(!u.root.allows_command(t, "select"));
    assert!(
        u.root.allows_command(t, "auth"),
        "NO_AUTH commands always pass"
    );
    let bits = u.root.command_bits(t);
    let select = t.lookup("select").unwrap();
    assert!(bits.allows_with_first_arg(select, Some("0")));
    assert!(!bits.allows_with_first_arg(select, Some("1")));

    // +cmd on a container sets all subcommands; -@all clears everything.
    let u = user(&["+config"]).unwrap();
    assert!(u.root.allows_command(t, "config|set"));
    let u = user(&["+@all", "-config|set"]).unwrap();
    assert!(u.root.allows_command(t, "config|get"));
    assert!(!u.root.allows_command(t, "config|set"));
    assert!(!u.has_all_commands());
    assert!(user(&["+@all", "-get", "+@all"])
        .unwrap()
        .has_all_commands());

    assert_eq!(kind(&["+nosuch"]), RuleErrorKind::UnknownCommandOrCategory);
    assert_eq!(kind(&["-@nosuch"]), RuleErrorKind::UnknownCommandOrCategory);
    assert_eq!(kind(&["-get|x"]), RuleErrorKind::UnknownCommandOrCategory);
    assert_eq!(
        kind(&["+config|nosuch"]),
        RuleErrorKind::UnknownCommandOrCategory
    );
    assert_eq!(
        kind(&["+config|get|x"]),
        RuleErrorKind::FirstArgOfSubcommand
    );
    assert_eq!(kind(&["+get|"]), RuleErrorKind::Syntax);
    assert_eq!(kind(&["+"]), RuleErrorKind::UnknownCommandOrCategory);
    assert_eq!(
        user(&["+nosuch"]).unwrap_err().message,
        "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL"
    );
}

#[test]
fn retained_rules_7_2_style() {
    let u = user(&[
        "+get",
        "-@read",
        "+set",
        "-get",
        "+select|0",
        "+select|1",
        "-select",
    ])
    .unwrap();
    assert_eq!(
        u.root.command_rules,
        vec!["-@read", "+set", "-get", "-select"]
    );
    let u = user(&["+get", "+@all", "-set"]).unwrap();
    assert_eq!(u.root.commands_string(), "+@all -set");
    let u = user(&["+config|get", "-config"]).unwrap();
    assert_eq!(u.root.commands_string(), "-@all -config");
    let u = user(&["+@READ", "+Get"]).unwrap();
    assert_eq!(u.root.commands_string(), "-@all +@read +get");
}

#[test]
fn selectors() {
    let t = CommandTable::redis_7_0();
    assert_eq!(
        rule("(~a +get)"),
        Rule::Selector(vec![
            Rule::KeyPattern {
                pattern: "a".into(),
                read: true,
                write: true
            },
            Rule::AllowCommand("get".into())
        ])
    );
    assert_eq!(rule("()"), Rule::Selector(vec![]));
    // Unbalanced quotes inside: Redis makes an empty selector.
    assert_eq!(rule("(~a \"x)"), Rule::Selector(vec![]));
    assert_eq!(err("(~a on)"), RuleErrorKind::Syntax);
    assert_eq!(err("(~a"), RuleErrorKind::Syntax);

    let u = user(&["on", "(~b", "+set)", "(&c", "+publish)"]).unwrap();
    assert_eq!(u.selectors.len(), 2);
    assert!(u.allows_command(t, "set"));
    assert!(!u.root.allows_command(t, "set"));
    assert_eq!(
        u.acl_list_line(),
        "user u on resetchannels -@all (~b resetchannels -@all +set) (resetchannels &c -@all +publish)"
    );
    assert_eq!(kind(&["(~a", "+get"]), RuleErrorKind::UnmatchedParenthesis);
    assert_eq!(kind(&["(~* ~a)"]), RuleErrorKind::KeyPatternAfterAllKeys);
    assert!(user(&["(~a)", "clearselectors"])
        .unwrap()
        .selectors
        .is_empty());
    assert_eq!(
        parse_rules(&["on", "(~a", "+get)", "", "off"]).unwrap(),
        vec![
            Rule::On,
            Rule::Selector(vec![
                Rule::KeyPattern {
                    pattern: "a".into(),
                    read: true,
                    write: true
                },
                Rule::AllowCommand("get".into())
            ]),
            Rule::Off
        ]
    );
}

#[test]
fn reset_and_defaults() {
    let d = User::default_user();
    assert_eq!(d.acl_list_line(), "user default on nopass ~* &* +@all");
    assert!(d.has_all_commands());
    let n = User::new("n");
    assert_eq!(n.acl_list_line(), "user n off resetchannels -@all");
    let u = user(&[
        "on",
        ">a",
        "~x",
        "&y",
        "+get",
        "(~z)",
        "skip-sanitize-payload",
        "reset",
    ])
    .unwrap();
    assert_eq!(
        u.acl_list_line(),
        "user u off sanitize-payload resetchannels -@all"
    );
}

#[test]
fn atomic_apply() {
    let mut u = User::new("u");
    u.apply_tokens(&["on", ">a"]).unwrap();
    let before = u.clone();
    assert!(u.apply_tokens(&["off", "~x", "+nosuch"]).is_err());
    assert_eq!(u, before);
    assert!(u
        .apply(&[Rule::Off, Rule::RemovePassword(Secret::new("zz"))])
        .is_err());
    assert_eq!(u, before);
}

#[test]
fn junk_is_syntax_error() {
    for t in ["foo", "@x", ")", "(", "", "%", "allkeys2"] {
        assert_eq!(err(t), RuleErrorKind::Syntax, "{t:?}");
    }
    assert!(user(&["", ""]).is_ok(), "empty tokens are no-ops");
}

#[test]
fn aclfile_basic() {
    let text = "user alice on >pw ~a +get\n\nuser bob off\n";
    let f = AclFile::parse(Path::new("users.acl"), text);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert_eq!(f.users.len(), 2);
    assert_eq!(f.users[1].span.line, 3);
    let users = f.effective_users();
    assert_eq!(
        users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["alice", "bob", "default"]
    );
    assert!(f.redis_error_string("users.acl").is_none());
}

#[test]
fn aclfile_problems() {
    let text =
        "# comment\nuser a on +nosuch #bad\nuser a on\nuser b on (~x\nuser c on >pw1x <zz9q\n";
    let f = AclFile::parse(Path::new("users.acl"), text);
    let got: Vec<(u32, &str)> = f
        .problems
        .iter()
        .map(|p| (p.span.line, p.message.as_str()))
        .collect();
    assert_eq!(
        got[0],
        (1, "should start with user keyword followed by the username")
    );
    assert_eq!(
        got[1],
        (
            2,
            "Error in applying operation '+nosuch': Unknown command or category name in ACL"
        )
    );
    assert_eq!(got[2].0, 2);
    assert!(got[2].1.starts_with("The password hash must be"));
    assert_eq!(got[3], (3, "Duplicate user 'a' found"));
    assert_eq!(got[4], (4, "Unmatched parenthesis in selector definition"));
    assert!(f.crashes_redis_7_0());
    assert_eq!(
        got[6],
        (
            5,
            "The password you are trying to remove from the user does not exist"
        )
    );
    // Users with problems are still listed (c, with its valid rules).
    assert!(f.users.iter().any(|u| u.name == "c" && u.rules.len() == 2));
    // No password in any message.
    assert!(f
        .problems
        .iter()
        .all(|p| !p.message.contains("pw1x") && !p.message.contains("zz9q")));
}

#[test]
fn config_user_directive() {
    let span = Span {
        file: std::sync::Arc::from(Path::new("redis.conf")),
        line: 7,
    };
    let d = UserDef::from_config_args(&["app", "on", ">x", "(~a", "+get)"], span.clone()).unwrap();
    assert_eq!(d.rules.len(), 3);
    assert_eq!(d.span.line, 7);
    let e = UserDef::from_config_args(&["app", "+nosuch", "%~x"], span.clone()).unwrap_err();
    assert_eq!(
        e.kind(),
        Some(RuleErrorKind::Syntax),
        "syntax errors are found first"
    );
    let d = UserDef::from_config_args(&["default", "on", ">x"], span).unwrap();
    let u = d.to_user_from_config().unwrap();
    assert_eq!(u.flags(), vec!["on", "sanitize-payload"]);
}

/// Seeded random bytes never panic any entry point (stand-in for cargo fuzz
/// where it cannot run).
#[test]
fn random_input_never_panics() {
    let mut x: u64 = 0x1234_5678_9abc_def0;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let alphabet: Vec<char> = "+-~%&@|()<>#!*\"' \t\r\n\\x0aAbcRWgetconfiguserselonfkysp\u{0}é"
        .chars()
        .collect();
    for _ in 0..20_000 {
        let n = (next() % 40) as usize;
        let s: String = (0..n)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let _ = parse_rule(&s);
        let toks: Vec<&str> = s.split(' ').collect();
        let _ = parse_rules(&toks);
        let mut u = User::new("u");
        let _ = u.apply_tokens(&toks);
        let _ = u.acl_list_line();
        let _ = AclFile::parse(Path::new("f"), &format!("user u {s}\n{s}"));
    }
}

#[test]
fn parse_built_keeps_what_parse_with_has_but_other_users_rules() {
    let text = "user a on >pw1x ~a:* &ch +@read -@dangerous (~b %R~c +get)\n\
                user default on nopass ~* &* +@all -flushall\n\
                user a off\n\
                user b on #0000 +nosuch ~x\n\
                user c on resetchannels &x +client|kill +select|0\n";
    let t = CommandTable::redis_7_0();
    let full = AclFile::parse_with(Path::new("u.acl"), text, t);
    let lean = AclFile::parse_built_with(Path::new("u.acl"), text, t);
    assert_eq!(full.problems, lean.problems);
    assert_eq!(full.built, lean.built);
    let names = |f: &AclFile| {
        f.users
            .iter()
            .map(|u| (u.name.clone(), u.span.line))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&full), names(&lean));
    for (f, l) in full.users.iter().zip(&lean.users) {
        if f.name == "default" {
            assert_eq!(f.rules, l.rules);
            assert!(!l.rules.is_empty());
        } else {
            assert!(l.rules.is_empty(), "{}", l.name);
        }
    }
}

#[test]
fn compile_each_is_compile_all_one_at_a_time() {
    let t = CommandTable::redis_7_0();
    let users: Vec<User> = (0..5)
        .map(|i| {
            let mut u = User::new_in(t, &format!("u{i}"));
            let rules: &[&str] = if i % 2 == 0 {
                &["on", "~a:*", "+@read", "-@dangerous", "(~b +get)"]
            } else {
                &["on", "~*", "+@all"]
            };
            u.apply_tokens_with(t, rules).unwrap();
            u
        })
        .collect();
    let e = Engine::new(t);
    let all = e.compile_all(&users);
    let each: Vec<CompiledUser> = e.compile_each(&users).collect();
    assert_eq!(all.len(), each.len());
    for (a, b) in all.iter().zip(&each) {
        assert_eq!(a.user, b.user);
        assert_eq!(a.selectors.len(), b.selectors.len());
        for (x, y) in a.selectors.iter().zip(&b.selectors) {
            assert_eq!(x.selector, y.selector);
            assert_eq!(*x.bits, *y.bits);
        }
    }
    // Users with the same rules share one bitmap, as with compile_all.
    assert!(std::sync::Arc::ptr_eq(
        &each[0].selectors[0].bits,
        &each[2].selectors[0].bits
    ));
}
