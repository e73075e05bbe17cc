//! Hostile input (issue "Trust: hostile-input suite"): records and
//! repositories made to crash, hang or mislead baton. Every case ends in a
//! clear finding or error with the exit code of SPEC §5 (0, 1 or 2), never
//! a panic or a hang, never a followed symlink and never a script on a page.
//! The property tests at the end drive random front matter and bodies
//! through the record parser and the Markdown renderer.
mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;

use common::*;
use serde_json::{Value, json};

const V: &str = "1.0.0";

/// A roster and the planned release 1.0.0 with its development gate signed.
fn developed() -> Repo {
    let repo = Repo::with_team();
    planned_release(&repo, V, "minor");
    sign(&repo, V, "development", DEV, "2026-02-02T10:00:00Z");
    repo
}

/// Commits raw bytes at `rel` as `who` at `at`.
fn commit_bytes(repo: &Repo, who: Who, at: &str, rel: &str, bytes: &[u8]) -> String {
    repo.write_bytes(rel, bytes);
    repo.commit(who, at, &format!("update {rel}"))
}

/// A complete quality sign-off.
fn quality_md() -> String {
    signoff_md(gate_of("quality").1, "approve")
}

/// Asserts exactly one `content.parse` error on `path`, at `line`, whose
/// message contains `says`.
#[track_caller]
fn assert_parse_error<'a>(v: &'a Value, path: &str, line: usize, says: &str) -> &'a Value {
    let f = findings_at(v, "content.parse", path);
    assert_eq!(
        f.len(),
        1,
        "one content.parse on {path}: {:#?}",
        v["findings"]
    );
    assert_at(f[0], path, line, "error");
    let m = f[0]["message"].as_str().unwrap();
    assert!(m.contains(says), "message {m:?} should say {says:?}");
    f[0]
}

/// Asserts a `content.parse` error on `path` (any line, any wording).
#[track_caller]
fn assert_unparsable(v: &Value, path: &str) {
    let f = findings_at(v, "content.parse", path);
    assert!(
        !f.is_empty() && f.iter().all(|f| f["severity"] == "error"),
        "expected a content.parse error on {path}, got {:#?}",
        v["findings"]
    );
    assert!(
        f.iter()
            .all(|f| !f["message"].as_str().unwrap().trim().is_empty()),
        "{f:#?}"
    );
}

/// Asserts a `content.unexpected-file` finding on `path`.
#[track_caller]
fn assert_unexpected(v: &Value, path: &str) -> Value {
    let f = findings_at(v, "content.unexpected-file", path);
    assert!(
        !f.is_empty(),
        "expected content.unexpected-file on {path}, got {:#?}",
        v["findings"]
    );
    f[0].clone()
}

/// `baton build --now NOW` into `public/`; asserts exit 0 and no script on any page.
#[track_caller]
fn build_clean(repo: &Repo) -> std::collections::BTreeMap<String, String> {
    let ran = run_baton(repo, &["build", "--now", NOW]);
    assert_eq!(ran.code, 0, "build failed: {}", ran.stderr);
    assert_site_has_no_script(&repo.file("public"))
}

