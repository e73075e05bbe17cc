//! The data templates see: the check's [`Status`] joined with the records,
//! names instead of ids, times formatted, Markdown rendered and sanitised.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::content::records::{Check, Checklist, Evidence, Impact, spelled};
use crate::content::{Content, IncidentFiles, ReleaseFiles};
use crate::finding::Finding;
use crate::git::signature::Seal;
use crate::model::{
    Deadline, GateView, IncidentState, IncidentView, ReleaseState, ReleaseView, Status, Step,
};
use crate::playbook::Item;
use crate::site::markdown;
use crate::time::{self, Instant, human};

/// A time for people: `2026-11-10 14:53 UTC`.
pub fn when(t: Instant) -> String {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    let offset = t.offset().local_minus_utc();
    // Written out directly (every kept page's context has a dozen of these);
    // years chrono writes otherwise, and offsets with seconds, go through it.
    if !(0..=9999).contains(&t.year()) || offset % 60 != 0 {
        let s = t.format("%Y-%m-%d %H:%M %:z").to_string();
        return s.replace(" +00:00", " UTC");
    }
    let mut s = String::with_capacity(22);
    let _ = write!(
        s,
        "{:04}-{:02}-{:02} {:02}:{:02} ",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    );
    if offset == 0 {
        s.push_str("UTC");
    } else {
        let (sign, m) = if offset < 0 {
            ('-', -offset / 60)
        } else {
            ('+', offset / 60)
        };
        let _ = write!(s, "{sign}{:02}:{:02}", m / 60, m % 60);
    }
    s
}

#[derive(Serialize, Clone)]
pub struct FindingCtx {
    pub rule: &'static str,
    pub severity: &'static str,
    pub path: String,
    pub line: usize,
    pub message: String,
    pub help: String,
}

pub fn findings<'a>(fs: impl Iterator<Item = &'a Finding>) -> Vec<FindingCtx> {
    fs.map(|f| FindingCtx {
        rule: f.rule.code(),
        severity: if f.is_error() { "error" } else { "warning" },
        path: f.path.clone(),
        line: f.line,
        message: redact_emails(&f.message),
        help: redact_emails(&f.help),
    })
    .collect()
}

/// Removes ` <someone@example.com>` from text published on the site: the
/// site names people, it does not publish their e-mail addresses.
pub fn redact_emails(text: &str) -> String {
    redact_emails_owned(text.to_string())
}

/// [`redact_emails`] of a string given away, done in its own buffer (the
/// text only ever shrinks): no second copy of a report of many megabytes.
pub fn redact_emails_owned(text: String) -> String {
    let mut b = text.into_bytes();
    // Bytes before `w` are the text so far; those from `r` are yet to read.
    let (mut w, mut r) = (0, 0);
    while let Some(open) = memchr::memchr(b'<', &b[r..]).map(|o| r + o) {
        let Some(close) = memchr::memchr(b'>', &b[open..]).map(|c| open + c) else {
            break;
        };
        let inside = &b[open + 1..close];
        // (Between two ASCII bytes, so a whole UTF-8 string.)
        let spaced = std::str::from_utf8(inside).map_or(true, |i| i.contains(char::is_whitespace));
        if inside.contains(&b'@') && !spaced {
            let mut end = open;
            while end > r && b[end - 1] == b' ' {
                end -= 1;
            }
            b.copy_within(r..end, w);
            w += end - r;
            let after = close + 1;
            if w > 0 && !matches!(b.get(after), Some(b',' | b')' | b'.' | b';')) {
                b[w] = b' ';
                w += 1;
            }
            r = after;
            while b.get(r) == Some(&b' ') {
                r += 1;
            }
        } else {
            b.copy_within(r..=close, w);
            w += close + 1 - r;
            r = close + 1;
        }
    }
    let n = b.len();
    b.copy_within(r..n, w);
    b.truncate(w + n - r);
    // Only whole ASCII runs were dropped or moved, so the text is still UTF-8.
    String::from_utf8(b).expect("redacting keeps UTF-8")
}

#[derive(Serialize, Clone)]
pub struct SignerCtx {
    /// Display name: the roster's, or the commit author's when unknown.
    pub name: String,
    pub id: Option<String>,
    pub roles: Vec<String>,
    pub commit: String,
    pub commit_short: String,
    pub commit_url: Option<String>,
    pub at: String,
    pub at_iso: String,
}

#[derive(Serialize, Clone)]
pub struct StepCtx {
    pub pending: bool,
    pub signer: Option<SignerCtx>,
}

#[derive(Serialize, Clone)]
pub struct CheckRow {
    pub id: String,
    pub label: String,
    /// `done`, `not-done`, `n/a` or `missing`.
    pub state: &'static str,
    pub note: Option<String>,
}

