//! Governance: after the commit that first adds team.yaml, every commit
//! that changes team.yaml, playbook.md or .mailmap must be authored by a
//! governor per the roster and playbook of its first parent.

use crate::error::Fatal;
use crate::finding::{Finding, Rule};
use crate::git::identity::Identities;
use crate::git::provenance::GuardedChange;
use crate::rules::Ctx;

pub fn check(
    ctx: &Ctx<'_>,
    changes: &[GuardedChange],
    mainline: &[git2::Oid],
    identities: &mut Identities<'_>,
    out: &mut Vec<Finding>,
) -> Result<(), Fatal> {
    let team = ctx.repo_path("content/team.yaml");
    // The trusted commit is the oldest on HEAD's first-parent chain that adds
    // the roster (changes are newest first). A roster added in an orphan
    // history merged in later is not trusted.
    // (Few commits add the roster: each is looked for in the mainline,
    // rather than making a set of a mainline of many thousand commits.)
    let trusted = changes
        .iter()
        .rev()
        .find(|c| c.path == team && c.added && mainline.contains(&c.commit))
        .map(|c| c.commit);
    for change in changes {
        if Some(change.commit) == trusted {
            continue;
        }
        // Before the roster existed nobody could govern: history older than
        // the trusted commit (e.g. an old .mailmap) is not judged.
        if trusted.is_some_and(|t| ctx.descends(t, change.commit)) {
            continue;
        }
        if identities.is_governor(change.commit)? {
            continue;
        }
        let signer = identities.signer(change.commit)?;
        let governors = identities.governors_before(change.commit)?;
        let path = ctx.project_path(&change.path);
        let file = path.rsplit('/').next().unwrap_or(&path).to_string();
        out.push(
            Finding::new(Rule::PolicyUnauthorizedChange, &path, 1, format!(
                "commit {} by {} <{}> changed {file}, but only a {} may",
                signer.short(),
                signer.name,
                signer.email,
                governors.join(" or ")
            ))
            .help(format!(
                "revert the change and have a {} make it (roles count from the roster before the commit)",
                governors.join(" or ")
            ))
            .commit(Some(change.commit)),
        );
    }
    Ok(())
}
