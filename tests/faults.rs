//! Faults (issue "Trust: hostile-input suite"): builds racing into one out
//! folder, builds killed midway, and a record deleted under `baton serve`.
//! The site on disk is always a whole site (SPEC §5: a failed build leaves
//! the previous site intact) and the server keeps answering.
mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A repository with `n` releases 1.0.0, 2.0.0, ..., each added in one
/// commit holding its record, five sign-offs, go/no-go and deployment.
fn many_releases(n: usize) -> Repo {
    let repo = Repo::with_team();
    for i in 1..=n {
        let v = format!("{i}.0.0");
        repo.write(
            &rel_path(&v, "release.md"),
            &release_md(&v, "major", "2026-02-20T14:00:00Z", "2026-02-20T16:00:00Z"),
        );
        for (gate, _, items) in GATES {
            repo.write(&signoff_path(&v, gate), &signoff_md(items, "approve"));
        }
        repo.write(
            &rel_path(&v, "go-no-go.md"),
            &gonogo_md("go", "2026-02-10T09:00:00Z"),
        );
        repo.write(
            &rel_path(&v, "deployment.md"),
            &deployment_md("2026-02-20T14:05:00Z", "2026-02-20T15:00:00Z", "success"),
        );
        repo.commit(ADA, &format!("2026-02-{:02}T10:00:00Z", 1 + i % 28), &v);
    }
    repo
}

/// `baton build --now NOW --out OUT` as a child process of the repository.
fn spawn_build(repo: &Repo, out: &str) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("baton"))
        .args(["build", "--now", NOW, "--out", out])
        .current_dir(repo.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Temporary and old folders a build of `out` leaves beside it.
fn leftovers(parent: &Path, out: &str) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!(".{out}.baton-")))
        // The replaced site, kept on purpose as the next build's start.
        .filter(|n| *n != format!(".{out}.baton-prev"))
        .collect()
}