/// Names of the entries at the repository's top, to see that a build wrote nothing else.
fn top_entries(repo: &Repo) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(repo.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Builds and asserts the build added only `public/` to the repository's top.
#[track_caller]
fn build_stays_inside(repo: &Repo) -> std::collections::BTreeMap<String, String> {
    let before = top_entries(repo);
    let pages = build_clean(repo);
    let mut after = top_entries(repo);
    after.retain(|e| e != "public");
    assert_eq!(after, before, "the build wrote outside its out folder");
    pages
}

// ---- malformed and truncated YAML ----

/// A YAML syntax error on line 3 of each kind of record is a parse error
/// at that line; the gate it breaks is invalid, and the check fails.
#[test]
fn malformed_yaml_is_a_parse_error_at_its_line() {
    let repo = developed();
    let broken = "---\nsigned_by: ada\nchecklist: @x\n---\nNotes.\n";
    let files = [
        (signoff_path(V, "quality"), GRACE),
        (rel_path(V, "go-no-go.md"), ADA),
        (rel_path(V, "deployment.md"), ADA),
        (incident_path(INCIDENT), OMAR),
        (postmortem_path(INCIDENT), ADA),
    ];
    for (path, who) in &files {
        repo.commit_file(*who, "2026-02-03T10:00:00Z", path, broken);
    }
    let release = release_md("2.0.0", "major", WINDOW.0, WINDOW.1).replacen(
        "type: major",
        "type: major\ntitle: [unclosed, {",
        1,
    );
    let release_path = rel_path("2.0.0", "release.md");
    repo.commit_file(DEV, "2026-02-04T10:00:00Z", &release_path, &release);
    let (v, code) = check_safely(&repo, &[]);
    for (path, _) in &files {
        assert_parse_error(&v, path, 3, "cannot start any token");
    }
    assert_unparsable(&v, &release_path);
    assert_eq!(gate_state(&v, V, "quality"), "invalid");
    assert_eq!(code, 1);
}

/// A record cut short anywhere in its front matter never closes its
/// front matter: a parse error on line 1, whatever byte the cut lands on.
#[test]
fn truncated_records_are_parse_errors() {
    let repo = Repo::with_team();
    let full = release_md("1.0.0", "major", WINDOW.0, WINDOW.1);
    let fence = full[3..].find("\n---\n").unwrap() + 3;
    let cuts: Vec<usize> = (4..fence).step_by(9).collect();
    for (i, cut) in cuts.iter().enumerate() {
        repo.write(&rel_path(&format!("1.{i}.0"), "release.md"), &full[..*cut]);
    }
    repo.commit(DEV, "2026-02-01T10:00:00Z", "truncated releases");
    let (v, code) = check_safely(&repo, &[]);
    for i in 0..cuts.len() {
        assert_parse_error(
            &v,
            &rel_path(&format!("1.{i}.0"), "release.md"),
            1,
            "never closed",
        );
    }
    assert_eq!(code, 1);
}

/// Empty files and fences alone: parse errors that make the gate invalid.
#[test]
fn empty_and_half_written_records_are_parse_errors() {
    let repo = developed();
    let cases: [(&str, &str, usize, &str); 3] = [
        ("quality", "", 1, "does not start with YAML front matter"),
        ("security", "---\n---\n", 2, "missing field `decision`"),
        ("stakeholder", "---\n", 1, "never closed"),
    ];
    for (gate, text, _, _) in &cases {
        repo.write(&signoff_path(V, gate), text);
    }
    repo.commit(ADA, "2026-02-03T10:00:00Z", "half-written sign-offs");
    let (v, code) = check_safely(&repo, &[]);
    for (gate, _, line, says) in &cases {
        assert_parse_error(&v, &signoff_path(V, gate), *line, says);
        assert_eq!(gate_state(&v, V, gate), "invalid", "{gate}");
    }
    assert_eq!(code, 1);
}

/// A sign-off file that exists but cannot be read as text (cut inside a
/// multi-byte character, or over 1 MiB) is a broken sign-off: its gate is
/// invalid, like one with broken YAML, not "pending: no sign-off yet".
#[test]
fn an_unreadable_signoff_makes_its_gate_invalid() {
    let repo = developed();
    let cafe = format!("{}Café", quality_md());
    let cafe = cafe.as_bytes();
    commit_bytes(
        &repo,
        GRACE,
        "2026-02-03T10:00:00Z",
        &signoff_path(V, "quality"),
        &cafe[..cafe.len() - 1],
    );
    let mut huge = signoff_md(gate_of("security").1, "approve");
    huge.push_str(&"padding\n".repeat(150_000));
    repo.commit_file(
        SAM,
        "2026-02-04T10:00:00Z",
        &signoff_path(V, "security"),
        &huge,
    );
    let (v, code) = check_safely(&repo, &[]);
    assert_parse_error(&v, &signoff_path(V, "quality"), 1, "not valid UTF-8");
    assert_parse_error(&v, &signoff_path(V, "security"), 1, "larger than 1024 KiB");
    assert_eq!(gate_state(&v, V, "quality"), "invalid");
    assert_eq!(gate_state(&v, V, "security"), "invalid");
    assert_eq!(code, 1);
    let pages = build_clean(&repo);
    let page = &pages["releases/1.0.0/index.html"];
    assert!(
        page.contains("not valid UTF-8"),
        "the release page hides the broken sign-off"
    );
}

// ---- alias bombs and deep nesting ----

/// A "billion laughs" YAML alias bomb: nine levels of nine aliases, about
/// 387 million strings if expanded, then `use_it` (e.g. `checklist: *l8`).
fn alias_bomb(use_it: &str) -> String {
    let mut y = String::from("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..9 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        y.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    y.push_str(use_it);
    y
}

#[test]
fn an_alias_bomb_in_a_record_is_refused_quickly() {
    let repo = developed();
    let used = format!(
        "---\ndecision: approve\n{}---\n",
        alias_bomb("checklist: {test-plans-executed: *l8}\n")
    );
    let unused = format!("---\ndecision: approve\n{}---\n", alias_bomb(""));
    repo.write(&signoff_path(V, "quality"), &used);
    repo.write(&signoff_path(V, "security"), &unused);
    repo.write(
        "content/site.yaml",
        &alias_bomb("title: *l8\ncomponents: *l8\n"),
    );
    repo.commit(ADA, "2026-02-03T10:00:00Z", "bombs");
    let started = std::time::Instant::now();
    let (v, code) = check_safely(&repo, &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_parse_error(&v, &signoff_path(V, "quality"), 2, "limit");
    assert_unparsable(&v, "content/site.yaml");
    // Bombs in fields nobody reads are only unknown fields: never expanded.
    assert!(findings_at(&v, "content.unknown-field", &signoff_path(V, "security")).len() >= 9);
    assert_eq!(gate_state(&v, V, "quality"), "invalid");
    assert_eq!(code, 1);
    build_clean(&repo);
}

#[test]
fn an_alias_bomb_in_the_roster_is_exit_2() {
    let repo = Repo::with_team();
    repo.write("content/team.yaml", &alias_bomb("people: *l8\n"));
    let ran = run_baton(&repo, &["check", "--now", NOW]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("content/team.yaml:")
            && ran.stderr.contains("the roster cannot be read"),
        "{}",
        ran.stderr
    );
}

/// Folders nested as deep as the system allows paths, inside a release:
/// each is reported as outside the layout, the walk ends (no stack
/// overflow, no hang), and the release is judged as before.
#[test]
fn deeply_nested_folders_are_reported_not_a_stack_overflow() {
    let repo = developed();
    let before = gate_state(&check_safely(&repo, &[]).0, V, "development").to_string();
    // About 2,000 levels: a path of just under 4,096 bytes (PATH_MAX).
    let base = repo.file(&format!("content/releases/{V}"));
    let room = 4000 - base.as_os_str().len();
    let levels = room / 2;
    let deep: String = "/d".repeat(levels);
    let bottom = std::path::PathBuf::from(format!("{}{deep}", base.display()));
    std::fs::create_dir_all(&bottom).unwrap();
    std::fs::write(bottom.join("release.md"), "x").unwrap();
    let (v, _) = check_safely(&repo, &[]);
    let nested = findings(&v, "content.unexpected-file")
        .into_iter()
        .filter(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .starts_with(&format!("content/releases/{V}/d"))
        })
        .count();
    assert_eq!(
        nested,
        levels + 1,
        "each folder, and the file at the bottom"
    );
    assert_eq!(gate_state(&v, V, "development"), before);
}

/// Ten thousand levels of YAML nesting in four spellings: a parse error
/// each, no stack overflow.
#[test]
fn deep_yaml_nesting_is_a_parse_error_not_a_stack_overflow() {
    let repo = developed();
    let deep = [
        ("quality", "[".repeat(10_000)),
        (
            "security",
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        ),
        (
            "stakeholder",
            format!("{}x{}", "{a: ".repeat(10_000), "}".repeat(10_000)),
        ),
        ("release-manager", format!("\n  {}x", "- ".repeat(10_000))),
    ];
    for (gate, value) in &deep {
        repo.write(
            &signoff_path(V, gate),
            &format!("---\ndecision: approve\nchecklist: {value}\n---\n"),
        );
    }
    repo.write(
        "content/site.yaml",
        &format!("title: {}\n", "[".repeat(10_000)),
    );
    repo.commit(ADA, "2026-02-03T10:00:00Z", "deep");
    let (v, code) = check_safely(&repo, &[]);
    for (gate, _) in &deep {
        assert_unparsable(&v, &signoff_path(V, gate));
        assert_eq!(gate_state(&v, V, gate), "invalid");
    }
    assert_unparsable(&v, "content/site.yaml");
    assert_eq!(code, 1);
    build_clean(&repo);
}

#[test]
fn deep_nesting_in_the_roster_is_exit_2() {
    let repo = Repo::with_team();
    repo.write(
        "content/team.yaml",
        &format!("people: {}\n", "[".repeat(10_000)),
    );
    let ran = run_baton(&repo, &["check", "--now", NOW]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("the roster cannot be read"),
        "{}",
        ran.stderr
    );
}

/// Commits `body` as the release notes' summary of 1.0.0 (signed and
/// shipped in February) and as the release manager's sign-off notes.
fn release_with_body(body: &str) -> Repo {
    let repo = Repo::with_team();
    signed_release(&repo, V, "major", "2026-02");
    let release = release_md(V, "major", "2026-02-20T14:00:00Z", "2026-02-20T16:00:00Z")
        .replace("Things.", body);
    repo.commit_file(
        DEV,
        "2026-02-08T10:00:00Z",
        &rel_path(V, "release.md"),
        &release,
    );
    let mut notes = signoff_md(gate_of("release-manager").1, "approve");
    notes.push_str(body);
    repo.commit_file(
        ADA,
        "2026-02-09T10:00:00Z",
        &signoff_path(V, "release-manager"),
        &notes,
    );
    repo
}

/// Deeply nested bodies (quotes, lists, HTML blocks a thousand deep;
/// emphasis, brackets and links ten thousand deep) render without a
/// crash and without script.
#[test]
fn deeply_nested_bodies_build_without_a_crash() {
    let deep = [
        ">".repeat(1_000) + " quote",
        "- ".repeat(1_000) + "item",
        "<div>".repeat(1_000) + "<script>alert(1)</script>",
        format!("{}a{}", "*".repeat(10_000), "*".repeat(10_000)),
        "[".repeat(10_000) + "x" + &"](javascript:alert(1))".repeat(100),
        "<a href=\"javascript:alert(1)\">".repeat(5_000),
    ]
    .join("\n\n");
    let repo = release_with_body(&deep);
    let (_, code) = check_safely(&repo, &[]);
    assert!(code == 0 || code == 1, "exit {code}");
    let pages = build_clean(&repo);
    assert!(pages["releases/1.0.0/index.html"].contains("quote"));
}

/// Nesting is cheap to write: 100,000 list levels are 200 kB, well under
/// the 1 MiB cap on records. Rendering must stay about linear, so a
/// hostile body cannot hang `baton build` (and CI) or `baton serve`.
#[test]
fn a_deeply_nested_body_cannot_hang_the_build() {
    for deep in [
        "- ".repeat(100_000) + "item",
        ">".repeat(100_000) + " quote",
        "<div>".repeat(100_000),
    ] {
        let repo = release_with_body(&deep);
        // run_baton fails the test if baton hangs past its time limit.
        let ran = run_baton(&repo, &["build", "--now", NOW]);
        assert_eq!(ran.code, 0, "{}", ran.stderr);
    }
}

// ---- huge files ----

/// A valid release record padded with body lines to exactly `size` bytes.
fn padded_release(size: usize) -> String {
    let mut text = release_md(V, "major", WINDOW.0, WINDOW.1);
    let line = "Padding padding padding padding padding padding padding padding.\n";
    while text.len() + line.len() <= size {
        text.push_str(line);
    }
    text.push_str(&"x".repeat(size - text.len()));
    text
}

#[test]
fn a_record_over_one_mebibyte_is_a_parse_error_not_a_hang() {
    let repo = Repo::with_team();
    let over = rel_path("1.0.0", "release.md");
    let way_over = rel_path("2.0.0", "release.md");
    let at_limit = rel_path("3.0.0", "release.md");
    repo.write(&over, &padded_release(1024 * 1024 + 1));
    repo.write(
        &way_over,
        &padded_release(1024 * 1024)
            .repeat(16)
            .replace("1.0.0", "2.0.0"),
    );
    repo.write(
        &at_limit,
        &padded_release(1024 * 1024).replace("1.0.0", "3.0.0"),
    );
    repo.commit(DEV, "2026-02-01T10:00:00Z", "huge releases");
    let started = std::time::Instant::now();
    let (v, code) = check_safely(&repo, &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_parse_error(&v, &over, 1, "larger than 1024 KiB");
    assert_parse_error(&v, &way_over, 1, "larger than 1024 KiB");
    assert!(
        findings_at(&v, "content.parse", &at_limit).is_empty(),
        "1 MiB itself is allowed: {:#?}",
        findings_at(&v, "content.parse", &at_limit)
    );
    assert_eq!(code, 1);
    build_clean(&repo);
}

#[test]
fn a_roster_over_one_mebibyte_is_exit_2() {
    let repo = Repo::with_team();
    let mut team = TEAM.to_string();
    while team.len() <= 1024 * 1024 {
        team.push_str("# padding padding padding padding padding padding padding\n");
    }
    repo.write("content/team.yaml", &team);
    let ran = run_baton(&repo, &["check", "--now", NOW]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("content/team.yaml"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("larger than 1024 KiB"),
        "{}",
        ran.stderr
    );
}

/// A stray text file outside the layout is reported; a stray binary or
/// huge one must be too, not skipped because it cannot be read as text.
#[test]
fn binary_and_huge_files_outside_the_layout_are_reported() {
    let repo = Repo::with_team();
    repo.write("content/notes.txt", "stray\n");
    repo.write_bytes(
        "content/logo.png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
    );
    repo.write("content/dump.sql", &"x".repeat(2 * 1024 * 1024));
    repo.commit(ADA, "2026-02-01T10:00:00Z", "strays");
    let (v, _) = check_safely(&repo, &[]);
    assert_unexpected(&v, "content/notes.txt");
    assert_unexpected(&v, "content/logo.png");
    assert_unexpected(&v, "content/dump.sql");
}

// ---- encodings and line endings ----

#[test]
fn invalid_utf8_is_a_parse_error_naming_the_byte() {
    let repo = developed();
    let quality = quality_md();
    let at = quality.len() + 6;
    let mut bytes = quality.into_bytes();
    bytes.extend_from_slice(b"Notes \xff\xfe here.\n");
    commit_bytes(
        &repo,
        GRACE,
        "2026-02-03T10:00:00Z",
        &signoff_path(V, "quality"),
        &bytes,
    );
    // A UTF-16 surrogate encoded in UTF-8, and a multi-byte sequence cut at the end.
    let security = signoff_md(gate_of("security").1, "approve");
    let mut surrogate = security.clone().into_bytes();
    surrogate.extend_from_slice(b"\xed\xa0\x80\n");
    commit_bytes(
        &repo,
        SAM,
        "2026-02-04T10:00:00Z",
        &signoff_path(V, "security"),
        &surrogate,
    );
    let mut cut = signoff_md(gate_of("stakeholder").1, "approve").into_bytes();
    cut.extend_from_slice(b"\xe2\x82");
    commit_bytes(
        &repo,
        PRIYA,
        "2026-02-05T10:00:00Z",
        &signoff_path(V, "stakeholder"),
        &cut,
    );
    repo.write_bytes("content/site.yaml", b"title: \xc0\xafTest\n");
    repo.commit(ADA, "2026-02-06T10:00:00Z", "site");

    let (v, code) = check_safely(&repo, &[]);
    let f = assert_parse_error(&v, &signoff_path(V, "quality"), 1, "not valid UTF-8");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains(&format!("byte {at}")),
        "{f:#}"
    );
    assert_parse_error(&v, &signoff_path(V, "security"), 1, "not valid UTF-8");
    assert_parse_error(&v, &signoff_path(V, "stakeholder"), 1, "not valid UTF-8");
    assert_parse_error(&v, "content/site.yaml", 1, "not valid UTF-8");
    assert_eq!(code, 1);
    build_clean(&repo);
}

#[test]
fn an_invalid_utf8_roster_is_exit_2() {
    let repo = Repo::with_team();
    let mut team = TEAM.as_bytes().to_vec();
    team.extend_from_slice(b"  - {id: x, name: \"\xff\"}\n");
    repo.write_bytes("content/team.yaml", &team);
    let ran = run_baton(&repo, &["check", "--now", NOW]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("content/team.yaml"), "{}", ran.stderr);
    assert!(ran.stderr.contains("not valid UTF-8"), "{}", ran.stderr);
}

/// A UTF-8 byte order mark is dropped: records, roster and site settings
/// parse, and findings keep their file lines.
#[test]
fn a_byte_order_mark_is_ignored() {
    let repo = Repo::new();
    let bom = |s: &str| format!("\u{feff}{s}");
    repo.write("content/team.yaml", &bom(TEAM));
    repo.write("content/site.yaml", &bom("title: BOM site\n"));
    repo.commit(ADA, "2026-01-01T09:00:00Z", "roster");
    let release =
        release_md(V, "minor", WINDOW.0, WINDOW.1).replacen("title:", "titel: x\ntitle:", 1);
    repo.commit_file(
        DEV,
        "2026-02-01T10:00:00Z",
        &rel_path(V, "release.md"),
        &bom(&release),
    );
    for (i, (gate, who, items)) in GATES.iter().enumerate() {
        repo.commit_file(
            *who,
            &format!("2026-02-{:02}T10:00:00Z", i + 2),
            &signoff_path(V, gate),
            &bom(&signoff_md(items, "approve")),
        );
    }
    let (v, code) = check_safely(&repo, &[]);
    assert_silent(&v, "content.parse");
    let f = assert_fires(&v, "content.unknown-field");
    assert_at(
        f,
        &rel_path(V, "release.md"),
        line_of(&release, "titel"),
        "warning",
    );
    assert_eq!(release_of(&v, V)["state"], "ready");
    assert_eq!(code, 0, "{:#}", v["findings"]);
    let pages = build_clean(&repo);
    assert!(pages["index.html"].contains("BOM site"));
}

/// CRLF line endings parse as LF, findings point at the same lines, and
/// the text report quotes lines without a carriage return.
#[test]
fn crlf_line_endings_parse_and_keep_line_numbers() {
    let repo = Repo::new();
    let crlf = |s: &str| s.replace('\n', "\r\n");
    repo.write("content/team.yaml", &crlf(TEAM));
    repo.commit(ADA, "2026-01-01T09:00:00Z", "roster");
    let release = release_md(V, "minor", "2026-03-20T14:00:00", WINDOW.1).replacen(
        "title:",
        "titel: x\ntitle:",
        1,
    );
    let path = rel_path(V, "release.md");
    repo.commit_file(DEV, "2026-02-01T10:00:00Z", &path, &crlf(&release));
    for (i, (gate, who, items)) in GATES.iter().enumerate() {
        repo.commit_file(
            *who,
            &format!("2026-02-{:02}T10:00:00Z", i + 2),
            &signoff_path(V, gate),
            &crlf(&signoff_md(items, "approve")),
        );
    }
    let (v, code) = check_safely(&repo, &[]);
    assert_silent(&v, "content.parse");
    assert_silent(&v, "release.notes-incomplete");
    assert_at(
        assert_fires(&v, "content.unknown-field"),
        &path,
        line_of(&release, "titel"),
        "warning",
    );
    assert_error_at(
        &v,
        "content.bad-timestamp",
        &path,
        line_of(&release, "deploy_window"),
    );
    for (gate, _, _) in GATES {
        assert_eq!(gate_state(&v, V, gate), "approved", "{gate}");
    }
    assert_eq!(code, 1);
    let text = run_baton(&repo, &["check", "--now", NOW]);
    assert!(text.stdout.contains("| titel: x\n"), "{}", text.stdout);
    assert!(
        !text.stdout.contains('\r'),
        "a carriage return in the report"
    );
}

/// Old-Mac line endings (CR alone) are one long line: a clear parse error.
#[test]
fn lone_cr_line_endings_are_a_parse_error() {
    let repo = developed();
    let path = signoff_path(V, "quality");
    repo.commit_file(
        GRACE,
        "2026-02-03T10:00:00Z",
        &path,
        &quality_md().replace('\n', "\r"),
    );
    let (v, code) = check_safely(&repo, &[]);
    assert_parse_error(&v, &path, 1, "front matter");
    assert_eq!(code, 1);
}

// ---- symlinks ----

/// A folder outside the repository, for symlinks to point at.
fn outside() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn a_symlinked_record_outside_the_repository_is_not_followed() {
    let repo = developed();
    let away = outside();
    std::fs::write(away.path().join("quality.md"), quality_md()).unwrap();
    let link = signoff_path(V, "quality");
    symlink(away.path().join("quality.md"), repo.file(&link)).unwrap();
    repo.commit(GRACE, "2026-02-03T10:00:00Z", "quality, by link");
    let (v, code) = check_safely(&repo, &[]);
    let f = assert_unexpected(&v, &link);
    assert!(f["message"].as_str().unwrap().contains("symlink"), "{f:#}");
    assert_eq!(
        gate_state(&v, V, "quality"),
        "pending",
        "the link is not followed"
    );
    assert_eq!(code, 0, "{:#}", v["findings"]);
}

#[test]
fn a_symlinked_release_folder_outside_content_is_not_followed() {
    let repo = Repo::with_team();
    let away = outside();
    let elsewhere = away.path().join("2.0.0");
    std::fs::create_dir_all(elsewhere.join("signoffs")).unwrap();
    std::fs::write(
        elsewhere.join("release.md"),
        release_md("2.0.0", "major", WINDOW.0, WINDOW.1)
            .replace("Release 2.0.0", "OUTSIDE-RELEASE"),
    )
    .unwrap();
    for (gate, _, items) in GATES {
        std::fs::write(
            elsewhere.join(format!("signoffs/{gate}.md")),
            signoff_md(items, "approve"),
        )
        .unwrap();
    }
    std::fs::create_dir_all(repo.file("content/releases")).unwrap();
    symlink(&elsewhere, repo.file("content/releases/2.0.0")).unwrap();
    // And a folder link inside the repository that loops back on itself.
    symlink(".", repo.file("content/releases/loop")).unwrap();
    symlink("/nonexistent/baton", repo.file("content/releases/dangling")).unwrap();
    repo.commit(DEV, "2026-02-01T10:00:00Z", "linked releases");
    let (v, code) = check_safely(&repo, &[]);
    for link in ["2.0.0", "loop", "dangling"] {
        assert_unexpected(&v, &format!("content/releases/{link}"));
    }
    assert!(
        v["releases"].as_array().unwrap().is_empty(),
        "{:#}",
        v["releases"]
    );
    assert_eq!(code, 0, "{:#}", v["findings"]);
    let pages = build_stays_inside(&repo);
    assert!(!pages.keys().any(|p| p.contains("2.0.0")));
    assert!(!pages.values().any(|h| h.contains("OUTSIDE-RELEASE")));
}

#[test]
fn a_symlink_to_etc_passwd_is_never_read() {
    let repo = developed();
    let links = [
        signoff_path(V, "quality"),
        rel_path(V, "go-no-go.md"),
        rel_path("2.0.0", "release.md"),
        incident_path(INCIDENT),
        postmortem_path(INCIDENT),
    ];
    for link in &links {
        std::fs::create_dir_all(repo.file(link).parent().unwrap()).unwrap();
        symlink("/etc/passwd", repo.file(link)).unwrap();
    }
    repo.commit(ADA, "2026-02-03T10:00:00Z", "links to /etc/passwd");
    let (v, code) = check_safely(&repo, &[]);
    for link in &links {
        assert_unexpected(&v, link);
    }
    assert_eq!(gate_state(&v, V, "quality"), "pending");
    assert!(!v.to_string().contains("root:"), "/etc/passwd was read");
    assert_eq!(code, 0, "{:#}", v["findings"]);
    let text = run_baton(&repo, &["check", "--now", NOW]);
    assert!(!text.stdout.contains("root:"));
    build_stays_inside(&repo);
    for (path, bytes) in tree_files(&repo.file("public")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("root:x:"),
            "/etc/passwd reached {path}"
        );
    }
}

#[test]
fn a_symlinked_site_yaml_is_not_followed() {
    let repo = Repo::with_team();
    repo.remove("content/site.yaml");
    symlink("/etc/passwd", repo.file("content/site.yaml")).unwrap();
    repo.commit(ADA, "2026-02-01T10:00:00Z", "site settings by link");
    let (v, code) = check_safely(&repo, &[]);
    assert_unexpected(&v, "content/site.yaml");
    assert!(
        !v.to_string().contains("root:"),
        "/etc/passwd was read: {v:#}"
    );
    assert!(code == 0 || code == 1, "exit {code}");
    build_clean(&repo);
    for (path, bytes) in tree_files(&repo.file("public")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("root:"),
            "/etc/passwd reached {path}"
        );
    }
}

#[test]
fn a_symlinked_roster_is_not_followed() {
    let repo = Repo::with_team();
    let away = outside();
    std::fs::write(away.path().join("team.yaml"), TEAM).unwrap();
    repo.remove("content/team.yaml");
    symlink(
        away.path().join("team.yaml"),
        repo.file("content/team.yaml"),
    )
    .unwrap();
    let ran = run_baton(&repo, &["check", "--now", NOW]);
    assert_eq!(ran.code, 2, "no roster that baton may read: {}", ran.stdout);
    assert!(ran.stderr.contains("content/team.yaml"), "{}", ran.stderr);
    assert!(ran.stderr.contains("symlink"), "{}", ran.stderr);
    // Pointed at /etc/passwd, nothing of it is echoed.
    repo.remove("content/team.yaml");
    symlink("/etc/passwd", repo.file("content/team.yaml")).unwrap();
    let ran = run_baton(&repo, &["check", "--now", NOW]);
    assert_eq!(ran.code, 2);
    assert!(!ran.stderr.contains("root:"), "{}", ran.stderr);
}

#[test]
fn a_symlinked_playbook_is_not_followed() {
    let repo = developed();
    let away = outside();
    let weak =
        include_str!("../src/playbook/playbook.md").replacen("role: qa-lead", "role: developer", 1);
    std::fs::write(away.path().join("playbook.md"), weak).unwrap();
    symlink(
        away.path().join("playbook.md"),
        repo.file("content/playbook.md"),
    )
    .unwrap();
    repo.commit(ADA, "2026-02-02T12:00:00Z", "playbook by link");
    sign(&repo, V, "quality", DEV, "2026-02-03T10:00:00Z");
    // Either baton refuses to judge without a playbook it may read (exit 2,
    // like a symlinked roster), or the built-in playbook stays in force and
    // the link is reported. Never are the linked rules applied.
    let ran = run_baton(&repo, &["check", "--format", "json", "--now", NOW]);
    if ran.code == 2 {
        assert!(ran.stderr.contains("content/playbook.md"), "{}", ran.stderr);
        assert!(ran.stderr.contains("symlink"), "{}", ran.stderr);
        return;
    }
    let v: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_unexpected(&v, "content/playbook.md");
    assert_fires(&v, "signoff.wrong-role");
    assert_eq!(ran.code, 1);
}

// ---- odd names: folders, versions, incident ids ----

#[test]
fn odd_release_folder_names_are_findings_and_pages_stay_inside_the_site() {
    let repo = Repo::with_team();
    let names: Vec<&[u8]> = vec![
        b"1.0.0 <img src=x onerror=alert(1)>",
        b"1.0.0\nx",
        b"%2e%2e",
        b"-rf",
        b"\xc3\xa9",
        b"\xff\xfe",
        b"a\"b",
        b"1.0.0'><svg onload=alert(1)>",
    ];
    for name in &names {
        let dir = repo.file("content/releases").join(OsStr::from_bytes(name));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("release.md"),
            release_md("1.0.0", "major", WINDOW.0, WINDOW.1),
        )
        .unwrap();
    }
    repo.commit(DEV, "2026-02-01T10:00:00Z", "odd folders");
    let (v, code) = check_safely(&repo, &[]);
    for name in &names {
        let shown = String::from_utf8_lossy(name);
        let path = format!("content/releases/{shown}/release.md");
        let f = findings_at(&v, "release.version-mismatch", &path);
        assert!(
            f.iter().any(|f| f["message"]
                .as_str()
                .unwrap()
                .contains("is not a semver version")),
            "{path}: {:#?}",
            v["findings"]
        );
        assert!(f.iter().all(|f| f["severity"] == "error"));
    }
    assert_eq!(code, 1);
    let pages = build_stays_inside(&repo);
    assert!(pages.contains_key("releases/-rf/index.html"));
}

