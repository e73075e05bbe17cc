//! Judging a checklist against the playbook's items.

use crate::content::frontmatter::Document;
use crate::content::records::{Check, Checklist};
use crate::finding::{Finding, Rule};
use crate::playbook::Item;

/// One finding per required item that is missing, false, or `n/a` where
/// not optional; a `content.unknown-field` warning per item the playbook does not know.
pub fn judge(
    rule: Rule,
    items: &[Item],
    list: &Checklist,
    security: bool,
    path: &str,
    doc: &Document,
    section: &[&str],
) -> Vec<Finding> {
    let mut found = Vec::new();
    for item in items.iter().filter(|i| security || !i.security_only) {
        let problem = match list.get(&item.id) {
            None => Some(format!("`{}` ({}) is not answered", item.id, item.label)),
            Some(Check::Done(true)) => None,
            Some(Check::Done(false)) => Some(format!("`{}` ({}) is false", item.id, item.label)),
            Some(c @ Check::Text(t)) => match c.not_applicable() {
                Some(why) if item.optional && why.trim().is_empty() => Some(format!(
                    "`{}` is `n/a` without a reason; write `n/a: why`",
                    item.id
                )),
                Some(_) if item.optional => None,
                Some(_) => Some(format!(
                    "`{}` ({}) is required and cannot be n/a",
                    item.id, item.label
                )),
                None => Some(format!(
                    "`{}` is `{t}`; answer true, false or `n/a: reason`",
                    item.id
                )),
            },
        };
        if let Some(p) = problem {
            let line = if list.contains_key(&item.id) {
                let mut at: Vec<&str> = section.to_vec();
                at.push(&item.id);
                doc.line_of(&at)
            } else {
                doc.line_of(section)
            };
            found.push(Finding::new(rule, path, line, p).help(format!(
                "complete the item and set `{}: true`{}",
                item.id,
                if item.optional {
                    ", or `n/a: reason`"
                } else {
                    ""
                }
            )));
        }
    }
    for key in list.keys().filter(|k| !items.iter().any(|i| &i.id == *k)) {
        let mut at: Vec<&str> = section.to_vec();
        at.push(key);
        let known: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        found.push(
            Finding::new(
                Rule::ContentUnknownField,
                path,
                doc.line_of(&at),
                format!("unknown checklist item `{key}`"),
            )
            .help(format!(
                "the playbook's items here are: {}",
                known.join(", ")
            )),
        );
    }
    found
}
