//! Incidents: the alert and assessment clocks, the hotfix clock, rollback
//! authority and validation, escalation, status updates, security paging and
//! the resolution; then the post-mortem (see `postmortem`).

use crate::content::IncidentFiles;
use crate::content::frontmatter::Document;
use crate::content::records::{Incident, Outcome, Remedy};
use crate::finding::{Finding, Rule};
use crate::model::{Deadline, IncidentState, IncidentView};
use crate::rules::{Ctx, checklist, people, postmortem};
use crate::time::{self, Instant, human};

/// Judges every incident, oldest first.
pub fn all(ctx: &Ctx<'_>, out: &mut Vec<Finding>) -> Vec<IncidentView> {
    super::judge_each(&ctx.content.incidents, out, |files, found| {
        let view = one(ctx, files, found);
        for f in found {
            f.incident.get_or_insert_with(|| files.id.clone());
        }
        view
    })
}

/// A deadline judged at `now`: met, missed, or still open.
pub fn deadline(name: &str, due: Option<Instant>, done: Option<Instant>, now: Instant) -> Deadline {
    let met = match (due, done) {
        (Some(due), Some(done)) => Some(done <= due),
        (Some(due), None) if now > due => Some(false),
        _ => None,
    };
    Deadline {
        name: name.to_string(),
        due,
        done,
        met,
    }
}

