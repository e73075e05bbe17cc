//! The deployment record: by a deploying role, only after a `go` and
//! approved gates, inside the deploy window, with its checklist done.

use crate::content::ReleaseFiles;
use crate::content::records::{GoDecision, Outcome};
use crate::finding::{Finding, Rule};
use crate::model::{GateState, GateView, Step};
use crate::rules::{Ctx, checklist, people};
use crate::time;

/// Judges `deployment.md`; returns it as a step when the file exists.
pub fn check(
    ctx: &Ctx<'_>,
    files: &ReleaseFiles,
    gates: &[GateView],
    go: Option<&Step>,
    out: &mut Vec<Finding>,
) -> Option<Step> {
    let parsed = files.deployment.as_ref()?;
    let path = parsed.path.as_str();
    let doc = &parsed.doc;
    let step = ctx.step(path);
    let Some(data) = &parsed.data else {
        return Some(step);
    };
    let rules = &ctx.playbook.deployment;

    if let Some(signer) = step.signer() {
        let commit = Some(signer.commit);
        out.extend(people::claim(signer, data.signed_by.as_deref(), path, doc));
        if !signer.holds_any(&rules.roles) {
            out.push(
                Finding::new(
                    Rule::DeployWrongRole,
                    path,
                    1,
                    format!(
                        "the deployment was committed by {} <{}>, who is not a {}",
                        signer.name,
                        signer.email,
                        rules.roles.join(" or ")
                    ),
                )
                .help(format!(
                    "a {} must commit deployment.md",
                    rules.roles.join(" or ")
                ))
                .commit(commit),
            );
        }
        let go_decision = files
            .go_no_go
            .as_ref()
            .and_then(|g| g.data.as_ref())
            .map(|g| g.decision);
        let go_signer = go.and_then(Step::signer);
        let go_before = go_signer
            .is_some_and(|g| g.commit == signer.commit || ctx.descends(signer.commit, g.commit));
        if go_decision != Some(GoDecision::Go) || !go_before {
            let why = match (go_decision, go_signer) {
                (Some(GoDecision::NoGo), _) => "the go/no-go decided no-go".to_string(),
                (Some(GoDecision::Go), Some(_)) => {
                    "the go decision is not in the deployment commit's history".to_string()
                }
                _ => "no committed go decision".to_string(),
            };
            out.push(
                Finding::new(
                    Rule::DeployWithoutGo,
                    path,
                    1,
                    format!("deployed without a go: {why}"),
                )
                .help("commit a go-no-go.md with `decision: go` before the deployment record")
                .commit(commit),
            );
        }
        // Every gate must be approved in the deployment commit's history.
        let open: Vec<&str> = gates
            .iter()
            .filter(|g| {
                let before = g.step.as_ref().and_then(Step::signer).is_some_and(|s| {
                    s.commit == signer.commit || ctx.descends(signer.commit, s.commit)
                });
                g.state != GateState::Approved || !before
            })
            .map(|g| g.gate.as_str())
            .collect();
        if !open.is_empty() {
            out.push(
                Finding::new(
                    Rule::DeployWithoutSignoffs,
                    path,
                    1,
                    format!(
                        "deployed while these gates are not approved: {}",
                        open.join(", ")
                    ),
                )
                .help("every gate must be approved by the right role before deploying")
                .commit(commit),
            );
        }
    }

    let window = files.record().and_then(|r| r.deploy_window.as_ref());
    let (start, end) = (
        window.and_then(|w| time::at(&w.start)),
        window.and_then(|w| time::at(&w.end)),
    );
    match (start, end) {
        (Some(s), Some(e)) => {
            if let Some(t) = time::at(&data.started_at).filter(|t| *t < s) {
                out.push(
                    Finding::new(
                        Rule::DeployOutsideWindow,
                        path,
                        doc.line_of(&["started_at"]),
                        format!("started at {t}, before the window opened at {s}"),
                    )
                    .help("deploy inside the deploy window, or record the window that was agreed"),
                );
            }
            if let Some(t) = time::at(&data.finished_at).filter(|t| *t > e) {
                out.push(
                    Finding::new(
                        Rule::DeployOutsideWindow,
                        path,
                        doc.line_of(&["finished_at"]),
                        format!("finished at {t}, after the window closed at {e}"),
                    )
                    .help("deploy inside the deploy window, or record the window that was agreed"),
                );
            }
        }
        _ => {
            if let Some(rel) = &files.release {
                out.push(
                    Finding::new(
                        Rule::DeployOutsideWindow,
                        path,
                        1,
                        "deployed, but the release has no deploy window",
                    )
                    .help(format!(
                        "set `deploy_window: {{start: ..., end: ...}}` in {}",
                        rel.path
                    )),
                );
            }
        }
    }

    if data.outcome == Outcome::Success {
        let missing = checklist::judge(
            Rule::DeployChecklistIncomplete,
            &rules.checklist,
            &data.checklist,
            true,
            path,
            doc,
            &["checklist"],
        );
        out.extend(missing);
    }
    Some(step)
}
