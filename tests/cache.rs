//! The provenance cache in `.git/baton/` never changes an answer: after new
//! commits, a force-push, a governance change, a damaged or foreign cache
//! file, `baton check` prints exactly what `--no-cache` prints.
mod common;

use std::path::PathBuf;

use common::*;
use serde_json::Value;

/// The cache files of a repository.
fn cache_files(repo: &Repo) -> Vec<PathBuf> {
    let dir = repo.path().join(".git/baton");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("provenance-")
        })
        .collect();
    files.sort();
    files
}

/// Checks with and without the cache and insists on the same report.
#[track_caller]
fn same_with_and_without(repo: &Repo) -> Value {
    let (uncached, code_u) = check_with(repo, &["--no-cache"]);
    let (cached, code_c) = check_with(repo, &[]);
    assert_eq!(cached, uncached, "the cache changed the report");
    assert_eq!(code_c, code_u);
    // Once more, now certainly from the cache.
    let (warm, _) = check_with(repo, &[]);
    assert_eq!(warm, uncached, "a warm cache changed the report");
    uncached
}

/// A repository with two shipped releases and one being signed.
fn history() -> Repo {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "minor", "2026-01");
    shipped_release(&repo, "1.1.0", "minor", "2026-02");
    planned_release(&repo, "1.2.0", "minor");
    repo
}

#[test]
fn a_cold_cache_is_written_and_a_warm_one_agrees() {
    let repo = history();
    assert!(cache_files(&repo).is_empty());
    check_with(&repo, &["--no-cache"]);
    assert!(cache_files(&repo).is_empty(), "--no-cache writes no cache");
    let v = same_with_and_without(&repo);
    assert_eq!(cache_files(&repo).len(), 1, "one cache file");
    assert_eq!(gate_state(&v, "1.0.0", "development"), "approved");
}

#[test]
fn new_commits_extend_the_cache() {
    let repo = history();
    same_with_and_without(&repo);
    sign(&repo, "1.2.0", "development", DEV, "2026-02-02T10:00:00Z");
    let v = same_with_and_without(&repo);
    assert_eq!(gate_state(&v, "1.2.0", "development"), "approved");
    // An edit re-attributes the record to its new author.
    repo.commit_file(
        MALLORY,
        "2026-02-03T10:00:00Z",
        &signoff_path("1.2.0", "development"),
        &signoff_md(gate_of("development").1, "approve"),
    );
    repo.write(
        &signoff_path("1.2.0", "development"),
        &(signoff_md(gate_of("development").1, "approve") + "\nEdited again.\n"),
    );
    repo.commit(DEV, "2026-02-04T10:00:00Z", "edit");
    same_with_and_without(&repo);
}

#[test]
fn merges_from_side_branches_are_answered_like_a_whole_walk() {
    let repo = history();
    same_with_and_without(&repo);
    repo.git(&["checkout", "-q", "-b", "side", "HEAD~3"]);
    sign(&repo, "1.2.0", "development", DEV, "2026-02-02T10:00:00Z");
    repo.git(&["checkout", "-q", "main"]);
    sign(&repo, "1.2.0", "quality", GRACE, "2026-02-03T10:00:00Z");
    same_with_and_without(&repo);
    repo.git_as(
        ADA,
        "2026-02-05T10:00:00Z",
        &["merge", "-q", "--no-ff", "side", "-m", "merge side"],
    );
    same_with_and_without(&repo);
}

#[test]
fn a_force_push_is_walked_again() {
    let repo = history();
    sign(&repo, "1.2.0", "development", DEV, "2026-02-02T10:00:00Z");
    let before = same_with_and_without(&repo);
    assert_eq!(gate_state(&before, "1.2.0", "development"), "approved");
    // Rewrite: the sign-off is dropped and someone else writes it.
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    sign(
        &repo,
        "1.2.0",
        "development",
        MALLORY,
        "2026-02-02T11:00:00Z",
    );
    let after = same_with_and_without(&repo);
    assert_ne!(gate_state(&after, "1.2.0", "development"), "approved");
    // The rewritten commit is gone entirely.
    repo.git(&["reflog", "expire", "--expire=now", "--all"]);
    repo.git(&["gc", "-q", "--prune=now"]);
    same_with_and_without(&repo);
}

#[test]
fn governance_changes_keep_their_authors() {
    let repo = history();
    same_with_and_without(&repo);
    repo.commit_file(
        MALLORY,
        "2026-02-06T10:00:00Z",
        "content/team.yaml",
        &format!("{TEAM}# touched\n"),
    );
    let v = same_with_and_without(&repo);
    assert_fires(&v, "policy.unauthorized-change");
}