/// Asserts that `site` is a whole site for releases 1.0.0..=n.0.0, identical to `reference`.
#[track_caller]
fn assert_whole_site(
    site: &Path,
    n: usize,
    reference: &std::collections::BTreeMap<String, Vec<u8>>,
) {
    assert!(site.is_dir(), "{} is gone", site.display());
    let files = tree_files(site);
    for page in [
        "index.html",
        "status.json",
        "releases/index.html",
        "feed.xml",
    ] {
        assert!(files.contains_key(page), "{page} missing");
    }
    for i in 1..=n {
        let page = format!("releases/{i}.0.0/index.html");
        assert!(files.contains_key(&page), "{page} missing");
    }
    let missing: Vec<&String> = reference
        .keys()
        .filter(|k| !files.contains_key(*k))
        .collect();
    let extra: Vec<&String> = files
        .keys()
        .filter(|k| !reference.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    for (path, bytes) in reference {
        assert!(
            files[path] == *bytes,
            "{path} differs from a complete build"
        );
    }
}

/// The files of a complete build of `repo` into a scratch folder.
fn reference_build(repo: &Repo) -> std::collections::BTreeMap<String, Vec<u8>> {
    let ran = run_baton(repo, &["build", "--now", NOW, "--out", "reference"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let files = tree_files(&repo.file("reference"));
    std::fs::remove_dir_all(repo.file("reference")).unwrap();
    files
}

// ---- racing builds ----

/// Two builds started at once into the same folder: at least one succeeds,
/// the other succeeds too or fails cleanly (exit 2, a message), and what is
/// left is one whole site with no temporary folders beside it.
#[test]
fn two_builds_at_once_leave_one_whole_site() {
    const N: usize = 12;
    let repo = many_releases(N);
    let reference = reference_build(&repo);
    for round in 0..5 {
        let builds = [spawn_build(&repo, "site"), spawn_build(&repo, "site")];
        let mut ok = 0;
        for b in builds {
            let out = b.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("panicked"), "round {round}: {stderr}");
            match out.status.code() {
                Some(0) => ok += 1,
                Some(2) => assert!(stderr.contains("error:"), "round {round}: {stderr}"),
                other => panic!("round {round}: exit {other:?}: {stderr}"),
            }
        }
        assert!(ok >= 1, "round {round}: neither build succeeded");
        assert_whole_site(&repo.file("site"), N, &reference);
        assert_eq!(
            leftovers(repo.path(), "site"),
            Vec::<String>::new(),
            "round {round}"
        );
    }
}

// ---- killed builds ----

/// Kills a build of `public/` after `delay`, or (`None`) as soon as its
/// temporary folder appears, i.e. while it writes pages. Returns whether
/// the kill landed before the build finished and whether it landed mid-write.
fn kill_build(repo: &Repo, delay: Option<Duration>) -> (bool, bool) {
    let mut child = spawn_build(repo, "public");
    let mut writing = false;
    match delay {
        Some(d) => std::thread::sleep(d),
        None => {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
                if leftovers(repo.path(), "public")
                    .iter()
                    .any(|n| n.contains("baton-tmp"))
                {
                    writing = true;
                    break;
                }
            }
        }
    }
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    let status = child.wait().unwrap();
    let killed = !finished && status.code().is_none();
    (killed, writing && killed)
}

/// A build killed at any moment, before or while it writes pages, leaves
/// the previous site byte for byte (the input is unchanged, so a build that
/// did finish would have written the same bytes); the next build succeeds.
#[test]
fn a_build_killed_midway_leaves_the_previous_site() {
    const N: usize = 60;
    let repo = many_releases(N);
    let ran = run_baton(&repo, &["build", "--now", NOW]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let site = repo.file("public");
    let before = tree_files(&site);
    let index = before["index.html"].clone();

    let (mut killed, mut mid_write) = (0, 0);
    let delays = [1u64, 3, 10, 30, 100, 300];
    let plan = delays
        .iter()
        .map(|ms| Some(Duration::from_millis(*ms)))
        .chain([None, None, None]);
    for delay in plan {
        let (k, w) = kill_build(&repo, delay);
        killed += usize::from(k);
        mid_write += usize::from(w);
        assert_eq!(
            std::fs::read(site.join("index.html")).ok().as_ref(),
            Some(&index),
            "index.html changed after a kill ({delay:?})"
        );
        assert_whole_site(&site, N, &before);
    }
    assert!(
        killed >= 3,
        "only {killed} kills landed before the build ended: make the repository bigger"
    );
    assert!(
        mid_write >= 1,
        "no kill landed while pages were written: make the repository bigger"
    );

    // Whatever a kill left beside the site does not stop the next build.
    let ran = run_baton(&repo, &["build", "--now", NOW]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_whole_site(&site, N, &before);
}

// ---- serve under churn ----

/// A record deleted and re-created in a tight loop while pages are being
/// fetched: every request is answered, the process survives, and it still
/// rebuilds afterwards.
#[test]
fn serve_survives_a_record_deleted_while_it_is_read() {
    let repo = Repo::with_team();
    signed_release(&repo, "1.0.0", "major", "2026-02");
    let mut server = Served::start(&repo);
    let path = repo.file(&signoff_path("1.0.0", "quality"));
    let text = std::fs::read(&path).unwrap();

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let (stop, path, text) = (stop.clone(), path.clone(), text.clone());
        std::thread::spawn(move || {
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = std::fs::remove_file(&path);
                std::fs::write(&path, &text).unwrap();
                n += 1;
            }
            n
        })
    };
    let started = Instant::now();
    let mut requests = 0;
    while started.elapsed() < Duration::from_secs(1) {
        for page in ["/", "/releases/1.0.0/", "/status.json"] {
            let (status, _) = server.get(page);
            assert_eq!(status, 200, "{page} during the churn");
            requests += 1;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let rewrites = churn.join().unwrap();
    assert!(
        rewrites > 10 && requests > 3,
        "{rewrites} rewrites, {requests} requests"
    );

    std::fs::write(&path, &text).unwrap();
    assert!(server.running(), "the server died: {}", server.log());
    assert_eq!(server.get("/").0, 200);
    server.eventually("/releases/1.0.0/", |b| {
        b.contains("Grace Ito") && !b.contains("baton-overlay")
    });
    // The rebuild loop is alive: an edit still shows up.
    let release = repo
        .read(&rel_path("1.0.0", "release.md"))
        .replace("title: Release 1.0.0", "title: Still Rebuilding");
    repo.write(&rel_path("1.0.0", "release.md"), &release);
    server.eventually("/releases/1.0.0/", |b| b.contains("Still Rebuilding"));
    assert!(server.running());
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

/// The swap itself: a build renames the old site aside, then its new site
/// into place. Killed between the two renames, it leaves no site at all
/// (the old one sits in `.public.baton-old-*`). Hunted here by killing each
/// build the moment the old site's folder appears.
#[test]
fn a_build_killed_during_the_swap_leaves_a_site() {
    let repo = many_releases(3);
    let ran = run_baton(&repo, &["build", "--now", NOW]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let before = tree_files(&repo.file("public"));
    for round in 0..150 {
        let mut child = spawn_build(&repo, "public");
        while child.try_wait().unwrap().is_none() {
            if leftovers(repo.path(), "public")
                .iter()
                .any(|n| n.contains("baton-old"))
            {
                let _ = child.kill();
                break;
            }
        }
        let _ = child.wait();
        assert!(
            repo.file("public/index.html").is_file(),
            "round {round}: no site after the kill; beside it: {:?}",
            leftovers(repo.path(), "public")
        );
        assert_whole_site(&repo.file("public"), 3, &before);
        for stale in leftovers(repo.path(), "public") {
            let stale = repo.path().join(stale);
            if stale.is_dir() {
                std::fs::remove_dir_all(stale).unwrap();
            } else {
                std::fs::remove_file(stale).unwrap();
            }
        }
    }
}
