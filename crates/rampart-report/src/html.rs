//! HTML: one self-contained page for people (a manager, an auditor, the
//! on-call engineer): the summary, the trends of the last runs when the
//! history has them, the fleet matrix (target × area, worst status), the
//! findings grouped by check with the targets they hit, then each target
//! in a `<details>` element with its evidence and fixes.
//!
//! The page needs no network and runs nothing: CSS is inline, charts are
//! inline SVG, there is no script, and a Content-Security-Policy forbids
//! loading anything (`default-src 'none'`), so even a string that escaped
//! escaping could not fetch a resource. Every string that came from a
//! server or a file is scrubbed of secrets, sanitised like the terminal
//! report (controls, bidi overrides and invisible characters become
//! visible escapes) and HTML-escaped.
//!
//! The matrix, the totals and the order of the check groups come from the
//! fleet roll-up ([`crate::fleet::rollup`]), as in the text report.
//!
//! Large fleets stay linear and compact: a check's remediation, framework
//! references and (when shared) fix summary and reason are printed once in
//! its group, identical messages are listed once with the targets that
//! have them, passing and skipped checks are listed by ID only, and skip
//! reasons once per check and reason.

use crate::fleet::{self, rank, Rollup, AREAS};
use crate::{Report, Suppression, VERSION};
use rampart_checks::{EditKind, Finding, Fix, Severity, Status, Summary};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// Rendering options.
#[derive(Clone, Debug, Default)]
pub struct HtmlOptions {
    /// Earlier runs from the history (any order: the chart sorts them by
    /// time); empty: no trends section.
    pub trends: Vec<TrendPoint>,
    /// When the report was made (unix seconds); `None` leaves the time
    /// out (tests, for stable snapshots).
    pub generated_at: Option<i64>,
}

/// One run: how many counted findings failed per area (`NET`, `ACL`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrendPoint {
    pub run_id: String,
    /// Unix seconds.
    pub at: i64,
    pub fails_by_area: BTreeMap<String, usize>,
}

// ---------------------------------------------------------------------------
// Escaping

/// Append `s` HTML-escaped, for element content or a double-quoted
/// attribute value. Hand-written rather than a crate (`html-escape`,
/// `v_htmlescape`): this page puts outside text in those two contexts
/// only (never in a URL, a script, a style, a comment or an unquoted
/// attribute), where escaping these five characters is the whole rule
/// (OWASP XSS prevention cheat sheet, rule 1); a dozen reviewed lines
/// cost less than a dependency, and a crate's speed (SIMD) does not
/// matter at a few megabytes.
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

/// Append outside text (a server's or a file's): secrets masked (before
/// escaping, so a secret holding `<` is still found), control, bidi and
/// invisible characters made visible, then HTML-escaped.
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

/// [`put`], then `` `code` `` spans as `<code>`: for rampart's own prose
/// (remediations, fix summaries and reasons), which marks commands and
/// settings with backticks. Safe on outside text too: it runs after
/// escaping and only adds fixed tags, in pairs.
fn put_prose(out: &mut String, s: &str) {
    let escaped = text(s);
    let ticks = escaped.matches('`').count();
    if ticks < 2 {
        out.push_str(&escaped);
        return;
    }
    // An odd last backtick stays as it is.
    let pairs = ticks / 2;
    for (k, part) in escaped.split('`').enumerate() {
        if k > 0 {
            if k <= pairs * 2 {
                out.push_str(if k % 2 == 1 { "<code>" } else { "</code>" });
            } else {
                out.push('`');
            }
        }
        out.push_str(part);
    }
}

// ---------------------------------------------------------------------------
// Small pieces

/// The CSS class of a status (also its name).
fn cls(s: Status) -> &'static str {
    s.as_str()
}

