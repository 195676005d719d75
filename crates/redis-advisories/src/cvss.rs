//! CVSS v3.1 base score from a vector (FIRST CVSS v3.1 specification §7.1,
//! Roundup as in Appendix A), for scores read from OSV feeds.

/// The base score of a `CVSS:3.1/...` vector, or why it is not one.
pub fn base_score(vector: &str) -> Result<f64, String> {
    let rest = vector
        .strip_prefix("CVSS:3.1/")
        .ok_or_else(|| format!("{vector:?} is not a CVSS:3.1 vector"))?;
    let mut m = std::collections::BTreeMap::new();
    for part in rest.split('/') {
        let (k, v) = part
            .split_once(':')
            .ok_or_else(|| format!("bad metric {part:?}"))?;
        if m.insert(k, v).is_some() {
            return Err(format!("metric {k} twice"));
        }
    }
    let get = |k: &str| m.get(k).copied().ok_or_else(|| format!("no {k} metric"));
    let changed = match get("S")? {
        "U" => false,
        "C" => true,
        s => return Err(format!("S:{s}")),
    };
    let w = |k: &str, table: &[(&str, f64)]| -> Result<f64, String> {
        let v = get(k)?;
        table
            .iter()
            .find(|(n, _)| *n == v)
            .map(|(_, x)| *x)
            .ok_or_else(|| format!("{k}:{v}"))
    };
    let av = w("AV", &[("N", 0.85), ("A", 0.62), ("L", 0.55), ("P", 0.2)])?;
    let ac = w("AC", &[("L", 0.77), ("H", 0.44)])?;
    let pr = if changed {
        w("PR", &[("N", 0.85), ("L", 0.68), ("H", 0.5)])?
    } else {
        w("PR", &[("N", 0.85), ("L", 0.62), ("H", 0.27)])?
    };
    let ui = w("UI", &[("N", 0.85), ("R", 0.62)])?;
    let cia = [("H", 0.56), ("L", 0.22), ("N", 0.0)];
    let iss = 1.0 - (1.0 - w("C", &cia)?) * (1.0 - w("I", &cia)?) * (1.0 - w("A", &cia)?);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let expl = 8.22 * av * ac * pr * ui;
    let roundup = |x: f64| {
        let i = (x * 100_000.0).round() as i64;
        if i % 10_000 == 0 {
            i as f64 / 100_000.0
        } else {
            ((i / 10_000) + 1) as f64 / 10.0
        }
    };
    Ok(if impact <= 0.0 {
        0.0
    } else if changed {
        roundup((1.08 * (impact + expl)).min(10.0))
    } else {
        roundup((impact + expl).min(10.0))
    })
}