fn one(ctx: &Ctx<'_>, files: &IncidentFiles, out: &mut Vec<Finding>) -> IncidentView {
    let path = files.incident.as_ref().map_or_else(
        || format!("content/incidents/{}", files.id),
        |p| p.path.clone(),
    );
    let mut view = IncidentView {
        id: files.id.clone(),
        title: files.record().map(|i| i.title.clone()),
        state: IncidentState::Open,
        severity: files.record().map(|i| i.severity),
        path: path.clone(),
        deadlines: Vec::new(),
        hotfix_deployed: None,
        incident: files.incident.as_ref().map(|p| ctx.step(&p.path)),
        postmortem: files.postmortem.as_ref().map(|p| ctx.step(&p.path)),
    };
    let (Some(parsed), Some(inc)) = (&files.incident, files.record()) else {
        if files.incident.is_none() {
            out.push(
                Finding::new(
                    Rule::ContentUnexpectedFile,
                    &path,
                    1,
                    format!("incidents/{}/ has no incident.md", files.id),
                )
                .help("add incident.md (`baton new incident SLUG`) or move the files"),
            );
        }
        return view;
    };
    let doc = &parsed.doc;
    let p = path.as_str();
    let rules = &ctx.playbook.incident;
    let now = ctx.now;
    let resolved_at = inc
        .resolution
        .as_ref()
        .and_then(|r| time::at(&r.resolved_at));

    people_refs(ctx, inc, p, doc, out);

    // Alert.
    let declared = inc.declared_at.get();
    let alert = inc.alert.clone().unwrap_or_default();
    let sent = time::at(&alert.sent_at);
    let due = declared.map(|d| d + rules.alert_within.0);
    let d = deadline("initial alert", due, sent, now);
    if d.met == Some(false) {
        let msg = match sent {
            Some(s) => format!(
                "the alert went out {} after declaring; the playbook allows {}",
                human(s - declared.unwrap_or(s)),
                rules.alert_within
            ),
            None => format!(
                "no alert was sent within {} of declaring",
                rules.alert_within
            ),
        };
        out.push(
            Finding::new(Rule::IncidentAlertLate, p, line_or(doc, &["alert", "sent_at"], &["declared_at"]), msg)
                .help("send the initial alert as soon as the incident is declared and record `alert.sent_at`"),
        );
    }
    view.deadlines.push(d);
    if inc.alert.is_some() {
        let value = serde_yaml::to_value(&alert).unwrap_or_default();
        for field in &rules.alert_fields {
            let present = match value.get(field) {
                None | Some(serde_yaml::Value::Null) => false,
                Some(serde_yaml::Value::Sequence(s)) => !s.is_empty(),
                Some(serde_yaml::Value::String(s)) => !s.trim().is_empty(),
                Some(_) => true,
            };
            if !present {
                out.push(
                    Finding::new(
                        Rule::IncidentAlertIncomplete,
                        p,
                        doc.line_of(&["alert"]),
                        format!("the alert has no `{field}`"),
                    )
                    .help(format!(
                        "the playbook's alert carries: {}",
                        rules.alert_fields.join(", ")
                    )),
                );
            }
        }
    }

    // Assessment.
    let assessment = inc.assessment.clone().unwrap_or_default();
    let assessed = time::at(&assessment.at);
    let d = deadline(
        "assessment",
        declared.map(|d| d + rules.assess_within.0),
        assessed,
        now,
    );
    if d.met == Some(false) {
        let msg = match assessed {
            Some(a) => format!(
                "the assessment came {} after declaring; the playbook allows {}",
                human(a - declared.unwrap_or(a)),
                rules.assess_within
            ),
            None => format!("no assessment within {} of declaring", rules.assess_within),
        };
        out.push(
            Finding::new(
                Rule::IncidentAssessmentLate,
                p,
                line_or(doc, &["assessment", "at"], &["declared_at"]),
                msg,
            )
            .help("assess impact and decide rollback or hotfix quickly; record `assessment.at`"),
        );
    }
    view.deadlines.push(d);

    match assessment.decision {
        Some(Remedy::Hotfix) => hotfix(ctx, files, assessed, resolved_at, p, doc, &mut view, out),
        Some(Remedy::Rollback) => rollback(ctx, inc, resolved_at, p, doc, out),
        _ => {}
    }

    // Escalation.
    if let Some(esc) = &inc.escalation {
        let (from, to_at) = (time::at(&esc.disagreement_at), time::at(&esc.escalated_at));
        let d = deadline(
            "escalation",
            from.map(|f| f + rules.escalate_within.0),
            to_at,
            now,
        );
        if d.met == Some(false) {
            out.push(
                Finding::new(
                    Rule::IncidentEscalationLate,
                    p,
                    line_or(doc, &["escalation", "escalated_at"], &["escalation"]),
                    format!(
                        "the disagreement was escalated {}; the playbook allows {}",
                        to_at
                            .zip(from)
                            .map_or("not at all".to_string(), |(t, f)| format!(
                                "after {}",
                                human(t - f)
                            )),
                        rules.escalate_within
                    ),
                )
                .help(format!(
                    "escalate disagreements to the {} promptly",
                    rules.escalate_to
                )),
            );
        }
        view.deadlines.push(d);
        if esc.to.is_none() {
            out.push(
                Finding::new(
                    Rule::IncidentEscalationLate,
                    p,
                    doc.line_of(&["escalation"]),
                    "the escalation does not say to whom (`to`)",
                )
                .help(format!(
                    "escalate to a {} and record them in `escalation.to`",
                    rules.escalate_to
                )),
            );
        }
        if let Some(to) = &esc.to
            && ctx.roster_for(p).get(to).is_some()
            && !ctx.roster_for(p).holds(to, &rules.escalate_to)
        {
            out.push(
                Finding::new(
                    Rule::IncidentEscalationLate,
                    p,
                    doc.line_of(&["escalation", "to"]),
                    format!("escalated to `{to}`, who is not a {}", rules.escalate_to),
                )
                .help(format!("escalate to a {}", rules.escalate_to)),
            );
        }
    }

    updates(ctx, inc, resolved_at, p, doc, &mut view, out);

    // Security incidents page the security role.
    if inc.is_security()
        && !alert
            .responders
            .iter()
            .any(|r| ctx.roster_for(p).holds(r, &rules.security_role))
    {
        out.push(
            Finding::new(
                Rule::IncidentSecurityNotPaged,
                p,
                line_or(doc, &["alert", "responders"], &["security"]),
                format!(
                    "a security incident, but no {} is among the responders",
                    rules.security_role
                ),
            )
            .help(format!(
                "page the {} and add them to `alert.responders`",
                rules.security_role
            )),
        );
    }

    // Resolution.
    if let Some(res) = &inc.resolution {
        let fields = [
            ("resolved_at", res.resolved_at.is_none()),
            ("root_cause", blank(&res.root_cause)),
            ("actions_taken", blank(&res.actions_taken)),
            ("postmortem_at", res.postmortem_at.is_none()),
            ("contact", blank(&res.contact)),
        ];
        for (name, missing) in fields {
            if missing {
                out.push(
                    Finding::new(Rule::IncidentResolutionIncomplete, p, doc.line_of(&["resolution"]), format!("the resolution has no `{name}`"))
                        .help("a resolution records resolved_at, root_cause, actions_taken, postmortem_at and contact"),
                );
            }
        }
    }

    view.state = match resolved_at {
        None => IncidentState::Open,
        Some(_) => IncidentState::Resolved,
    };
    if postmortem::check(ctx, files, inc, resolved_at, doc, &mut view, out) {
        view.state = IncidentState::Closed;
    }
    view
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// The line of `path`, or of `fallback` when `path` is not written.
fn line_or(doc: &Document, path: &[&str], fallback: &[&str]) -> usize {
    match crate::content::frontmatter::locate(&doc.front, path) {
        Some(_) => doc.line_of(path),
        None => doc.line_of(fallback),
    }
}

fn people_refs(ctx: &Ctx<'_>, inc: &Incident, p: &str, doc: &Document, out: &mut Vec<Finding>) {
    let mut ids: Vec<(&str, &[&str])> = Vec::new();
    if let Some(d) = &inc.declared_by {
        ids.push((d, &["declared_by"]));
    }
    if let Some(a) = &inc.alert {
        ids.extend(
            a.responders
                .iter()
                .map(|r| (r.as_str(), &["alert", "responders"][..])),
        );
    }
    if let Some(a) = &inc.assessment {
        ids.extend(
            a.decided_by
                .as_deref()
                .map(|d| (d, &["assessment", "decided_by"][..])),
        );
        ids.extend(
            a.target_validated_by
                .as_deref()
                .map(|d| (d, &["assessment", "target_validated_by"][..])),
        );
    }
    if let Some(e) = &inc.escalation {
        ids.extend(e.to.as_deref().map(|d| (d, &["escalation", "to"][..])));
    }
    if let Some(r) = &inc.rollback {
        ids.extend(
            r.smoke_tests_validated_by
                .as_deref()
                .map(|d| (d, &["rollback", "smoke_tests_validated_by"][..])),
        );
    }
    if let Some(r) = &inc.resolution {
        ids.extend(
            r.contact
                .as_deref()
                .map(|d| (d, &["resolution", "contact"][..])),
        );
    }
    people::known(ctx, &ids, p, doc, out);
}

/// A hotfix must be out within the playbook's time after the assessment,
/// else the release should have been rolled back.
#[allow(clippy::too_many_arguments)]
fn hotfix(
    ctx: &Ctx<'_>,
    files: &IncidentFiles,
    assessed: Option<Instant>,
    resolved_at: Option<Instant>,
    p: &str,
    doc: &Document,
    view: &mut IncidentView,
    out: &mut Vec<Finding>,
) {
    let within = ctx.playbook.incident.hotfix_within;
    // The hotfix is out when a patch naming this incident finished
    // deploying; without one on record, when the incident was resolved.
    // Successful deployments of such patches, committed or not yet.
    let (committed, pending): (Vec<_>, Vec<_>) = ctx
        .hotfixes
        .get(files.id.as_str())
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r.deployment.as_ref()?, &r.version)))
        .filter(|(d, _)| {
            d.data
                .as_ref()
                .is_some_and(|x| x.outcome == Outcome::Success)
        })
        .partition(|(d, _)| ctx.committed(Some(*d)));
    let first = committed
        .iter()
        .filter_map(|(d, version)| Some((time::at(&d.data.as_ref()?.finished_at)?, *version)))
        .min();
    let deployed = first.map(|(at, _)| at);
    view.hotfix_deployed = first.map(|(at, version)| (at, version.clone()));
    let shipped = deployed.or(resolved_at);
    let d = deadline("hotfix", assessed.map(|a| a + within.0), shipped, ctx.now);
    if d.met == Some(false) {
        let took = |s: Instant, a: Instant| human(s - a);
        let mut what = match (deployed, shipped.zip(assessed)) {
            (Some(_), Some((s, a))) => {
                format!("the hotfix took {} after the assessment", took(s, a))
            }
            (None, Some((s, a))) => format!(
                "no successful deployment of a release naming this incident is committed, and the incident was resolved {} after the assessment",
                took(s, a)
            ),
            (_, None) => "the hotfix is not out".to_string(),
        };
        // A successful deployment written but not committed does not count
        // yet: say so.
        let pending: Vec<&str> = pending.iter().map(|(d, _)| d.path.as_str()).collect();
        if !pending.is_empty() {
            what.push_str(&format!(
                " ({} not committed yet, and a record counts only once committed)",
                pending.join(", ")
            ));
        }
        out.push(
            Finding::new(
                Rule::IncidentHotfixOverran,
                p,
                doc.line_of(&["assessment", "decision"]),
                format!("{what}; the playbook allows {within} before rolling back"),
            )
            .help("roll back when a hotfix cannot ship in time, and record the rollback"),
        );
    }
    view.deadlines.push(d);
}

