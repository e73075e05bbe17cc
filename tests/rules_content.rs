//! The `content.*` rules (SPEC §1, §4, §6): files that cannot be parsed,
//! unknown fields, timestamps without an offset, person ids that are not in
//! team.yaml, and files outside the records layout. Each rule fires on a
//! minimal bad history and stays silent on a valid one.
mod common;
use common::*;

const V: &str = "1.0.0";

/// A roster and a valid release record for 1.0.0 (window after NOW).
fn base() -> Repo {
    let repo = Repo::with_team();
    planned_release(&repo, V, "minor");
    repo
}

/// `base()` with every gate signed by the right people, in order.
fn signed() -> Repo {
    let repo = base();
    sign_all(&repo, V);
    repo
}

/// Commits a go-no-go by ADA with the given attendees and meeting time.
fn go_no_go(repo: &Repo, attendees: &str, meeting_at: &str) -> String {
    let text = format!(
        "---\ndecision: go\nmeeting_at: {meeting_at}\nattendees: {attendees}\n---\nMinutes.\n"
    );
    repo.commit_file(
        ADA,
        "2026-02-20T10:00:00Z",
        &rel_path(V, "go-no-go.md"),
        &text,
    );
    text
}

// ---- content.parse ----

#[test]
fn parse_fires_on_broken_yaml_at_its_line() {
    let repo = base();
    sign(&repo, V, "development", DEV, "2026-02-02T10:00:00Z");
    let path = signoff_path(V, "quality");
    repo.commit_file(
        GRACE,
        "2026-02-03T10:00:00Z",
        &path,
        "---\ndecision: approve\nchecklist: {a: [}\n---\nNotes.\n",
    );
    let v = repo.check();
    let f = assert_fires(&v, "content.parse");
    assert_at(f, &path, 3, "error");
    assert_eq!(gate_state(&v, V, "quality"), "invalid");
    assert_eq!(gate_state(&v, V, "development"), "approved");
}

#[test]
fn parse_fires_on_a_record_without_front_matter() {
    let repo = base();
    let path = signoff_path(V, "development");
    repo.commit_file(DEV, "2026-02-02T10:00:00Z", &path, "decision: approve\n");
    let (v, code) = repo.check_at(NOW);
    assert_at(assert_fires(&v, "content.parse"), &path, 1, "error");
    assert_eq!(gate_state(&v, V, "development"), "invalid");
    assert_eq!(code, 1);
}

#[test]
fn parse_fires_on_a_value_of_the_wrong_kind() {
    let repo = base();
    let path = signoff_path(V, "development");
    repo.commit_file(
        DEV,
        "2026-02-02T10:00:00Z",
        &path,
        "---\ndecision: maybe\n---\n",
    );
    let v = repo.check();
    let f = assert_fires(&v, "content.parse");
    assert_eq!(f["path"], path);
    assert_eq!(f["severity"], "error");
}

#[test]
fn parse_is_silent_on_valid_records() {
    let repo = signed();
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "content.parse");
    assert_eq!(code, 0, "{:#}", v["findings"]);
}

// ---- content.unknown-field ----

#[test]
fn unknown_field_warns_on_a_misspelt_field() {
    let repo = base();
    let path = signoff_path(V, "development");
    let mut text = signoff_md(gate_of("development").1, "approve");
    text = text.replace("decision: approve\n", "decision: approve\nsigned-by: dev\n");
    repo.commit_file(DEV, "2026-02-02T10:00:00Z", &path, &text);
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "content.unknown-field");
    assert_at(f, &path, line_of(&text, "signed-by"), "warning");
    // A warning: the gate still counts and the check passes.
    assert_eq!(gate_state(&v, V, "development"), "approved");
    assert_eq!(code, 0);
}

#[test]
fn unknown_field_warns_on_an_unknown_checklist_item() {
    let repo = base();
    let path = signoff_path(V, "development");
    let text = signoff_md(gate_of("development").1, "approve").replace(
        "  test-guidance: true\n",
        "  test-guidance: true\n  docs-updated: true\n",
    );
    repo.commit_file(DEV, "2026-02-02T10:00:00Z", &path, &text);
    let v = repo.check();
    assert_at(
        assert_fires(&v, "content.unknown-field"),
        &path,
        line_of(&text, "docs-updated"),
        "warning",
    );
}

