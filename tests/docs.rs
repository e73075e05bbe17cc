//! The README documents every rule code baton can report.
use baton::finding::Rule;

#[test]
fn readme_lists_every_rule_code() {
    let readme = include_str!("../README.md");
    for rule in Rule::ALL {
        assert!(
            readme.contains(&format!("| `{}` |", rule.code())),
            "README lacks {}",
            rule.code()
        );
    }
}

#[test]
fn rule_codes_match_the_spec_when_it_is_beside_us() {
    let Ok(spec) =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/SPEC.md"))
    else {
        return;
    };
    let section = spec
        .split("## 6.")
        .nth(1)
        .unwrap()
        .split("## 7.")
        .next()
        .unwrap();
    let codes: Vec<&str> = section
        .split(|c: char| c.is_whitespace() || c == ',' || c == '·')
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| {
            w.contains('.')
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '-')
        })
        .collect();
    assert_eq!(codes.len(), Rule::ALL.len(), "{codes:?}");
    for c in codes {
        assert!(
            Rule::ALL.iter().any(|r| r.code() == c),
            "SPEC code {c} unknown to baton"
        );
    }
}
