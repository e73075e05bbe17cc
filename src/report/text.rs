//! Human output of `baton check`, in the style of rustc: the rule and
//! message, `--> path:line`, the offending line, and what to do about it.
//! Colour is decided by the writer (anstream): only on a terminal, and
//! never when `NO_COLOR` is set.

use std::collections::HashMap;
use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use crate::content::Content;
use crate::content::frontmatter::Document;
use crate::finding::{Finding, Severity};
use crate::model::Status;

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const ACCENT: Style = AnsiColor::Blue.on_default().bold();
const BOLD: Style = Style::new().bold();
const GREEN: Style = AnsiColor::Green.on_default().bold();

/// Every file's text, by project path, for quoting lines.
pub fn documents(content: &Content) -> HashMap<&str, &Document> {
    content.records().collect()
}

/// Renders all findings and a summary line.
pub fn render(status: &Status, content: &Content) -> String {
    let docs = documents(content);
    let mut out = String::new();
    for f in &status.findings {
        finding(&mut out, f, docs.get(f.path.as_str()).copied());
    }
    let (e, w) = (status.errors(), status.warnings());
    let style = if e > 0 {
        ERROR
    } else if w > 0 {
        WARNING
    } else {
        GREEN
    };
    let _ = writeln!(
        out,
        "{style}{}{style:#}: {} release{}, {} incident{} checked",
        match (e, w) {
            (0, 0) => "ok".to_string(),
            _ => format!("{} error{}, {} warning{}", e, plural(e), w, plural(w)),
        },
        status.releases.len(),
        plural(status.releases.len()),
        status.incidents.len(),
        plural(status.incidents.len()),
    );
    out
}

/// One finding, rustc style.
pub fn finding(out: &mut String, f: &Finding, doc: Option<&Document>) {
    let (label, style) = match f.severity {
        Severity::Error => ("error", ERROR),
        Severity::Warning => ("warning", WARNING),
    };
    let _ = writeln!(
        out,
        "{style}{label}[{}]{style:#}{BOLD}: {}{BOLD:#}",
        f.rule.code(),
        f.message
    );
    let width = f.line.to_string().len();
    let pad = " ".repeat(width);
    let _ = writeln!(out, "{pad}{ACCENT}-->{ACCENT:#} {}:{}", f.path, f.line);
    let quoted = doc
        .and_then(|d| d.line_text(f.line))
        .filter(|l| l.trim() != "---" && !l.trim().is_empty());
    if let Some(line) = quoted {
        let _ = writeln!(out, "{pad} {ACCENT}|{ACCENT:#}");
        let _ = writeln!(
            out,
            "{ACCENT}{}{ACCENT:#} {ACCENT}|{ACCENT:#} {}",
            f.line, line
        );
        let _ = writeln!(out, "{pad} {ACCENT}|{ACCENT:#}");
    }
    if !f.help.is_empty() {
        let _ = writeln!(
            out,
            "{pad} {ACCENT}={ACCENT:#} {BOLD}help{BOLD:#}: {}",
            f.help
        );
    }
    if let Some(c) = &f.commit {
        let _ = writeln!(out, "{pad} {ACCENT}={ACCENT:#} {BOLD}commit{BOLD:#}: {c}");
    }
    out.push('\n');
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