#[test]
fn unknown_field_warns_on_an_unknown_release_field() {
    let repo = Repo::with_team();
    let path = rel_path(V, "release.md");
    let text = release_md(V, "minor", WINDOW.0, WINDOW.1).replace("title:", "titel: Oops\ntitle:");
    repo.commit_file(DEV, "2026-02-01T10:00:00Z", &path, &text);
    let v = repo.check();
    assert_at(
        assert_fires(&v, "content.unknown-field"),
        &path,
        line_of(&text, "titel"),
        "warning",
    );
}

#[test]
fn unknown_field_is_silent_on_valid_records() {
    let repo = signed();
    go_no_go(&repo, "[ada, grace, sam]", "2026-02-20T09:00:00Z");
    let v = repo.check();
    assert_silent(&v, "content.unknown-field");
}

// ---- content.bad-timestamp ----

#[test]
fn bad_timestamp_fires_on_a_window_without_offset() {
    let repo = Repo::with_team();
    let path = rel_path(V, "release.md");
    let text = release_md(V, "minor", "2026-03-20T14:00:00", WINDOW.1);
    repo.commit_file(DEV, "2026-02-01T10:00:00Z", &path, &text);
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "content.bad-timestamp");
    assert_at(f, &path, line_of(&text, "deploy_window"), "error");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("deploy_window.start"),
        "{f:#}"
    );
    assert_eq!(
        findings(&v, "content.bad-timestamp").len(),
        1,
        "only start is bad"
    );
    assert_eq!(code, 1);
}

#[test]
fn bad_timestamp_fires_on_a_meeting_time_that_is_no_timestamp() {
    let repo = signed();
    let text = go_no_go(&repo, "[ada]", "next tuesday");
    let v = repo.check();
    assert_at(
        assert_fires(&v, "content.bad-timestamp"),
        &rel_path(V, "go-no-go.md"),
        line_of(&text, "meeting_at"),
        "error",
    );
}

#[test]
fn bad_timestamp_is_silent_on_utc_and_offset_timestamps() {
    let repo = Repo::with_team();
    let text = release_md(
        V,
        "minor",
        "2026-03-20T15:00:00+01:00",
        "2026-03-20T18:00:00+02:00",
    );
    repo.commit_file(
        DEV,
        "2026-02-01T10:00:00Z",
        &rel_path(V, "release.md"),
        &text,
    );
    sign_all(&repo, V);
    go_no_go(&repo, "[ada]", "2026-02-20T09:00:00-05:00");
    let v = repo.check();
    assert_silent(&v, "content.bad-timestamp");
}

// ---- content.unknown-person ----

#[test]
fn unknown_person_fires_on_an_attendee_not_in_the_roster() {
    let repo = signed();
    let text = go_no_go(&repo, "[ada, zed]", "2026-02-20T09:00:00Z");
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "content.unknown-person");
    assert_at(
        f,
        &rel_path(V, "go-no-go.md"),
        line_of(&text, "attendees"),
        "error",
    );
    assert!(f["message"].as_str().unwrap().contains("zed"), "{f:#}");
    assert_eq!(
        findings(&v, "content.unknown-person").len(),
        1,
        "ada is known"
    );
    assert_eq!(code, 1);
}

#[test]
fn unknown_person_is_silent_when_everyone_is_in_the_roster() {
    let repo = signed();
    go_no_go(&repo, "[ada, grace, sam, priya]", "2026-02-20T09:00:00Z");
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "content.unknown-person");
    assert_eq!(release_of(&v, V)["state"], "go");
    assert_eq!(code, 0, "{:#}", v["findings"]);
}

// ---- content.unexpected-file ----

#[test]
fn unexpected_file_warns_on_a_stray_file_in_a_release() {
    let repo = base();
    let path = rel_path(V, "notes.txt");
    repo.commit_file(DEV, "2026-02-02T10:00:00Z", &path, "scratch\n");
    let (v, code) = repo.check_at(NOW);
    assert_at(
        assert_fires(&v, "content.unexpected-file"),
        &path,
        1,
        "warning",
    );
    assert_eq!(code, 0, "a warning only");
}

