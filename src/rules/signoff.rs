//! Sign-offs: each gate's file, who committed it, whether they held the
//! role in the roster of the commit's parent, whether it descends from the
//! gates it must follow, and whether its checklist is complete.

use crate::content::ReleaseFiles;
use crate::content::records::Approval;
use crate::finding::{Finding, Rule};
use crate::git::signature::{self, Seal};
use crate::model::{GateState, GateView, Origin};
use crate::rules::{Ctx, checklist, people};

/// Judges the sign-offs of one release and returns its gates in handoff order.
pub fn gates(ctx: &Ctx<'_>, files: &ReleaseFiles, out: &mut Vec<Finding>) -> Vec<GateView> {
    for (name, parsed) in &files.signoffs {
        if ctx.playbook.gate(name).is_none() {
            let known: Vec<&str> = ctx.playbook.gates.iter().map(|g| g.id.as_str()).collect();
            out.push(
                Finding::new(
                    Rule::SignoffUnknownGate,
                    &parsed.path,
                    1,
                    format!("`{name}` is not a gate of the playbook"),
                )
                .help(format!("name the file after a gate: {}", known.join(", "))),
            );
        }
    }

    let mut views: Vec<GateView> = Vec::new();
    for gate in &ctx.playbook.gates {
        let mut view = GateView {
            gate: gate.id.clone(),
            title: gate.title.clone(),
            role: gate.role.clone(),
            state: GateState::Pending,
            step: None,
            reasons: Vec::new(),
            seal: None,
        };
        let Some(parsed) = files.signoffs.get(&gate.id) else {
            view.reasons
                .push(format!("no sign-off yet from a {}", gate.role));
            views.push(view);
            continue;
        };
        let path = parsed.path.as_str();
        let doc = &parsed.doc;
        let step = ctx.step(path);
        let mut found: Vec<Finding> = Vec::new();

        match &step.origin {
            Origin::Pending => {
                found.push(
                    Finding::new(
                        Rule::SignoffPending,
                        path,
                        1,
                        format!(
                            "the {} sign-off is not committed; it does not count yet",
                            gate.id
                        ),
                    )
                    .help(format!(
                        "commit it as a {}: `git add {path} && git commit`",
                        gate.role
                    )),
                );
            }
            Origin::Committed(signer) => {
                let commit = Some(signer.commit);
                match &signer.person {
                    None => {
                        let who = format!("{} <{}>", signer.name, signer.email);
                        let now_known = ctx.roster.by_email(&signer.email).map(|p| p.id.clone());
                        let f = match now_known {
                            Some(id) => Finding::new(Rule::SignoffWrongRole, path, 1, format!(
                                "signed by {who}, who was not yet in team.yaml before commit {}; roles count from the roster in the parent commit",
                                signer.short()
                            ))
                            .help(format!("have `{id}` re-commit the sign-off now that the roster lists them")),
                            None => Finding::new(Rule::SignoffUnknownAuthor, path, 1, format!(
                                "committed by {who}, who is nobody in team.yaml"
                            ))
                            .help(format!("the {} must commit it with an e-mail listed in team.yaml (or map the address in .mailmap)", gate.role)),
                        };
                        found.push(f.commit(commit));
                    }
                    Some(id) if !signer.holds(&gate.role) => {
                        let holders: Vec<&str> = ctx
                            .roster
                            .holders(&gate.role)
                            .map(|p| p.id.as_str())
                            .collect();
                        found.push(
                            Finding::new(Rule::SignoffWrongRole, path, 1, format!(
                                "the {} gate needs a {}, but it was committed by {} ({id}), who {}",
                                gate.id,
                                gate.role,
                                signer.name,
                                if signer.roles.is_empty() { "held no role".to_string() } else { format!("held {}", signer.roles.join(", ")) }
                            ))
                            .help(format!("a {} ({}) must commit this sign-off", gate.role, if holders.is_empty() { "nobody holds the role".to_string() } else { holders.join(", ") }))
                            .commit(commit),
                        );
                    }
                    _ => {}
                }
                let claimed = parsed.data.as_ref().and_then(|d| d.signed_by.as_deref());
                found.extend(people::claim(signer, claimed, path, doc));
                let seal = if signer.signed {
                    ctx.repo
                        .with(|repo| signature::seal(repo, signer.commit, &signer.keys))
                        .unwrap_or_else(|| {
                            Seal::Unverifiable("the repository cannot be opened".into())
                        })
                } else {
                    Seal::Unsigned
                };
                let required = ctx.playbook.require_signed_signoffs;
                match &seal {
                    Seal::Unsigned if required => found.push(
                        Finding::new(Rule::SignoffUnsigned, path, 1, format!("the playbook requires signed sign-offs, and commit {} is not signed", signer.short()))
                            .help("sign the commit with SSH (`git config gpg.format ssh`, `git commit -S`) using a key listed under your `signing_keys` in team.yaml")
                            .commit(commit),
                    ),
                    Seal::Unverifiable(why) if required => found.push(
                        Finding::new(Rule::SignoffBadSignature, path, 1, format!("commit {}: {why}", signer.short()))
                            .help("the playbook requires verified signatures: re-sign with an SSH key from your `signing_keys`")
                            .commit(commit),
                    ),
                    Seal::Bad(why) => found.push(
                        Finding::new(Rule::SignoffBadSignature, path, 1, format!("commit {}: {why}", signer.short()))
                            .help("sign with an SSH key listed under your own `signing_keys` in team.yaml (keys added in the same commit do not count)")
                            .commit(commit),
                    ),
                    _ => {}
                }
                if !signer.co_authors.is_empty() {
                    found.push(
                        Finding::new(Rule::SignoffClaimMismatch, path, 1, format!(
                            "commit {} has Co-authored-by trailers ({}); only its author, {}, counts as the signer",
                            signer.short(),
                            signer.co_authors.join(", "),
                            signer.name
                        ))
                        .severity(crate::finding::Severity::Warning)
                        .help("each person commits their own sign-off; squash merges keep only the author")
                        .commit(commit),
                    );
                }
                view.seal = Some(seal);
                for before in &gate.after {
                    let earlier = files
                        .signoffs
                        .get(before)
                        .map(|p| p.path.as_str())
                        .and_then(|p| ctx.signer(p));
                    let ok = earlier.is_some_and(|e| ctx.descends(signer.commit, e.commit));
                    if !ok {
                        let why = match earlier {
                            None => format!("the {before} sign-off was not committed before it"),
                            Some(e) if e.commit == signer.commit => format!(
                                "both were committed in the same commit {}; each gate is signed in its own commit after the one before",
                                signer.short()
                            ),
                            Some(e) => format!(
                                "its commit {} does not descend from the {before} sign-off's commit {}",
                                signer.short(),
                                e.short()
                            ),
                        };
                        found.push(
                            Finding::new(
                                Rule::SignoffOutOfOrder,
                                path,
                                1,
                                format!("the {} gate comes after {before}, but {why}", gate.id),
                            )
                            .help(format!(
                                "commit the {} sign-off again on top of the {before} sign-off",
                                gate.id
                            ))
                            .commit(commit),
                        );
                    }
                }
            }
        }

        if let Some(data) = &parsed.data {
            match data.decision {
                Approval::Approve => {
                    let missing = checklist::judge(
                        Rule::SignoffChecklistIncomplete,
                        &gate.checklist,
                        &data.checklist,
                        true,
                        path,
                        doc,
                        &["checklist"],
                    );
                    found.extend(missing);
                }
                Approval::Reject => found.push(
                    Finding::new(Rule::SignoffRejected, path, doc.line_of(&["decision"]), format!("the {} gate was rejected", gate.id))
                        .help("the release is blocked until the issues in this sign-off's notes are fixed and it is approved again")
                        .commit(step.signer().map(|s| s.commit)),
                ),
            }
        }

        let loaded = ctx.load_errors.get(path).into_iter().flatten().copied();
        let errors: Vec<&Finding> = found
            .iter()
            .chain(out.iter())
            .filter(|f| f.path == path && f.is_error())
            .chain(loaded)
            .collect();
        let parse_failed = parsed.data.is_none();
        view.state = if matches!(step.origin, Origin::Pending) {
            GateState::Pending
        } else if parse_failed || !errors.is_empty() {
            GateState::Invalid
        } else if parsed
            .data
            .as_ref()
            .is_some_and(|d| d.decision == Approval::Reject)
        {
            GateState::Rejected
        } else {
            GateState::Approved
        };
        view.reasons = match view.state {
            GateState::Pending => vec!["written but not committed".to_string()],
            GateState::Invalid if parse_failed => {
                vec!["the file cannot be read (see findings)".to_string()]
            }
            GateState::Invalid => errors.iter().map(|f| f.message.clone()).collect(),
            GateState::Rejected => vec!["rejected by the signer".to_string()],
            GateState::Approved => Vec::new(),
        };
        view.step = Some(step);
        out.extend(found);
        views.push(view);
    }
    views
}