fn needs_attention(s: Status) -> bool {
    matches!(
        s,
        Status::Fail | Status::Warn | Status::Error | Status::Manual
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
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

/// The statuses in the order people read them (worst first).
fn by_status(s: &Summary) -> [(Status, usize); 6] {
    [
        (Status::Fail, s.fail),
        (Status::Error, s.error),
        (Status::Warn, s.warn),
        (Status::Manual, s.manual),
        (Status::Pass, s.pass),
        (Status::Skip, s.skip),
    ]
}

/// `2 fail 1 warn` (non-zero counts only).
fn counts(out: &mut String, s: &Summary) {
    out.push_str("<span class=\"counts\">");
    for (st, n) in by_status(s) {
        if n > 0 {
            let _ = write!(out, "<span class={}>{n} {}</span>", cls(st), st.as_str());
        }
    }
    out.push_str("</span>");
}

// ---------------------------------------------------------------------------
// What every section draws on

/// One check's counted findings that need attention (fail, error, warn,
/// manual), across the fleet.
struct Group<'a> {
    id: &'static str,
    title: &'static str,
    remediation: &'static str,
    /// The highest severity of its findings (policy may override).
    severity: Severity,
    worst: Status,
    /// Report finding indexes, in report order.
    items: Vec<usize>,
    /// The fix summary, reason and safety shared by every finding of the
    /// group (printed once in the group, not per finding).
    common_summary: Option<&'a str>,
    common_reason: Option<&'a str>,
    common_safety: Option<rampart_checks::Safety>,
}

struct Ctx<'a> {
    r: &'a Report,
    roll: Rollup,
    /// Finding indexes per target (report order), built in one pass.
    per_target: Vec<Vec<usize>>,
    /// Target index by name.
    index: HashMap<&'a str, usize>,
    groups: Vec<Group<'a>>,
    /// The evidence and fix of each finding that needs attention, as HTML.
    bodies: HashMap<usize, String>,
    /// Findings whose body is shown once in their check's group (every
    /// target with the same message has the same body).
    shared_body: std::collections::HashSet<usize>,
    /// Per group: its findings by message, in first-seen order.
    by_msg: Vec<Vec<(&'a str, Vec<usize>)>>,
    /// Large fleets: the directory (or URL scheme) every target name
    /// starts with, left out of the long target lists.
    prefix: &'a str,
}

impl<'a> Ctx<'a> {
    fn new(r: &'a Report) -> Ctx<'a> {
        let roll = fleet::rollup(r);
        let index: HashMap<&str, usize> = r
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        let mut per_target = vec![Vec::new(); r.targets.len()];
        for (i, f) in r.findings.iter().enumerate() {
            if let Some(&t) = index.get(f.target.as_str()) {
                per_target[t].push(i);
            }
        }
        // The roll-up orders (check, status) pairs worst first; a check's
        // group takes the place of its worst pair.
        let mut order: HashMap<&'static str, usize> = HashMap::new();
        for (k, g) in roll.attention().enumerate() {
            order.entry(g.id).or_insert(k);
        }
        let mut by_id: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, f) in r.findings.iter().enumerate() {
            if r.suppression(i).is_none() && needs_attention(f.status) {
                by_id.entry(f.id).or_default().push(i);
            }
        }
        let mut groups: Vec<Group<'a>> = by_id
            .into_iter()
            .map(|(id, items)| group(r, id, items))
            .collect();
        groups.sort_by_key(|g| (order.get(g.id).copied().unwrap_or(usize::MAX), g.id));
        let mut bodies = HashMap::new();
        let mut shared_body = std::collections::HashSet::new();
        let mut by_msg_all = Vec::with_capacity(groups.len());
        for g in &groups {
            for &i in &g.items {
                bodies.insert(i, body(&r.findings[i], Some(g)));
            }
            // Identical messages once, with the targets that have them.
            let mut by_msg: Vec<(&str, Vec<usize>)> = Vec::new();
            let mut seen: HashMap<&str, usize> = HashMap::new();
            for &i in &g.items {
                let m = r.findings[i].message.as_str();
                match seen.get(m) {
                    Some(&k) => by_msg[k].1.push(i),
                    None => {
                        seen.insert(m, by_msg.len());
                        by_msg.push((m, vec![i]));
                    }
                }
            }
            for (_, items) in &by_msg {
                let first = bodies.get(&items[0]);
                // Shared only where the note is shorter than the body.
                let worth = first.is_some_and(|b| b.len() > 80);
                if worth && items.len() > 1 && items.iter().all(|i| bodies.get(i) == first) {
                    shared_body.extend(items.iter().copied());
                }
            }
            by_msg_all.push(by_msg);
        }
        Ctx {
            r,
            roll,
            per_target,
            index,
            groups,
            bodies,
            shared_body,
            by_msg: by_msg_all,
            prefix: common_prefix(r),
        }
    }
}

impl Ctx<'_> {
    /// A target name for the long lists (check groups, grouped matrix
    /// rows): without the fleet's common prefix.
    fn short<'n>(&self, name: &'n str) -> &'n str {
        match name.strip_prefix(self.prefix) {
            Some(rest) if !rest.is_empty() => rest,
            _ => name,
        }
    }
}