/// `..` in a version, an incident reference and a release reference is
/// text: a finding where a rule applies, never a path.
#[test]
fn dot_dot_in_versions_and_references_is_only_text() {
    let repo = incident_world();
    let release = release_md("2.0.0", "major", WINDOW.0, WINDOW.1)
        .replace("version: 2.0.0", "version: ../../../../etc/passwd");
    let path = rel_path("2.0.0", "release.md");
    repo.commit_file(DEV, "2026-02-25T10:00:00Z", &path, &release);
    let inc = edited(valid_incident(), &[("release", Some(json!("../../../..")))]);
    commit_incident(&repo, INCIDENT, &inc);
    let (v, code) = check_safely(&repo, &[]);
    let f = findings_at(&v, "release.version-mismatch", &path);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_at(f[0], &path, line_of(&release, "version:"), "error");
    assert_eq!(code, 1);
    let pages = build_stays_inside(&repo);
    assert!(
        !pages
            .keys()
            .any(|p| p.contains("passwd") || p.contains(".."))
    );
}

#[test]
fn odd_incident_ids_are_errors_and_pages_stay_inside_the_site() {
    let repo = incident_world();
    let ids = [
        "2026-02-20-..",
        "2026-02-20-a..b",
        "2026-02-30-no-such-day",
        "2026-02-20-<img src=x onerror=alert(1)>",
        "2026-02-20-UPPER",
        "2026-02-20-",
        "20260220-x",
    ];
    for id in ids {
        repo.write(&incident_path(id), &incident_md(&valid_incident()));
    }
    repo.commit(OMAR, "2026-02-20T16:30:00Z", "odd incidents");
    let (v, code) = check_safely(&repo, &[]);
    for id in ids {
        let f = assert_unexpected(&v, &format!("content/incidents/{id}"));
        assert_eq!(f["severity"], "error", "{f:#}");
    }
    assert_eq!(code, 1);
    build_stays_inside(&repo);
}