/// Rollback authority, target validation and the rollback checklist.
fn rollback(
    ctx: &Ctx<'_>,
    inc: &Incident,
    resolved_at: Option<Instant>,
    p: &str,
    doc: &Document,
    out: &mut Vec<Finding>,
) {
    let rules = &ctx.playbook.rollback;
    let a = inc.assessment.clone().unwrap_or_default();
    let mut allowed = rules.authority.clone();
    if inc.is_security() {
        allowed.extend(rules.security_authority.iter().cloned());
    }
    if a.rm_unavailable {
        allowed.extend(rules.unavailable_authority.iter().cloned());
    }
    match a.decided_by.as_deref() {
        Some(id) if ctx.roster_for(p).holds_any(id, &allowed) => {}
        who => out.push(
            Finding::new(Rule::IncidentRollbackAuthority, p, line_or(doc, &["assessment", "decided_by"], &["assessment"]), match who {
                Some(id) => format!("`{id}` decided the rollback but does not hold rollback authority ({})", allowed.join(", ")),
                None => "the rollback decision does not say who decided it (`decided_by`)".to_string(),
            })
            .help(format!(
                "rollback authority: {}; {} in a security incident; {} only with `rm_unavailable: true`",
                rules.authority.join(", "),
                rules.security_authority.join(", "),
                rules.unavailable_authority.join(", ")
            )),
        ),
    }

    let target_line = line_or(doc, &["assessment", "target"], &["assessment"]);
    match a.target.as_deref() {
        None => out.push(
            Finding::new(
                Rule::IncidentRollbackTarget,
                p,
                target_line,
                "the rollback has no `target` version",
            )
            .help("name the release to roll back to in `assessment.target`"),
        ),
        Some(t) if ctx.content.release(t).is_none() => out.push(
            Finding::new(
                Rule::IncidentRollbackTarget,
                p,
                target_line,
                format!("rollback target `{t}` is not a release in content/releases/"),
            )
            .help("roll back to a release that was deployed before"),
        ),
        Some(t) => {
            let newer = inc
                .release
                .as_deref()
                .and_then(|r| semver::Version::parse(r).ok())
                .zip(semver::Version::parse(t).ok());
            if newer.is_some_and(|(bad, target)| target >= bad) {
                out.push(
                    Finding::new(
                        Rule::IncidentRollbackTarget,
                        p,
                        target_line,
                        format!("rollback target `{t}` is not older than the failing release"),
                    )
                    .help("roll back to the last good release before the one that failed"),
                );
            }
        }
    }
    match a.target_validated_by.as_deref() {
        Some(v) if ctx.roster_for(p).holds(v, &rules.validator) => {}
        v => out.push(
            Finding::new(
                Rule::IncidentRollbackTarget,
                p,
                line_or(doc, &["assessment", "target_validated_by"], &["assessment"]),
                match v {
                    Some(v) => format!(
                        "`{v}` validated the rollback target but is not a {}",
                        rules.validator
                    ),
                    None => format!(
                        "the rollback target was not validated by a {}",
                        rules.validator
                    ),
                },
            )
            .help(format!(
                "a {} validates the rollback target (`target_validated_by`)",
                rules.validator
            )),
        ),
    }

    // Once resolved, the rollback must be complete.
    if resolved_at.is_none() {
        return;
    }
    let rb = inc.rollback.clone().unwrap_or_default();
    let line = line_or(doc, &["rollback"], &["resolution"]);
    let mut missing = checklist::judge(
        Rule::IncidentRollbackIncomplete,
        &rules.checklist,
        &rb.checklist,
        true,
        p,
        doc,
        &["rollback", "checklist"],
    );
    if inc.rollback.is_none() {
        missing = vec![Finding::new(
            Rule::IncidentRollbackIncomplete,
            p,
            line,
            "resolved by a rollback, but no `rollback:` record",
        )];
    }
    out.extend(missing);
    match rb.smoke_tests_validated_by.as_deref() {
        Some(v) if ctx.roster_for(p).holds(v, &rules.validator) => {}
        _ if inc.rollback.is_none() => {}
        v => out.push(
            Finding::new(
                Rule::IncidentRollbackIncomplete,
                p,
                line,
                match v {
                    Some(v) => format!(
                        "`{v}` validated the post-rollback smoke tests but is not a {}",
                        rules.validator
                    ),
                    None => format!(
                        "the post-rollback smoke tests were not validated by a {}",
                        rules.validator
                    ),
                },
            )
            .help(format!(
                "a {} validates the smoke tests (`rollback.smoke_tests_validated_by`)",
                rules.validator
            )),
        ),
    }
    if inc.rollback.is_some() && rb.completed_at.is_none() {
        out.push(
            Finding::new(
                Rule::IncidentRollbackIncomplete,
                p,
                line,
                "the rollback has no `completed_at`",
            )
            .help("record when the rollback completed"),
        );
    }
}

