//! `baton serve` as a real process on a free port: pages, live reload
//! events, the overlay on a bad edit with the old page kept, recovery, and
//! a sign-off committed in "another terminal" showing up without a restart.
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(repo: &Repo) -> Server {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("baton"))
        .args(["serve", "--port", "0"])
        .current_dir(repo.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Server { child, addr }
}

/// GET over plain HTTP/1.0: (status, body).
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Polls until the page satisfies `ok` (rebuilds are debounced and take a moment).
fn eventually(addr: &str, path: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, body) = get(addr, path);
        if ok(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting on {path}; last body:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn release_repo() -> Repo {
    let repo = Repo::with_team();
    signed_release(&repo, "1.0.0", "major", "2026-02");
    repo
}

#[test]
fn serves_pages_and_refuses_to_leave_the_site() {
    let repo = release_repo();
    let server = start(&repo);
    let (status, body) = get(&server.addr, "/releases/1.0.0/");
    assert_eq!(status, 200);
    assert!(body.contains("Grace Ito"));
    assert!(
        body.contains("/__baton/live.js"),
        "serve injects the live-reload script"
    );
    assert_eq!(get(&server.addr, "/releases/1.0.0").0, 301);
    assert_eq!(get(&server.addr, "/nope/").0, 404);
    assert_eq!(get(&server.addr, "/../content/team.yaml").0, 400);
    assert_eq!(get(&server.addr, "/%2e%2e/%2e%2e/etc/passwd").0, 400);
    assert!(
        !repo.file("public").exists(),
        "serve writes nothing into the repository"
    );
}

#[test]
fn edits_rebuild_and_reload_and_a_bad_edit_keeps_the_old_page() {
    let repo = release_repo();
    let server = start(&repo);
    let mut events = TcpStream::connect(&server.addr).unwrap();
    write!(events, "GET /__baton/events HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut events = BufReader::new(events);

    // Edit a record: the page changes and a reload event is sent.
    let release = repo
        .read(&rel_path("1.0.0", "release.md"))
        .replace("title: Release 1.0.0", "title: Shiny New Things");
    repo.write(&rel_path("1.0.0", "release.md"), &release);
    eventually(&server.addr, "/releases/1.0.0/", |b| {
        b.contains("Shiny New Things")
    });
    let mut line = String::new();
    loop {
        line.clear();
        events.read_line(&mut line).unwrap();
        if line.starts_with("event: reload") {
            break;
        }
    }

    // Break a record: the overlay names file and line, the old page stays.
    repo.write(
        &rel_path("1.0.0", "signoffs/security.md"),
        "---\ndecision: approve\nchecklist: {scans-clean: [\n---\n",
    );
    let page = eventually(&server.addr, "/releases/1.0.0/", |b| {
        b.contains("baton-overlay")
    });
    assert!(
        page.contains("content/releases/1.0.0/signoffs/security.md:4: "),
        "overlay names file and line"
    );
    assert!(
        page.contains("Shiny New Things"),
        "the last good page stays"
    );

    // Fix it: the overlay goes away.
    repo.write(
        &rel_path("1.0.0", "signoffs/security.md"),
        &signoff_md(GATES[2].2, "approve"),
    );
    eventually(&server.addr, "/releases/1.0.0/", |b| {
        !b.contains("baton-overlay")
    });
}

#[test]
fn a_commit_in_another_terminal_updates_signers() {
    let repo = release_repo();
    let server = start(&repo);
    repo.write(
        &rel_path("1.0.0", "go-no-go.md"),
        &gonogo_md("go", "2026-02-10T09:00:00Z"),
    );
    eventually(&server.addr, "/releases/1.0.0/", |b| {
        b.contains("written, not committed")
    });
    repo.commit(ADA, "2026-02-10T10:00:00Z", "go");
    let page = eventually(&server.addr, "/releases/1.0.0/", |b| {
        !b.contains("written, not committed")
    });
    assert!(
        page.contains("Recorded by <span class=\"who\">Ada Park</span>"),
        "the signer appears without a restart"
    );
}

/// serve reads again only what its watcher says changed: new folders (and
/// files in new sub-folders), atomic saves, deletions, renamed folders and
/// edits in a folder it has kept must all reach the pages.
#[test]
fn folders_added_saved_renamed_and_removed_while_serving_are_seen() {
    let repo = release_repo();
    let server = start(&repo);
    let addr = &server.addr;

    // A new release folder; then, once it is served, a new signoffs/ folder.
    repo.write(
        &rel_path("1.1.0", "release.md"),
        &release_md(
            "1.1.0",
            "minor",
            "2026-03-20T10:00:00Z",
            "2026-03-20T12:00:00Z",
        ),
    );
    eventually(addr, "/releases/1.1.0/", |b| b.contains("Release 1.1.0"));
    let signoff = format!("signoffs/{}.md", GATES[0].0);
    repo.write(
        &rel_path("1.1.0", &signoff),
        &signoff_md(GATES[0].2, "approve"),
    );
    eventually(addr, "/releases/1.1.0/", |b| {
        b.contains("written, not committed")
    });

    // An editor's atomic save: a temporary file renamed over the record.
    let edited = repo
        .read(&rel_path("1.1.0", "release.md"))
        .replace("title: Release 1.1.0", "title: Saved Atomically");
    repo.write("content/releases/1.1.0/.release.md.tmp", &edited);
    std::fs::rename(
        repo.file("content/releases/1.1.0/.release.md.tmp"),
        repo.file(&rel_path("1.1.0", "release.md")),
    )
    .unwrap();
    eventually(addr, "/releases/1.1.0/", |b| b.contains("Saved Atomically"));

    // The sign-off deleted: the gate has no file any more.
    repo.remove(&rel_path("1.1.0", &signoff));
    eventually(addr, "/releases/1.1.0/", |b| {
        b.contains("Saved Atomically") && !b.contains("written, not committed")
    });

    // The folder renamed (and its version fixed): the old page goes.
    std::fs::rename(
        repo.file("content/releases/1.1.0"),
        repo.file("content/releases/1.2.0"),
    )
    .unwrap();
    let moved = repo
        .read(&rel_path("1.2.0", "release.md"))
        .replace("version: 1.1.0", "version: 1.2.0");
    repo.write(&rel_path("1.2.0", "release.md"), &moved);
    eventually(addr, "/releases/1.2.0/", |b| {
        b.contains("1.2.0 · Saved Atomically")
    });
    assert_eq!(get(addr, "/releases/1.1.0/").0, 404);

    // Once settled (2 s), a rebuild for another release keeps 1.2.0 whole;
    // edits inside it, in place and in its signoffs/ folder, still show.
    std::thread::sleep(Duration::from_millis(2200));
    let other = repo
        .read(&rel_path("1.0.0", "release.md"))
        .replace("title: Release 1.0.0", "title: Another Release");
    repo.write(&rel_path("1.0.0", "release.md"), &other);
    eventually(addr, "/releases/1.0.0/", |b| b.contains("Another Release"));
    let in_place = repo
        .read(&rel_path("1.2.0", "release.md"))
        .replace("title: Saved Atomically", "title: Edited In Place");
    repo.write(&rel_path("1.2.0", "release.md"), &in_place);
    eventually(addr, "/releases/1.2.0/", |b| b.contains("Edited In Place"));
    repo.write(
        &rel_path("1.2.0", &signoff),
        &signoff_md(GATES[0].2, "approve"),
    );
    eventually(addr, "/releases/1.2.0/", |b| {
        b.contains("written, not committed")
    });

    // The whole folder removed.
    eventually(addr, "/releases/", |b| b.contains("1.2.0"));
    std::fs::remove_dir_all(repo.file("content/releases/1.2.0")).unwrap();
    eventually(addr, "/releases/", |b| !b.contains("1.2.0"));
    assert_eq!(get(addr, "/releases/1.2.0/").0, 404);
}