/// The longest prefix, up to and with a `/`, of every target name, when
/// there are more than [`OPEN_UP_TO`] targets (`/srv/fleet/`,
/// `redis://`); else empty.
fn common_prefix(r: &Report) -> &str {
    let Some(first) = r.targets.first().map(|t| t.name.as_str()) else {
        return "";
    };
    if r.targets.len() <= OPEN_UP_TO {
        return "";
    }
    let mut len = first.len();
    for t in &r.targets[1..] {
        len = first
            .bytes()
            .zip(t.name.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    // Up to the last `/` (a byte boundary: `/` is ASCII).
    match first[..len].rfind('/') {
        Some(i) => &first[..=i],
        None => "",
    }
}

fn group<'a>(r: &'a Report, id: &'static str, items: Vec<usize>) -> Group<'a> {
    let first = &r.findings[items[0]];
    let fixes: Vec<&Fix> = items
        .iter()
        .filter_map(|&i| r.findings[i].fix.as_ref())
        .collect();
    let all_have_fix = fixes.len() == items.len();
    let shared = |get: fn(&Fix) -> &str| -> Option<&'a str> {
        let s = get(fixes.first()?);
        (all_have_fix && fixes.iter().all(|f| get(f) == s)).then_some(s)
    };
    let common_safety = fixes
        .first()
        .map(|f| f.safety)
        .filter(|s| all_have_fix && fixes.iter().all(|f| f.safety == *s));
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
        common_safety,
        items,
    }
}

// ---------------------------------------------------------------------------
// The page

const CSS: &str = include_str!("html.css");

/// Render the report as one self-contained HTML page.
pub fn render(r: &Report, opts: &HtmlOptions) -> String {
    let cx = Ctx::new(r);
    // Roughly: a few hundred bytes per finding that needs attention.
    let mut out = String::with_capacity(32 * 1024 + r.findings.len() * 96);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"rampart {}\">\n\
<title>rampart audit: {} target{}, {} failing</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        text(VERSION),
        r.targets.len(),
        plural(r.targets.len()),
        cx.roll.totals.findings.fail,
    );
    header(&mut out, &cx, opts);
    out.push_str("<main>\n");
    summary_section(&mut out, &cx);
    if !opts.trends.is_empty() {
        trends_section(&mut out, &opts.trends);
    }
    matrix_section(&mut out, &cx);
    groups_section(&mut out, &cx);
    targets_section(&mut out, &cx);
    out.push_str("</main>\n<footer>Generated by rampart ");
    escape_into(&mut out, VERSION);
    out.push_str(
        ". Statuses: <b>fail</b> a requirement is not met; <b>error</b> rampart could not decide \
(never a silent pass); <b>warn</b> a recommendation is not met; <b>manual</b> a person must \
verify; <b>pass</b>; <b>skip</b> not applicable, or its source was not read. Suppressed \
findings were accepted by policy and do not count. References: NIST SP 800-53 Rev. 5 \
controls, DISA STIG IDs.</footer>\n</body>\n</html>\n",
    );
    out
}

fn header(out: &mut String, cx: &Ctx<'_>, opts: &HtmlOptions) {
    let n = cx.r.targets.len();
    out.push_str("<header>\n<div class=\"brand\">rampart</div>\n<h1>Redis and Valkey security audit</h1>\n<p class=\"meta\">");
    let _ = write!(out, "rampart {} · {n} target{}", text(VERSION), plural(n));
    if let Some(t) = opts.generated_at {
        let _ = write!(
            out,
            " · generated <time datetime=\"{}\">{}</time>",
            rfc3339(t),
            human_time(t)
        );
    }
    out.push_str("</p>\n<nav><a href=\"#summary\">Summary</a>");
    if !opts.trends.is_empty() {
        out.push_str("<a href=\"#trends\">Trends</a>");
    }
    out.push_str("<a href=\"#matrix\">Fleet matrix</a><a href=\"#findings\">Findings by check</a><a href=\"#targets\">Targets</a></nav>\n</header>\n");
}

