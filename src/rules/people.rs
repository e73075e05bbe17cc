//! Person ids in records must name people in team.yaml.

use crate::content::frontmatter::Document;
use crate::finding::{Finding, Rule};
use crate::git::identity::Signer;
use crate::rules::Ctx;

/// Reports `content.unknown-person` for each id not in the roster; returns
/// whether all were known.
pub fn known(
    ctx: &Ctx<'_>,
    ids: &[(&str, &[&str])],
    path: &str,
    doc: &Document,
    out: &mut Vec<Finding>,
) -> bool {
    let mut ok = true;
    for (id, at) in ids {
        if ctx.roster_for(path).get(id).is_none() {
            ok = false;
            out.push(
                Finding::new(
                    Rule::ContentUnknownPerson,
                    path,
                    doc.line_of(at),
                    format!("`{id}` is not a person in team.yaml"),
                )
                .help("use a person's `id` from content/team.yaml"),
            );
        }
    }
    ok
}

/// A record's `signed_by` claim must name its commit author.
pub fn claim(signer: &Signer, claim: Option<&str>, path: &str, doc: &Document) -> Option<Finding> {
    let claim = claim?;
    if signer.person.as_deref() == Some(claim) {
        return None;
    }
    let who = signer.person.as_deref().map_or_else(
        || signer.name.clone(),
        |id| format!("{} ({id})", signer.name),
    );
    Some(
        Finding::new(
            Rule::SignoffClaimMismatch,
            path,
            doc.line_of(&["signed_by"]),
            format!("`signed_by: {claim}` but the commit author is {who}"),
        )
        .help(format!(
            "`{claim}` must commit the file themselves; the git author is the signer"
        ))
        .commit(Some(signer.commit)),
    )
}
