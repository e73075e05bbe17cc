//! `baton new`: a record with every field and every checklist item of the
//! playbook in force, unchecked, ready to fill in and commit.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::content::load::{self, is_incident_id};
use crate::error::Fatal;
use crate::playbook::{Item, Playbook};
use crate::time::Instant;

/// What to create.
#[derive(Clone, Debug)]
pub enum Kind {
    Release { version: String, kind: String },
    Signoff { version: String, gate: String },
    GoNoGo { version: String },
    Deployment { version: String },
    Incident { slug: String },
    Postmortem { id: String },
}

/// A written record: where, and how to commit it.
pub struct Written {
    pub path: PathBuf,
    /// Project-relative path.
    pub rel: String,
}

/// Writes the record under `root/content/`, refusing to overwrite.
pub fn create(root: &Path, kind: &Kind, now: Instant, me: Option<&str>) -> Result<Written, Fatal> {
    let content = load::load(root)?;
    let pb = &content.playbook;
    let need_release = |v: &str| {
        if content.release(v).is_none() {
            Err(Fatal::new(format!(
                "there is no release {v} (content/releases/{v}/release.md)"
            ))
            .help(format!(
                "create it first: baton new release {v} --type minor"
            )))
        } else {
            Ok(())
        }
    };
    let (rel, text) = match kind {
        Kind::Release { version, kind } => {
            semver::Version::parse(version).map_err(|e| {
                Fatal::new(format!("`{version}` is not a semver version: {e}")).help("e.g. 2.4.0")
            })?;
            if pb.release_type(kind).is_none() {
                let known: Vec<&str> = pb.release_types.iter().map(|t| t.id.as_str()).collect();
                return Err(Fatal::new(format!("unknown release type `{kind}`"))
                    .help(format!("use one of: {}", known.join(", "))));
            }
            (
                format!("content/releases/{version}/release.md"),
                release(pb, version, kind, now),
            )
        }
        Kind::Signoff { version, gate } => {
            need_release(version)?;
            let g = pb.gate(gate).ok_or_else(|| {
                let known: Vec<&str> = pb.gates.iter().map(|g| g.id.as_str()).collect();
                Fatal::new(format!("`{gate}` is not a gate of the playbook"))
                    .help(format!("gates: {}", known.join(", ")))
            })?;
            let mut s = format!(
                "---\n# The {} sign-off for {version}. Commit it yourself: the commit author is the signer (a {}).\ndecision: approve   # approve | reject\nchecklist:\n",
                g.title, g.role
            );
            s += &checklist(&g.checklist, "  ");
            if let Some(me) = me {
                let _ = writeln!(s, "signed_by: {me}");
            }
            s += "---\nNotes for the next gate: what you checked, evidence, test guidance.\n";
            (format!("content/releases/{version}/signoffs/{gate}.md"), s)
        }
        Kind::GoNoGo { version } => {
            need_release(version)?;
            let s = format!(
                "---\ndecision: go        # go | no-go\nmeeting_at: {}\nattendees: []       # person ids from team.yaml\n---\nMinutes of the go/no-go meeting.\n",
                stamp(now)
            );
            (format!("content/releases/{version}/go-no-go.md"), s)
        }
        Kind::Deployment { version } => {
            need_release(version)?;
            let mut s = format!(
                "---\nstarted_at: {}\nfinished_at: {}\noutcome: in-progress   # success | rolled-back | failed | in-progress\nchecklist:\n",
                stamp(now),
                stamp(now)
            );
            s += &checklist(&pb.deployment.checklist, "  ");
            s += "---\nDeployment notes.\n";
            (format!("content/releases/{version}/deployment.md"), s)
        }
        Kind::Incident { slug } => {
            let id = format!("{}-{slug}", now.format("%Y-%m-%d"));
            if !is_incident_id(&id) {
                return Err(Fatal::new(format!("`{slug}` is not a valid incident slug"))
                    .help("use lowercase letters, digits and dashes, e.g. checkout-errors"));
            }
            (
                format!("content/incidents/{id}/incident.md"),
                incident(pb, now, me),
            )
        }
        Kind::Postmortem { id } => {
            let inc = content.incident(id).ok_or_else(|| {
                Fatal::new(format!("there is no incident {id}"))
                    .help("run `baton status` to list incidents")
            })?;
            let security = inc.record().is_some_and(|i| i.is_security());
            let mut s = format!("---\nheld_at: {}\nchecklist:\n", stamp(now));
            let items: Vec<Item> = pb
                .postmortem
                .checklist
                .iter()
                .filter(|i| security || !i.security_only)
                .cloned()
                .collect();
            s += &checklist(&items, "  ");
            s += "action_items:\n  - {title: \"\", owner: null, due: null}   # owner: a person id; due: YYYY-MM-DD\n";
            if security {
                s += "security_reviewed_by: null   # the security lead's id\n";
            }
            s += "---\n## What happened\n\n## Timeline\n\n## What went well\n\n## What we will change\n";
            (format!("content/incidents/{id}/postmortem.md"), s)
        }
    };
    let path = root.join(&rel);
    if path.exists() {
        return Err(
            Fatal::new(format!("{rel} already exists; baton new never overwrites"))
                .help("edit the file instead, or delete it first"),
        );
    }
    std::fs::create_dir_all(path.parent().expect("records live in folders"))
        .and_then(|()| std::fs::write(&path, text))
        .map_err(|e| Fatal::new(format!("cannot write {rel}: {e}")))?;
    Ok(Written { path, rel })
}