/// The finding on a badly named incident folder says the folder "is
/// ignored"; then its incident must not be judged and published as if it
/// were valid (or the finding must not claim that it is ignored).
#[test]
fn an_incident_folder_reported_as_ignored_is_ignored() {
    let repo = incident_world();
    let id = "2026-02-20-Checkout";
    repo.write(&incident_path(id), &incident_md(&valid_incident()));
    repo.commit(OMAR, "2026-02-20T16:30:00Z", "incident");
    let (v, _) = check_safely(&repo, &[]);
    let f = assert_unexpected(&v, &format!("content/incidents/{id}"));
    let says_ignored = f["message"].as_str().unwrap().contains("ignored");
    let judged = v["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == id);
    assert!(
        !(says_ignored && judged),
        "the folder is said to be ignored, yet incident {id} is judged: {:#}",
        v["incidents"]
    );
}

/// A patch naming an incident that does not exist gets neither the
/// incident's hotfix clock nor the go/no-go lead: something must say so.
#[test]
fn a_patch_naming_a_missing_incident_is_not_exempt_from_the_go_no_go() {
    // Control: the same rushed patch naming no incident misses its go/no-go.
    let control = incident_world();
    rushed_patch(&control, "1.1.1", None);
    let (v, _) = check_safely(&control, &[]);
    assert_fires(&v, "gonogo.missing");

    let repo = incident_world();
    rushed_patch(&repo, "1.1.1", Some("2026-02-19-made-up"));
    let (v, code) = check_safely(&repo, &[]);
    let path = rel_path("1.1.1", "release.md");
    let named = v["findings"].as_array().unwrap().iter().any(|f| {
        f["path"] == path && f["severity"] == "error" && f["rule"] != "release.requirement-unmet"
    });
    assert!(named, "no finding on {path}: {:#}", v["findings"]);
    assert_eq!(code, 1);
}

// ---- duplicate versions ----

#[test]
fn the_same_version_in_other_folders_is_a_version_mismatch() {
    let repo = Repo::with_team();
    for (folder, title) in [
        ("1.0.0", "Real one"),
        ("01.0.0", "Leading zero"),
        ("v1.0.0", "With a v"),
    ] {
        let text = release_md("1.0.0", "major", WINDOW.0, WINDOW.1)
            .replace("title: Release 1.0.0", &format!("title: {title}"));
        repo.write(&rel_path(folder, "release.md"), &text);
    }
    repo.commit(DEV, "2026-02-01T10:00:00Z", "three 1.0.0s");
    let (v, code) = check_safely(&repo, &[]);
    for folder in ["01.0.0", "v1.0.0"] {
        let path = rel_path(folder, "release.md");
        let f = findings_at(&v, "release.version-mismatch", &path);
        assert_eq!(
            f.len(),
            2,
            "not semver, and differs from the folder: {f:#?}"
        );
        assert!(f.iter().all(|f| f["severity"] == "error"));
    }
    assert!(
        findings_at(
            &v,
            "release.version-mismatch",
            &rel_path("1.0.0", "release.md")
        )
        .is_empty()
    );
    assert_eq!(code, 1);
    let pages = build_clean(&repo);
    let page = &pages["releases/1.0.0/index.html"];
    assert!(
        page.contains("Real one") && !page.contains("Leading zero") && !page.contains("With a v")
    );
}

/// `1.0.0+build.1` is 1.0.0 again (build metadata has no precedence):
/// releasing it as a patch of 1.0.0 must not pass silently.
#[test]
fn a_version_differing_only_in_build_metadata_is_a_duplicate() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "major", "2026-01");
    let dup = "1.0.0+build.1";
    repo.commit_file(
        DEV,
        "2026-02-01T10:00:00Z",
        &rel_path(dup, "release.md"),
        &release_md(dup, "patch", WINDOW.0, WINDOW.1),
    );
    let (v, code) = check_safely(&repo, &[]);
    let path = rel_path(dup, "release.md");
    let f: Vec<&Value> = findings_at(&v, "release.version-mismatch", &path)
        .into_iter()
        .chain(findings_at(&v, "release.type-mismatch", &path))
        .collect();
    assert!(!f.is_empty(), "{dup} duplicates 1.0.0: {:#}", v["findings"]);
    assert_eq!(code, 1);
}

