//! Post-mortems: held within the playbook's time of resolution, with the
//! checklist done, owned and dated action items, and a security review for
//! security incidents.

use crate::content::IncidentFiles;
use crate::content::frontmatter::Document;
use crate::content::records::Incident;
use crate::finding::{Finding, Rule};
use crate::model::IncidentView;
use crate::rules::{Ctx, checklist, incident::deadline, people};
use crate::time::{Instant, human};

/// Judges the post-mortem of one incident; returns whether it was held.
pub fn check(
    ctx: &Ctx<'_>,
    files: &IncidentFiles,
    inc: &Incident,
    resolved_at: Option<Instant>,
    incident_doc: &Document,
    view: &mut IncidentView,
    out: &mut Vec<Finding>,
) -> bool {
    let rules = &ctx.playbook.postmortem;
    let due = resolved_at.map(|r| r + rules.within.0);
    let incident_path = files.incident.as_ref().map_or("", |p| p.path.as_str());

    // A post-mortem written but not committed does not count yet.
    let committed = files
        .postmortem
        .as_ref()
        .filter(|p| ctx.signer(&p.path).is_some());
    let Some(parsed) = committed else {
        let d = deadline("post-mortem", due, None, ctx.now);
        if d.met == Some(false) {
            let resolved = resolved_at.map(|r| r.to_string()).unwrap_or_default();
            // Written but not committed: say so, or the finding reads as
            // if the file were not there.
            let (message, help) = match files.postmortem.as_ref().map(|p| p.path.as_str()) {
                Some(p) => (
                    format!(
                        "resolved at {resolved}, and the post-mortem was due within {}; {p} is written but not committed, and an uncommitted record does not count",
                        rules.within
                    ),
                    format!(
                        "commit it: `git add {p} && git commit` (the commit's author is recorded as who wrote it)"
                    ),
                ),
                None => (
                    format!(
                        "resolved at {resolved}, but no post-mortem was held within {}",
                        rules.within
                    ),
                    format!(
                        "hold a blameless post-mortem and record it (`baton new postmortem {}`)",
                        files.id
                    ),
                ),
            };
            out.push(
                Finding::new(
                    Rule::PostmortemMissing,
                    incident_path,
                    incident_doc.line_of(&["resolution"]),
                    message,
                )
                .help(help),
            );
        }
        if resolved_at.is_some() {
            view.deadlines.push(d);
        }
        return false;
    };
    let path = parsed.path.as_str();
    let doc = &parsed.doc;
    let Some(pm) = &parsed.data else { return false };
    let held = crate::time::at(&pm.held_at);
    let d = deadline("post-mortem", due, held, ctx.now);
    if let (Some(false), None, Some(r)) = (d.met, held, resolved_at) {
        out.push(
            Finding::new(
                Rule::PostmortemLate,
                path,
                doc.line_of(&["held_at"]),
                format!(
                    "the post-mortem has no `held_at`, and it was due within {} of resolution ({})",
                    rules.within,
                    r + rules.within.0
                ),
            )
            .help("hold the post-mortem and record `held_at`"),
        );
    }
    if let (Some(false), Some(h), Some(r)) = (d.met, held, resolved_at) {
        out.push(
            Finding::new(
                Rule::PostmortemLate,
                path,
                doc.line_of(&["held_at"]),
                format!(
                    "held {} after resolution; the playbook allows {}",
                    human(h - r),
                    rules.within
                ),
            )
            .help("hold post-mortems within the playbook's time of resolving the incident"),
        );
    }
    if resolved_at.is_some() {
        view.deadlines.push(d);
    }

    let security = inc.is_security();
    let missing = checklist::judge(
        Rule::PostmortemIncomplete,
        &rules.checklist,
        &pm.checklist,
        security,
        path,
        doc,
        &["checklist"],
    );
    out.extend(missing);
    if pm.action_items.is_empty() {
        out.push(
            Finding::new(
                Rule::PostmortemIncomplete,
                path,
                doc.line_of(&["action_items"]),
                "the post-mortem has no action items",
            )
            .help("list action items with a title, an owner and a due date"),
        );
    }
    for (i, item) in pm.action_items.iter().enumerate() {
        if item.owner.is_none() || item.due.is_none() {
            out.push(
                Finding::new(
                    Rule::PostmortemIncomplete,
                    path,
                    doc.line_of(&["action_items"]),
                    format!(
                        "action item {} (\"{}\") has no {}",
                        i + 1,
                        item.title,
                        if item.owner.is_none() {
                            "owner"
                        } else {
                            "due date"
                        }
                    ),
                )
                .help("every action item needs `owner` (a person id) and `due` (YYYY-MM-DD)"),
            );
        }
    }
    let owners: Vec<(&str, &[&str])> = pm
        .action_items
        .iter()
        .filter_map(|i| i.owner.as_deref())
        .map(|o| (o, &["action_items"][..]))
        .collect();
    people::known(ctx, &owners, path, doc, out);
    let role = &ctx.playbook.incident.security_role;
    if security {
        match pm.security_reviewed_by.as_deref() {
            Some(id) if ctx.roster_for(path).holds(id, role) => {}
            Some(id) if ctx.roster_for(path).get(id).is_none() => {
                people::known(ctx, &[(id, &["security_reviewed_by"])], path, doc, out);
            }
            who => out.push(
                Finding::new(Rule::PostmortemIncomplete, path, doc.line_of(&["security_reviewed_by"]), match who {
                    Some(id) => format!("`{id}` reviewed this security post-mortem but is not a {role}"),
                    None => format!("a security incident's post-mortem needs `security_reviewed_by` (a {role})"),
                })
                .help(format!("have a {role} review the post-mortem and record `security_reviewed_by`")),
            ),
        }
    }
    held.is_some()
}
