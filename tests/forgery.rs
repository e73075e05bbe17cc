//! Forgery (issue "Trust: hostile-input suite"): people trying to pass off
//! a sign-off that is not theirs. Strangers and look-alike addresses,
//! roles granted to oneself, a weakened playbook, edits over someone
//! else's sign-off, back-dated commits and squashes with co-authors. The
//! commit author is the signer (SPEC §2); every trick ends in a finding.
mod common;

use common::*;
use serde_json::Value;

const V: &str = "1.0.0";

/// A roster and the planned release 1.0.0 with its development gate signed by DEV.
fn developed() -> Repo {
    let repo = Repo::with_team();
    planned_release(&repo, V, "minor");
    sign(&repo, V, "development", DEV, "2026-02-02T10:00:00Z");
    repo
}

/// The JSON of one gate of 1.0.0.
fn gate<'a>(v: &'a Value, name: &str) -> &'a Value {
    &release_of(v, V)["gates"][name]
}

/// Asserts the gate is invalid with `rule` as an error on its file, from `commit`.
#[track_caller]
fn refused<'a>(v: &'a Value, name: &str, rule: &str, commit: &str) -> &'a Value {
    let f = assert_error_at(v, rule, &signoff_path(V, name), 1);
    assert_eq!(f["commit"], commit, "{f:#}");
    assert_eq!(gate(v, name)["state"], "invalid", "{:#}", gate(v, name));
    f
}

/// The standard roster with DEV also holding `role`.
fn team_with_dev_as(role: &str) -> String {
    TEAM.replace("roles: [developer]", &format!("roles: [developer, {role}]"))
}

/// The built-in playbook with the quality gate given to developers and
/// developers made governors.
fn weakened_playbook() -> String {
    include_str!("../src/playbook/playbook.md")
        .replacen("role: qa-lead", "role: developer", 1)
        .replace("governors: [release-manager]", "governors: [developer]")
}

const PLAYBOOK: &str = "content/playbook.md";
const TEAM_PATH: &str = "content/team.yaml";

// ---- strangers and look-alikes ----

#[test]
fn an_unknown_author_cannot_sign_a_gate_or_record_the_go_no_go() {
    let repo = developed();
    let c = sign(&repo, V, "quality", MALLORY, "2026-02-03T10:00:00Z");
    let go = repo.commit_file(
        MALLORY,
        "2026-02-04T10:00:00Z",
        &rel_path(V, "go-no-go.md"),
        &gonogo_md("go", "2026-02-04T09:00:00Z"),
    );
    let (v, code) = check_safely(&repo, &[]);
    let f = refused(&v, "quality", "signoff.unknown-author", &c);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("mallory@evil.example")
    );
    assert!(gate(&v, "quality")["signer"].is_null());
    let g = assert_error_at(&v, "gonogo.wrong-role", &rel_path(V, "go-no-go.md"), 1);
    assert_eq!(g["commit"], go);
    assert_eq!(code, 1);
}

/// A stranger's go/no-go and deployment are findings, and they must not
/// move the release to `go` or `deployed` either: a decision nobody
/// entitled made is no decision, as a stranger's sign-off is no approval.
#[test]
fn a_strangers_go_and_deployment_do_not_change_the_release_state() {
    let repo = Repo::with_team();
    planned_release(&repo, V, "minor");
    sign_all(&repo, V);
    repo.commit_file(
        MALLORY,
        "2026-02-10T10:00:00Z",
        &rel_path(V, "go-no-go.md"),
        &gonogo_md("go", "2026-02-10T09:00:00Z"),
    );
    let (v, _) = check_safely(&repo, &[]);
    assert_fires(&v, "gonogo.wrong-role");
    assert_eq!(
        release_of(&v, V)["state"],
        "ready",
        "a stranger's go is no go"
    );
    repo.commit_file(
        MALLORY,
        "2026-03-20T15:00:00Z",
        &rel_path(V, "deployment.md"),
        &deployment_md("2026-03-20T14:05:00Z", "2026-03-20T14:50:00Z", "success"),
    );
    let ran = run_baton(
        &repo,
        &["check", "--format", "json", "--now", "2026-03-21T12:00:00Z"],
    );
    let v: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_fires(&v, "deploy.wrong-role");
    assert_ne!(
        release_of(&v, V)["state"],
        "deployed",
        "{:#}",
        release_of(&v, V)
    );
}

/// Grace's name on a stranger's address is a stranger.
const IMPOSTOR: Who = Who {
    id: "grace",
    name: "Grace Ito",
    email: "grace@evil.example",
};