#[test]
fn a_damaged_cache_is_ignored_and_rebuilt() {
    let repo = history();
    let good = same_with_and_without(&repo);
    let file = cache_files(&repo).pop().expect("a cache file");
    let bytes = std::fs::read(&file).unwrap();
    let damaged: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"not a cache".to_vec(),
        bytes[..bytes.len() / 2].to_vec(),
        {
            let mut b = bytes.clone();
            let mid = b.len() / 2;
            b[mid] ^= 0x55;
            b
        },
        {
            let mut b = bytes.clone();
            b.extend_from_slice(b"trailing");
            b
        },
    ];
    for (i, d) in damaged.into_iter().enumerate() {
        std::fs::write(&file, &d).unwrap();
        let (v, _) = check_with(&repo, &[]);
        assert_eq!(v, good, "damaged cache #{i} changed the report");
        assert_eq!(
            std::fs::read(&file).unwrap(),
            bytes,
            "damaged cache #{i} rebuilt"
        );
    }
    // A folder where the cache should be does not stop the check.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let (v, _) = check_with(&repo, &[]);
    assert_eq!(v, good);
}

#[test]
fn a_cache_from_another_repository_is_not_trusted() {
    let other = history();
    sign(
        &other,
        "1.2.0",
        "development",
        MALLORY,
        "2026-02-02T10:00:00Z",
    );
    check_with(&other, &[]);
    let theirs = cache_files(&other).pop().expect("a cache file");

    let repo = history();
    sign(&repo, "1.2.0", "development", DEV, "2026-02-02T10:00:00Z");
    let good = same_with_and_without(&repo);
    let mine = cache_files(&repo).pop().expect("a cache file");
    std::fs::copy(&theirs, &mine).unwrap();
    let (v, _) = check_with(&repo, &[]);
    assert_eq!(v, good, "a foreign cache changed the report");
}

#[test]
fn uncommitted_edits_are_judged_from_the_working_tree() {
    let repo = history();
    sign(&repo, "1.2.0", "development", DEV, "2026-02-02T10:00:00Z");
    same_with_and_without(&repo);
    repo.write(
        &signoff_path("1.2.0", "quality"),
        &signoff_md(gate_of("quality").1, "approve"),
    );
    let v = same_with_and_without(&repo);
    assert_ne!(
        gate_state(&v, "1.2.0", "quality"),
        "approved",
        "not committed yet"
    );
    // Staged but not committed is still not committed.
    repo.git(&["add", "-A"]);
    let v = same_with_and_without(&repo);
    assert_ne!(gate_state(&v, "1.2.0", "quality"), "approved");
}

/// The record texts cache (`.git/baton/texts-*`) answers only for files
/// that are exactly as they were: an edit that keeps the size and puts the
/// modification time back is still seen (the status-change time moved).
#[test]
fn record_texts_are_reused_only_while_the_file_is_unchanged() {
    let repo = history();
    let path = signoff_path("1.0.0", "development");
    // Files changed in the last two seconds are never kept.
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let before = same_with_and_without(&repo);
    let texts = |repo: &Repo| {
        std::fs::read_dir(repo.path().join(".git/baton"))
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().starts_with("texts-")
            })
            .count()
    };
    assert_eq!(texts(&repo), 1, "the texts were kept");
    assert_eq!(gate_state(&before, "1.0.0", "development"), "approved");

    // Same size, same modification time, different text: "approve" -> "rejectX"
    // would change the size, so flip the decision's case instead.
    let file = repo.path().join(&path);
    let old = std::fs::read_to_string(&file).unwrap();
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
    let new = old.replacen("decision: approve", "decision: APPROVE", 1);
    assert_ne!(new, old);
    assert_eq!(new.len(), old.len());
    std::fs::write(&file, &new).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let after = same_with_and_without(&repo);
    assert_ne!(after, before, "the edit was seen");
    assert_ne!(
        gate_state(&after, "1.0.0", "development"),
        "approved",
        "an uncommitted edit is not a sign-off"
    );
}

/// The texts cache also keeps each record's parsed front matter: records
/// with an unknown field, a timestamp without an offset, broken YAML, a
/// tagged value and a plan in prose give the same report from the cache
/// as parsed afresh, and an edit is parsed again.
#[test]
fn front_matter_from_the_cache_is_judged_as_parsed_afresh() {
    let repo = history();
    let signoff = signoff_path("1.1.0", "development");
    let typo =
        repo.read(&signoff)
            .replacen("decision: approve", "decision: approve\ndecison: x", 1);
    repo.write(&signoff, &typo);
    let release = rel_path("1.2.0", "release.md");
    let tagged = repo
        .read(&release)
        .replacen("---\n", "---\nnotes_tag: !custom {a: 1}\n", 1);
    repo.write(&release, &tagged);
    repo.write(
        &rel_path("1.1.0", "go-no-go.md"),
        "---\ndecision: go\nmeeting_at: 2026-02-10T09:00:00\n---\n",
    );
    repo.write(
        &rel_path("1.0.0", "go-no-go.md"),
        "---\ndecision: go\nmeeting_at: [\n---\n",
    );
    repo.write(
        &rel_path("1.2.0", "rollback.md"),
        "Roll back by redeploying 1.1.0.\n",
    );
    // Files changed in the last two seconds are never kept.
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let report = same_with_and_without(&repo);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for rule in [
        "content.unknown-field",
        "content.bad-timestamp",
        "content.parse",
    ] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }

    // An edit is parsed again: the typo fixed, the warning gone.
    repo.write(&signoff, &typo.replacen("\ndecison: x", "", 1));
    let fixed = same_with_and_without(&repo);
    assert_eq!(
        fixed["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "content.unknown-field")
            .count(),
        rules
            .iter()
            .filter(|r| **r == "content.unknown-field")
            .count()
            - 1
    );
}