#[derive(Serialize, Clone)]
pub struct GateCtx {
    pub id: String,
    pub title: String,
    pub role: String,
    pub state: &'static str,
    pub step: Option<StepCtx>,
    pub decision: Option<String>,
    pub checklist: Vec<CheckRow>,
    pub reasons: Vec<String>,
    pub notes_html: String,
    pub findings: Vec<FindingCtx>,
    /// `verified`, `unsigned`, `unverified` or `bad` (the signing commit's signature).
    pub signature: Option<&'static str>,
}

#[derive(Serialize, Clone)]
pub struct SectionCtx {
    pub title: String,
    pub html: String,
}

#[derive(Serialize, Clone)]
pub struct RequirementCtx {
    pub id: String,
    pub label: String,
    pub met: bool,
    pub evidence: Option<String>,
}

#[derive(Serialize, Clone)]
pub struct LinkCtx {
    pub id: String,
    pub title: String,
    pub state: String,
}

/// What a release page is made from (see [`Builder::release_inputs`]).
#[derive(Serialize)]
pub struct ReleaseInputs<'v> {
    view: &'v ReleaseView,
    summary: &'v ReleaseSummary,
    records: Vec<RecordInput<'v>>,
    findings: Vec<&'v Finding>,
}

/// A record file of a release, standing in for its data and body.
#[derive(Serialize)]
struct RecordInput<'v> {
    path: &'v str,
    #[serde(serialize_with = "crate::digest::oid_bytes")]
    blob: git2::Oid,
    parsed: bool,
    findings: Vec<&'v Finding>,
}

/// What every page shows of a release, list pages included: nothing that
/// needs Markdown rendered, so the whole list is cheap to hold.
#[derive(Serialize, Clone)]
pub struct ReleaseHead {
    pub version: String,
    pub kind: String,
    pub title: String,
    pub date: Option<String>,
    pub state: &'static str,
    pub state_label: &'static str,
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    pub window_start_iso: Option<String>,
    pub components: Vec<String>,
    pub approved: usize,
    pub incidents: Vec<LinkCtx>,
    pub fixes: Option<LinkCtx>,
    pub blockers: Vec<String>,
    pub in_flight: bool,
    pub upcoming: bool,
}

/// A gate as list pages show it.
#[derive(Serialize, Clone)]
pub struct GateHead {
    pub id: String,
    pub title: String,
    pub role: String,
    pub state: &'static str,
}

/// A release in the list pages (`releases`, `in_flight`, `upcoming`, `recent`).
#[derive(Serialize, Clone)]
pub struct ReleaseSummary {
    #[serde(flatten)]
    pub head: ReleaseHead,
    pub gates: Vec<GateHead>,
}

/// A release on its own page (`release`): the summary's fields with each
/// gate in full, plus notes, go/no-go, deployment, requirements and findings.
#[derive(Serialize, Clone)]
pub struct ReleaseCtx {
    #[serde(flatten)]
    pub head: ReleaseHead,
    pub gates: Vec<GateCtx>,
    pub go_no_go: Option<GoNoGoCtx>,
    pub deployment: Option<DeploymentCtx>,
    pub notes: Vec<SectionCtx>,
    pub rollback_html: Option<String>,
    pub requirements: Vec<RequirementCtx>,
    pub findings: Vec<FindingCtx>,
}

/// A release's go/no-go decision (`release.go_no_go`).
#[derive(Serialize, Clone)]
pub struct GoNoGoCtx {
    pub decision: String,
    pub meeting_at: Option<String>,
    /// How long before the deploy window opened the meeting was held.
    pub lead: Option<String>,
    pub attendees: Vec<String>,
    pub step: Option<StepCtx>,
    pub notes_html: String,
    pub findings: Vec<FindingCtx>,
}

/// A release's deployment record (`release.deployment`).
#[derive(Serialize, Clone)]
pub struct DeploymentCtx {
    pub outcome: crate::content::records::Outcome,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub checklist: Vec<CheckRow>,
    pub step: Option<StepCtx>,
    pub notes_html: String,
    pub findings: Vec<FindingCtx>,
}

#[derive(Serialize, Clone)]
pub struct DeadlineCtx {
    pub name: String,
    pub due: Option<String>,
    pub done: Option<String>,
    /// `met`, `missed` or `open`.
    pub verdict: &'static str,
}

#[derive(Serialize, Clone)]
pub struct EventCtx {
    /// The event's anchor on the page: `update`, `update-2`, `hotfix`, ...
    pub id: String,
    pub at: String,
    pub at_iso: String,
    pub kind: &'static str,
    pub title: String,
    pub text: String,
    pub deadline: Option<DeadlineCtx>,
}