fn stamp(t: Instant) -> String {
    t.format("%Y-%m-%dT%H:%M:00%:z")
        .to_string()
        .replace("+00:00", "Z")
}

fn checklist(items: &[Item], indent: &str) -> String {
    let mut s = String::new();
    for i in items {
        let note = if i.optional {
            " (optional: may be \"n/a: reason\")"
        } else {
            ""
        };
        let _ = writeln!(s, "{indent}{}: false   # {}{note}", i.id, i.label);
    }
    s
}

fn release(pb: &Playbook, version: &str, kind: &str, now: Instant) -> String {
    let day = (now + chrono::Duration::days(7)).format("%Y-%m-%d");
    let mut s = format!(
        "---\nversion: {version}\ntype: {kind}\ntitle: \"\"\ndate: {day}\ndeploy_window: {{start: {day}T14:00:00Z, end: {day}T16:00:00Z}}\ncomponents: []\nrequirements:   # true, false, or an evidence URL\n"
    );
    for r in &pb.requirements {
        let _ = writeln!(s, "  {}: false   # {}", r.id, r.label);
    }
    s += "---\n";
    for section in &pb.release_notes {
        let _ = write!(s, "## {section}\n\nNone.\n\n");
    }
    s
}

fn incident(pb: &Playbook, now: Instant, me: Option<&str>) -> String {
    let mut s = format!(
        "---\ntitle: \"\"\nseverity: sev2            # sev1 | sev2 | sev3\nrelease: null            # the release that caused it, if any\nsecurity: false\ncomponents: {{}}            # Component: operational | degraded | partial-outage | major-outage\ndeclared_at: {}\ndeclared_by: {}\ncriteria: []              # critical-functionality | data-integrity | security | performance | business-impact\nmetrics: {{}}\nalert:                    # within {} of declaring\n  sent_at: null\n",
        stamp(now),
        me.unwrap_or("\"\""),
        pb.incident.alert_within
    );
    for f in &pb.incident.alert_fields {
        if f != "sent_at" {
            let value = if f == "responders" { "[]" } else { "null" };
            let _ = writeln!(s, "  {f}: {value}");
        }
    }
    let _ = write!(
        s,
        "assessment:               # within {}\n  at: null\n  decision: null          # rollback | hotfix | monitor\n  decided_by: null\n  rm_unavailable: false\n  target: null\n  target_validated_by: null\nupdates: []               # - {{at, status, message, next_update_at}}\nrollback:\n  checklist:\n",
        pb.incident.assess_within
    );
    s += &checklist(&pb.rollback.checklist, "    ");
    s += "  smoke_tests_validated_by: null\n  completed_at: null\nresolution: null          # {resolved_at, root_cause, actions_taken, postmortem_at, contact}\n---\nWhat we know so far.\n";
    s
}