// ---- unknown gates ----

#[test]
fn files_not_named_after_a_gate_never_stand_in_for_one() {
    let repo = developed();
    let unknown = ["qa", "Quality", "quality ", "quality-final", "__proto__"];
    for name in unknown {
        repo.write(&rel_path(V, &format!("signoffs/{name}.md")), &quality_md());
    }
    let not_markdown = ["QUALITY.MD", "quality", "quality.md~", "quality.txt"];
    for name in not_markdown {
        repo.write(&rel_path(V, &format!("signoffs/{name}")), &quality_md());
    }
    repo.commit(GRACE, "2026-02-03T10:00:00Z", "sign-offs under odd names");
    let (v, code) = check_safely(&repo, &[]);
    for name in unknown {
        let path = rel_path(V, &format!("signoffs/{name}.md"));
        assert_error_at(&v, "signoff.unknown-gate", &path, 1);
    }
    for name in not_markdown {
        assert_unexpected(&v, &rel_path(V, &format!("signoffs/{name}")));
    }
    assert_eq!(gate_state(&v, V, "quality"), "pending");
    assert_eq!(code, 1);
}

/// `quality.md.md` is not `quality.md`: it must not replace the quality
/// sign-off (here hiding its rejection) and must itself be reported.
#[test]
fn a_doubled_extension_does_not_replace_a_gate() {
    let repo = developed();
    let path = signoff_path(V, "quality");
    repo.commit_file(
        GRACE,
        "2026-02-03T10:00:00Z",
        &path,
        &signoff_md(gate_of("quality").1, "reject"),
    );
    let shadow = rel_path(V, "signoffs/quality.md.md");
    repo.commit_file(GRACE, "2026-02-04T10:00:00Z", &shadow, &quality_md());
    let (v, code) = check_safely(&repo, &[]);
    assert_eq!(gate_state(&v, V, "quality"), "rejected");
    assert!(
        !findings_at(&v, "signoff.unknown-gate", &shadow).is_empty()
            || !findings_at(&v, "content.unexpected-file", &shadow).is_empty(),
        "{:#}",
        v["findings"]
    );
    assert_eq!(code, 1);
}

