//! Release records: version and type, the release-notes template and
//! requirements; then each release's gates, go/no-go and deployment, and
//! the release state that follows from them.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::content::ReleaseFiles;
use crate::content::records::{GoDecision, Outcome, Release};
use crate::finding::{Finding, Rule, Severity};
use crate::model::{GateState, ReleaseState, ReleaseView};
use crate::rules::{Ctx, deploy, gonogo, signoff};

/// Judges every release, oldest first.
pub fn all(ctx: &Ctx<'_>, out: &mut Vec<Finding>) -> Vec<ReleaseView> {
    // First, in order, what each release is judged against: the release
    // before it, and the earlier folder of the same version.
    let mut previous: Option<&ReleaseFiles> = None;
    let mut jobs = Vec::new();
    // Releases are sorted by semver, so versions of equal precedence are
    // neighbours: the first of each run is what later ones repeat.
    let mut run: Option<&semver::Version> = None;
    for files in &ctx.content.releases {
        let mut found = Vec::new();
        // Build metadata does not make a new version (`1.0.0+build.1` is 1.0.0).
        if let Some(v) = &files.semver {
            if let Some(same) = run.filter(|s| s.cmp_precedence(v).is_eq()) {
                let at = files.release.as_ref().map_or_else(
                    || format!("content/releases/{}", files.version),
                    |p| p.path.clone(),
                );
                found.push(
                    Finding::new(Rule::ReleaseVersionMismatch, at, 1, format!(
                        "releases/{}/ is the same version as releases/{same}/ (build metadata does not count)",
                        files.version
                    ))
                    .help("give each release its own version; merge the two folders"),
                );
            } else {
                run = Some(v);
            }
        }
        jobs.push((files.as_ref(), previous, found));
        // The type of any release is judged against the last *final* release before it.
        if files.semver.as_ref().is_some_and(|v| v.pre.is_empty()) && files.record().is_some() {
            previous = Some(files);
        }
    }
    // Then each release on its own, in parallel.
    super::judge_each(jobs, out, |(files, previous, first), found| {
        found.extend(first);
        let view = one(ctx, files, previous, found);
        for f in found {
            f.release.get_or_insert_with(|| files.version.clone());
        }
        view
    })
}

