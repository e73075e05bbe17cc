//! Person ids in records must name people in team.yaml.

use crate::content::frontmatter::Document;
use crate::finding::{Finding, Rule};
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
        if ctx.roster.get(id).is_none() {
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
