//! The go/no-go decision: recorded by the playbook's role, held at least
//! the playbook's lead before the deploy window, and a `go` only on top of
//! every approved gate.

use crate::content::ReleaseFiles;
use crate::content::records::GoDecision;
use crate::finding::{Finding, Rule};
use crate::model::{GateState, GateView, Step};
use crate::rules::{Ctx, people};
use crate::time::{self, human};

/// Judges `go-no-go.md`; returns it as a step when the file exists.
pub fn check(
    ctx: &Ctx<'_>,
    files: &ReleaseFiles,
    gates: &[GateView],
    out: &mut Vec<Finding>,
) -> Option<Step> {
    let rules = &ctx.playbook.go_no_go;
    let release = files.record();
    let window_start = release
        .and_then(|r| r.deploy_window.as_ref())
        .and_then(|w| time::at(&w.start));
    let hotfix = release.is_some_and(|r| {
        r.incident
            .as_deref()
            .is_some_and(|id| ctx.content.incident(id).is_some())
            && ctx
                .playbook
                .release_type(&r.kind)
                .is_some_and(|t| t.bumps == "patch")
    });

    // Pending records never count: an uncommitted go-no-go.md or
    // deployment.md does not stand in for a recorded decision.
    let deadline = window_start.map(|s| s - rules.lead.0);
    if let (Some(deadline), Some(rel)) = (deadline, &files.release)
        && !ctx.committed(files.go_no_go.as_ref())
        && !ctx.committed(files.deployment.as_ref())
        && ctx.now >= deadline
        && !hotfix
    {
        out.push(
            Finding::new(Rule::GonogoMissing, &rel.path, rel.doc.line_of(&["deploy_window"]), format!(
                "no go/no-go {}, and it was due by {deadline} ({} before the deploy window)",
                if files.go_no_go.is_some() { "is committed" } else { "recorded" },
                rules.lead
            ))
            .help(format!(
                "the {} records the meeting in go-no-go.md (`baton new go-no-go {}`) and commits it, or the deploy window moves",
                rules.role, files.version
            )),
        );
    }
    let Some(parsed) = &files.go_no_go else {
        return None;
    };
    let path = parsed.path.as_str();
    let step = ctx.step(path);
    let Some(data) = &parsed.data else {
        return Some(step);
    };
    let doc = &parsed.doc;

    let ids: Vec<(&str, &[&str])> = data
        .attendees
        .iter()
        .map(|a| (a.as_str(), &["attendees"][..]))
        .collect();
    people::known(ctx, &ids, path, doc, out);

    if let (Some(meeting), Some(start)) = (data.meeting_at.get(), window_start)
        && !hotfix
        && meeting > start - rules.lead.0
    {
        out.push(
                Finding::new(Rule::GonogoLate, path, doc.line_of(&["meeting_at"]), format!(
                    "the go/no-go met {}; the playbook asks for at least {} before the deploy window",
                    if meeting > start { format!("{} after the deploy window opened", human(meeting - start)) } else { format!("only {} before the deploy window", human(start - meeting)) },
                    rules.lead
                ))
                .help("hold the meeting earlier or move the deploy window"),
            );
    }

    let Some(signer) = step.signer() else {
        return Some(step);
    };
    out.extend(people::claim(signer, data.signed_by.as_deref(), path, doc));
    if !signer.holds(&rules.role) {
        out.push(
            Finding::new(
                Rule::GonogoWrongRole,
                path,
                1,
                format!(
                    "the go/no-go was committed by {} <{}>, who is not a {}",
                    signer.name, signer.email, rules.role
                ),
            )
            .help(format!("a {} must commit go-no-go.md", rules.role))
            .commit(Some(signer.commit)),
        );
    }
    if data.decision == GoDecision::Go {
        let mut missing = Vec::new();
        for g in gates {
            let before = g
                .step
                .as_ref()
                .and_then(Step::signer)
                .is_some_and(|s| ctx.descends(signer.commit, s.commit));
            if g.state != GateState::Approved || !before {
                missing.push(g.gate.as_str());
            }
        }
        if !missing.is_empty() {
            out.push(
                Finding::new(
                    Rule::GonogoBeforeSignoffs,
                    path,
                    doc.line_of(&["decision"]),
                    format!(
                        "`go` was recorded before these gates were approved in its history: {}",
                        missing.join(", ")
                    ),
                )
                .help("record the go decision only after every gate's approval is committed")
                .commit(Some(signer.commit)),
            );
        }
    }
    Some(step)
}