fn one(
    ctx: &Ctx<'_>,
    files: &ReleaseFiles,
    previous: Option<&ReleaseFiles>,
    out: &mut Vec<Finding>,
) -> ReleaseView {
    let path = files.release.as_ref().map_or_else(
        || format!("content/releases/{}", files.version),
        |p| p.path.clone(),
    );
    if files.semver.is_none() {
        out.push(
            Finding::new(
                Rule::ReleaseVersionMismatch,
                &path,
                1,
                format!("release folder `{}` is not a semver version", files.version),
            )
            .help("name the folder after the version, e.g. releases/2.4.0/"),
        );
    }
    if let (Some(parsed), Some(rec)) = (&files.release, files.record()) {
        let doc = &parsed.doc;
        if rec.version != files.version {
            out.push(
                Finding::new(
                    Rule::ReleaseVersionMismatch,
                    &path,
                    doc.line_of(&["version"]),
                    format!(
                        "`version: {}` differs from the folder name `{}`",
                        rec.version, files.version
                    ),
                )
                .help(
                    "make `version` equal the folder name, or move the files to the right folder",
                ),
            );
        }
        type_matches(ctx, files, rec, previous, &path, doc, out);
        notes(ctx, &parsed.doc.body, parsed.doc.body_line, &path, out);
    }

    let gates = signoff::gates(ctx, files, out);
    let all_approved = gates.iter().all(|g| g.state == GateState::Approved);
    let go = gonogo::check(ctx, files, &gates, out);
    let deployment = deploy::check(ctx, files, &gates, go.as_ref(), out);

    // A decision or deployment counts only when committed by someone who may record it.
    let go_decision = go.as_ref().and_then(|s| {
        s.signer()
            .filter(|who| who.holds(&ctx.playbook.go_no_go.role))?;
        files.go_no_go.as_ref()?.data.as_ref().map(|g| g.decision)
    });
    let outcome = deployment.as_ref().and_then(|s| {
        s.signer()
            .filter(|who| who.holds_any(&ctx.playbook.deployment.roles))?;
        files.deployment.as_ref()?.data.as_ref().map(|d| d.outcome)
    });
    let state = match (outcome, go_decision) {
        (Some(Outcome::Success), _) => ReleaseState::Deployed,
        (Some(Outcome::RolledBack), _) => ReleaseState::RolledBack,
        (Some(Outcome::Failed), _) => ReleaseState::Failed,
        (Some(Outcome::InProgress), _) | (None, Some(GoDecision::Go)) => ReleaseState::Go,
        (None, Some(GoDecision::NoGo)) => ReleaseState::NoGo,
        (None, None) if all_approved => ReleaseState::Ready,
        (None, None) if gates.iter().any(|g| g.step.is_some()) => ReleaseState::InReview,
        (None, None) => ReleaseState::Planned,
    };
    if let (Some(parsed), Some(rec)) = (&files.release, files.record()) {
        let decided = matches!(
            state,
            ReleaseState::Go
                | ReleaseState::Deployed
                | ReleaseState::RolledBack
                | ReleaseState::Failed
        );
        requirements(ctx, files, rec, decided, &path, &parsed.doc, out);
    }

    let mut blockers = Vec::new();
    for g in &gates {
        match g.state {
            GateState::Approved => {}
            GateState::Pending if g.step.is_some() => {
                blockers.push(format!("{} sign-off is written but not committed", g.title))
            }
            GateState::Pending => {
                blockers.push(format!("{} sign-off ({}) is missing", g.title, g.role))
            }
            GateState::Rejected => blockers.push(format!("{} gate was rejected", g.title)),
            GateState::Invalid => blockers.push(format!(
                "{} sign-off is invalid: {}",
                g.title,
                g.reasons.join("; ")
            )),
        }
    }
    if matches!(state, ReleaseState::Ready) {
        blockers.push(format!(
            "go/no-go by the {} is not recorded",
            ctx.playbook.go_no_go.role
        ));
    }
    ReleaseView {
        version: files.version.clone(),
        kind: files.record().map(|r| r.kind.clone()),
        title: files.record().and_then(|r| r.title.clone()),
        state,
        path,
        gates,
        go_no_go: go,
        deployment,
        blockers,
    }
}

/// The release type must name the semver part bumped from the previous release.
fn type_matches(
    ctx: &Ctx<'_>,
    files: &ReleaseFiles,
    rec: &Release,
    previous: Option<&ReleaseFiles>,
    path: &str,
    doc: &crate::content::frontmatter::Document,
    out: &mut Vec<Finding>,
) {
    // Located only for a finding: a scan of the front matter's lines.
    let line = || doc.line_of(&["type"]);
    let Some(kind) = ctx.playbook.release_type(&rec.kind) else {
        let known: Vec<&str> = ctx
            .playbook
            .release_types
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        out.push(
            Finding::new(
                Rule::ReleaseTypeMismatch,
                path,
                line(),
                format!("unknown release type `{}`", rec.kind),
            )
            .help(format!("use one of: {}", known.join(", "))),
        );
        return;
    };
    let (Some(this), Some(prev)) = (&files.semver, previous.and_then(|p| p.semver.as_ref())) else {
        return;
    };
    let bump = if this.major != prev.major {
        "major"
    } else if this.minor != prev.minor {
        "minor"
    } else {
        "patch"
    };
    if bump != kind.bumps {
        let expected: Vec<&str> = ctx
            .playbook
            .release_types
            .iter()
            .filter(|t| t.bumps == bump)
            .map(|t| t.id.as_str())
            .collect();
        out.push(
            Finding::new(
                Rule::ReleaseTypeMismatch,
                path,
                line(),
                format!("`type: {}` but {prev} → {this} is a {bump} bump", rec.kind),
            )
            .help(format!(
                "set `type: {}` or choose the version that a {} release gets",
                expected.join(" or "),
                rec.kind
            )),
        );
    }
}