#[derive(Serialize, Clone)]
pub struct IncidentCtx {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub state: &'static str,
    pub security: bool,
    pub release: Option<String>,
    pub declared_at: Option<String>,
    pub declared_iso: Option<String>,
    pub declared_by: Option<String>,
    pub components: Vec<(String, &'static str)>,
    pub criteria: Vec<String>,
    pub metrics: BTreeMap<String, f64>,
    pub time_to_alert: Option<String>,
    pub time_to_assess: Option<String>,
    pub time_to_resolve: Option<String>,
    pub timeline: Vec<EventCtx>,
    pub deadlines: Vec<DeadlineCtx>,
    pub alert: Option<serde_json::Value>,
    pub assessment: Option<serde_json::Value>,
    pub rollback: Option<serde_json::Value>,
    pub resolution: Option<serde_json::Value>,
    pub body_html: String,
    pub postmortem: Option<serde_json::Value>,
    pub postmortem_html: String,
    pub fixed_by: Vec<LinkCtx>,
    pub findings: Vec<FindingCtx>,
    pub missed: usize,
}

pub fn impact_str(i: Impact) -> &'static str {
    match i {
        Impact::Operational => "operational",
        Impact::Degraded => "degraded",
        Impact::PartialOutage => "partial-outage",
        Impact::MajorOutage => "major-outage",
    }
}

fn state_label(s: ReleaseState) -> &'static str {
    match s {
        ReleaseState::Planned => "Planned",
        ReleaseState::InReview => "In review",
        ReleaseState::Ready => "Ready for go/no-go",
        ReleaseState::Go => "Go",
        ReleaseState::NoGo => "No-go",
        ReleaseState::Deployed => "Deployed",
        ReleaseState::RolledBack => "Rolled back",
        ReleaseState::Failed => "Failed",
    }
}

/// Joins records, status and roster into template data.
pub struct Builder<'a> {
    content: &'a Content,
    status: &'a Status,
    repo_url: Option<String>,
    /// Findings by the release they concern, then by incident.
    by_release: HashMap<&'a str, Vec<&'a Finding>>,
    by_incident: HashMap<&'a str, Vec<&'a Finding>>,
    /// The links between releases and incidents, looked up once here so
    /// that no page scans every incident (or every release) for its own.
    links: Links<'a>,
    /// Bodies rendered by earlier builds, when a build keeps them.
    bodies: Option<&'a crate::site::bodies::Bodies>,
}

impl<'a> Builder<'a> {
    /// Takes record bodies rendered by earlier builds from `bodies`.
    pub fn with_bodies(mut self, bodies: Option<&'a crate::site::bodies::Bodies>) -> Self {
        self.bodies = bodies;
        self
    }

    /// A record body as sanitised HTML (see [`markdown::render`]).
    fn md(&self, source: &str, shift: u8) -> String {
        match self.bodies {
            Some(b) => b.render(source, shift),
            None => markdown::render(source, shift),
        }
    }

    pub fn new(content: &'a Content, status: &'a Status) -> Self {
        let (mut by_release, mut by_incident) = (HashMap::new(), HashMap::new());
        for f in &status.findings {
            if let Some(r) = &f.release {
                by_release
                    .entry(r.as_str())
                    .or_insert_with(Vec::new)
                    .push(f);
            }
            if let Some(i) = &f.incident {
                by_incident
                    .entry(i.as_str())
                    .or_insert_with(Vec::new)
                    .push(f);
            }
        }
        Builder {
            content,
            status,
            repo_url: content.site.repo_url.clone(),
            by_release,
            by_incident,
            links: Links::new(content, status),
            bodies: None,
        }
    }