/// Records with a BOM and CRLF line ends are judged from the texts cache
/// exactly as read afresh: a sign-off committed that way, one committed
/// plain, a committed one given CRLF line ends since (it reads as
/// committed), and an uncommitted edit with CRLF (it does not).
#[test]
fn bom_and_crlf_records_are_judged_from_the_cache_as_read_afresh() {
    let repo = history();
    let crlf = |text: String| format!("\u{feff}{}", text.replace('\n', "\r\n"));
    repo.commit_file(
        DEV,
        "2026-02-02T10:00:00Z",
        &signoff_path("1.2.0", "development"),
        &crlf(signoff_md(gate_of("development").1, "approve")),
    );
    sign(&repo, "1.2.0", "quality", GRACE, "2026-02-03T10:00:00Z");
    // Uncommitted: the same text as committed, but with CRLF line ends.
    let security = signoff_path("1.1.0", "security");
    repo.write(&security, &crlf(repo.read(&security)));
    // Files changed in the last two seconds are never kept.
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let v = same_with_and_without(&repo);
    assert_eq!(gate_state(&v, "1.2.0", "development"), "approved");
    assert_eq!(gate_state(&v, "1.2.0", "quality"), "approved");
    assert_eq!(
        gate_state(&v, "1.1.0", "security"),
        "approved",
        "line ends and a BOM are not edits: the record reads as committed"
    );
    // A real edit with CRLF line ends is not committed.
    repo.write(
        &security,
        &crlf(repo.read(&security).replace("approve", "reject")),
    );
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let v = same_with_and_without(&repo);
    assert_ne!(gate_state(&v, "1.1.0", "security"), "approved");
}

/// The texts cache keeps the names in each record folder, so an unchanged
/// folder is not listed again: a file removed from, renamed in, swapped for
/// a symlink in or added (in a new subfolder) to a kept folder is still
/// seen, exactly as without the cache.
#[test]
fn kept_folders_still_show_files_that_come_and_go() {
    let repo = history();
    // Folders changed in the last two seconds are never kept.
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let before = same_with_and_without(&repo);
    assert_eq!(gate_state(&before, "1.0.0", "development"), "approved");
    let count = |v: &Value, rule: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .count()
    };

    // Each change below is made to a folder the cache kept (settled, then
    // checked once so that its names are noted).
    let settle = |repo: &Repo| {
        std::thread::sleep(std::time::Duration::from_millis(2200));
        same_with_and_without(repo)
    };

    // Removed: the gate has no sign-off any more.
    let signoff = signoff_path("1.0.0", "development");
    let text = repo.read(&signoff);
    repo.remove(&signoff);
    let removed = same_with_and_without(&repo);
    assert_ne!(gate_state(&removed, "1.0.0", "development"), "approved");
    settle(&repo);

    // Renamed into an unexpected name: reported.
    let renamed_path = repo.path().join(&signoff).with_extension("txt");
    std::fs::write(&renamed_path, &text).unwrap();
    let renamed = same_with_and_without(&repo);
    assert!(
        count(&renamed, "content.unexpected-file") > count(&before, "content.unexpected-file"),
        "the renamed file is seen"
    );
    settle(&repo);

    // Back under its own name (the kept name is gone now), then settled.
    std::fs::rename(&renamed_path, repo.path().join(&signoff)).unwrap();
    assert_eq!(same_with_and_without(&repo), before);
    settle(&repo);

    // Swapped for a symlink to the same text: never followed, reported.
    let target = repo.path().join("elsewhere.md");
    std::fs::write(&target, &text).unwrap();
    repo.remove(&signoff);
    std::os::unix::fs::symlink(&target, repo.path().join(&signoff)).unwrap();
    let linked = same_with_and_without(&repo);
    assert_ne!(gate_state(&linked, "1.0.0", "development"), "approved");
    assert!(count(&linked, "content.unexpected-file") > count(&before, "content.unexpected-file"));
    repo.remove(&signoff);
    repo.write(&signoff, &text);
    assert_eq!(settle(&repo), before);

    // A stray file in a new subfolder of a kept folder.
    repo.write(&rel_path("1.0.0", "notes/extra.md"), "# Extra\n");
    let nested = same_with_and_without(&repo);
    assert!(
        count(&nested, "content.unexpected-file") > count(&before, "content.unexpected-file"),
        "the file in a new subfolder is seen"
    );
}