#[test]
fn a_known_name_with_an_unknown_email_is_an_unknown_author() {
    let repo = developed();
    let c = sign(&repo, V, "quality", IMPOSTOR, "2026-02-03T10:00:00Z");
    let (v, code) = check_safely(&repo, &[]);
    let f = refused(&v, "quality", "signoff.unknown-author", &c);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("grace@evil.example"),
        "the message names the address that is not Grace's: {f:#}"
    );
    assert!(
        gate(&v, "quality")["signer"].is_null(),
        "not attributed to grace"
    );
    assert_silent(&v, "signoff.wrong-role");
    assert_eq!(code, 1);
    let ran = run_baton(&repo, &["build", "--now", NOW]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let page = repo.read("public/releases/1.0.0/index.html");
    assert!(
        page.contains(r#"class="gate-detail gate-invalid" id="gate-quality""#),
        "the page shows the impostor's gate as invalid"
    );
}

/// Addresses that look like Grace's but are not, and two that are hers
/// (case, GitHub noreply): each commit re-signs the quality gate in turn.
#[test]
fn look_alike_addresses_are_unknown_authors() {
    let repo = developed();
    let cases: &[(&'static str, bool)] = &[
        ("GRACE@OCTO.EXAMPLE", true),
        ("12345+graceito@users.noreply.github.com", true),
        ("grace@octo.example.evil.example", false),
        ("grace@octo.examp1e", false),
        ("gr\u{0430}ce@octo.example", false),
        ("grace+qa@octo.example", false),
        ("x+graceito@users.noreply.github.com", false),
        ("graceito@users.noreply.github.com.evil.example", false),
        ("12345+graceito+x@users.noreply.github.com", false),
    ];
    for (i, (email, hers)) in cases.iter().enumerate() {
        let who = Who {
            id: "?",
            name: "Grace Ito",
            email,
        };
        let mut text = signoff_md(gate_of("quality").1, "approve");
        text.push_str(&format!("Attempt {i}.\n"));
        let c = repo.commit_file(
            who,
            &format!("2026-02-03T10:{i:02}:00Z"),
            &signoff_path(V, "quality"),
            &text,
        );
        let (v, _) = check_safely(&repo, &[]);
        if *hers {
            assert_eq!(gate(&v, "quality")["signer"], "grace", "{email}");
            assert_eq!(gate(&v, "quality")["state"], "approved", "{email}");
        } else {
            refused(&v, "quality", "signoff.unknown-author", &c);
        }
    }
}

// ---- roles granted to oneself ----

#[test]
fn a_role_granted_in_the_signing_commit_does_not_count() {
    let repo = developed();
    repo.write(TEAM_PATH, &team_with_dev_as("qa-lead"));
    repo.write(
        &signoff_path(V, "quality"),
        &signoff_md(gate_of("quality").1, "approve"),
    );
    let c = repo.commit(DEV, "2026-02-03T10:00:00Z", "QA sign-off (and a role)");
    let (v, code) = check_safely(&repo, &[]);
    refused(&v, "quality", "signoff.wrong-role", &c);
    let p = assert_error_at(&v, "policy.unauthorized-change", TEAM_PATH, 1);
    assert_eq!(p["commit"], c);
    assert_eq!(code, 1);
}

/// A stranger who adds themselves to the roster and signs in one commit.
#[test]
fn a_stranger_joining_the_roster_in_the_signing_commit_does_not_count() {
    let repo = developed();
    let team = format!(
        "{TEAM}  - {{id: mallory, name: Mallory, emails: [mallory@evil.example], roles: [qa-lead]}}\n"
    );
    repo.write(TEAM_PATH, &team);
    repo.write(
        &signoff_path(V, "quality"),
        &signoff_md(gate_of("quality").1, "approve"),
    );
    let c = repo.commit(
        MALLORY,
        "2026-02-03T10:00:00Z",
        "QA sign-off (and a roster entry)",
    );
    let (v, code) = check_safely(&repo, &[]);
    let f = refused(&v, "quality", "signoff.wrong-role", &c);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("not yet in team.yaml"),
        "{f:#}"
    );
    let p = assert_error_at(&v, "policy.unauthorized-change", TEAM_PATH, 1);
    assert_eq!(p["commit"], c);
    assert_eq!(code, 1);
}

/// A role granted by a non-governor in an earlier commit makes the later
/// sign-off pass the role check, so the grant itself is the finding.
#[test]
fn a_role_granted_earlier_by_a_non_governor_is_an_unauthorized_change() {
    let repo = developed();
    let grant = repo.commit_file(
        DEV,
        "2026-02-03T10:00:00Z",
        TEAM_PATH,
        &team_with_dev_as("qa-lead"),
    );
    sign(&repo, V, "quality", DEV, "2026-02-04T10:00:00Z");
    let (v, code) = check_safely(&repo, &[]);
    let p = assert_error_at(&v, "policy.unauthorized-change", TEAM_PATH, 1);
    assert_eq!(p["commit"], grant);
    assert!(
        p["message"].as_str().unwrap().contains("release-manager"),
        "{p:#}"
    );
    assert_eq!(
        code, 1,
        "the check fails although the sign-off itself passes"
    );
}

/// Making oneself a governor first, then granting roles "as a governor":
/// the first step is flagged, so the chain is.
#[test]
fn self_made_governors_are_flagged_at_the_first_step() {
    let repo = developed();
    let promote = repo.commit_file(
        DEV,
        "2026-02-03T10:00:00Z",
        TEAM_PATH,
        &team_with_dev_as("release-manager"),
    );
    repo.commit_file(
        DEV,
        "2026-02-03T11:00:00Z",
        TEAM_PATH,
        &TEAM.replace(
            "roles: [developer]",
            "roles: [developer, release-manager, qa-lead]",
        ),
    );
    sign(&repo, V, "quality", DEV, "2026-02-04T10:00:00Z");
    let (v, code) = check_safely(&repo, &[]);
    let flagged: Vec<&Value> = findings_at(&v, "policy.unauthorized-change", TEAM_PATH);
    assert!(
        flagged.iter().any(|f| f["commit"] == promote),
        "the self-promotion is flagged: {flagged:#?}"
    );
    assert_eq!(code, 1);
}

// ---- the playbook ----

/// A developer rewrites the playbook so developers sign the quality gate
/// and govern: the change is flagged, so the weakened rules cannot pass
/// silently even though the sign-offs made under them look fine.
#[test]
fn a_playbook_weakened_by_a_non_governor_is_flagged() {
    let repo = developed();
    let weaken = repo.commit_file(DEV, "2026-02-03T10:00:00Z", PLAYBOOK, &weakened_playbook());
    sign(&repo, V, "quality", DEV, "2026-02-04T10:00:00Z");
    // Under the weakened playbook DEV now "governs" the roster too.
    repo.commit_file(
        DEV,
        "2026-02-04T11:00:00Z",
        TEAM_PATH,
        &team_with_dev_as("security-lead"),
    );
    let (v, code) = check_safely(&repo, &[]);
    let p = findings_at(&v, "policy.unauthorized-change", PLAYBOOK);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_at(p[0], PLAYBOOK, 1, "error");
    assert_eq!(p[0]["commit"], weaken);
    assert!(
        p[0]["message"].as_str().unwrap().contains("playbook.md"),
        "{:#}",
        p[0]
    );
    assert_eq!(code, 1);
    assert!(v["summary"]["errors"].as_u64().unwrap() >= 1);
}

/// Deleting a stricter playbook a governor added is a change too.
#[test]
fn a_playbook_removed_by_a_non_governor_is_flagged() {
    let repo = developed();
    let strict = include_str!("../src/playbook/playbook.md").replace(
        "require_signed_signoffs: false",
        "require_signed_signoffs: true",
    );
    repo.commit_file(ADA, "2026-02-02T12:00:00Z", PLAYBOOK, &strict);
    repo.remove(PLAYBOOK);
    let removal = repo.commit(DEV, "2026-02-03T10:00:00Z", "drop the playbook");
    let (v, code) = check_safely(&repo, &[]);
    let p = findings_at(&v, "policy.unauthorized-change", PLAYBOOK);
    assert_eq!(p.len(), 1, "{:#}", v["findings"]);
    assert_eq!(p[0]["commit"], removal);
    assert_eq!(code, 1);
}

// ---- edits over someone else's sign-off ----

#[test]
fn an_edit_by_someone_else_re_attributes_the_signoff() {
    let repo = developed();
    let path = signoff_path(V, "quality");
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    let mut text = repo.read(&path);
    text.push_str("Also tested on Safari.\n");
    let edit = repo.commit_file(DEV, "2026-02-04T10:00:00Z", &path, &text);
    let (v, code) = check_safely(&repo, &[]);
    refused(&v, "quality", "signoff.wrong-role", &edit);
    assert_eq!(gate(&v, "quality")["signer"], "dev");
    assert_eq!(code, 1);
}

/// Even a change of file mode by someone else (a governor, here) re-attributes.
#[test]
fn a_mode_change_by_someone_else_re_attributes_the_signoff() {
    use std::os::unix::fs::PermissionsExt;
    let repo = developed();
    let path = signoff_path(V, "quality");
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    std::fs::set_permissions(repo.file(&path), std::fs::Permissions::from_mode(0o755)).unwrap();
    let chmod = repo.commit(ADA, "2026-02-04T10:00:00Z", "chmod +x");
    let (v, code) = check_safely(&repo, &[]);
    refused(&v, "quality", "signoff.wrong-role", &chmod);
    assert_eq!(gate(&v, "quality")["signer"], "ada");
    assert_eq!(code, 1);
}

/// Copying Grace's approved sign-off into another release makes the copier its signer.
#[test]
fn a_signoff_copied_into_another_release_is_the_copiers() {
    let repo = developed();
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    planned_release(&repo, "1.1.0", "minor");
    sign(&repo, "1.1.0", "development", DEV, "2026-02-04T09:00:00Z");
    let copied = repo.read(&signoff_path(V, "quality"));
    let c = repo.commit_file(
        DEV,
        "2026-02-04T10:00:00Z",
        &signoff_path("1.1.0", "quality"),
        &copied,
    );
    let (v, code) = check_safely(&repo, &[]);
    let f = assert_error_at(
        &v,
        "signoff.wrong-role",
        &signoff_path("1.1.0", "quality"),
        1,
    );
    assert_eq!(f["commit"], c);
    assert_eq!(release_of(&v, "1.1.0")["gates"]["quality"]["signer"], "dev");
    assert_eq!(
        gate(&v, "quality")["state"],
        "approved",
        "the original stays Grace's"
    );
    assert_eq!(code, 1);
}

// ---- back-dated commits ----

/// QA signs on a branch cut before the development sign-off and dates the
/// commit weeks earlier; merged afterwards it is still out of order: the
/// handoff is ancestry, not dates.
#[test]
fn a_back_dated_signoff_off_the_handoff_chain_is_out_of_order() {
    let repo = Repo::with_team();
    planned_release(&repo, V, "minor");
    repo.git(&["checkout", "-q", "-b", "qa"]);
    let q = sign(&repo, V, "quality", GRACE, "2026-01-15T10:00:00Z");
    repo.git(&["checkout", "-q", "main"]);
    let d = sign(&repo, V, "development", DEV, "2026-02-02T10:00:00Z");
    assert!(repo.try_git_as(
        ADA,
        "2026-02-03T10:00:00Z",
        &["merge", "-q", "--no-ff", "-m", "merge qa", "qa"]
    ));
    let (v, code) = check_safely(&repo, &[]);
    let f = refused(&v, "quality", "signoff.out-of-order", &q);
    assert!(f["message"].as_str().unwrap().contains(&d[..10]), "{f:#}");
    assert_eq!(gate(&v, "development")["state"], "approved");
    assert_eq!(code, 1);
}

/// The same back-dated commit made on top of the development sign-off is
/// fine: its dates claim it came first, its ancestry says it came after.
#[test]
fn a_back_dated_signoff_on_top_of_the_previous_gate_is_in_order() {
    let repo = developed();
    sign(&repo, V, "quality", GRACE, "2026-01-20T10:00:00Z");
    let (v, code) = check_safely(&repo, &[]);
    assert_silent(&v, "signoff.out-of-order");
    assert_eq!(gate(&v, "quality")["state"], "approved");
    assert_eq!(
        gate(&v, "quality")["signed_at"],
        "2026-01-20T10:00:00+00:00"
    );
    assert_eq!(code, 0, "{:#}", v["findings"]);
}

// ---- squashes with co-authors ----

/// On-call squashes everyone's sign-offs into one commit and credits them
/// with `Co-authored-by:` trailers; returns the commit.
fn squashed_signoffs(repo: &Repo) -> String {
    let mut message = String::from("Sign-offs for 1.0.0\n\n");
    for (gate, who, items) in GATES {
        repo.write(&signoff_path(V, gate), &signoff_md(items, "approve"));
        message.push_str(&format!("Co-authored-by: {} <{}>\n", who.name, who.email));
    }
    repo.commit(OMAR, "2026-02-03T10:00:00Z", &message)
}

#[test]
fn a_squash_with_co_authors_counts_only_its_author() {
    let repo = Repo::with_team();
    planned_release(&repo, V, "minor");
    let c = squashed_signoffs(&repo);
    let (v, code) = check_safely(&repo, &[]);
    for (name, _, _) in GATES {
        refused(&v, name, "signoff.wrong-role", &c);
        assert_eq!(gate(&v, name)["signer"], "omar", "{name}");
    }
    assert_ne!(release_of(&v, V)["state"], "ready");
    assert_eq!(code, 1);
}

/// SPEC: a squash that carries several people's sign-offs gets a warning
/// that only the author counts.
#[test]
fn co_authored_by_trailers_get_a_warning_that_only_the_author_counts() {
    let repo = Repo::with_team();
    planned_release(&repo, V, "minor");
    squashed_signoffs(&repo);
    let (v, _) = check_safely(&repo, &[]);
    for (name, _, _) in GATES {
        let path = signoff_path(V, name);
        let warned = v["findings"].as_array().unwrap().iter().any(|f| {
            f["path"] == path
                && f["severity"] == "warning"
                && f["message"].as_str().unwrap().contains("Co-authored-by")
        });
        assert!(
            warned,
            "no Co-authored-by warning on {path}: {:#}",
            v["findings"]
        );
    }
}