    fn about(
        map: &HashMap<&str, Vec<&'a Finding>>,
        key: &str,
    ) -> impl Iterator<Item = &'a Finding> {
        map.get(key).into_iter().flatten().copied()
    }

    fn name(&self, id: &str) -> String {
        self.content.roster.name(id).to_string()
    }

    fn signer(&self, step: &Step) -> StepCtx {
        let signer = step.signer().map(|s| SignerCtx {
            name: s
                .person
                .as_deref()
                .map_or_else(|| s.name.clone(), |id| self.name(id)),
            id: s.person.clone(),
            roles: s.roles.clone(),
            commit: s.commit.to_string(),
            commit_short: s.short(),
            commit_url: self
                .repo_url
                .as_ref()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map(|u| format!("{}/commit/{}", u.trim_end_matches('/'), s.commit)),
            at: when(s.when),
            at_iso: s.when.to_rfc3339(),
        });
        StepCtx {
            pending: signer.is_none(),
            signer,
        }
    }

    fn checklist(&self, items: &[Item], list: &Checklist) -> Vec<CheckRow> {
        items
            .iter()
            .map(|i| {
                let (state, note) = match list.get(&i.id) {
                    None => ("missing", None),
                    Some(Check::Done(true)) => ("done", None),
                    Some(Check::Done(false)) => ("not-done", None),
                    Some(c @ Check::Text(t)) => match c.not_applicable() {
                        Some(why) => ("n/a", Some(why.to_string())),
                        None => ("not-done", Some(t.clone())),
                    },
                };
                CheckRow {
                    id: i.id.clone(),
                    label: i.label.clone(),
                    state,
                    note,
                }
            })
            .collect()
    }

    fn gate(&self, files: &ReleaseFiles, g: &GateView) -> GateCtx {
        let parsed = files.signoffs.get(&g.gate);
        let data = parsed.and_then(|p| p.data.as_ref());
        let items = self
            .content
            .playbook
            .gate(&g.gate)
            .map(|x| x.checklist.as_slice())
            .unwrap_or(&[]);
        GateCtx {
            id: g.gate.clone(),
            title: g.title.clone(),
            role: g.role.clone(),
            state: g.state.as_str(),
            step: g.step.as_ref().map(|s| self.signer(s)),
            decision: data.map(|d| spelled(d.decision)),
            checklist: data
                .map(|d| self.checklist(items, &d.checklist))
                .unwrap_or_default(),
            reasons: g.reasons.iter().map(|r| redact_emails(r)).collect(),
            notes_html: parsed.map(|p| self.md(&p.doc.body, 2)).unwrap_or_default(),
            findings: parsed
                .map(|p| findings(self.status.findings_for(&p.path)))
                .unwrap_or_default(),
            signature: g.seal.as_ref().map(|s| match s {
                Seal::Verified { .. } => "verified",
                Seal::Unsigned => "unsigned",
                Seal::Unverifiable(_) => "unverified",
                Seal::Bad(_) => "bad",
            }),
        }
    }

    /// The list-page view of a release (no Markdown rendered).
    pub fn summary(&self, r: &ReleaseView) -> ReleaseSummary {
        ReleaseSummary {
            head: self.head(r, self.files(r)),
            gates: r
                .gates
                .iter()
                .map(|g| GateHead {
                    id: g.gate.clone(),
                    title: g.title.clone(),
                    role: g.role.clone(),
                    state: g.state.as_str(),
                })
                .collect(),
        }
    }

    /// The files a release view was made from.
    fn files(&self, r: &ReleaseView) -> &ReleaseFiles {
        files_of(self.content, self.status, r).expect("views come from content")
    }

    fn head(&self, r: &ReleaseView, files: &ReleaseFiles) -> ReleaseHead {
        let rec = files.record();
        let window = rec.and_then(|x| x.deploy_window.as_ref());
        let start = window.and_then(|w| time::at(&w.start));
        let end = window.and_then(|w| time::at(&w.end));
        let incidents = Links::of(&self.links.incidents_of, &r.version)
            .map(link)
            .collect();
        let fixes = rec
            .and_then(|x| x.incident.as_deref())
            .and_then(|id| self.status.incident(id))
            .map(link);
        let open = matches!(
            r.state,
            ReleaseState::Planned
                | ReleaseState::InReview
                | ReleaseState::Ready
                | ReleaseState::Go
                | ReleaseState::NoGo
        );
        ReleaseHead {
            version: r.version.clone(),
            kind: r.kind.clone().unwrap_or_default(),
            title: r
                .title
                .clone()
                .unwrap_or_else(|| format!("Release {}", r.version)),
            date: rec.and_then(|x| x.date).map(|d| d.to_string()),
            state: r.state.as_str(),
            state_label: state_label(r.state),
            window_start: start.map(when),
            window_end: end.map(when),
            window_start_iso: start.map(|s| s.to_rfc3339()),
            components: rec.map(|x| x.components.clone()).unwrap_or_default(),
            approved: r
                .gates
                .iter()
                .filter(|g| g.state == crate::model::GateState::Approved)
                .count(),
            incidents,
            fixes,
            blockers: r.blockers.iter().map(|b| redact_emails(b)).collect(),
            in_flight: open,
            upcoming: open && end.is_some_and(|e| e > self.status.now),
        }
    }

    /// What [`Builder::release`] makes `r`'s page from, apart from what
    /// every release page reads alike (the playbook, the roster's names,
    /// the site settings: the caller keys those once per build). Records
    /// stand in by path, blob id and whether they parsed, since a record's
    /// data and body, and so its rendered HTML, follow from its text. A
    /// page whose inputs are unchanged is unchanged, so a kept page is
    /// recognised without making its context. Whatever `release` (and
    /// `head`, `gate`, `notes`) comes to read must be here or in the
    /// caller's part of the key.
    pub fn release_inputs<'v>(
        &'v self,
        r: &'v ReleaseView,
        summary: &'v ReleaseSummary,
    ) -> ReleaseInputs<'v> {
        let records = self
            .files(r)
            .records()
            .map(|(path, doc, parsed)| RecordInput {
                path,
                blob: doc.blob_id(),
                parsed,
                findings: self.status.findings_for(path).collect(),
            })
            .collect();
        ReleaseInputs {
            view: r,
            summary,
            records,
            findings: Self::about(&self.by_release, &r.version).collect(),
        }
    }

    /// The first release-notes section of a release as HTML (what the feed
    /// shows), without the rest of its page.
    pub fn first_note(&self, r: &ReleaseView) -> String {
        let files = self.files(r);
        files
            .release
            .as_ref()
            .and_then(|p| self.notes(&markdown::sections(&p.doc.body)).next())
            .map(|n| n.html)
            .unwrap_or_default()
    }

    /// A release's own page.
    pub fn release(&self, r: &ReleaseView) -> ReleaseCtx {
        let files = self.files(r);
        let rec = files.record();
        let start = rec
            .and_then(|x| x.deploy_window.as_ref())
            .and_then(|w| time::at(&w.start));
        let notes = files.release.as_ref().map_or_else(Vec::new, |p| {
            self.notes(&markdown::sections(&p.doc.body)).collect()
        });
        let requirements = self
            .content
            .playbook
            .requirements
            .iter()
            .map(|req| {
                let value = rec.and_then(|x| x.requirements.get(&req.id));
                RequirementCtx {
                    id: req.id.clone(),
                    label: req.label.clone(),
                    met: files.requirement_met(req),
                    evidence: match value {
                        Some(Evidence::Url(u))
                            if u.starts_with("http://") || u.starts_with("https://") =>
                        {
                            Some(u.clone())
                        }
                        _ => None,
                    },
                }
            })
            .collect();
        let go_no_go = files.go_no_go.as_ref().and_then(|p| {
            let d = p.data.as_ref()?;
            let step = r.go_no_go.as_ref().map(|s| self.signer(s));
            Some(GoNoGoCtx {
                decision: spelled(d.decision),
                meeting_at: d.meeting_at.get().map(when),
                lead: d.meeting_at.get().zip(start).map(|(m, s)| human(s - m)),
                attendees: d.attendees.iter().map(|a| self.name(a)).collect(),
                step,
                notes_html: self.md(&p.doc.body, 2),
                findings: findings(self.status.findings_for(&p.path)),
            })
        });
        let deployment = files.deployment.as_ref().and_then(|p| {
            let d = p.data.as_ref()?;
            let step = r.deployment.as_ref().map(|s| self.signer(s));
            Some(DeploymentCtx {
                outcome: d.outcome,
                started_at: time::at(&d.started_at).map(when),
                finished_at: time::at(&d.finished_at).map(when),
                checklist: self
                    .checklist(&self.content.playbook.deployment.checklist, &d.checklist),
                step,
                notes_html: self.md(&p.doc.body, 2),
                findings: findings(self.status.findings_for(&p.path)),
            })
        });
        ReleaseCtx {
            head: self.head(r, files),
            gates: r.gates.iter().map(|g| self.gate(files, g)).collect(),
            go_no_go,
            deployment,
            notes,
            rollback_html: files.rollback.as_ref().map(|p| self.md(&p.doc.body, 2)),
            requirements,
            findings: findings(Self::about(&self.by_release, &r.version)),
        }
    }

    /// The release notes of `sections` (a body's, see
    /// [`markdown::sections`]): text before the first heading, untitled,
    /// then the template's sections in its order, then any others. Each is
    /// rendered as it is taken, so the feed's first costs one.
    fn notes<'s>(
        &'s self,
        sections: &'s [(String, String)],
    ) -> impl Iterator<Item = SectionCtx> + 's {
        let template = &self.content.playbook.release_notes;
        let intro = sections
            .first()
            .filter(|(t, _)| t.is_empty())
            .map(|(_, md)| (String::new(), md));
        let wanted = template.iter().filter_map(move |want| {
            sections
                .iter()
                .find(|(t, _)| t.eq_ignore_ascii_case(want))
                .map(|(t, md)| (t.clone(), md))
        });
        let others = sections
            .iter()
            .filter(move |(t, _)| {
                !t.is_empty() && !template.iter().any(|w| w.eq_ignore_ascii_case(t))
            })
            .map(|(t, md)| (t.clone(), md));
        intro
            .into_iter()
            .chain(wanted)
            .chain(others)
            .map(|(title, md)| SectionCtx {
                title,
                html: self.md(md, 1),
            })
    }

    pub fn incident(&self, i: &IncidentView) -> IncidentCtx {
        let files = self
            .content
            .incident(&i.id)
            .expect("views come from content");
        let rec = files.record();
        let declared = rec.and_then(|x| x.declared_at.get());
        let alert_at = rec
            .and_then(|x| x.alert.as_ref())
            .and_then(|a| time::at(&a.sent_at));
        let assessed = rec
            .and_then(|x| x.assessment.as_ref())
            .and_then(|a| time::at(&a.at));
        let resolved = rec
            .and_then(|x| x.resolution.as_ref())
            .and_then(|r| time::at(&r.resolved_at));
        let since = |t: Option<Instant>| declared.zip(t).map(|(d, t)| human(t - d));
        let deadlines: Vec<DeadlineCtx> = i.deadlines.iter().map(deadline).collect();
        let find = |name: &str| deadlines.iter().find(|d| d.name == name).cloned();

        let mut timeline = Vec::new();
        if let Some(rec) = rec {
            let mut push = |at: Option<Instant>,
                            kind: &'static str,
                            title: String,
                            text: String,
                            dl: Option<DeadlineCtx>| {
                if let Some(at) = at {
                    timeline.push((
                        at,
                        EventCtx {
                            id: String::new(),
                            at: when(at),
                            at_iso: at.to_rfc3339(),
                            kind,
                            title,
                            text,
                            deadline: dl,
                        },
                    ));
                }
            };
            push(
                declared,
                "declared",
                "Incident declared".into(),
                rec.declared_by
                    .as_deref()
                    .map(|d| format!("by {}", self.name(d)))
                    .unwrap_or_default(),
                None,
            );
            if let Some(a) = &rec.alert {
                push(
                    alert_at,
                    "alert",
                    "Initial alert".into(),
                    a.summary.clone().unwrap_or_default(),
                    find("initial alert"),
                );
            }
            if let Some(e) = &rec.escalation {
                push(
                    time::at(&e.escalated_at),
                    "escalation",
                    format!(
                        "Escalated to {}",
                        e.to.as_deref().map(|t| self.name(t)).unwrap_or_default()
                    ),
                    String::new(),
                    find("escalation"),
                );
            }
            if let Some(a) = &rec.assessment {
                let decision = a
                    .decision
                    .map(spelled)
                    .unwrap_or_else(|| "undecided".into());
                let by = a
                    .decided_by
                    .as_deref()
                    .map(|d| format!(" by {}", self.name(d)))
                    .unwrap_or_default();
                let target = a
                    .target
                    .as_deref()
                    .map(|t| format!(" to {t}"))
                    .unwrap_or_default();
                push(
                    assessed,
                    "assessment",
                    format!("Assessment: {decision}{target}{by}"),
                    String::new(),
                    find("assessment"),
                );
            }
            for (n, u) in rec.updates.iter().enumerate() {
                let name = format!("update {}", n + 1);
                push(
                    time::at(&u.at),
                    "update",
                    format!("Update: {}", u.status.clone().unwrap_or_default()),
                    u.message.clone().unwrap_or_default(),
                    find(&name),
                );
            }
            if let Some(r) = &rec.rollback {
                push(
                    time::at(&r.completed_at),
                    "rollback",
                    "Rollback completed".into(),
                    String::new(),
                    None,
                );
            }
            // The hotfix deadline is met when the hotfix is deployed; only
            // when no hotfix deployment is on record does the resolution
            // stand in for it (see rules::incident).
            let shipped = i.hotfix_deployed.as_ref();
            if let Some((at, version)) = shipped {
                push(
                    Some(*at),
                    "hotfix",
                    format!("Hotfix {version} deployed"),
                    String::new(),
                    find("hotfix"),
                );
            }
            if let Some(r) = &rec.resolution {
                push(
                    resolved,
                    "resolved",
                    "Resolved".into(),
                    r.root_cause.clone().unwrap_or_default(),
                    find("hotfix").filter(|_| shipped.is_none()),
                );
            }
            if let Some(pm) = files.postmortem.as_ref().and_then(|p| p.data.as_ref()) {
                push(
                    time::at(&pm.held_at),
                    "postmortem",
                    "Post-mortem held".into(),
                    String::new(),
                    find("post-mortem"),
                );
            }
        }
        timeline.sort_by_key(|(at, _)| *at);
        // Each event's anchor (and feed entry id) is its kind, numbered
        // from the second of a kind on, so adding an event of one kind
        // never renames the others.
        let mut seen: HashMap<&'static str, usize> = HashMap::new();
        for (_, e) in &mut timeline {
            let n = seen.entry(e.kind).or_default();
            *n += 1;
            e.id = if *n == 1 {
                e.kind.to_string()
            } else {
                format!("{}-{n}", e.kind)
            };
        }

        let postmortem = files.postmortem.as_ref().and_then(|p| p.data.as_ref()).map(|pm| {
            serde_json::json!({
                "held_at": time::at(&pm.held_at).map(when),
                "checklist": self.checklist(&self.content.playbook.postmortem.checklist, &pm.checklist)
                    .into_iter().filter(|r| rec.is_some_and(|x| x.is_security()) || r.id != "security-reviewed" || r.state != "missing").collect::<Vec<_>>(),
                "action_items": pm.action_items.iter().map(|a| serde_json::json!({
                    "title": a.title, "owner": a.owner.as_deref().map(|o| self.name(o)), "due": a.due.map(|d| d.to_string()),
                })).collect::<Vec<_>>(),
                "security_reviewed_by": pm.security_reviewed_by.as_deref().map(|s| self.name(s)),
            })
        });
        IncidentCtx {
            id: i.id.clone(),
            title: i.title.clone().unwrap_or_else(|| i.id.clone()),
            severity: i.severity.map(spelled).unwrap_or_default(),
            state: i.state.as_str(),
            security: rec.is_some_and(|x| x.is_security()),
            release: rec.and_then(|x| x.release.clone()),
            declared_at: declared.map(when),
            declared_iso: declared.map(|d| d.to_rfc3339()),
            declared_by: rec.and_then(|x| x.declared_by.as_deref()).map(|d| self.name(d)),
            components: rec.map(|x| x.components.iter().map(|(c, i)| (c.clone(), impact_str(*i))).collect()).unwrap_or_default(),
            criteria: rec.map(|x| x.criteria.iter().map(|c| serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()).collect()).unwrap_or_default(),
            metrics: rec.map(|x| x.metrics.clone()).unwrap_or_default(),
            time_to_alert: since(alert_at),
            time_to_assess: since(assessed),
            time_to_resolve: since(resolved),
            timeline: timeline.into_iter().map(|(_, e)| e).collect(),
            missed: deadlines.iter().filter(|d| d.verdict == "missed").count(),
            deadlines,
            alert: rec.and_then(|x| x.alert.as_ref()).map(|a| serde_json::json!({
                "summary": a.summary, "impact": a.impact, "status": a.status,
                "responders": a.responders.iter().map(|r| self.name(r)).collect::<Vec<_>>(),
                "next_update_at": time::at(&a.next_update_at).map(when),
            })),
            assessment: rec.and_then(|x| x.assessment.as_ref()).map(|a| serde_json::json!({
                "decision": a.decision.map(spelled),
                "decided_by": a.decided_by.as_deref().map(|d| self.name(d)),
                "rm_unavailable": a.rm_unavailable,
                "target": a.target,
                "target_validated_by": a.target_validated_by.as_deref().map(|d| self.name(d)),
            })),
            rollback: rec.and_then(|x| x.rollback.as_ref()).map(|r| serde_json::json!({
                "checklist": self.checklist(&self.content.playbook.rollback.checklist, &r.checklist),
                "smoke_tests_validated_by": r.smoke_tests_validated_by.as_deref().map(|d| self.name(d)),
                "completed_at": time::at(&r.completed_at).map(when),
            })),
            resolution: rec.and_then(|x| x.resolution.as_ref()).map(|r| serde_json::json!({
                "resolved_at": time::at(&r.resolved_at).map(when),
                "root_cause": r.root_cause, "actions_taken": r.actions_taken,
                "postmortem_at": time::at(&r.postmortem_at).map(when),
                "contact": r.contact.as_deref().map(|c| self.name(c)),
            })),
            body_html: files.incident.as_ref().map(|p| self.md(&p.doc.body, 2)).unwrap_or_default(),
            postmortem,
            postmortem_html: files.postmortem.as_ref().map(|p| self.md(&p.doc.body, 2)).unwrap_or_default(),
            fixed_by: Links::of(&self.links.fixed_by, &i.id)
                .map(|r| LinkCtx { id: r.version.clone(), title: r.title.clone().unwrap_or_default(), state: r.state.as_str().into() })
                .collect(),
            findings: findings(Self::about(&self.by_incident, &i.id)),
        }
    }
}

