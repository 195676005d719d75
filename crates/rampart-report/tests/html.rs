//! The HTML report cannot be taken over by what a server or a file says:
//! hostile target names, messages, evidence, fix lines, suppression
//! reasons and history run IDs come out as text, never as markup, with
//! bidi and control characters made visible and registered secrets masked.
#![allow(clippy::unwrap_used)]

use rampart_checks::{Evidence, Finding, Fix, Safety, Severity, Source, Status};
use rampart_report::html::{render, HtmlOptions, TrendPoint};
use rampart_report::{How, Report, Suppression, Target};
use std::collections::BTreeMap;
use std::path::PathBuf;

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(2)>";
const ATTR: &str = "' onmouseover='alert(3)";
/// Right-to-left override, isolate and zero-width space: they could make
/// `conf.redis` read as `redis.conf`.
const BIDI: &str = "evil\u{202e}fnoc.sider\u{2067}x\u{200b}y";

fn finding(target: &str, id: &'static str, status: Status, hostile: &str) -> Finding {
    Finding {
        id,
        title: "A check",
        severity: Severity::High,
        status,
        target: target.to_string(),
        message: format!("message {hostile}"),
        evidence: vec![Evidence::new(
            Source::Live,
            format!("CONFIG GET {hostile}"),
            format!("observed {hostile}"),
            format!("expected {hostile}"),
        )],
        remediation: "Set `bind 127.0.0.1`.",
        fix: Some(Fix {
            safety: Safety::Unsafe,
            reason: format!("reason {hostile}"),
            summary: format!("summary {hostile}"),
            edits: vec![rampart_checks::Edit {
                file: PathBuf::from(format!("/etc/{hostile}.conf")),
                line: 3,
                kind: rampart_checks::EditKind::Replace,
                directive: "bind".into(),
                before: Some(format!("bind {hostile}")),
                after: "bind 127.0.0.1".into(),
            }],
            runtime: vec![format!("CONFIG SET bind {hostile}")],
        }),
    }
}

fn hostile_report() -> Report {
    let names = [
        format!("redis://{SCRIPT}:6379"),
        format!("host{IMG}"),
        format!("a{ATTR}"),
        BIDI.to_string(),
    ];
    let mut r = Report::default();
    for (k, name) in names.iter().enumerate() {
        r.targets.push(Target {
            name: name.clone(),
            kind: format!("server{IMG}"),
            version: None,
        });
        let hostile = [SCRIPT, IMG, ATTR, BIDI][k];
        r.findings
            .push(finding(name, "NET001", Status::Fail, hostile));
        r.findings
            .push(finding(name, "NET002", Status::Warn, hostile));
        r.findings
            .push(finding(name, "NET003", Status::Skip, hostile));
        r.findings
            .push(finding(name, "NET005", Status::Manual, hostile));
        r.problems.push((
            name.clone(),
            rampart_checks::InputProblem {
                source: Source::Conf,
                file: PathBuf::from(format!("/etc/{hostile}.conf")),
                line: 1,
                location: format!("redis.conf:1 {hostile}"),
                message: format!("bad line {hostile}"),
                fatal: k % 2 == 0,
            },
        ));
    }
    r.suppressions = r
        .findings
        .iter()
        .map(|f| {
            (f.id == "NET005").then(|| Suppression {
                how: How::Settings {
                    file: PathBuf::from(format!("rampart{IMG}.toml")),
                    line: 2,
                },
                reason: format!("accepted {SCRIPT} {BIDI}"),
            })
        })
        .collect();
    r
}

fn trends() -> Vec<TrendPoint> {
    (0..3)
        .map(|k| TrendPoint {
            run_id: format!("run{k}{SCRIPT}{IMG}"),
            at: 1_796_000_000 + k * 86_400,
            fails_by_area: BTreeMap::from([
                ("NET".to_string(), 3 - k as usize),
                (format!("X{SCRIPT}"), 1),
            ]),
        })
        .collect()
}

/// Every tag the renderer writes. A tag name outside it came from data.
const TAGS: &[&str] = &[
    "!DOCTYPE",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "div",
    "h1",
    "h2",
    "h3",
    "p",
    "nav",
    "a",
    "main",
    "section",
    "span",
    "b",
    "code",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "abbr",
    "article",
    "ul",
    "li",
    "details",
    "summary",
    "br",
    "footer",
    "time",
    "figure",
    "figcaption",
    "svg",
    "desc",
    "line",
    "text",
    "g",
    "polyline",
    "circle",
    "i",
];

/// Every attribute the renderer writes.
const ATTRS: &[&str] = &[
    "html",
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "class",
    "id",
    "href",
    "open",
    "title",
    "datetime",
    "xmlns",
    "viewBox",
    "role",
    "aria-labelledby",
    "x1",
    "y1",
    "x2",
    "y2",
    "x",
    "y",
    "text-anchor",
    "fill",
    "stroke",
    "stroke-width",
    "points",
    "cx",
    "cy",
    "r",
    "style",
    "/",
];

/// The tag names in `html` (`<x` and `</x`), with where they are.
fn tags(html: &str) -> Vec<(usize, String)> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    for (i, _) in html.match_indices('<') {
        let mut j = i + 1;
        if b.get(j) == Some(&b'/') {
            j += 1;
        }
        let start = j;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'!') {
            j += 1;
        }
        out.push((i, html[start..j].to_string()));
    }
    out
}

