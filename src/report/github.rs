//! `check --format github`: workflow commands that GitHub Actions turns
//! into annotations on the pull request.

use crate::finding::{Finding, Severity};

/// One `::error file=…,line=…,title=…::message` line per finding.
/// `repo_prefix` maps project paths to repository paths.
pub fn render(findings: &[Finding], repo_prefix: &str) -> String {
    let mut out = String::new();
    for f in findings {
        let kind = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let path = if repo_prefix.is_empty() {
            f.path.clone()
        } else {
            format!("{repo_prefix}/{}", f.path)
        };
        let message = if f.help.is_empty() {
            f.message.clone()
        } else {
            format!("{}\nhelp: {}", f.message, f.help)
        };
        out.push_str(&format!(
            "::{kind} file={},line={},title={}::{}\n",
            property(&path),
            f.line,
            property(f.rule.code()),
            data(&message)
        ));
    }
    out
}

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Rule;

    #[test]
    fn escapes_workflow_command_syntax() {
        let f = Finding::new(
            Rule::SignoffWrongRole,
            "content/a,b.md",
            3,
            "50% done\nnext",
        )
        .help("fix: it");
        assert_eq!(
            render(&[f], ""),
            "::error file=content/a%2Cb.md,line=3,title=signoff.wrong-role::50%25 done%0Anexthelp: fix: it\n"
                .replace("nexthelp", "next%0Ahelp")
        );
    }
}