/// Which incidents concern each release, and which releases fix each
/// incident (both in the status's order).
struct Links<'a> {
    incidents_of: HashMap<&'a str, Vec<&'a IncidentView>>,
    fixed_by: HashMap<&'a str, Vec<&'a ReleaseView>>,
}

impl<'a> Links<'a> {
    fn new(content: &'a Content, status: &'a Status) -> Links<'a> {
        let mut links = Links {
            incidents_of: HashMap::new(),
            fixed_by: HashMap::new(),
        };
        for i in &status.incidents {
            let concerns = content
                .incident(&i.id)
                .and_then(IncidentFiles::record)
                .and_then(|x| x.release.as_deref());
            if let Some(v) = concerns {
                links.incidents_of.entry(v).or_default().push(i);
            }
        }
        for r in &status.releases {
            let fixes = files_of(content, status, r)
                .and_then(ReleaseFiles::record)
                .and_then(|x| x.incident.as_deref());
            if let Some(id) = fixes {
                links.fixed_by.entry(id).or_default().push(r);
            }
        }
        links
    }

    /// The entries under `key` (none when it has none).
    fn of<T: Copy>(map: &HashMap<&str, Vec<T>>, key: &str) -> impl Iterator<Item = T> {
        map.get(key).into_iter().flatten().copied()
    }
}

