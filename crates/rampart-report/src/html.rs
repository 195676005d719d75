//! HTML: one self-contained page for people (a manager, an auditor, the
//! on-call engineer): the summary, the fleet matrix (target × area, worst
//! status), the findings grouped by check with the targets they hit, the
//! trends of the last runs when the history has them, then each target in
//! a `<details>` element.
//!
//! The page needs no network and runs nothing: CSS is inline, charts are
//! inline SVG, there is no script, and a Content-Security-Policy forbids
//! loading anything (`default-src 'none'`), so even a string that escaped
//! escaping could not fetch a resource. Every string that came from a
//! server or a file is scrubbed of secrets, sanitised like the terminal
//! report (controls, bidi overrides and invisible characters become
//! visible escapes) and HTML-escaped.
//!
//! Large fleets stay linear and compact: a check's remediation, framework
//! references and (when shared) fix summary and reason are printed once in
//! its group, identical messages are listed once with the targets that
//! have them, passing and skipped checks are listed by ID only, and skip
//! reasons once per check.

use crate::{Report, Suppression, VERSION};
use rampart_checks::{Finding, Severity, Status, Summary};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// Rendering options.
#[derive(Clone, Debug, Default)]
pub struct HtmlOptions {
    /// Earlier runs from the history, oldest first (the chart sorts them
    /// by time anyway); empty: no trends section.
    pub trends: Vec<TrendPoint>,
    /// When the report was made (unix seconds); `None` leaves the time
    /// out (tests, for stable snapshots).
    pub generated_at: Option<i64>,
}

/// One earlier run: how many findings failed per area (`NET`, `ACL`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrendPoint {
    pub run_id: String,
    /// Unix seconds.
    pub at: i64,
    pub fails_by_area: BTreeMap<String, usize>,
}

/// The areas of the catalogue, in report order: the matrix's columns.
pub const AREAS: &[(&str, &str)] = &[
    ("NET", "Network exposure"),
    ("ACL", "Accounts and authentication"),
    ("TLS", "Transport security"),
    ("OS", "Host and files"),
    ("LOG", "Logs"),
    ("DATA", "Data"),
    ("CLU", "Cluster and high availability"),
    ("VER", "Versions"),
    ("MNT", "Maintenance"),
];

/// The area of a check ID (`NET001` → `NET`).
fn area_of(id: &str) -> &str {
    id.trim_end_matches(|c: char| c.is_ascii_digit())
}

// ---------------------------------------------------------------------------
// Escaping

/// Append `s` HTML-escaped, for element content or a double-quoted
/// attribute value. Hand-written rather than a crate (`html-escape`,
/// `v_htmlescape`): this page puts outside text in those two contexts
/// only (never in a URL, a script, a style, a comment or an unquoted
/// attribute), where escaping these five characters is the whole rule
/// (OWASP XSS prevention, rule 1); a dozen reviewed lines cost less than
/// a dependency, and its speed (SIMD) does not matter at 5 MB.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Append outside text (a server's or a file's): secrets masked, control,
/// bidi and invisible characters made visible, then HTML-escaped.
fn put(out: &mut String, s: &str) {
    let scrubbed = crate::scrub::scrub(s);
    escape_into(out, &crate::sanitize::for_terminal(&scrubbed));
}

/// [`put`] into a new string.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    put(&mut out, s);
    out
}

// ---------------------------------------------------------------------------
// Statuses and the fleet roll-up

/// How bad a status is, for "worst status" (a skip is the least: nothing
/// was judged).
fn rank(s: Status) -> u8 {
    match s {
        Status::Skip => 0,
        Status::Pass => 1,
        Status::Manual => 2,
        Status::Warn => 3,
        Status::Error => 4,
        Status::Fail => 5,
    }
}

/// The CSS class of a status (also its short name).
fn cls(s: Status) -> &'static str {
    s.as_str()
}

fn needs_attention(s: Status) -> bool {
    matches!(
        s,
        Status::Fail | Status::Warn | Status::Error | Status::Manual
    )
}