fn summary_section(out: &mut String, cx: &Ctx<'_>) {
    let t = &cx.roll.totals;
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"badges\">");
    for (st, n) in by_status(&t.findings) {
        let _ = write!(
            out,
            "<span class=\"badge {}{}\"><b>{n}</b> {}</span>",
            cls(st),
            if n == 0 { " zero" } else { "" },
            st.as_str()
        );
    }
    let _ = writeln!(
        out,
        "<span class=\"badge suppressed{}\"><b>{}</b> suppressed</span></div>",
        if t.suppressed == 0 { " zero" } else { "" },
        t.suppressed
    );
    let _ = write!(
        out,
        "<p class=\"lead\"><b>{}</b> of {} target{} {} at least one check",
        t.targets_by_worst.fail,
        t.targets,
        plural(t.targets),
        if t.targets_by_worst.fail == 1 {
            "fails"
        } else {
            "fail"
        }
    );
    if t.audited < t.targets {
        let _ = write!(
            out,
            "; <b class=\"error\">{}</b> could not be audited",
            t.targets - t.audited
        );
    }
    out.push('.');
    if t.findings.fail > 0 {
        let mut by_sev = [0usize; 5];
        for f in cx.r.counting().iter().filter(|f| f.status == Status::Fail) {
            by_sev[f.severity as usize] += 1;
        }
        out.push_str(" Failures by severity:");
        for sev in Severity::ALL.iter().rev() {
            let n = by_sev[*sev as usize];
            if n > 0 {
                out.push(' ');
                sev_badge(out, *sev);
                let _ = write!(out, "&nbsp;{n}");
            }
        }
        out.push('.');
    }
    out.push_str("</p>\n");
    if !cx.r.problems.is_empty() {
        let fatal = cx.r.problems.iter().filter(|(_, p)| p.fatal).count();
        let _ = writeln!(
            out,
            "<p class=\"lead\">{} input problem{} ({fatal} that Redis would refuse to start with): see the targets below.</p>",
            cx.r.problems.len(),
            plural(cx.r.problems.len())
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
    let _ = writeln!(
        out,
        "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"trend-title trend-desc\">\
<title id=\"trend-title\">Failing findings per area, last {n} run{}</title>\
<desc id=\"trend-desc\">One line per area ({}), from {first} to {last}; the table below has the numbers.</desc>",
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
        // The last label always, and no other label too close to it.
        let last = i + 1 == n;
        if last || (i % every == 0 && n - 1 - i >= every) {
            let anchor = match (i, last) {
                (_, true) if n > 1 => "end",
                (0, _) if n > 1 => "start",
                _ => "middle",
            };
            let _ = writeln!(
                out,
                "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
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

/// Above this many targets, identical rows are grouped first ("412
/// targets: ...") and the full matrix is folded.
const GROUP_ROWS_ABOVE: usize = 25;

fn matrix_head(out: &mut String, first: &str, second: &str) {
    let _ = write!(
        out,
        "<table class=\"matrix\">\n<thead><tr><th class=\"tname\">{first}</th><th>{second}</th>"
    );
    for (a, title) in AREAS {
        let _ = write!(out, "<th><abbr title=\"{title}\">{a}</abbr></th>");
    }
    out.push_str("</tr>");
}

fn matrix_cells(out: &mut String, pattern: impl Iterator<Item = Option<Status>>) {
    for c in pattern {
        match c {
            Some(s) => {
                let _ = write!(out, "<td class={}>{}</td>", cls(s), letter(s));
            }
            None => out.push_str("<td></td>"),
        }
    }
}

fn matrix_section(out: &mut String, cx: &Ctx<'_>) {
    let rows = &cx.roll.rows;
    out.push_str(
        "<section id=\"matrix\">\n<h2>Fleet matrix</h2>\n<p class=\"note\">The worst status of each area per target: \
<span class=\"cell fail\">F</span> fail, <span class=\"cell error\">E</span> error, \
<span class=\"cell warn\">W</span> warn, <span class=\"cell manual\">M</span> manual, \
<span class=\"cell pass\">✓</span> pass, <span class=\"cell skip\">–</span> skipped; blank: no counted finding.</p>\n",
    );
    let big = rows.len() > GROUP_ROWS_ABOVE;
    if big {
        let groups = cx.roll.row_groups();
        let _ = writeln!(
            out,
            "<p class=\"note\">{} targets in {} group{} of identical rows, worst first.</p>",
            rows.len(),
            groups.len(),
            plural(groups.len())
        );
        out.push_str("<div class=\"scroll\">");
        matrix_head(out, "targets", "how many");
        out.push_str("</thead>\n<tbody>\n");
        for g in &groups {
            out.push_str("<tr><th class=\"tname\"><details class=\"members\"><summary>");
            let first = &rows[g.rows[0]].name;
            put(out, first);
            if g.rows.len() > 1 {
                let _ = write!(out, " and {} more", g.rows.len() - 1);
            }
            if !g.audited {
                out.push_str(" <span class=\"st error\">NOT AUDITED</span>");
            }
            out.push_str("</summary>");
            for (k, &i) in g.rows.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "<a href=#t{i}>{}</a>", text(cx.short(&rows[i].name)));
            }
            let _ = write!(
                out,
                "</details></th><td class=\"num\">{}</td>",
                g.rows.len()
            );
            matrix_cells(out, g.pattern.iter().copied());
            out.push_str("</tr>\n");
        }
        out.push_str(
            "</tbody></table></div>\n<details class=\"full\"><summary>Every target</summary>",
        );
    }
    out.push_str("<div class=\"scroll\">");
    matrix_head(out, "target", "kind");
    out.push_str("\n<tr class=\"totals\"><th class=\"tname\">targets failing</th><th></th>");
    for a in 0..AREAS.len() {
        let n = rows
            .iter()
            .filter(|row| row.cells.get(a).and_then(|c| c.worst) == Some(Status::Fail))
            .count();
        let _ = write!(
            out,
            "<th class=\"num{}\">{n}</th>",
            if n > 0 { " bad" } else { "" }
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (i, row) in rows.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><th class=\"tname\"><a href=\"#t{i}\">{}</a>{}</th><td class=\"kind\">{}</td>",
            text(&row.name),
            if row.audited {
                ""
            } else {
                " <span class=\"st error\">NOT AUDITED</span>"
            },
            text(&row.kind)
        );
        matrix_cells(out, row.cells.iter().map(|c| c.worst));
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    if big {
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

// ---------------------------------------------------------------------------
// Findings by check

fn refs_line(out: &mut String, id: &str) {
    let refs = rampart_checks::framework_refs(id);
    if refs.is_empty() {
        return;
    }
    out.push_str("<p class=\"refs\"><b>References.</b> ");
    let mut last: Option<rampart_checks::Framework> = None;
    for r in refs {
        if last != Some(r.framework) {
            if last.is_some() {
                out.push_str("; ");
            }
            escape_into(out, r.framework.display_name());
            last = Some(r.framework);
        } else {
            out.push(',');
        }
        out.push_str(" <code>");
        escape_into(out, r.id);
        out.push_str("</code>");
    }
    out.push_str("</p>\n");
}

fn target_link(out: &mut String, cx: &Ctx<'_>, f: &Finding) {
    match cx.index.get(f.target.as_str()) {
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
}

fn groups_section(out: &mut String, cx: &Ctx<'_>) {
    let r = cx.r;
    out.push_str("<section id=\"findings\">\n<h2>Findings by check</h2>\n");
    if cx.groups.is_empty() {
        out.push_str("<p class=\"lead good\">Nothing needs attention: no check fails, errs, warns or needs a person on any target.</p>\n");
    } else {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} check{} need attention, worst first. Each check's fix is given once here; each target's evidence is in its section below.</p>",
            cx.groups.len(),
            plural(cx.groups.len())
        );
        if !cx.prefix.is_empty() {
            out.push_str("<p class=\"note\">Target names below are shown without <code>");
            put(out, cx.prefix);
            out.push_str("</code>, which every one starts with.</p>\n");
        }
    }
    for (gi, g) in cx.groups.iter().enumerate() {
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
        let owned: Vec<Finding> = g.items.iter().map(|&i| r.findings[i].clone()).collect();
        counts(out, &Summary::of(&owned));
        let _ = writeln!(
            out,
            "<span class=\"of\">of {} target{}</span></h3>",
            r.targets.len(),
            plural(r.targets.len())
        );
        out.push_str("<ul class=\"hits\">\n");
        for (m, items) in &cx.by_msg[gi] {
            let st = r.findings[items[0]].status;
            let same_status = items.iter().all(|&i| r.findings[i].status == st);
            if same_status {
                let _ = write!(out, "<li class=\"{}\">", cls(st));
            } else {
                out.push_str("<li>");
            }
            out.push_str("<span class=\"msg\">");
            put(out, m);
            out.push_str("</span> <span class=\"on\">on ");
            for (k, &i) in items.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                let f = &r.findings[i];
                match cx.index.get(f.target.as_str()) {
                    Some(t) if same_status => {
                        let _ = write!(out, "<a href=#t{t}>{}</a>", text(cx.short(&f.target)));
                    }
                    _ => target_link(out, cx, f),
                }
            }
            out.push_str("</span>");
            if cx.shared_body.contains(&items[0]) {
                if let Some(b) = cx.bodies.get(&items[0]) {
                    out.push_str(b);
                }
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n<p class=\"remediation\"><b>Fix.</b> ");
        put_prose(out, g.remediation);
        out.push_str("</p>\n");
        if let Some(s) = g.common_summary.filter(|s| *s != g.remediation) {
            out.push_str("<p class=\"fixsum\"><b>rampart's fix.</b> ");
            put_prose(out, s);
            out.push_str("</p>\n");
        }
        if g.common_safety.is_some() || g.common_reason.is_some() {
            out.push_str("<p class=\"why\">");
            if let Some(s) = g.common_safety {
                let _ = write!(out, "<span class=\"safety {0}\">{0}</span> ", s.as_str());
            }
            if let Some(why) = g.common_reason {
                put_prose(out, why);
            }
            out.push_str("</p>\n");
        }
        refs_line(out, g.id);
        out.push_str("</article>\n");
    }
    not_assessed(out, cx);
    out.push_str("</section>\n");
}

/// How many distinct skip reasons a check lists (a reason that names
/// the target differs on every target).
const REASONS_SHOWN: usize = 3;

/// Skipped checks: once per check, with how many targets and (up to
/// [`REASONS_SHOWN`] of) the reasons.
fn not_assessed(out: &mut String, cx: &Ctx<'_>) {
    let r = cx.r;
    // (check, title, targets, reasons with their counts)
    type Row<'s> = (&'static str, &'static str, usize, Vec<(&'s str, usize)>);
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, f) in r.findings.iter().enumerate() {
        if f.status != Status::Skip || r.suppression(i).is_some() {
            continue;
        }
        let k = *seen.entry(f.id).or_insert_with(|| {
            rows.push((f.id, f.title, 0, Vec::new()));
            rows.len() - 1
        });
        let row = &mut rows[k];
        row.2 += 1;
        match row.3.iter().position(|(m, _)| *m == f.message) {
            Some(x) => row.3[x].1 += 1,
            // Beyond that, counted as "other reasons" below.
            None if row.3.len() <= REASONS_SHOWN => row.3.push((f.message.as_str(), 1)),
            None => {}
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
    rows.sort_by_key(|row| catalogue.get(row.0).copied().unwrap_or(usize::MAX));
    let _ = write!(
        out,
        "<details class=\"skipped\" id=\"skipped\"><summary>Not assessed: {} skipped check{} and why</summary>\n<table class=\"data\"><thead><tr><th>check</th><th>why it was skipped</th><th class=\"num\">targets</th></tr></thead><tbody>\n",
        rows.len(),
        plural(rows.len())
    );
    for (id, title, n, reasons) in rows {
        let _ = write!(out, "<tr><td><code>{id}</code> {}</td><td>", text(title));
        let shown = reasons.len().min(REASONS_SHOWN);
        for (k, (m, c)) in reasons.iter().take(shown).enumerate() {
            if k > 0 {
                out.push_str("<br>");
            }
            put(out, m);
            if *c != n {
                let _ = write!(out, " <i>({c})</i>");
            }
        }
        let listed: usize = reasons.iter().take(shown).map(|(_, c)| c).sum();
        if listed < n {
            let _ = write!(
                out,
                "<br><i>and {} more target{} with other reasons (the JSON report has each)</i>",
                n - listed,
                plural(n - listed)
            );
        }
        let _ = writeln!(out, "</td><td class=\"num\">{n}</td></tr>");
    }
    out.push_str("</tbody></table></details>\n");
}

// ---------------------------------------------------------------------------
// Per target

/// Up to this many targets, their sections start open (a small audit
/// reads like a document; a large one like an index).
const OPEN_UP_TO: usize = 10;

fn targets_section(out: &mut String, cx: &Ctx<'_>) {
    let r = cx.r;
    let mut problems: Vec<Vec<&rampart_checks::InputProblem>> = vec![Vec::new(); r.targets.len()];
    for (name, p) in &r.problems {
        if let Some(&t) = cx.index.get(name.as_str()) {
            problems[t].push(p);
        }
    }
    let open = r.targets.len() <= OPEN_UP_TO;
    let usual = usual_skips(cx);
    out.push_str("<section id=\"targets\">\n<h2>Targets</h2>\n");
    for (ti, t) in r.targets.iter().enumerate() {
        let items = &cx.per_target[ti];
        let row = cx.roll.rows.get(ti);
        let worst = row.and_then(|x| x.worst).unwrap_or(Status::Skip);
        let _ = write!(
            out,
            "<details class=\"target {}\" id=t{ti}{}><summary><span class=tname>{}</span> <span class=kind>{}</span>",
            cls(worst),
            if open { " open" } else { "" },
            text(&t.name),
            text(&t.kind)
        );
        if let Some(row) = row {
            if !row.audited {
                out.push_str(" <span class=\"st error\">NOT AUDITED</span>");
            }
            out.push(' ');
            counts(out, &row.counts);
        }
        out.push_str("</summary>\n");
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
                let _ = writeln!(
                    out,
                    "<li><span class=\"st {}\">{}</span> <code>{}</code> {}</li>",
                    if p.fatal { "fail" } else { "warn" },
                    if p.fatal { "ERROR" } else { "WARN" },
                    text(&p.location),
                    text(&p.message)
                );
            }
            out.push_str("</ul>\n");
        }
        let mut attention: Vec<usize> = items
            .iter()
            .copied()
            .filter(|&i| r.suppression(i).is_none() && needs_attention(r.findings[i].status))
            .collect();
        if !attention.is_empty() {
            attention.sort_by(|&a, &b| {
                let (fa, fb) = (&r.findings[a], &r.findings[b]);
                rank(fb.status)
                    .cmp(&rank(fa.status))
                    .then(fb.severity.cmp(&fa.severity))
            });
            out.push_str("<table class=\"findings\"><tbody>\n");
            for i in attention {
                finding_row(out, cx, i);
            }
            out.push_str("</tbody></table>\n");
        }
        id_list(out, r, items, Status::Pass, "Passed");
        let skipped = ids_of(r, items, Status::Skip);
        match &usual {
            Some(u) if !skipped.is_empty() && skipped.join(" ") == *u => {
                let _ = writeln!(
                    out,
                    "<p class=\"ids skip\"><b>Skipped ({}):</b> the usual ones (see <a href=#skipped>Not assessed</a>)</p>",
                    skipped.len()
                );
            }
            _ => id_list(out, r, items, Status::Skip, "Skipped"),
        }
        suppressed_list(out, r, items);
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

/// Large fleets (more targets than [`OPEN_UP_TO`]) get compact rows:
/// the title and severity are in the check's group the ID links to.
fn finding_row(out: &mut String, cx: &Ctx<'_>, i: usize) {
    let f = &cx.r.findings[i];
    let compact = cx.r.targets.len() > OPEN_UP_TO;
    // Unquoted attribute values: fixed identifiers only (HTML allows
    // them; the bytes add up over 10,000 rows).
    let _ = write!(
        out,
        "<tr class={}><td><span class=st>{}</span> <a href=#c-{2}>{2}</a>",
        cls(f.status),
        f.status.as_str().to_uppercase(),
        f.id,
    );
    if compact {
        out.push_str("<td>");
    } else {
        let _ = write!(
            out,
            " <i class=\"sev {0}\">{0}</i><td><b>{1}</b> ",
            f.severity.as_str(),
            text(f.title)
        );
    }
    put(out, &f.message);
    match cx.bodies.get(&i) {
        // The row's ID already links to the check.
        Some(_) if cx.shared_body.contains(&i) => {
            out.push_str("<p class=same>Evidence and fix: as in the check.</p>");
        }
        Some(b) => out.push_str(b),
        None => {}
    }
    out.push('\n');
}

/// A finding's evidence and its own part of the fix, as HTML; locations
/// in the target's own file are shown relative to it (`line 8`).
fn body(f: &Finding, g: Option<&Group<'_>>) -> String {
    let mut out = String::new();
    if !f.evidence.is_empty() {
        out.push_str("<ul class=ev>");
        for e in &f.evidence {
            out.push_str("<li><code>");
            put(&mut out, &relative(&f.target, &e.location));
            out.push_str("</code> ");
            put(&mut out, &e.observed);
            out.push_str(" <i>expected: ");
            put(&mut out, &e.expected);
            // `</li>` is optional: the bytes add up over a fleet.
            out.push_str("</i>");
        }
        out.push_str("</ul>");
    }
    if let Some(fix) = &f.fix {
        fix_box(&mut out, f, fix, g);
    }
    out
}

/// `location` without the target's own name: `/etc/redis/redis.conf:8`
/// on target `/etc/redis/redis.conf` is `line 8`, `... (x not set)` is
/// `(x not set)`, and a live target's `CONFIG GET bind on 10.0.0.5:6379
/// (...)` is `CONFIG GET bind (...)` (the target is the section's, or
/// the list's, already); anything else is unchanged. So the same
/// evidence on a thousand servers reads the same and is shown once.
pub(crate) fn relative(target: &str, location: &str) -> String {
    if target.is_empty() {
        return location.to_string();
    }
    match location.strip_prefix(target) {
        Some(rest) => match rest.strip_prefix(':') {
            Some(line) if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) => {
                format!("line {line}")
            }
            _ if rest.starts_with(" (") => rest.trim_start().to_string(),
            _ => location.to_string(),
        },
        None => {
            let on = format!(" on {target}");
            match location.find(&on) {
                Some(i)
                    if location[i + on.len()..].is_empty()
                        || location[i + on.len()..].starts_with(' ') =>
                {
                    format!("{}{}", &location[..i], &location[i + on.len()..])
                }
                _ => location.to_string(),
            }
        }
    }
}

/// A finding's own part of its fix: what its group does not already say
/// (the config edits and runtime commands are always its own).
fn fix_box(out: &mut String, f: &Finding, fix: &Fix, g: Option<&Group<'_>>) {
    let show_sum = g.and_then(|g| g.common_summary) != Some(fix.summary.as_str())
        && fix.summary != f.remediation;
    let show_why = g.and_then(|g| g.common_reason) != Some(fix.reason.as_str());
    let show_safety = g.and_then(|g| g.common_safety) != Some(fix.safety);
    if !(show_sum || show_why || show_safety || !fix.edits.is_empty() || !fix.runtime.is_empty()) {
        return;
    }
    out.push_str("<div class=fix>");
    if show_safety {
        let _ = write!(
            out,
            "<span class=\"safety {0}\">fix: {0}</span> ",
            fix.safety.as_str()
        );
    }
    if show_sum {
        put_prose(out, &fix.summary);
    }
    if show_why {
        out.push_str(" <i>(");
        put_prose(out, &fix.reason);
        out.push_str(")</i>");
    }
    for e in &fix.edits {
        out.push_str("<div><code>");
        put(
            out,
            &relative(&f.target, &format!("{}:{}", e.file.display(), e.line)),
        );
        out.push_str("</code> ");
        match (e.kind, &e.before) {
            (EditKind::Append, _) => {
                out.push_str("append <code class=add>");
                put(out, &e.after);
                out.push_str("</code>");
            }
            (EditKind::Comment, Some(b)) => {
                out.push_str("comment out <code class=del>");
                put(out, b);
                out.push_str("</code>");
            }
            (_, Some(b)) => {
                out.push_str("<code class=del>");
                put(out, b);
                out.push_str("</code> → <code class=add>");
                put(out, &e.after);
                out.push_str("</code>");
            }
            (_, None) => {
                out.push_str("<code class=add>");
                put(out, &e.after);
                out.push_str("</code>");
            }
        }
        out.push_str("</div>");
    }
    for c in &fix.runtime {
        out.push_str("<div>runtime (shown, never run): <code>");
        put(out, c);
        out.push_str("</code></div>");
    }
    out.push_str("</div>");
}

/// `Passed (12): ACL005 ACL006 ...`: IDs only (`rampart explain ID` has
/// the rest).
fn id_list(out: &mut String, r: &Report, items: &[usize], st: Status, word: &str) {
    let ids = ids_of(r, items, st);
    if ids.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<p class=\"ids {}\"><b>{word} ({}):</b> {}</p>",
        cls(st),
        ids.len(),
        ids.join(" ")
    );
}

/// The IDs of a target's counted findings with status `st`.
fn ids_of<'r>(r: &'r Report, items: &[usize], st: Status) -> Vec<&'r str> {
    items
        .iter()
        .filter(|&&i| r.suppression(i).is_none() && r.findings[i].status == st)
        .map(|&i| r.findings[i].id)
        .collect()
}