/// The files a release view of `status` was made from: the folder at
/// the view's own place, as the check makes a view of each folder in
/// order (looked up by version should that ever not hold), without
/// parsing the version for a search.
fn files_of<'c>(
    content: &'c Content,
    status: &Status,
    r: &ReleaseView,
) -> Option<&'c ReleaseFiles> {
    let start = status.releases.as_ptr() as usize;
    let at =
        (r as *const ReleaseView as usize).wrapping_sub(start) / size_of::<ReleaseView>().max(1);
    match content.releases.get(at) {
        Some(files) if files.version == r.version => Some(files),
        _ => content.release(&r.version),
    }
}

fn link(i: &IncidentView) -> LinkCtx {
    LinkCtx {
        id: i.id.clone(),
        title: i.title.clone().unwrap_or_default(),
        state: i.state.as_str().into(),
    }
}

pub fn deadline(d: &Deadline) -> DeadlineCtx {
    DeadlineCtx {
        name: d.name.clone(),
        due: d.due.map(when),
        done: d.done.map(when),
        verdict: match d.met {
            Some(true) => "met",
            Some(false) => "missed",
            None => "open",
        },
    }
}

/// Each status component's current state: the worst impact among open incidents.
pub fn components(content: &Content, status: &Status) -> Vec<(String, &'static str, Vec<String>)> {
    let mut names: Vec<String> = content.site.components.clone();
    for i in &content.incidents {
        for c in i
            .record()
            .map(|r| r.components.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if !names.contains(&c) {
                names.push(c);
            }
        }
    }
    names
        .into_iter()
        .map(|name| {
            let mut worst = Impact::Operational;
            let mut by = Vec::new();
            for view in status
                .incidents
                .iter()
                .filter(|v| v.state == IncidentState::Open)
            {
                if let Some(impact) = content
                    .incident(&view.id)
                    .and_then(IncidentFiles::record)
                    .and_then(|r| r.components.get(&name))
                {
                    worst = worst.max(*impact);
                    by.push(view.id.clone());
                }
            }
            (name, impact_str(worst), by)
        })
        .collect()
}

