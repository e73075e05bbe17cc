//! `baton status`: the state of all releases and incidents, or one of them
//! in detail: who signed each gate (role, time, commit), what blocks the
//! release, and an incident's deadlines met or missed.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::content::Content;
use crate::model::{Deadline, GateState, IncidentView, Origin, ReleaseView, Status, Step};
use crate::report::json;
use crate::report::text::{self, documents};

/// The overview: one line per release and per incident.
pub fn overview(status: &Status) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Releases");
    for r in status.releases.iter().rev() {
        let marks: String = r
            .gates
            .iter()
            .map(|g| mark(g.state))
            .collect::<Vec<_>>()
            .join("");
        let _ = writeln!(
            out,
            "  {:<12} {:<6} {:<12} {}  {}",
            r.version,
            r.kind.as_deref().unwrap_or("?"),
            r.state.as_str(),
            marks,
            r.title.as_deref().unwrap_or("")
        );
    }
    if status.releases.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    let _ = writeln!(out, "\nIncidents");
    for i in status.incidents.iter().rev() {
        let missed = i.deadlines.iter().filter(|d| d.met == Some(false)).count();
        let _ = writeln!(
            out,
            "  {:<34} {:<5} {:<9} {}{}",
            i.id,
            i.severity
                .map(crate::content::records::spelled)
                .unwrap_or_default(),
            i.state.as_str(),
            i.title.as_deref().unwrap_or(""),
            if missed > 0 {
                format!("  ({missed} deadline{} missed)", text::plural(missed))
            } else {
                String::new()
            }
        );
    }
    if status.incidents.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    let _ = writeln!(out, "\nGates: ✔ approved  ✘ rejected  ! invalid  · pending");
    out
}

fn mark(s: GateState) -> &'static str {
    match s {
        GateState::Approved => "✔",
        GateState::Rejected => "✘",
        GateState::Invalid => "!",
        GateState::Pending => "·",
    }
}

fn who(step: &Step, content: &Content) -> String {
    match &step.origin {
        Origin::Pending => "pending (not committed)".to_string(),
        Origin::Committed(s) => {
            let name = s.person.as_deref().map_or_else(
                || format!("{} <{}>", s.name, s.email),
                |id| content.roster.name(id).to_string(),
            );
            format!("{name}, {}, commit {}", s.when.to_rfc3339(), s.short())
        }
    }
}

/// One release in detail.
pub fn release(r: &ReleaseView, status: &Status, content: &Content) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} — {}",
        r.version,
        r.title.as_deref().unwrap_or(""),
        r.state.as_str()
    );
    let _ = writeln!(out, "type: {}\n", r.kind.as_deref().unwrap_or("?"));
    let _ = writeln!(out, "Gates");
    for g in &r.gates {
        let _ = write!(
            out,
            "  {} {:<16} {:<16} {:<9}",
            mark(g.state),
            g.gate,
            g.role,
            g.state.as_str()
        );
        match &g.step {
            Some(step) => {
                let _ = writeln!(out, " {}", who(step, content));
            }
            None => out.push('\n'),
        }
        if g.state != GateState::Approved {
            for reason in &g.reasons {
                let _ = writeln!(out, "      {reason}");
            }
        }
    }
    for (label, step) in [("Go/no-go", &r.go_no_go), ("Deployment", &r.deployment)] {
        let _ = writeln!(
            out,
            "\n{label}: {}",
            step.as_ref()
                .map_or("not recorded".to_string(), |s| who(s, content))
        );
    }
    if !r.blockers.is_empty() {
        let _ = writeln!(out, "\nBlocked by");
        for b in &r.blockers {
            let _ = writeln!(out, "  - {b}");
        }
    }
    findings(&mut out, status, content, |f| {
        f.release.as_deref() == Some(&r.version)
    });
    out
}

/// One incident in detail.
pub fn incident(i: &IncidentView, status: &Status, content: &Content) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} — {}",
        i.id,
        i.title.as_deref().unwrap_or(""),
        i.state.as_str()
    );
    let _ = writeln!(out, "\nDeadlines");
    for d in &i.deadlines {
        let _ = writeln!(out, "  {}", deadline(d));
    }
    findings(&mut out, status, content, |f| {
        f.incident.as_deref() == Some(&i.id)
    });
    out
}

pub fn deadline(d: &Deadline) -> String {
    let verdict = match d.met {
        Some(true) => "met",
        Some(false) => "MISSED",
        None => "open",
    };
    format!(
        "{:<7} {:<16} due {:<26} done {}",
        verdict,
        d.name,
        d.due.map(|t| t.to_rfc3339()).unwrap_or_else(|| "-".into()),
        d.done.map(|t| t.to_rfc3339()).unwrap_or_else(|| "-".into())
    )
}

fn findings(
    out: &mut String,
    status: &Status,
    content: &Content,
    keep: impl Fn(&crate::finding::Finding) -> bool,
) {
    let docs = documents(content);
    let mine: Vec<_> = status.findings.iter().filter(|f| keep(f)).collect();
    if mine.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nFindings\n");
    for f in mine {
        text::finding(out, f, docs.get(f.path.as_str()).copied());
    }
}

/// JSON for `status --format json`: one release or incident, or the SPEC §5 object.
pub fn json_for(
    status: &Status,
    release: Option<&ReleaseView>,
    incident: Option<&IncidentView>,
) -> Value {
    if let Some(r) = release {
        return json!({
            "version": r.version, "type": r.kind, "state": r.state.as_str(), "title": r.title,
            "gates": r.gates.iter().map(|g| { let mut v = json::gate(g); v["gate"] = g.gate.clone().into(); v["role"] = g.role.clone().into(); v }).collect::<Vec<_>>(),
            "blockers": r.blockers,
            "findings": status.findings.iter().filter(|f| f.release.as_deref() == Some(&r.version)).map(json::finding).collect::<Vec<_>>(),
        });
    }
    if let Some(i) = incident {
        return json!({
            "id": i.id, "state": i.state.as_str(), "title": i.title,
            "deadlines": i.deadlines,
            "findings": status.findings.iter().filter(|f| f.incident.as_deref() == Some(&i.id)).map(json::finding).collect::<Vec<_>>(),
        });
    }
    json::to_value(status)
}