/// The skipped checks of most targets (large fleets list a target's own
/// only when they differ), if at least two targets share them.
fn usual_skips(cx: &Ctx<'_>) -> Option<String> {
    if cx.r.targets.len() <= OPEN_UP_TO {
        return None;
    }
    let mut freq: HashMap<String, usize> = HashMap::new();
    for items in &cx.per_target {
        *freq
            .entry(ids_of(cx.r, items, Status::Skip).join(" "))
            .or_default() += 1;
    }
    freq.into_iter()
        .filter(|(ids, n)| *n > 1 && !ids.is_empty())
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(ids, _)| ids)
}

fn suppressed_list(out: &mut String, r: &Report, items: &[usize]) {
    let accepted: Vec<(&Finding, &Suppression)> = items
        .iter()
        .filter_map(|&i| Some((&r.findings[i], r.suppression(i)?)))
        .collect();
    if accepted.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<p class=\"sub\">Suppressed ({}: accepted, not counted)</p><ul class=\"suppressed\">",
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

fn split(ts: i64) -> (i64, u32, u32, u32, u32, u32) {
    rampart_checks::utc_parts(ts)
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
    fn backticks_become_code_in_pairs() {
        let mut s = String::new();
        put_prose(&mut s, "set `bind 127.0.0.1` and `port 0`, not `<x>");
        assert_eq!(
            s,
            "set <code>bind 127.0.0.1</code> and <code>port 0</code>, not `&lt;x&gt;"
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
    fn locations_lose_their_target() {
        assert_eq!(relative("/a/redis.conf", "/a/redis.conf:8"), "line 8");
        assert_eq!(
            relative("10.0.0.5:6379", "CONFIG GET bind on 10.0.0.5:6379"),
            "CONFIG GET bind"
        );
        assert_eq!(
            relative("10.0.0.5:6379", "ACL LIST on 10.0.0.5:6379 (user default)"),
            "ACL LIST (user default)"
        );
        // Another target's address, or a longer one, stays.
        assert_eq!(
            relative("10.0.0.5:6379", "INFO on 10.0.0.5:63790"),
            "INFO on 10.0.0.5:63790"
        );
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