fn check_no_markup_from_data(html: &str) {
    for (at, t) in tags(html) {
        assert!(
            TAGS.contains(&t.as_str()),
            "unexpected tag <{t}> at {at}: {}",
            &html[at.saturating_sub(80)..(at + 80).min(html.len())]
        );
    }
    for bad in ["<script", "<img"] {
        assert!(!html.contains(bad), "{bad:?} is in the page");
    }
    // Inside every tag, outside its quoted values: no event handler, and
    // only attributes the renderer writes.
    for (at, _) in tags(html) {
        let end = html[at..].find('>').map_or(html.len(), |e| at + e);
        let mut bare = String::new();
        let mut quoted = false;
        for c in html[at..end].chars() {
            if c == '"' {
                quoted = !quoted;
            } else if !quoted {
                bare.push(c);
            }
        }
        assert!(!quoted, "unbalanced quotes in {}", &html[at..end]);
        for word in bare.split_whitespace().skip(1) {
            let name = word.split('=').next().unwrap_or_default();
            assert!(
                ATTRS.contains(&name),
                "attribute {name:?} in {}",
                &html[at..end]
            );
        }
    }
    for c in ['\u{202e}', '\u{2067}', '\u{200b}'] {
        assert!(!html.contains(c), "{c:?} is in the page");
    }
}

#[test]
fn hostile_strings_are_text() {
    let r = hostile_report();
    for opts in [
        HtmlOptions::default(),
        HtmlOptions {
            trends: trends(),
            generated_at: Some(1_796_185_422),
        },
    ] {
        let html = render(&r, &opts);
        check_no_markup_from_data(&html);
        // They are there, as text.
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
        assert!(html.contains("&#39; onmouseover=&#39;alert(3)"));
        assert!(html.contains("evil\\u{202e}fnoc.sider\\u{2067}x\\u{200b}y"));
    }
}

/// A large fleet's page (compact rows, grouped matrix rows, shared
/// evidence) is as safe.
#[test]
fn hostile_strings_are_text_in_a_large_fleet() {
    let one = hostile_report();
    let mut r = Report::default();
    for k in 0..8 {
        let rename = |n: &str| format!("{n}#{k}");
        for t in &one.targets {
            r.targets.push(Target {
                name: rename(&t.name),
                ..t.clone()
            });
        }
        for f in &one.findings {
            r.findings.push(Finding {
                target: rename(&f.target),
                ..f.clone()
            });
        }
        r.suppressions.extend(one.suppressions.iter().cloned());
    }
    assert!(r.targets.len() > 25);
    let html = render(
        &r,
        &HtmlOptions {
            trends: trends(),
            generated_at: None,
        },
    );
    check_no_markup_from_data(&html);
    assert!(html.contains("Evidence and fix: as in the check."));
    assert!(html.contains("and 31 more"), "one group of identical rows");
}

#[test]
fn the_page_loads_nothing() {
    let html = render(
        &hostile_report(),
        &HtmlOptions {
            trends: trends(),
            generated_at: None,
        },
    );
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
    ));
    // The policy comes before anything that could load.
    let csp = html.find("Content-Security-Policy").unwrap();
    assert!(csp < html.find("<style>").unwrap());
    for bad in ["http://", "https://", "<link", "@import", "url("] {
        let hits: Vec<_> = html.match_indices(bad).map(|(i, _)| i).collect();
        // The only URL is SVG's XML namespace name (never fetched).
        let allowed = |i: &usize| html[*i..].starts_with("http://www.w3.org/2000/svg\"");
        assert!(hits.iter().all(allowed), "{bad:?} in the page at {hits:?}");
    }
    // The trends chart is there, with an accessible title.
    assert!(html.contains("role=\"img\" aria-labelledby=\"trend-title trend-desc\""));
    assert!(
        html.contains("<title id=\"trend-title\">Failing findings per area, last 3 runs</title>")
    );
}

#[test]
fn secrets_are_masked_before_escaping() {
    // A password with markup in it: the scrubber must see it raw, before
    // it is escaped.
    rampart_report::scrub::register(b"pa<ss>&\"word");
    let mut r = Report::default();
    r.targets.push(Target {
        name: "t".into(),
        kind: "server".into(),
        version: None,
    });
    r.findings.push(finding(
        "t",
        "NET001",
        Status::Fail,
        "ERR invalid password 'pa<ss>&\"word'",
    ));
    let html = render(&r, &HtmlOptions::default());
    assert!(!html.contains("pa&lt;ss&gt;"), "secret shown escaped");
    assert!(!html.contains("pa<ss>"), "secret shown raw");
    assert!(html.contains("ERR invalid password &#39;***&#39;"));
}

#[test]
fn suppressed_findings_are_shown_as_such() {
    let html = render(&hostile_report(), &HtmlOptions::default());
    assert!(html.contains("<b>4</b> suppressed"));
    assert!(html.contains("Suppressed (1: accepted, not counted)"));
    // A suppressed finding is not in its check's group.
    assert!(!html.contains("id=\"c-NET005\""));
}

#[test]
fn an_empty_report_renders() {
    let html = render(&Report::default(), &HtmlOptions::default());
    assert!(html.contains("Nothing needs attention"));
    assert!(html.ends_with("</html>\n"));
}
