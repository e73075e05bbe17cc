//! Signed sign-offs: real commits signed with `ssh-keygen` keys
//! (`gpg.format ssh`), verified by baton against the *author's*
//! `signing_keys` in the roster of the commit's parent.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// An ed25519 key pair made by ssh-keygen: (private key path, public key line).
fn keypair(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(st.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    (key, public.trim().to_string())
}

/// A roster where grace has `signing_keys`, committed by the trusted first commit.
fn repo_with_keys(grace_key: &str, ada_key: &str, require: bool) -> Repo {
    let repo = Repo::new();
    let team = TEAM
        .replace(
            "roles: [qa-lead]}",
            &format!("roles: [qa-lead], signing_keys: [\"{grace_key}\"]}}"),
        )
        .replace(
            "roles: [release-manager, on-call]}",
            &format!("roles: [release-manager, on-call], signing_keys: [\"{ada_key}\"]}}"),
        );
    repo.write("content/team.yaml", &team);
    if require {
        let playbook = include_str!("../src/playbook/playbook.md").replace(
            "require_signed_signoffs: false",
            "require_signed_signoffs: true",
        );
        repo.write("content/playbook.md", &playbook);
    }
    repo.commit(ADA, "2026-01-01T09:00:00Z", "roster");
    repo.commit_file(
        DEV,
        "2026-02-01T10:00:00Z",
        &rel_path("1.0.0", "release.md"),
        &release_md(
            "1.0.0",
            "major",
            "2026-04-20T14:00:00Z",
            "2026-04-20T16:00:00Z",
        ),
    );
    repo.commit_file(
        DEV,
        "2026-02-02T10:00:00Z",
        &rel_path("1.0.0", "signoffs/development.md"),
        &signoff_md(GATES[0].2, "approve"),
    );
    repo
}

/// Commits the quality sign-off as `author`, signed with `key` (or unsigned).
fn sign_quality(repo: &Repo, author: Who, key: Option<&Path>) -> String {
    repo.write(
        &rel_path("1.0.0", "signoffs/quality.md"),
        &signoff_md(GATES[1].2, "approve"),
    );
    repo.git(&["add", "-A"]);
    let mut args = vec!["-c".to_string(), "gpg.format=ssh".to_string()];
    if let Some(k) = key {
        args.extend(["-c".into(), format!("user.signingkey={}", k.display())]);
    }
    args.extend([
        "commit".into(),
        "-q".into(),
        "-m".into(),
        "QA sign-off".into(),
    ]);
    if key.is_some() {
        args.push("-S".into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    repo.git_as(author, "2026-02-03T10:00:00Z", &args);
    repo.head()
}

const QUALITY: &str = "content/releases/1.0.0/signoffs/quality.md";

/// Findings of `rule` on the quality sign-off.
fn on_quality<'a>(v: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    findings(v, rule)
        .into_iter()
        .filter(|f| f["path"] == QUALITY)
        .collect()
}

fn quality(v: &serde_json::Value) -> &serde_json::Value {
    &v["releases"][0]["gates"]["quality"]
}

#[test]
fn a_signature_with_the_authors_key_verifies() {
    let keys = tempfile::tempdir().unwrap();
    let (grace_priv, grace_pub) = keypair(keys.path(), "grace");
    let (_, ada_pub) = keypair(keys.path(), "ada");
    let repo = repo_with_keys(&grace_pub, &ada_pub, true);
    sign_quality(&repo, GRACE, Some(&grace_priv));
    let v = repo.check();
    assert!(on_quality(&v, "signoff.bad-signature").is_empty(), "{v:#}");
    assert!(on_quality(&v, "signoff.unsigned").is_empty(), "{v:#}");
    assert_eq!(
        findings(&v, "signoff.unsigned").len(),
        1,
        "the unsigned development gate is reported"
    );
    assert_eq!(quality(&v)["verified"], true);
    assert_eq!(quality(&v)["state"], "approved");
}

#[test]
fn another_persons_key_on_the_authors_commit_fails() {
    // ada signs a commit whose author e-mail is grace's: git's %G? would accept
    // ada's key if it is allowed; baton requires the author's own key.
    let keys = tempfile::tempdir().unwrap();
    let (_, grace_pub) = keypair(keys.path(), "grace");
    let (ada_priv, ada_pub) = keypair(keys.path(), "ada");
    let repo = repo_with_keys(&grace_pub, &ada_pub, false);
    let commit = sign_quality(&repo, GRACE, Some(&ada_priv));
    let v = repo.check();
    let f = assert_fires(&v, "signoff.bad-signature");
    assert_eq!(f["commit"], commit.as_str());
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("not one of its author's `signing_keys`")
    );
    assert_eq!(quality(&v)["verified"], false);
    assert_eq!(quality(&v)["state"], "invalid");
}

#[test]
fn unsigned_signoff_fails_only_when_the_playbook_requires_signatures() {
    let keys = tempfile::tempdir().unwrap();
    let (_, grace_pub) = keypair(keys.path(), "grace");
    let (_, ada_pub) = keypair(keys.path(), "ada");
    let required = repo_with_keys(&grace_pub, &ada_pub, true);
    sign_quality(&required, GRACE, None);
    let v = required.check();
    assert_eq!(on_quality(&v, "signoff.unsigned").len(), 1, "{v:#}");
    assert_eq!(quality(&v)["state"], "invalid");

    let optional = repo_with_keys(&grace_pub, &ada_pub, false);
    sign_quality(&optional, GRACE, None);
    let v = optional.check();
    assert_silent(&v, "signoff.unsigned");
    assert_eq!(quality(&v)["verified"], false);
    assert_eq!(quality(&v)["state"], "approved");
}

#[test]
fn a_key_added_in_the_signing_commit_does_not_count() {
    let keys = tempfile::tempdir().unwrap();
    let (grace_priv, grace_pub) = keypair(keys.path(), "grace");
    let (_, ada_pub) = keypair(keys.path(), "ada");
    let repo = repo_with_keys(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl old",
        &ada_pub,
        false,
    );
    // grace swaps in her new key in the same commit that signs.
    let team = repo.read("content/team.yaml").replace(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl old",
        &grace_pub,
    );
    repo.write("content/team.yaml", &team);
    sign_quality(&repo, GRACE, Some(&grace_priv));
    let v = repo.check();
    assert_fires(&v, "signoff.bad-signature");
    assert_fires(&v, "policy.unauthorized-change");
}

#[test]
fn the_site_shows_a_verified_mark() {
    let keys = tempfile::tempdir().unwrap();
    let (grace_priv, grace_pub) = keypair(keys.path(), "grace");
    let (_, ada_pub) = keypair(keys.path(), "ada");
    let repo = repo_with_keys(&grace_pub, &ada_pub, false);
    sign_quality(&repo, GRACE, Some(&grace_priv));
    repo.baton()
        .args(["build", "--now", NOW])
        .assert()
        .success();
    let page = repo.read("public/releases/1.0.0/index.html");
    assert!(
        page.contains("signature verified"),
        "verified mark on the quality gate"
    );
    assert!(
        page.contains("unsigned commit"),
        "the development gate is marked unsigned"
    );
}