#[test]
fn unexpected_file_warns_on_a_folder_outside_the_layout() {
    let repo = base();
    repo.commit_file(
        DEV,
        "2026-02-02T10:00:00Z",
        "content/drafts/idea.md",
        "---\ntitle: x\n---\n",
    );
    let v = repo.check();
    let f = assert_fires(&v, "content.unexpected-file");
    assert!(
        f["path"].as_str().unwrap().starts_with("content/drafts"),
        "{f:#}"
    );
}

#[test]
fn unexpected_file_warns_on_a_signoff_that_is_not_markdown() {
    let repo = base();
    let path = rel_path(V, "signoffs/quality.txt");
    repo.commit_file(GRACE, "2026-02-02T10:00:00Z", &path, "approved\n");
    let v = repo.check();
    assert_at(
        assert_fires(&v, "content.unexpected-file"),
        &path,
        1,
        "warning",
    );
}

#[test]
fn unexpected_file_is_silent_on_the_records_layout() {
    let repo = signed();
    repo.commit_file(
        ADA,
        "2026-02-07T10:00:00Z",
        &rel_path(V, "rollback.md"),
        "Roll back to 0.9.0 with the runbook.\n",
    );
    go_no_go(&repo, "[ada]", "2026-02-20T09:00:00Z");
    repo.commit_file(
        ADA,
        "2026-02-21T10:00:00Z",
        "content/incidents/.gitkeep",
        "",
    );
    // Hidden entries are nobody's records: an editor's swap file, a hidden
    // folder of drafts with files of any kind in it.
    repo.write(&rel_path(V, "signoffs/.quality.md.swp"), "x");
    repo.write(&rel_path(V, ".drafts/notes.txt"), "x");
    repo.write(&rel_path(V, ".drafts/deeper/release.md"), "x");
    let v = repo.check();
    assert_silent(&v, "content.unexpected-file");
    assert_silent(&v, "content.parse");
}

/// Every timestamp needs an offset, including the `at` of an assessment and
/// of an update (SPEC §1: "a timestamp without one is an error").
#[test]
fn bad_timestamp_fires_on_incident_at_fields_without_offset() {
    let repo = Repo::with_team();
    let path = "content/incidents/2026-02-10-checkout-errors/incident.md";
    let text = "---\ntitle: Checkout errors\nseverity: sev2\ndeclared_at: 2026-02-10T10:00:00Z\ndeclared_by: ada\n\
alert: {sent_at: 2026-02-10T10:02:00Z, summary: Errors, impact: Some checkouts fail, status: investigating, responders: [ada], next_update_at: 2026-02-10T10:30:00Z}\n\
assessment: {at: 2026-02-10T10:10:00, decision: monitor, decided_by: ada}\n\
updates:\n  - {at: 2026-02-10T10:20:00, status: monitoring, message: Stable, next_update_at: 2026-02-10T11:00:00Z}\n---\nWhat happened.\n";
    repo.commit_file(ADA, "2026-02-10T10:30:00Z", path, text);
    let v = repo.check();
    let bad: Vec<_> = findings(&v, "content.bad-timestamp");
    assert!(
        bad.iter()
            .any(|f| f["path"] == path && f["line"] == line_of(text, "assessment:")),
        "assessment.at: {:#}",
        v["findings"]
    );
    assert!(
        bad.iter()
            .any(|f| f["path"] == path && f["line"] == line_of(text, "status: monitoring")),
        "updates[].at: {:#}",
        v["findings"]
    );
    assert!(bad.iter().all(|f| f["severity"] == "error"));
}

#[cfg(unix)]
#[test]
fn unexpected_file_warns_on_a_symlink() {
    let repo = base();
    sign(&repo, V, "development", DEV, "2026-02-02T10:00:00Z");
    let link = signoff_path(V, "quality");
    std::os::unix::fs::symlink("development.md", repo.file(&link)).unwrap();
    repo.commit(GRACE, "2026-02-03T10:00:00Z", "link quality to development");
    let v = repo.check();
    assert_at(
        assert_fires(&v, "content.unexpected-file"),
        &link,
        1,
        "warning",
    );
    assert_eq!(
        gate_state(&v, V, "quality"),
        "pending",
        "a symlink is never followed"
    );
}