#[cfg(test)]
mod tests {

    /// What `redact_emails` did before it worked in place: a second
    /// string, built a piece at a time.
    fn redacted_by_copy(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('<') {
            let Some(close) = rest[open..].find('>').map(|c| open + c) else {
                break;
            };
            let inside = &rest[open + 1..close];
            if inside.contains('@') && !inside.contains(char::is_whitespace) {
                out.push_str(rest[..open].trim_end_matches(' '));
                if !out.is_empty() && !rest[close + 1..].starts_with([',', ')', '.', ';']) {
                    out.push(' ');
                }
                rest = rest[close + 1..].trim_start_matches(' ');
            } else {
                out.push_str(&rest[..=close]);
                rest = &rest[close + 1..];
            }
        }
        out.push_str(rest);
        out
    }

    proptest::proptest! {
        /// Redacting in place leaves what the copying version left, on
        /// text made of the pieces that matter (brackets, at signs, spaces
        /// of both kinds, the punctuation that keeps a space out).
        #[test]
        fn redacting_in_place_is_redacting_by_copy(
            text in "([<>@ ,.;)a\\u{a0}é\n\t]|<[a-z]{1,3}@[a-z]{1,3}>){0,24}"
        ) {
            proptest::prop_assert_eq!(super::redact_emails(&text), redacted_by_copy(&text));
        }
    }