/// Each status update must come before the time the previous one promised.
fn updates(
    ctx: &Ctx<'_>,
    inc: &Incident,
    resolved_at: Option<Instant>,
    p: &str,
    doc: &Document,
    view: &mut IncidentView,
    out: &mut Vec<Finding>,
) {
    let mut promised = inc.alert.as_ref().and_then(|a| time::at(&a.next_update_at));
    let lines = update_lines(doc);
    for (i, u) in inc.updates.iter().enumerate() {
        let at = time::at(&u.at);
        if let (Some(due), Some(at)) = (promised, at) {
            let d = deadline(&format!("update {}", i + 1), Some(due), Some(at), ctx.now);
            if d.met == Some(false) {
                out.push(
                    Finding::new(
                        Rule::IncidentUpdateLate,
                        p,
                        lines
                            .get(i)
                            .copied()
                            .unwrap_or_else(|| doc.line_of(&["updates"])),
                        format!(
                            "update {} came at {at}, {} after the update promised for {due}",
                            i + 1,
                            human(at - due)
                        ),
                    )
                    .help("post updates by the promised `next_update_at`, or promise a later time"),
                );
            }
            view.deadlines.push(d);
        }
        promised = time::at(&u.next_update_at);
    }
    if let Some(due) = promised {
        // The promise is broken if neither an update nor the resolution came by then.
        let broken = match resolved_at {
            Some(r) => r > due,
            None => ctx.now > due,
        };
        if broken {
            out.push(
                Finding::new(
                    Rule::IncidentUpdateLate,
                    p,
                    line_or(doc, &["updates"], &["alert", "next_update_at"]),
                    format!("an update was promised for {due} and none was posted by then"),
                )
                .help("post a status update (append to `updates:`) with the next update time"),
            );
            view.deadlines.push(deadline(
                &format!("update {}", inc.updates.len() + 1),
                Some(due),
                None,
                ctx.now,
            ));
        }
    }
}

/// File lines of the `at:` of each entry of `updates:`.
fn update_lines(doc: &Document) -> Vec<usize> {
    let Some((start, _)) = crate::content::frontmatter::locate(&doc.front, &["updates"]) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for (i, line) in doc.front.lines().enumerate().skip(start) {
        let t = line.trim_start();
        if i >= start
            && !line.starts_with(' ')
            && !line.starts_with('-')
            && !t.is_empty()
            && !t.starts_with('#')
        {
            break;
        }
        if t.starts_with("- ") || t == "-" {
            lines.push(i + doc.front_line);
        }
    }
    lines
}