/// Worst counting status per target (rows, in report order) and area
/// (columns, [`AREAS`] order); `None` where no check of the area ran.
/// Suppressed findings do not count.
// TODO(refs): replace by rampart_report::fleet::rollup once merged.
fn matrix(r: &Report) -> Vec<[Option<Status>; 9]> {
    let index: HashMap<&str, usize> = r
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let mut rows = vec![[None; 9]; r.targets.len()];
    for (i, f) in r.findings.iter().enumerate() {
        if r.suppression(i).is_some() {
            continue;
        }
        let (Some(&t), Some(a)) = (
            index.get(f.target.as_str()),
            AREAS.iter().position(|(p, _)| *p == area_of(f.id)),
        ) else {
            continue;
        };
        let cell: &mut Option<Status> = &mut rows[t][a];
        match cell {
            Some(c) if rank(*c) >= rank(f.status) => {}
            _ => *cell = Some(f.status),
        }
    }
    rows
}

/// The framework references of a check, for people.
// TODO(refs): replace by rampart_checks::framework_refs once merged.
fn refs_of(_id: &str) -> Vec<(String, String)> {
    Vec::new()
}

// ---------------------------------------------------------------------------
// The page

const CSS: &str = include_str!("html.css");

/// Render the report as one self-contained HTML page.
pub fn render(r: &Report, opts: &HtmlOptions) -> String {
    let counting: Vec<Finding> = r.counting();
    let summary = Summary::of(&counting);
    // Rough size: a few hundred bytes per finding that needs attention.
    let mut out = String::with_capacity(16 * 1024 + r.findings.len() * 160);
    let target_index: HashMap<&str, usize> = r
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();

    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"rampart {VERSION}\">\n\
<title>rampart audit: {} target{}, {} failing</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        r.targets.len(),
        plural(r.targets.len()),
        summary.fail,
    );

    header(&mut out, r, opts);
    out.push_str("<main>\n");
    summary_section(&mut out, r, &counting, &summary);
    if !opts.trends.is_empty() {
        trends_section(&mut out, &opts.trends);
    }
    matrix_section(&mut out, r);
    groups_section(&mut out, r, &target_index);
    targets_section(&mut out, r);
    out.push_str("</main>\n<footer>Generated by rampart ");
    escape_into(&mut out, VERSION);
    out.push_str(
        ". Statuses: fail (a requirement is not met), warn (a recommendation is not met), \
error (rampart could not decide: never a silent pass), manual (a person must verify), \
pass, skip (not applicable, or its source was not read). Suppressed findings were \
accepted by policy and do not count.</footer>\n</body>\n</html>\n",
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn header(out: &mut String, r: &Report, opts: &HtmlOptions) {
    out.push_str("<header>\n<div class=\"brand\">rampart</div>\n<h1>Redis and Valkey security audit</h1>\n<p class=\"meta\">");
    let _ = write!(
        out,
        "rampart {} · {} target{}",
        text(VERSION),
        r.targets.len(),
        plural(r.targets.len())
    );
    if let Some(t) = opts.generated_at {
        let _ = write!(
            out,
            " · generated <time datetime=\"{}\">{}</time>",
            rfc3339(t),
            human_time(t)
        );
    }
    out.push_str("</p>\n</header>\n");
}

fn badge(out: &mut String, st: Status, n: usize) {
    let _ = write!(
        out,
        "<span class=\"badge {}{}\"><b>{n}</b> {}</span>",
        cls(st),
        if n == 0 { " zero" } else { "" },
        st.as_str()
    );
}

fn summary_section(out: &mut String, r: &Report, counting: &[Finding], s: &Summary) {
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"badges\">");
    for (st, n) in [
        (Status::Fail, s.fail),
        (Status::Warn, s.warn),
        (Status::Error, s.error),
        (Status::Manual, s.manual),
        (Status::Pass, s.pass),
        (Status::Skip, s.skip),
    ] {
        badge(out, st, n);
    }
    let _ = write!(
        out,
        "<span class=\"badge suppressed{}\"><b>{}</b> suppressed</span></div>\n",
        if r.suppressed_count() == 0 {
            " zero"
        } else {
            ""
        },
        r.suppressed_count()
    );
    // Failures by severity, and how many targets fail.
    let mut by_sev = [0usize; 5];
    for f in counting.iter().filter(|f| f.status == Status::Fail) {
        by_sev[f.severity as usize] += 1;
    }
    let failing_targets = {
        let mut names: Vec<&str> = counting
            .iter()
            .filter(|f| f.status == Status::Fail)
            .map(|f| f.target.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    };
    let _ = write!(
        out,
        "<p class=\"lead\"><b>{failing_targets}</b> of {} target{} fail at least one check.",
        r.targets.len(),
        plural(r.targets.len())
    );
    if s.fail > 0 {
        out.push_str(" Failures by severity:");
        for sev in Severity::ALL.iter().rev() {
            let n = by_sev[*sev as usize];
            if n > 0 {
                let _ = write!(out, " <span class=\"sev {0}\">{0}</span> {n}", sev.as_str());
            }
        }
        out.push('.');
    }
    out.push_str("</p>\n");
    if !r.problems.is_empty() {
        let fatal = r.problems.iter().filter(|(_, p)| p.fatal).count();
        let _ = writeln!(
            out,
            "<p class=\"lead\">{} input problem{} ({fatal} that Redis would refuse to start with): see the targets below.</p>",
            r.problems.len(),
            plural(r.problems.len())
        );
    }
    out.push_str("</section>\n");
}

// ---------------------------------------------------------------------------
// Trends

/// A colour per area, for the chart (distinct, legible in print).
const AREA_COLOURS: &[&str] = &[
    "#c62828", "#1565c0", "#6a1b9a", "#ef6c00", "#2e7d32", "#00838f", "#ad1457", "#4e342e",
    "#546e7a",
];

fn trends_section(out: &mut String, points: &[TrendPoint]) {
    let mut pts: Vec<&TrendPoint> = points.iter().collect();
    pts.sort_by_key(|p| p.at);
    // Areas: the catalogue's first, then any other the history names.
    let mut areas: Vec<String> = AREAS
        .iter()
        .map(|(a, _)| a.to_string())
        .filter(|a| pts.iter().any(|p| p.fails_by_area.contains_key(a)))
        .collect();
    for p in &pts {
        for a in p.fails_by_area.keys() {
            if !areas.contains(a) {
                areas.push(a.clone());
            }
        }
    }
    let max = pts
        .iter()
        .flat_map(|p| p.fails_by_area.values())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    // A round upper bound and 4 grid lines.
    let step = nice_step(max.div_ceil(4));
    let top = step * 4;
    let (w, h, left, right, topm, bottom) = (760.0, 260.0, 48.0, 16.0, 16.0, 40.0);
    let pw = w - left - right;
    let ph = h - topm - bottom;
    let n = pts.len();
    let x = |i: usize| -> f64 {
        if n <= 1 {
            left + pw / 2.0
        } else {
            left + pw * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: usize| -> f64 { topm + ph - ph * v as f64 / top as f64 };

    let _ = write!(
        out,
        "<section id=\"trends\">\n<h2>Trends</h2>\n<p class=\"note\">Failing findings per area over the last {n} run{} (from the history).</p>\n",
        plural(n)
    );
    let first = pts.first().map(|p| human_date(p.at)).unwrap_or_default();
    let last = pts.last().map(|p| human_date(p.at)).unwrap_or_default();
    let _ = write!(
        out,
        "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"trend-title trend-desc\">\
<title id=\"trend-title\">Failing findings per area, last {n} run{}</title>\
<desc id=\"trend-desc\">One line per area ({}), from {first} to {last}; the table below has the numbers.</desc>\n",
        plural(n),
        text(&areas.join(", ")),
    );
    // Grid and y labels.
    for k in 0..=4 {
        let v = step * k;
        let yy = y(v);
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\"/><text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text>",
            w - right,
            left - 6.0,
            yy + 4.0
        );
    }
    // X labels: first, last and up to 6 between.
    let every = n.div_ceil(8).max(1);
    for (i, p) in pts.iter().enumerate() {
        if i % every == 0 || i + 1 == n {
            let _ = writeln!(
                out,
                "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x(i),
                h - bottom + 18.0,
                human_date(p.at)
            );
        }
    }
    for (ai, a) in areas.iter().enumerate() {
        let colour = AREA_COLOURS[ai % AREA_COLOURS.len()];
        let coords: Vec<String> = pts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "{:.1},{:.1}",
                    x(i),
                    y(p.fails_by_area.get(a).copied().unwrap_or(0))
                )
            })
            .collect();
        let _ = write!(
            out,
            "<g class=\"series\"><title>{}</title><polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            text(a),
            coords.join(" ")
        );
        for (i, p) in pts.iter().enumerate() {
            let v = p.fails_by_area.get(a).copied().unwrap_or(0);
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{}: {v} failing, run {} ({})</title></circle>",
                x(i),
                y(v),
                text(a),
                text(&p.run_id),
                human_time(p.at)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n<figcaption class=\"legend\">");
    for (ai, a) in areas.iter().enumerate() {
        let _ = write!(
            out,
            "<span><i style=\"background:{}\"></i>{}</span>",
            AREA_COLOURS[ai % AREA_COLOURS.len()],
            text(a)
        );
    }
    out.push_str("</figcaption></figure>\n");
    // The numbers, for screen readers and for print.
    out.push_str("<details class=\"trend-table\"><summary>The numbers</summary><table class=\"data\"><thead><tr><th>run</th><th>time</th>");
    for a in &areas {
        let _ = write!(out, "<th>{}</th>", text(a));
    }
    out.push_str("</tr></thead><tbody>\n");
    for p in &pts {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td>",
            text(&p.run_id),
            human_time(p.at)
        );
        for a in &areas {
            let _ = write!(
                out,
                "<td class=\"num\">{}</td>",
                p.fails_by_area.get(a).copied().unwrap_or(0)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></details>\n</section>\n");
}

/// The smallest of 1, 2, 5 × 10^k at least `raw`.
fn nice_step(raw: usize) -> usize {
    let mut m = 1usize;
    loop {
        for f in [1, 2, 5] {
            if f * m >= raw {
                return f * m;
            }
        }
        m = m.saturating_mul(10);
        if m == usize::MAX {
            return raw;
        }
    }
}

// ---------------------------------------------------------------------------
// The fleet matrix

/// The letter of a status in a matrix cell.
fn letter(s: Status) -> &'static str {
    match s {
        Status::Fail => "F",
        Status::Warn => "W",
        Status::Error => "E",
        Status::Manual => "M",
        Status::Pass => "✓",
        Status::Skip => "–",
    }
}

fn matrix_section(out: &mut String, r: &Report) {
    let rows = matrix(r);
    out.push_str(
        "<section id=\"matrix\">\n<h2>Fleet matrix</h2>\n<p class=\"note\">The worst status of each area per target: \
<span class=\"cell fail\">F</span> fail, <span class=\"cell error\">E</span> error, \
<span class=\"cell warn\">W</span> warn, <span class=\"cell manual\">M</span> manual, \
<span class=\"cell pass\">✓</span> pass, <span class=\"cell skip\">–</span> skipped, blank: no check of the area ran.</p>\n\
<div class=\"scroll\"><table class=\"matrix\">\n<thead><tr><th class=\"tname\">target</th><th>kind</th>",
    );
    for (a, title) in AREAS {
        let _ = write!(out, "<th><abbr title=\"{title}\">{a}</abbr></th>");
    }
    out.push_str("</tr>\n<tr class=\"totals\"><th class=\"tname\">targets failing</th><th></th>");
    for a in 0..AREAS.len() {
        let n = rows
            .iter()
            .filter(|row| row[a] == Some(Status::Fail))
            .count();
        let _ = write!(
            out,
            "<th class=\"num{}\">{n}</th>",
            if n > 0 { " bad" } else { "" }
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (i, (t, row)) in r.targets.iter().zip(&rows).enumerate() {
        let _ = write!(
            out,
            "<tr><th class=\"tname\"><a href=\"#t{i}\">{}</a></th><td class=\"kind\">{}</td>",
            text(&t.name),
            text(&t.kind)
        );
        for c in row {
            match c {
                Some(s) => {
                    let _ = write!(out, "<td class=\"{}\">{}</td>", cls(*s), letter(*s));
                }
                None => out.push_str("<td></td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

// ---------------------------------------------------------------------------
// Findings by check

/// One check's counting findings that need attention.
struct Group<'a> {
    id: &'static str,
    title: &'static str,
    remediation: &'static str,
    /// The highest severity of its findings (policy may override).
    severity: Severity,
    worst: Status,
    /// Report finding indices.
    items: Vec<usize>,
    /// Fix summary and reason shared by every finding with a fix (else
    /// printed per finding).
    common_summary: Option<&'a str>,
    common_reason: Option<&'a str>,
}

/// The check groups, worst first (status, then severity, then catalogue order).
fn groups(r: &Report) -> Vec<Group<'_>> {
    let catalogue: HashMap<&str, usize> = rampart_checks::all_checks()
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let mut by_id: BTreeMap<(usize, &'static str), Vec<usize>> = BTreeMap::new();
    for (i, f) in r.findings.iter().enumerate() {
        if r.suppression(i).is_none() && needs_attention(f.status) {
            let order = catalogue.get(f.id).copied().unwrap_or(usize::MAX);
            by_id.entry((order, f.id)).or_default().push(i);
        }
    }
    let mut out: Vec<Group<'_>> = by_id
        .into_iter()
        .map(|((_, id), items)| {
            let first = &r.findings[items[0]];
            let fixes: Vec<&rampart_checks::Fix> = items
                .iter()
                .filter_map(|&i| r.findings[i].fix.as_ref())
                .collect();
            let shared = |get: fn(&rampart_checks::Fix) -> &str| -> Option<&str> {
                let s = get(fixes.first()?);
                fixes.iter().all(|f| get(f) == s).then_some(s)
            };
            Group {
                id,
                title: first.title,
                remediation: first.remediation,
                severity: items
                    .iter()
                    .map(|&i| r.findings[i].severity)
                    .max()
                    .unwrap_or(first.severity),
                worst: items
                    .iter()
                    .map(|&i| r.findings[i].status)
                    .max_by_key(|s| rank(*s))
                    .unwrap_or(first.status),
                common_summary: shared(|f| f.summary.as_str()),
                common_reason: shared(|f| f.reason.as_str()),
                items,
            }
        })
        .collect();
    // Stable: catalogue order among equals.
    out.sort_by(|a, b| {
        rank(b.worst)
            .cmp(&rank(a.worst))
            .then(b.severity.cmp(&a.severity))
    });
    out
}

fn status_badge(out: &mut String, st: Status) {
    let _ = write!(
        out,
        "<span class=\"st {}\">{}</span>",
        cls(st),
        st.as_str().to_uppercase()
    );
}

fn sev_badge(out: &mut String, sev: Severity) {
    let _ = write!(out, "<span class=\"sev {0}\">{0}</span>", sev.as_str());
}

fn refs_line(out: &mut String, id: &str) {
    let refs = refs_of(id);
    if refs.is_empty() {
        return;
    }
    out.push_str("<p class=\"refs\"><b>References.</b> ");
    for (k, (framework, control)) in refs.iter().enumerate() {
        if k > 0 {
            out.push_str(" · ");
        }
        let _ = write!(out, "{} <code>{}</code>", text(framework), text(control));
    }
    out.push_str("</p>\n");
}

fn target_link(out: &mut String, r: &Report, index: &HashMap<&str, usize>, f: &Finding) {
    match index.get(f.target.as_str()) {
        Some(i) => {
            let _ = write!(
                out,
                "<a class=\"{}\" href=\"#t{i}\">{}</a>",
                cls(f.status),
                text(&f.target)
            );
        }
        None => {
            let _ = write!(
                out,
                "<span class=\"{}\">{}</span>",
                cls(f.status),
                text(&f.target)
            );
        }
    }
    let _ = r;
}

fn groups_section(out: &mut String, r: &Report, index: &HashMap<&str, usize>) {
    let gs = groups(r);
    out.push_str("<section id=\"findings\">\n<h2>Findings by check</h2>\n");
    if gs.is_empty() {
        out.push_str("<p class=\"lead good\">Nothing needs attention: no check fails, warns, errs or needs a person on any target.</p>\n");
    } else {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} check{} need attention, worst first. A check's fix is given once; each target's evidence is in its section below.</p>",
            gs.len(),
            plural(gs.len())
        );
    }
    for g in &gs {
        let _ = write!(
            out,
            "<article class=\"check {}\" id=\"c-{}\">\n<h3>",
            cls(g.worst),
            g.id
        );
        status_badge(out, g.worst);
        let _ = write!(
            out,
            " <code class=\"id\">{}</code> {} ",
            g.id,
            text(g.title)
        );
        sev_badge(out, g.severity);
        let mut counts: BTreeMap<u8, (Status, usize)> = BTreeMap::new();
        for &i in &g.items {
            let st = r.findings[i].status;
            counts.entry(u8::MAX - rank(st)).or_insert((st, 0)).1 += 1;
        }
        out.push_str("<span class=\"counts\">");
        for (st, n) in counts.values() {
            let _ = write!(
                out,
                "<span class=\"{}\">{n} {}</span>",
                cls(*st),
                st.as_str()
            );
        }
        out.push_str("</span></h3>\n");
        // Identical messages once, with the targets that have them.
        let mut by_msg: Vec<(&str, Vec<usize>)> = Vec::new();
        for &i in &g.items {
            let m = r.findings[i].message.as_str();
            match by_msg.iter_mut().find(|(x, _)| *x == m) {
                Some((_, v)) => v.push(i),
                None => by_msg.push((m, vec![i])),
            }
        }
        out.push_str("<ul class=\"hits\">\n");
        for (m, items) in &by_msg {
            out.push_str("<li><span class=\"msg\">");
            put(out, m);
            out.push_str("</span> <span class=\"on\">on ");
            for (k, &i) in items.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                target_link(out, r, index, &r.findings[i]);
            }
            out.push_str("</span></li>\n");
        }
        out.push_str("</ul>\n<p class=\"remediation\"><b>Fix.</b> ");
        escape_into(out, g.remediation);
        out.push_str("</p>\n");
        if let Some(s) = g.common_summary.filter(|s| *s != g.remediation) {
            out.push_str("<p class=\"fixsum\"><b>rampart's fix.</b> ");
            put(out, s);
            out.push_str("</p>\n");
        }
        if let Some(why) = g.common_reason {
            let safety = r.findings[g.items[0]]
                .fix
                .as_ref()
                .map(|f| f.safety)
                .filter(|s| {
                    g.items
                        .iter()
                        .filter_map(|&i| r.findings[i].fix.as_ref())
                        .all(|f| f.safety == *s)
                });
            out.push_str("<p class=\"why\">");
            if let Some(s) = safety {
                let _ = write!(out, "<span class=\"safety {0}\">{0}</span> ", s.as_str());
            }
            put(out, why);
            out.push_str("</p>\n");
        }
        refs_line(out, g.id);
        out.push_str("</article>\n");
    }
    not_assessed(out, r);
    out.push_str("</section>\n");
}

/// Skipped checks: once per check and reason, with how many targets.
fn not_assessed(out: &mut String, r: &Report) {
    let mut rows: Vec<(&'static str, &'static str, &str, usize)> = Vec::new();
    for (i, f) in r.findings.iter().enumerate() {
        if f.status != Status::Skip || r.suppression(i).is_some() {
            continue;
        }
        match rows
            .iter_mut()
            .find(|(id, _, m, _)| *id == f.id && *m == f.message)
        {
            Some(row) => row.3 += 1,
            None => rows.push((f.id, f.title, f.message.as_str(), 1)),
        }
    }
    if rows.is_empty() {
        return;
    }
    let catalogue: HashMap<&str, usize> = rampart_checks::all_checks()
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    rows.sort_by_key(|(id, _, _, _)| catalogue.get(id).copied().unwrap_or(usize::MAX));
    let _ = write!(
        out,
        "<details class=\"skipped\"><summary>Not assessed: {} skipped check{} and why</summary>\n<table class=\"data\"><thead><tr><th>check</th><th>why it was skipped</th><th>targets</th></tr></thead><tbody>\n",
        rows.len(),
        plural(rows.len())
    );
    for (id, title, m, n) in rows {
        let _ = write!(
            out,
            "<tr><td><code>{id}</code> {}</td><td>{}</td><td class=\"num\">{n}</td></tr>\n",
            text(title),
            text(m)
        );
    }
    out.push_str("</tbody></table></details>\n");
}

// ---------------------------------------------------------------------------
// Per target

/// Targets whose section starts open (a small audit reads like a document).
const OPEN_UP_TO: usize = 10;

fn targets_section(out: &mut String, r: &Report) {
    // Findings per target, in one pass (linear in the findings).
    let mut per: Vec<Vec<usize>> = vec![Vec::new(); r.targets.len()];
    let index: HashMap<&str, usize> = r
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    for (i, f) in r.findings.iter().enumerate() {
        if let Some(&t) = index.get(f.target.as_str()) {
            per[t].push(i);
        }
    }
    let mut problems: Vec<Vec<&rampart_checks::InputProblem>> = vec![Vec::new(); r.targets.len()];
    for (name, p) in &r.problems {
        if let Some(&t) = index.get(name.as_str()) {
            problems[t].push(p);
        }
    }
    let groups: HashMap<&str, (Option<String>, Option<String>)> = groups(r)
        .into_iter()
        .map(|g| {
            (
                g.id,
                (
                    g.common_summary.map(str::to_string),
                    g.common_reason.map(str::to_string),
                ),
            )
        })
        .collect();
    let open = r.targets.len() <= OPEN_UP_TO;
    out.push_str("<section id=\"targets\">\n<h2>Targets</h2>\n");
    for (ti, t) in r.targets.iter().enumerate() {
        let items = &per[ti];
        let counting: Vec<Finding> = items
            .iter()
            .filter(|&&i| r.suppression(i).is_none())
            .map(|&i| r.findings[i].clone())
            .collect();
        let s = Summary::of(&counting);
        let worst = counting
            .iter()
            .map(|f| f.status)
            .max_by_key(|s| rank(*s))
            .unwrap_or(Status::Skip);
        let _ = write!(
            out,
            "<details class=\"target {}\" id=\"t{ti}\"{}><summary><span class=\"tname\">{}</span> <span class=\"kind\">{}</span> <span class=\"counts\">",
            cls(worst),
            if open { " open" } else { "" },
            text(&t.name),
            text(&t.kind)
        );
        for (st, n) in [
            (Status::Fail, s.fail),
            (Status::Warn, s.warn),
            (Status::Error, s.error),
            (Status::Manual, s.manual),
            (Status::Pass, s.pass),
            (Status::Skip, s.skip),
        ] {
            if n > 0 {
                let _ = write!(
                    out,
                    "<span class=\"{}\">{n} {}</span>",
                    cls(st),
                    st.as_str()
                );
            }
        }
        out.push_str("</span></summary>\n");
        if let Some(v) = &t.version {
            out.push_str("<p class=\"ver\">Read as ");
            put(out, &v.title);
            out.push_str(" (data from ");
            put(out, &v.data_from);
            out.push(')');
            if let Some(n) = &v.note {
                out.push_str(". ");
                put(out, n);
            }
            out.push_str("</p>\n");
        }
        if !problems[ti].is_empty() {
            out.push_str("<p class=\"sub\">Input problems (the rest is still audited)</p><ul class=\"problems\">\n");
            for p in &problems[ti] {
                let _ = write!(
                    out,
                    "<li><span class=\"st {}\">{}</span> <code>{}</code> {}</li>\n",
                    if p.fatal { "fail" } else { "warn" },
                    if p.fatal { "ERROR" } else { "WARN" },
                    text(&p.location),
                    text(&p.message)
                );
            }
            out.push_str("</ul>\n");
        }
        let attention: Vec<usize> = items
            .iter()
            .copied()
            .filter(|&i| r.suppression(i).is_none() && needs_attention(r.findings[i].status))
            .collect();
        if !attention.is_empty() {
            out.push_str("<table class=\"findings\"><tbody>\n");
            let mut sorted = attention.clone();
            sorted.sort_by(|&a, &b| {
                let (fa, fb) = (&r.findings[a], &r.findings[b]);
                rank(fb.status)
                    .cmp(&rank(fa.status))
                    .then(fb.severity.cmp(&fa.severity))
            });
            for i in sorted {
                let f = &r.findings[i];
                let shared = groups.get(f.id);
                finding_row(out, f, shared);
            }
            out.push_str("</tbody></table>\n");
        }
        id_list(out, r, items, Status::Pass, "Passed");
        id_list(out, r, items, Status::Skip, "Skipped");
        suppressed_list(out, r, items);
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

fn finding_row(out: &mut String, f: &Finding, shared: Option<&(Option<String>, Option<String>)>) {
    let _ = write!(out, "<tr class=\"{}\"><td class=\"stc\">", cls(f.status));
    status_badge(out, f.status);
    let _ = write!(
        out,
        "</td><td class=\"idc\"><a href=\"#c-{0}\"><code>{0}</code></a><br>",
        f.id
    );
    sev_badge(out, f.severity);
    let _ = write!(out, "</td><td><b>{}</b><br>", text(f.title));
    put(out, &f.message);
    if !f.evidence.is_empty() {
        out.push_str("<ul class=\"ev\">");
        for e in &f.evidence {
            out.push_str("<li><code>");
            put(out, &e.location);
            out.push_str("</code> ");
            put(out, &e.observed);
            out.push_str(" <span class=\"exp\">expected: ");
            put(out, &e.expected);
            out.push_str("</span></li>");
        }
        out.push_str("</ul>");
    }
    if let Some(fix) = &f.fix {
        let (sum, why) = shared
            .map(|(s, w)| (s.as_deref(), w.as_deref()))
            .unwrap_or_default();
        let show_sum = sum != Some(fix.summary.as_str()) && fix.summary != f.remediation;
        let show_why = why != Some(fix.reason.as_str());
        if show_sum || show_why || !fix.edits.is_empty() || !fix.runtime.is_empty() {
            let _ = write!(
                out,
                "<div class=\"fix\"><span class=\"safety {0}\">fix: {0}</span> ",
                fix.safety.as_str()
            );
            if show_sum {
                put(out, &fix.summary);
            }
            if show_why {
                out.push_str(" <span class=\"exp\">(");
                put(out, &fix.reason);
                out.push_str(")</span>");
            }
            for e in &fix.edits {
                out.push_str("<div class=\"edit\"><code>");
                put(out, &format!("{}:{}", e.file.display(), e.line));
                out.push_str("</code> ");
                match (e.kind, &e.before) {
                    (rampart_checks::EditKind::Append, _) => {
                        out.push_str("append <code>");
                        put(out, &e.after);
                        out.push_str("</code>");
                    }
                    (rampart_checks::EditKind::Comment, Some(b)) => {
                        out.push_str("comment out <code>");
                        put(out, b);
                        out.push_str("</code>");
                    }
                    (_, Some(b)) => {
                        out.push_str("<code class=\"del\">");
                        put(out, b);
                        out.push_str("</code> → <code class=\"add\">");
                        put(out, &e.after);
                        out.push_str("</code>");
                    }
                    (_, None) => {
                        out.push_str("<code>");
                        put(out, &e.after);
                        out.push_str("</code>");
                    }
                }
                out.push_str("</div>");
            }
            for c in &fix.runtime {
                out.push_str("<div class=\"edit\">runtime (shown, never run): <code>");
                put(out, c);
                out.push_str("</code></div>");
            }
            out.push_str("</div>");
        }
    }
    out.push_str("</td></tr>\n");
}

/// `Passed (12): ACL005 ACL006 ...`: IDs only (the full list of checks
/// is in `rampart checks`).
fn id_list(out: &mut String, r: &Report, items: &[usize], st: Status, word: &str) {
    let ids: Vec<&str> = items
        .iter()
        .filter(|&&i| r.suppression(i).is_none() && r.findings[i].status == st)
        .map(|&i| r.findings[i].id)
        .collect();
    if ids.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<p class=\"ids {}\"><b>{word} ({}):</b> {}</p>\n",
        cls(st),
        ids.len(),
        ids.join(" ")
    );
}

fn suppressed_list(out: &mut String, r: &Report, items: &[usize]) {
    let accepted: Vec<(&Finding, &Suppression)> = items
        .iter()
        .filter_map(|&i| Some((&r.findings[i], r.suppression(i)?)))
        .collect();
    if accepted.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<p class=\"sub\">Suppressed ({}: accepted, not counted)</p><ul class=\"suppressed\">\n",
        accepted.len()
    );
    for (f, s) in accepted {
        out.push_str("<li>");
        status_badge(out, f.status);
        let _ = write!(
            out,
            " <code>{}</code> {} — accepted at <code>",
            f.id,
            text(f.title)
        );
        put(out, &s.how.location());
        out.push_str("</code>: ");
        put(out, &s.reason);
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

// ---------------------------------------------------------------------------
// Time

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's
/// `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn split(ts: i64) -> (i64, u32, u32, i64, i64, i64) {
    let (y, mo, d) = civil(ts.div_euclid(86_400));
    let s = ts.rem_euclid(86_400);
    (y, mo, d, s / 3600, s % 3600 / 60, s % 60)
}

/// `2026-12-02T04:23:42Z`
fn rfc3339(ts: i64) -> String {
    let (y, mo, d, h, mi, s) = split(ts);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `2026-12-02 04:23 UTC`
fn human_time(ts: i64) -> String {
    let (y, mo, d, h, mi, _) = split(ts);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// `2026-12-02`
fn human_date(ts: i64) -> String {
    let (y, mo, d, ..) = split(ts);
    format!("{y:04}-{mo:02}-{d:02}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five() {
        let mut s = String::new();
        escape_into(&mut s, "<a href=\"x\" title='y'>&</a>");
        assert_eq!(
            s,
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_185_422), "2026-12-02T04:23:42Z");
        assert_eq!(human_time(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(human_date(-86_400), "1969-12-31");
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0), 1);
        assert_eq!(nice_step(3), 5);
        assert_eq!(nice_step(7), 10);
        assert_eq!(nice_step(11), 20);
        assert_eq!(nice_step(4000), 5000);
    }
}