    #[test]
    fn addresses_are_redacted() {
        assert_eq!(
            super::redact_emails(
                "Ada <ada@example.com>, signed by Grace  <g@x.org> today <not an@address> <x@y>"
            ),
            "Ada, signed by Grace today <not an@address> "
        );
    }
    use super::when;
    use chrono::{FixedOffset, TimeZone};

    /// The written-out form is exactly chrono's `%Y-%m-%d %H:%M %:z`, with UTC for +00:00.
    #[test]
    fn times_read_as_chrono_writes_them() {
        let offsets = [
            0,
            3600,
            -3600,
            19800,
            -34200,
            45 * 60,
            -(45 * 60),
            50_400,
            59,
            -61,
        ];
        let seconds = [
            0i64,
            1,
            86_399,
            951_782_400,
            1_767_225_599,
            4_102_444_800,
            -62_135_596_801,
            253_402_300_800,
        ];
        for off in offsets {
            let tz = FixedOffset::east_opt(off).unwrap();
            for s in seconds {
                let t = tz.timestamp_opt(s, 0).unwrap();
                let chrono = t
                    .format("%Y-%m-%d %H:%M %:z")
                    .to_string()
                    .replace(" +00:00", " UTC");
                assert_eq!(when(t), chrono, "{s} at {off}");
            }
        }
    }
}
