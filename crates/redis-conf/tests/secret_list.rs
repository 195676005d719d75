//! The one list of secret configs agrees with the generated tables.

use redis_conf::{config_names, is_secret_config, SECRET_CONFIGS, SENSITIVE_DIRECTIVES};

/// Redacted by Redis (SENSITIVE_CONFIG) but a user name, not a password.
const NAMES_NOT_SECRETS: &[&str] = &["masteruser", "primaryuser"];

#[test]
fn every_redacted_config_is_listed() {
    for d in redis_dialects::all() {
        for name in config_names(d) {
            if NAMES_NOT_SECRETS.contains(&name) || !is_secret_config(name) {
                continue;
            }
            assert!(
                SECRET_CONFIGS.contains(&name),
                "{}: {name} is redacted by the server but not in SECRET_CONFIGS",
                d.name()
            );
        }
    }
}

#[test]
fn every_listed_config_is_secret_and_sensitive() {
    for name in SECRET_CONFIGS {
        assert!(is_secret_config(name), "{name}");
        assert!(SENSITIVE_DIRECTIVES.contains(name), "{name}");
    }
    assert_eq!(SENSITIVE_DIRECTIVES.len(), SECRET_CONFIGS.len() + 2);
    for name in ["user", "sentinel"] {
        assert!(SENSITIVE_DIRECTIVES.contains(&name));
    }
}