/// Each H2 section of the template must be present and not empty.
fn notes(ctx: &Ctx<'_>, body: &str, body_line: usize, path: &str, out: &mut Vec<Finding>) {
    let mut sections: Vec<(String, bool)> = Vec::new();
    let mut in_h2 = false;
    let mut heading = String::new();
    for event in Parser::new(body) {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => {
                in_h2 = true;
                heading.clear();
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                in_h2 = false;
                sections.push((heading.trim().to_string(), false));
            }
            Event::Text(t) | Event::Code(t) if in_h2 => heading.push_str(&t),
            Event::Start(Tag::Heading { .. }) | Event::End(TagEnd::Heading(_)) => {}
            Event::Text(t) if !t.trim().is_empty() => {
                if let Some(last) = sections.last_mut() {
                    last.1 = true;
                }
            }
            Event::Start(Tag::Item | Tag::CodeBlock(_) | Tag::Table(_) | Tag::Image { .. }) => {
                if let Some(last) = sections.last_mut() {
                    last.1 = true;
                }
            }
            _ => {}
        }
    }
    let line = body_line.max(1);
    for want in &ctx.playbook.release_notes {
        match sections.iter().find(|(h, _)| h.eq_ignore_ascii_case(want)) {
            None => out.push(
                Finding::new(
                    Rule::ReleaseNotesIncomplete,
                    path,
                    line,
                    format!("the release notes have no `## {want}` section"),
                )
                .help(format!(
                    "add `## {want}` to the body (write \"None.\" if there is nothing to say)"
                )),
            ),
            Some((_, false)) => out.push(
                Finding::new(
                    Rule::ReleaseNotesIncomplete,
                    path,
                    section_line(body, want, body_line),
                    format!("the `## {want}` section is empty"),
                )
                .help("write the section, or \"None.\" if there is nothing to say"),
            ),
            Some(_) => {}
        }
    }
}

fn section_line(body: &str, heading: &str, body_line: usize) -> usize {
    body.lines()
        .position(|l| {
            l.trim_start_matches('#')
                .trim()
                .eq_ignore_ascii_case(heading)
                && l.starts_with("##")
        })
        .map_or(body_line, |i| body_line + i)
}

/// Every playbook requirement is true or has evidence (or its file exists).
/// A warning while in review; an error once a go or a deployment is recorded.
fn requirements(
    ctx: &Ctx<'_>,
    files: &ReleaseFiles,
    rec: &Release,
    decided: bool,
    path: &str,
    doc: &crate::content::frontmatter::Document,
    out: &mut Vec<Finding>,
) {
    let severity = if decided {
        Severity::Error
    } else {
        Severity::Warning
    };
    for req in &ctx.playbook.requirements {
        if !files.requirement_met(req) {
            let line = if rec.requirements.contains_key(&req.id) {
                doc.line_of(&["requirements", &req.id])
            } else {
                doc.line_of(&["requirements"])
            };
            let also = req
                .satisfied_by
                .as_deref()
                .map(|f| format!(", or add {f}"))
                .unwrap_or_default();
            out.push(
                Finding::new(
                    Rule::ReleaseRequirementUnmet,
                    path,
                    line,
                    format!("requirement `{}` ({}) is not met", req.id, req.label),
                )
                .severity(severity)
                .help(format!(
                    "set `{}: true` or an evidence URL under `requirements:`{also}",
                    req.id
                )),
            );
        }
    }
    for key in rec
        .requirements
        .keys()
        .filter(|k| !ctx.playbook.requirements.iter().any(|r| &r.id == *k))
    {
        out.push(
            Finding::new(
                Rule::ContentUnknownField,
                path,
                doc.line_of(&["requirements", key]),
                format!("unknown requirement `{key}`"),
            )
            .help("the playbook's requirements are listed in the README and at /playbook/"),
        );
    }
}
