//! A complete valid history passes; the harness itself works.
mod common;
use common::*;

#[test]
fn a_shipped_release_is_clean() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "major", "2026-02");
    let (v, code) = repo.check_at(NOW);
    assert_eq!(
        v["findings"].as_array().unwrap().len(),
        0,
        "{:#}",
        v["findings"]
    );
    assert_eq!(code, 0);
    assert_eq!(v["releases"][0]["state"], "deployed");
    assert_eq!(v["releases"][0]["gates"]["quality"]["signer"], "grace");
    let commit = v["releases"][0]["gates"]["quality"]["commit"]
        .as_str()
        .unwrap();
    assert_eq!(
        commit,
        repo.last_commit("content/releases/1.0.0/signoffs/quality.md")
    );
}