// ---- unusual repositories ----

#[test]
fn an_empty_repository_shows_everything_pending_in_every_command() {
    let repo = Repo::new();
    repo.write("content/team.yaml", TEAM);
    repo.write(
        &rel_path(V, "release.md"),
        &release_md(V, "major", WINDOW.0, WINDOW.1),
    );
    repo.write(
        &signoff_path(V, "development"),
        &signoff_md(gate_of("development").1, "approve"),
    );
    let (v, code) = check_safely(&repo, &[]);
    assert_eq!(code, 0, "{:#}", v["findings"]);
    assert_eq!(gate_state(&v, V, "development"), "pending");
    assert_fires(&v, "signoff.pending");
    let github = run_baton(&repo, &["check", "--format", "github", "--now", NOW]);
    assert_eq!(github.code, 0);
    let status = run_baton(&repo, &["status", V, "--now", NOW]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    let pages = build_clean(&repo);
    assert!(pages["releases/1.0.0/index.html"].contains("written, not committed"));
}

#[test]
fn a_detached_head_is_judged_at_that_commit() {
    let repo = Repo::with_team();
    let commits = signed_release(&repo, V, "major", "2026-02");
    repo.git(&["checkout", "-q", "--detach", &commits[1]]);
    let (v, code) = check_safely(&repo, &[]);
    assert!(code == 0 || code == 1, "exit {code}");
    let r = release_of(&v, V);
    assert_eq!(r["gates"]["development"]["state"], "approved");
    assert_eq!(r["gates"]["quality"]["state"], "approved");
    assert_eq!(r["gates"]["quality"]["signer"], "grace");
    assert_eq!(r["gates"]["quality"]["commit"], commits[1]);
    assert_eq!(r["gates"]["security"]["state"], "pending");
    assert_eq!(r["state"], "in-review");
    build_clean(&repo);
}

#[test]
fn a_bare_repository_is_exit_2_with_a_clear_message() {
    let repo = Repo::with_team();
    shipped_release(&repo, V, "major", "2026-02");
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("bare.git");
    repo.git(&["clone", "-q", "--bare", ".", bare.to_str().unwrap()]);
    std::fs::create_dir_all(bare.join("content")).unwrap();
    std::fs::write(bare.join("content/team.yaml"), TEAM).unwrap();
    for args in [
        vec!["check", "--now", NOW],
        vec!["build", "--now", NOW],
        vec!["status", "--now", NOW],
    ] {
        let ran = run_baton_in(&bare, &args);
        assert_eq!(ran.code, 2, "{args:?}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("the repository is bare"),
            "{}",
            ran.stderr
        );
        assert!(ran.stderr.contains("help:"), "{}", ran.stderr);
    }
    assert!(!bare.join("public").exists());
}

/// The records in `sub/content/`, a decoy roster at the top: `--root sub`
/// judges sub's records by sub's roster and points at sub's files.
#[test]
fn content_in_a_subfolder_is_judged_with_root() {
    let repo = Repo::new();
    repo.write(
        "content/team.yaml",
        "people:\n  - {id: dev, name: Dev Rao, emails: [dev@octo.example], roles: [qa-lead]}\n",
    );
    repo.write("sub/content/team.yaml", TEAM);
    repo.commit(ADA, "2026-01-01T09:00:00Z", "rosters");
    let sub = |p: &str| format!("sub/{p}");
    repo.commit_file(
        DEV,
        "2026-02-01T10:00:00Z",
        &sub(&rel_path(V, "release.md")),
        &release_md(V, "major", WINDOW.0, WINDOW.1),
    );
    for (i, (gate, who, items)) in GATES.iter().take(2).enumerate() {
        let who = if *gate == "quality" { DEV } else { *who };
        repo.commit_file(
            who,
            &format!("2026-02-{:02}T10:00:00Z", i + 2),
            &sub(&signoff_path(V, gate)),
            &signoff_md(items, "approve"),
        );
    }
    repo.commit_file(
        DEV,
        "2026-02-05T10:00:00Z",
        "sub/content/team.yaml",
        &TEAM.replace("roles: [developer]", "roles: [developer, qa-lead]"),
    );

    let (v, code) = check_safely(&repo, &["--root", "sub"]);
    assert_eq!(gate_state(&v, V, "development"), "approved");
    assert_eq!(release_of(&v, V)["gates"]["development"]["signer"], "dev");
    let f = assert_error_at(&v, "signoff.wrong-role", &signoff_path(V, "quality"), 1);
    assert_eq!(
        f["commit"],
        repo.last_commit(&sub(&signoff_path(V, "quality")))
    );
    assert_error_at(&v, "policy.unauthorized-change", "content/team.yaml", 1);
    assert_eq!(code, 1);

    let github = run_baton(
        &repo,
        &["check", "--root", "sub", "--format", "github", "--now", NOW],
    );
    assert_eq!(github.code, 1);
    assert!(
        github
            .stdout
            .contains("file=sub/content/releases/1.0.0/signoffs/quality.md,line=1"),
        "{}",
        github.stdout
    );
    // Inside the subfolder, the root is found by walking up.
    let inside = run_baton_in(
        &repo.file("sub/content/releases"),
        &["check", "--format", "json", "--now", NOW],
    );
    assert_eq!(inside.code, 1);
    let w: Value = serde_json::from_str(&inside.stdout).unwrap();
    assert_eq!(w["findings"], v["findings"]);
    let built = run_baton(&repo, &["build", "--root", "sub", "--now", NOW]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    assert!(repo.file("sub/public/releases/1.0.0/index.html").is_file());
}

// ---- script in front-matter strings ----

/// A payload per field, marked with `n` so its (escaped) text can be found on the page.
fn payload(n: u32) -> String {
    format!("<script>alert({n})</script>\"><img src=x onerror=alert({n})>'><svg onload=alert({n})>")
}

#[test]
fn front_matter_strings_cannot_script_the_pages() {
    let repo = incident_world();
    let team = TEAM.replace(
        "name: Dev Rao",
        &format!("name: {}", serde_json::to_string(&payload(301)).unwrap()),
    );
    repo.commit_file(ADA, "2026-02-21T08:00:00Z", "content/team.yaml", &team);
    repo.write(
        "content/site.yaml",
        &format!(
            "title: {}\ndescription: {}\ncomponents: [{}]\n",
            serde_json::to_string(&payload(104)).unwrap(),
            serde_json::to_string(&payload(103)).unwrap(),
            serde_json::to_string(&payload(105)).unwrap(),
        ),
    );
    repo.commit(ADA, "2026-02-21T08:30:00Z", "site");

    let release = release_md("1.2.0", "minor", WINDOW.0, WINDOW.1)
        .replace(
            "title: Release 1.2.0",
            &format!("title: {}", serde_json::to_string(&payload(101)).unwrap()),
        )
        .replace(
            "components: [Checkout]",
            &format!(
                "components: [{}]",
                serde_json::to_string(&payload(102)).unwrap()
            ),
        )
        .replace(
            "smoke-tests: true",
            "smoke-tests: \"javascript:alert(405)\"",
        );
    repo.commit_file(
        DEV,
        "2026-02-21T09:00:00Z",
        &rel_path("1.2.0", "release.md"),
        &release,
    );
    let dev_items = gate_of("development").1;
    let mut development = signoff_md(dev_items, "approve").replace(
        "test-guidance: true",
        &format!(
            "test-guidance: {}",
            serde_json::to_string(&format!("n/a: {}", payload(402))).unwrap()
        ),
    );
    development.push_str(&format!(
        "[notes](javascript:alert(403)) {}\n",
        payload(403)
    ));
    repo.commit_file(
        DEV,
        "2026-02-21T09:10:00Z",
        &signoff_path("1.2.0", "development"),
        &development,
    );
    repo.commit_file(
        ADA,
        "2026-02-21T09:20:00Z",
        &rel_path("1.2.0", "go-no-go.md"),
        &gonogo_md("go", "2026-02-21T09:00:00Z").replace(
            "attendees: [ada, grace, sam]",
            &format!(
                "attendees: [ada, {}]",
                serde_json::to_string(&payload(404)).unwrap()
            ),
        ),
    );

    let s = |n| json!(payload(n));
    let inc = edited(
        valid_incident(),
        &[
            ("title", Some(s(201))),
            ("declared_by", Some(s(211))),
            ("components", Some(json!({payload(210): "major-outage"}))),
            ("alert/summary", Some(s(202))),
            ("alert/impact", Some(s(203))),
            ("alert/status", Some(s(204))),
            ("assessment/target", Some(s(209))),
            ("resolution/root_cause", Some(s(207))),
            ("resolution/actions_taken", Some(s(208))),
        ],
    );
    let mut inc = inc;
    inc["updates"][0]["status"] = s(205);
    inc["updates"][0]["message"] = s(206);
    commit_incident(&repo, INCIDENT, &inc);
    let mut pm = valid_postmortem();
    pm["action_items"][0]["title"] = s(212);
    pm["action_items"][0]["owner"] = s(213);
    commit_postmortem(&repo, INCIDENT, &pm);

    let (_, code) = check_safely(&repo, &[]);
    assert_eq!(code, 1, "the unknown people are findings");
    let pages = build_clean(&repo);
    let shows = |page: &str, n: u32| {
        assert!(
            pages[page].contains(&format!("alert({n})")),
            "payload {n} does not reach {page}, so the test proves nothing"
        );
    };
    for n in [101, 104, 103] {
        shows("releases/1.2.0/index.html", n);
    }
    shows("index.html", 105);
    for n in [402, 404] {
        shows("releases/1.2.0/index.html", n);
    }
    let incident = format!("incidents/{INCIDENT}/index.html");
    for n in [
        201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213,
    ] {
        shows(&incident, n);
    }
    shows("team/index.html", 301);
    let feed = repo.read("public/feed.xml");
    assert!(!feed.to_ascii_lowercase().contains("<script"), "{feed}");
    assert!(!feed.contains("<img"), "{feed}");
}

/// `repo_url` becomes the link of every commit: a script URL must not.
#[test]
fn a_script_repo_url_does_not_become_a_link() {
    let repo = Repo::with_team();
    signed_release(&repo, V, "major", "2026-02");
    repo.write(
        "content/site.yaml",
        "title: Test\nrepo_url: \"javascript:alert(document.domain)//\"\n",
    );
    repo.commit(DEV, "2026-02-08T10:00:00Z", "site");
    let ran = run_baton(&repo, &["build", "--now", NOW]);
    assert!(ran.code == 0 || ran.code == 2, "{}", ran.stderr);
    if ran.code == 0 {
        assert_site_has_no_script(&repo.file("public"));
    }
}

// ---- properties: random front matter and bodies ----

mod properties {
    use baton::content::parse::{self, Parsed};
    use baton::content::records::{
        Deployment, GoNoGo, Incident, Postmortem, Release, RollbackPlan, Signoff,
    };
    use baton::content::roster::Roster;
    use baton::content::site::Site;
    use baton::finding::Finding;
    use baton::site::markdown;
    use proptest::prelude::*;

    use super::common::script_in;

    /// Field names of every record kind, nested keys and checklist ids.
    const KEYS: &[&str] = &[
        "version",
        "type",
        "title",
        "date",
        "deploy_window",
        "start",
        "end",
        "components",
        "incident",
        "requirements",
        "decision",
        "checklist",
        "signed_by",
        "meeting_at",
        "attendees",
        "started_at",
        "finished_at",
        "outcome",
        "target",
        "severity",
        "release",
        "security",
        "declared_at",
        "declared_by",
        "criteria",
        "metrics",
        "alert",
        "sent_at",
        "summary",
        "impact",
        "status",
        "responders",
        "next_update_at",
        "assessment",
        "at",
        "decided_by",
        "rm_unavailable",
        "target_validated_by",
        "escalation",
        "disagreement_at",
        "escalated_at",
        "to",
        "updates",
        "message",
        "rollback",
        "smoke_tests_validated_by",
        "completed_at",
        "resolution",
        "resolved_at",
        "root_cause",
        "actions_taken",
        "postmortem_at",
        "contact",
        "held_at",
        "action_items",
        "owner",
        "due",
        "security_reviewed_by",
        "people",
        "id",
        "name",
        "emails",
        "github",
        "roles",
        "signing_keys",
        "description",
        "base_url",
        "repo_url",
        "theme",
        "features-merged",
        "ci-passing",
        "decison",
    ];

    /// YAML-ish fragments: syntax, tags, anchors, timestamps, scripts.
    const YAMLISH: &[&str] = &[
        "",
        "~",
        "null",
        "true",
        "no",
        "0x1F",
        "1e400",
        "-.inf",
        ".nan",
        "2026-02-30",
        "2026-11-30T14:00:00Z",
        "2026-11-30T14:00:00",
        "2026-11-30T14:00:00+25:00",
        "[",
        "]",
        "{",
        "}",
        "[a, {b: c}]",
        "{a: [}",
        "&a",
        "*a",
        "&a [1, 2]",
        "*nope",
        "!!binary aGk=",
        "!!python/object:os.system",
        "!custom x",
        "|",
        ">-",
        "'",
        "\"",
        "\"\\u0000\"",
        "\"\\xff\"",
        "- ",
        "? ",
        ": ",
        "#",
        "%YAML 1.1",
        "---",
        "...",
        "<<: *a",
        "\t",
        "<script>alert(1)</script>",
        "n/a",
        "n/a: reason",
        "approve",
        "reject",
        "go",
        "no-go",
        "success",
        "rolled-back",
        "sev1",
        "major-outage",
        "rollback",
        "hotfix",
        "https://ci.example/1",
        "javascript:alert(1)",
    ];

    /// HTML and Markdown fragments that try to get a script through.
    const BODYISH: &[&str] = &[
        "<script>",
        "</script>",
        "<scr",
        "ipt>",
        "alert(1)",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "![x](javascript:alert(1))",
        "<a href=\"javascript:alert(1)\">",
        "<a href='java\nscript:alert(1)'>",
        "&#106;avascript:",
        "&lt;script&gt;",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<style>",
        "<iframe src=x>",
        "<math><mtext><table><mglyph><style>",
        "<noscript><p title=\"",
        "\">",
        "`",
        "```",
        "    ",
        "\n",
        "\n\n",
        "> ",
        "- ",
        "1. ",
        "## ",
        "| a | b |\n|---|---|\n",
        "[^1]",
        "[^1]: ",
        "- [x] ",
        "~~",
        "**",
        "_",
        "<",
        ">",
        "&",
        "\\",
        "<details open ontoggle=alert(1)>",
        "<base href=javascript:alert(1)//>",
        "<object data=x>",
        "<form action=x>",
    ];

    fn scalar() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => proptest::sample::select(YAMLISH).prop_map(str::to_string),
            2 => "\\PC{0,12}",
            1 => "[ -~]{0,12}",
        ]
    }

    /// Front matter lines: `key: value` at some indentation, list items, or noise.
    fn front_matter() -> impl Strategy<Value = String> {
        let line = prop_oneof![
            6 => (0usize..3, proptest::sample::select(KEYS), scalar())
                .prop_map(|(d, k, v)| format!("{}{k}: {v}", "  ".repeat(d))),
            2 => (0usize..3, scalar()).prop_map(|(d, v)| format!("{}- {v}", "  ".repeat(d))),
            1 => scalar(),
        ];
        proptest::collection::vec(line, 0..16).prop_map(|l| l.join("\n"))
    }

    fn body() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => proptest::sample::select(BODYISH).prop_map(str::to_string),
            1 => "\\PC{0,10}",
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())
    }

    /// A whole record: usually fenced front matter and a body, sometimes not.
    fn record_text() -> impl Strategy<Value = String> {
        (front_matter(), body(), 0u8..10).prop_map(|(front, body, shape)| match shape {
            0 => front,
            1 => format!("---\n{front}\n"),
            2 => format!("{body}\n---\n{front}\n---\n"),
            _ => format!("---\n{front}\n---\n{body}"),
        })
    }

    /// Every finding points at a line of the file (or the one after its end).
    fn lines_ok(text: &str, out: &[Finding]) -> Result<(), TestCaseError> {
        let last = text.lines().count() + 1;
        for f in out {
            prop_assert!(
                f.line >= 1 && f.line <= last,
                "{:?} at line {} of a {}-line file",
                f.rule,
                f.line,
                last - 1
            );
        }
        Ok(())
    }

    /// Parses `text` as every record kind; returns (kind, rule, line) of all findings.
    fn parse_all(text: &str) -> Result<Vec<(usize, String, usize)>, TestCaseError> {
        fn one<T: serde::de::DeserializeOwned>(
            text: &str,
            f: fn(&str, &str, &mut Vec<Finding>) -> Parsed<T>,
        ) -> Result<Vec<(String, usize)>, TestCaseError> {
            let mut out = Vec::new();
            let _ = f("content/x.md", text, &mut out);
            lines_ok(text, &out)?;
            Ok(out
                .iter()
                .map(|f| (format!("{:?}: {}", f.rule, f.message), f.line))
                .collect())
        }
        let all = [
            one::<Release>(text, parse::record)?,
            one::<Signoff>(text, parse::record)?,
            one::<GoNoGo>(text, parse::record)?,
            one::<Deployment>(text, parse::record)?,
            one::<Incident>(text, parse::record)?,
            one::<Postmortem>(text, parse::record)?,
            one::<RollbackPlan>(text, parse::record)?,
            one::<RollbackPlan>(text, parse::prose)?,
            one::<Site>(text, parse::yaml)?,
            one::<Roster>(text, parse::yaml)?,
        ];
        Ok(all
            .into_iter()
            .enumerate()
            .flat_map(|(k, v)| v.into_iter().map(move |(m, l)| (k, m, l)))
            .collect())
    }

    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(config())]

        /// Random records never panic any parser, and findings point at real lines.
        #[test]
        fn random_records_never_panic_the_parser(text in record_text()) {
            parse_all(&text)?;
        }

        /// Arbitrary text, not even YAML-shaped, is handled the same way.
        #[test]
        fn arbitrary_text_never_panics_the_parser(text in "\\PC{0,200}") {
            parse_all(&text)?;
            parse_all(&format!("---\n{text}\n---\n{text}"))?;
        }

        /// A BOM and CRLF line ends change nothing: same findings, same lines.
        #[test]
        fn bom_and_crlf_change_no_finding(text in record_text()) {
            let plain = parse_all(&text)?;
            prop_assert_eq!(&parse_all(&text.replace('\n', "\r\n"))?, &plain);
            prop_assert_eq!(&parse_all(&format!("\u{feff}{text}"))?, &plain);
        }

        /// Rendered bodies never carry script, at any heading shift.
        #[test]
        fn rendered_markdown_never_carries_script(source in body(), shift in 0u8..4) {
            let html = markdown::render(&source, shift);
            prop_assert!(!html.to_ascii_lowercase().contains("<script"), "{}", html);
            prop_assert!(script_in(&html).is_none(), "{:?} in {}", script_in(&html), html);
            let sections = markdown::sections(&source);
            for (_, md) in sections {
                let html = markdown::render(&md, 1);
                prop_assert!(script_in(&html).is_none(), "{}", html);
            }
        }
    }
}
