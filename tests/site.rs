//! `baton build` and `baton demo`: the pages say what the check computed,
//! links respect a base URL with a path, record bodies cannot inject
//! script, themes override single files, and a failed build leaves the
//! previous site untouched.
mod common;

use std::path::{Path, PathBuf};

use common::*;

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The demo, built once per test into a temp dir.
fn demo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("demo");
    assert_cmd::Command::cargo_bin("baton")
        .unwrap()
        .args(["demo", "--out"])
        .arg(&repo)
        .assert()
        .success();
    let site = repo.join("public");
    (dir, site)
}

#[test]
fn demo_site_shows_signers_states_deadlines_and_findings() {
    let (_dir, site) = demo();
    for page in [
        "index.html",
        "releases/index.html",
        "incidents/index.html",
        "playbook/index.html",
        "team/index.html",
        "404.html",
        "feed.xml",
        "status.json",
        "sitemap.xml",
        "style.css",
    ] {
        assert!(site.join(page).is_file(), "missing {page}");
    }
    let blocked = read(&site.join("releases/4.0.0/index.html"));
    assert!(
        blocked.contains("Devika Rao"),
        "the invalid signer is named"
    );
    assert!(blocked.contains("signoff.wrong-role"));
    assert!(blocked.contains("state-invalid"));
    let shipped = read(&site.join("releases/3.1.1/index.html"));
    assert!(shipped.contains("Grace Ito"), "QA signer by name");
    assert!(
        shipped.contains("https://github.com/octoacme/releases/commit/"),
        "commits link through repo_url"
    );
    assert!(shipped.contains("No findings: this release follows the playbook."));
    let rolled = read(&site.join("releases/3.1.0/index.html"));
    assert!(rolled.contains("Rolled back"));
    let incident = read(&site.join("incidents/2026-11-10-checkout-errors/index.html"));
    assert!(incident.contains("deadline met"));
    assert!(incident.contains("Time to assess"));
    assert!(incident.contains("Action items"));
    // The hotfix deadline is shown where it was met: at the hotfix's
    // deployment (09:41, due 09:44), not at the resolution (10:25).
    let hotfixed = read(&site.join("incidents/2026-10-14-session-token-logging/index.html"));
    assert!(
        hotfixed.contains("<strong>Hotfix 3.0.1 deployed</strong> <span class=\"deadline deadline-met\">deadline met (due 2026-10-14 09:44 UTC)"),
        "the hotfix's deployment carries its deadline"
    );
    assert!(
        hotfixed.contains("<strong>Resolved</strong><br>"),
        "the resolution carries no deadline of its own"
    );
    // Each event's anchor and feed id is its kind (numbered from the
    // second of a kind), so an added event never renames the others.
    for anchor in [
        "declared",
        "alert",
        "assessment",
        "update",
        "update-2",
        "update-3",
        "hotfix",
        "resolved",
        "postmortem",
    ] {
        assert!(
            hotfixed.contains(&format!("id=\"event-{anchor}\"")),
            "event-{anchor}"
        );
    }
    let feed = read(&site.join("feed.xml"));
    assert!(feed.contains("incidents/2026-10-14-session-token-logging/#event-hotfix</id>"));
    // Releases and incidents link both ways: the release an incident
    // concerns, the hotfix that fixes it.
    assert!(
        incident.contains(r#"Fixed by <a href="../../releases/3.1.1/">3.1.1</a>."#),
        "the incident names its hotfix"
    );
    assert!(
        rolled.contains(r#"<a href="../../incidents/2026-11-10-checkout-errors/">"#),
        "the release lists the incident it caused"
    );
    assert!(
        shipped
            .contains(r#"Fixes incident <a href="../../incidents/2026-11-10-checkout-errors/">"#),
        "the hotfix names the incident it fixes"
    );
    let list = read(&site.join("releases/index.html"));
    let newest = list.find(">4.0.0<").unwrap();
    let oldest = list.find(">2.3.0<").unwrap();
    assert!(newest < oldest, "releases newest first");
    let team = read(&site.join("team/index.html"));
    assert!(!team.contains('@'), "no e-mail addresses on the team page");
    let status: serde_json::Value = serde_json::from_str(&read(&site.join("status.json"))).unwrap();
    assert_eq!(status["schema"], 1);
    assert!(
        status["releases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["state"] == "rolled-back")
    );
}

#[test]
fn links_respect_a_base_url_with_a_path() {
    let (_dir, site) = demo();
    let index = read(&site.join("index.html"));
    assert!(
        index.contains(r#"href="releases/4.0.0/""#),
        "relative links work under any path"
    );
    let release = read(&site.join("releases/4.0.0/index.html"));
    assert!(release.contains(r#"href="../../style.css""#));
    assert!(release.contains(
        r#"<link rel="canonical" href="https://octoacme.github.io/releases/releases/4.0.0/">"#
    ));
    let feed = read(&site.join("feed.xml"));
    assert!(feed.contains("<id>https://octoacme.github.io/releases/releases/3.1.1/</id>"));
    let sitemap = read(&site.join("sitemap.xml"));
    assert!(sitemap.contains("<loc>https://octoacme.github.io/releases/incidents/</loc>"));
    let notfound = read(&site.join("404.html"));
    assert!(
        notfound.contains(r#"href="https://octoacme.github.io/releases/style.css""#),
        "404 links absolutely: it is served at any depth"
    );
}

#[test]
fn base_url_flag_overrides_site_yaml() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "major", "2026-02");
    repo.baton()
        .args([
            "build",
            "--now",
            NOW,
            "--base-url",
            "https://example.org/sub",
        ])
        .assert()
        .success();
    let sitemap = read(&repo.file("public/sitemap.xml"));
    assert!(
        sitemap.contains("<loc>https://example.org/sub/releases/1.0.0/</loc>"),
        "{sitemap}"
    );
}

/// Script vectors in bodies and front matter; none may reach a page as markup.
const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "[click](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<body onload=alert(1)>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<style>body{display:none}</style>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><input type=submit></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
    "<base href=javascript:alert(1)//>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<img src=\"x\" onmouseover=\"alert(1)\">",
    "<scr<script>ipt>alert(1)</script>",
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<textarea><script>alert(1)</script></textarea>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<template><script>alert(1)</script></template>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
];

/// Fails on the first script markup (the scanner lives in tests/common).
fn assert_no_script(html: &str) {
    if let Some(tag) = script_in(html) {
        panic!("script reached the page: {tag}");
    }
}

#[test]
fn record_bodies_and_fields_cannot_inject_script() {
    let repo = Repo::with_team();
    signed_release(&repo, "1.0.0", "major", "2026-02");
    let corpus = XSS.join("\n\n");
    let release = release_md(
        "1.0.0",
        "major",
        "2026-02-20T14:00:00Z",
        "2026-02-20T16:00:00Z",
    )
    .replace("title: Release 1.0.0", "title: '<script>alert(1)</script>'")
    .replace("Things.", &corpus);
    repo.commit_file(
        DEV,
        "2026-02-08T10:00:00Z",
        &rel_path("1.0.0", "release.md"),
        &release,
    );
    let mut signoff = signoff_md(GATES[4].2, "approve");
    signoff.push_str(&corpus);
    repo.commit_file(
        ADA,
        "2026-02-09T10:00:00Z",
        &rel_path("1.0.0", "signoffs/release-manager.md"),
        &signoff,
    );
    repo.write("content/site.yaml", "title: \"<img src=x onerror=alert(1)>\"\ndescription: \"\\\"><script>alert(1)</script>\"\n");
    repo.commit(ADA, "2026-02-10T10:00:00Z", "site");
    repo.baton()
        .args(["build", "--now", NOW])
        .assert()
        .success();
    for page in [
        "index.html",
        "releases/index.html",
        "releases/1.0.0/index.html",
    ] {
        assert_no_script(&read(&repo.file(&format!("public/{page}"))));
    }
    let page = read(&repo.file("public/releases/1.0.0/index.html"));
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "front matter is shown, escaped"
    );
}

#[test]
fn a_theme_overrides_single_templates() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "major", "2026-02");
    repo.write("content/site.yaml", "title: Test\ntheme: ours\n");
    repo.write(
        "themes/ours/templates/team.html",
        "{% extends \"base.html\" %}{% block main %}<h1>Our own team page</h1>{% endblock main %}",
    );
    repo.write("themes/ours/static/extra.css", "body{}");
    repo.baton()
        .args(["build", "--now", NOW])
        .assert()
        .success();
    assert!(read(&repo.file("public/team/index.html")).contains("Our own team page"));
    assert!(
        read(&repo.file("public/index.html")).contains("Current status"),
        "other pages come from the built-in theme"
    );
    assert!(repo.file("public/extra.css").is_file());
    assert!(repo.file("public/style.css").is_file());
}

#[test]
fn a_failed_build_leaves_the_previous_site_and_names_the_template() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "major", "2026-02");
    repo.baton()
        .args(["build", "--now", NOW])
        .assert()
        .success();
    let before = read(&repo.file("public/index.html"));
    repo.write("content/site.yaml", "title: Test\ntheme: broken\n");
    // A template that fails as it renders (an unknown filter), then one
    // that does not compile at all.
    for broken in [
        "{% extends \"base.html\" %}\n{% block main %}\n{{ nope | nofilter }}\n{% endblock main %}\n",
        "{% extends \"base.html\" %}\n{% block main %}\n{% if %}\n{% endblock main %}\n",
    ] {
        repo.write("themes/broken/templates/index.html", broken);
        repo.baton()
            .args(["build", "--now", NOW])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("index.html"))
            .stderr(predicates::str::contains(
                "previous site was left as it was",
            ));
        assert_eq!(
            read(&repo.file("public/index.html")),
            before,
            "old site intact"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(repo.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("baton-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary folder left behind");
}

#[test]
fn build_refuses_to_replace_a_folder_that_is_not_a_site() {
    let repo = Repo::with_team();
    repo.write("precious/notes.txt", "keep me");
    repo.baton()
        .args(["build", "--out", "precious"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("will not replace"));
    assert_eq!(repo.read("precious/notes.txt"), "keep me");
}

#[test]
fn demo_refuses_a_folder_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thesis.tex"), "x").unwrap();
    assert_cmd::Command::cargo_bin("baton")
        .unwrap()
        .args(["demo", "--out"])
        .arg(dir.path())
        .assert()
        .code(2);
    assert!(dir.path().join("thesis.tex").is_file());
}

#[test]
fn demo_history_commits_each_signoff_as_its_signer() {
    let (_dir, site) = demo();
    let repo = site.parent().unwrap();
    let log = std::process::Command::new("git")
        .args([
            "log",
            "-1",
            "--format=%an",
            "--",
            "content/releases/3.1.0/signoffs/quality.md",
        ])
        .current_dir(repo)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&log.stdout).trim(), "Grace Ito");
    let status = std::process::Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("security.md"),
        "one record is left uncommitted"
    );
}

/// A rebuild starts from the site before last: unchanged pages are not
/// rewritten, stale files go, and a planted `.public.baton-prev` symlink
/// is never followed.
#[test]
fn rebuilds_write_only_what_changed() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "minor", "2026-01");
    let build = || {
        repo.baton()
            .args(["build", "--now", NOW])
            .assert()
            .success();
    };
    build();
    build(); // now .public.baton-prev holds the first build
    assert!(repo.file(".public.baton-prev/index.html").is_file());
    let page = repo.file("public/releases/1.0.0/index.html");
    let mtime = || std::fs::metadata(&page).unwrap().modified().unwrap();
    let before = mtime();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(repo.file(".public.baton-prev/stale.html"), "old").unwrap();
    build();
    build();
    assert_eq!(mtime(), before, "an unchanged page is not rewritten");
    assert!(
        !repo.file("public/stale.html").exists(),
        "stale files are removed"
    );

    // Whatever else lies in the kept site is removed before it is published
    // (the next build starts from it): a stray file, a page in a folder of
    // no release, a file beside a wanted page, and a symlink out.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("keep.txt"), "precious").unwrap();
    let prev = |rel: &str| repo.file(&format!(".public.baton-prev/{rel}"));
    std::fs::write(prev("stale.html"), "old").unwrap();
    std::fs::create_dir_all(prev("releases/9.9.9/deep")).unwrap();
    std::fs::write(prev("releases/9.9.9/deep/index.html"), "gone").unwrap();
    std::fs::write(prev("releases/1.0.0/notes.txt"), "old").unwrap();
    std::os::unix::fs::symlink(outside.path(), prev("releases/out")).unwrap();
    // and symlinks where a wanted page and a wanted folder lie.
    std::fs::remove_file(prev("index.html")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("keep.txt"), prev("index.html")).unwrap();
    std::fs::remove_dir_all(prev("incidents")).ok();
    std::os::unix::fs::symlink(outside.path(), prev("incidents")).unwrap();
    let out = repo
        .baton()
        .args(["build", "--now", NOW])
        .assert()
        .success();
    assert!(
        kept_of(&out.get_output().stderr).1 > 0,
        "the kept site was pruned and used, not thrown away"
    );
    assert!(
        repo.file("public/index.html")
            .symlink_metadata()
            .unwrap()
            .is_file(),
        "a page is a file of its own"
    );
    for stray in [
        "stale.html",
        "releases/9.9.9",
        "releases/1.0.0/notes.txt",
        "releases/out",
    ] {
        let at = repo.file(&format!("public/{stray}"));
        assert!(at.symlink_metadata().is_err(), "{stray} was published");
    }
    assert!(repo.file("public/releases/1.0.0/index.html").is_file());
    assert!(
        repo.file("public/incidents")
            .symlink_metadata()
            .unwrap()
            .is_dir(),
        "a wanted folder is a folder of its own"
    );
    assert!(
        !outside.path().join("index.html").exists(),
        "nothing written through a symlink"
    );
    assert_eq!(
        std::fs::read_to_string(outside.path().join("keep.txt")).unwrap(),
        "precious"
    );

    // A new release changes the index and adds a page; both appear.
    shipped_release(&repo, "1.1.0", "minor", "2026-02");
    build();
    assert!(repo.file("public/releases/1.1.0/index.html").is_file());
    assert!(read(&repo.file("public/releases/index.html")).contains("1.1.0"));

    // Someone plants a symlink where the previous site is kept.
    let victim = tempfile::tempdir().unwrap();
    std::fs::write(victim.path().join("keep.txt"), "precious").unwrap();
    std::fs::remove_dir_all(repo.file(".public.baton-prev")).unwrap();
    std::os::unix::fs::symlink(victim.path(), repo.file(".public.baton-prev")).unwrap();
    build();
    assert_eq!(
        std::fs::read_to_string(victim.path().join("keep.txt")).unwrap(),
        "precious"
    );
    assert!(repo.file("public/releases/1.1.0/index.html").is_file());
}

/// Asserts that the repository's built site (`public/`) is exactly what a
/// build from scratch (`--no-cache`, an empty folder) makes at `now`.
fn same_as_fresh(repo: &Repo, now: &str, why: &str) {
    let fresh = tempfile::tempdir().unwrap();
    let out = fresh.path().join("site");
    repo.baton()
        .args(["build", "--no-cache", "--now", now, "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(
        tree(&repo.file("public")) == tree(&out),
        "{why}: the kept site differs from a build from scratch"
    );
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .to_string();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// `(pages, unchanged)` from a build's summary line.
fn kept_of(stderr: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(stderr);
    let line = text
        .lines()
        .find(|l| l.starts_with("built "))
        .unwrap_or_else(|| panic!("no summary in {text}"));
    let number = |after: &str| -> usize {
        line.split(after)
            .next()
            .unwrap()
            .split_whitespace()
            .last()
            .unwrap()
            .parse()
            .unwrap()
    };
    let pages = number(" pages");
    let kept = if line.contains(" unchanged") {
        number(" unchanged")
    } else {
        0
    };
    (pages, kept)
}

/// Pages whose inputs did not change are not rendered again (the ledger
/// under .git/baton/ says what each kept page was made from): a kept page
/// altered on disk, a record edit, a theme change, a changed `--now` and
/// `--no-cache` must all still give exactly what a build from scratch gives.
#[test]
fn kept_pages_are_used_only_while_their_inputs_and_files_are_unchanged() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "minor", "2026-01");
    shipped_release(&repo, "1.1.0", "minor", "2026-02");
    let build_with = |now: &str, extra: &[&str]| -> (usize, usize) {
        let out = repo
            .baton()
            .args(["build", "--now", now])
            .args(extra)
            .assert()
            .success();
        kept_of(&out.get_output().stderr)
    };
    let build = |now: &str| build_with(now, &[]);
    let same_as_fresh = |now: &str, why: &str| same_as_fresh(&repo, now, why);

    // Builds alternate between two folders. A page is trusted once its file
    // is older than the ledger that notes it: pages written in the same
    // clock tick as a ledger are compared once more (and found equal) by
    // the next build into their folder. After four builds both kept sites
    // hold every page, and an unchanged rebuild renders none.
    build(NOW);
    build(NOW);
    build(NOW);
    build(NOW);
    let (pages, kept) = build(NOW);
    assert!(pages > 5);
    assert_eq!(kept, pages, "an unchanged rebuild renders no page");
    same_as_fresh(NOW, "unchanged");

    // A kept page altered on disk (same size) is rendered again.
    let kept_page = repo.file(".public.baton-prev/releases/1.0.0/index.html");
    let text = read(&kept_page);
    std::fs::write(&kept_page, text.replacen("<html", "<htmX", 1)).unwrap();
    let (pages, kept) = build(NOW);
    assert_eq!(kept, pages - 1, "only the altered page is rendered");
    same_as_fresh(NOW, "an altered kept page");

    // --no-cache renders every page.
    assert_eq!(build_with(NOW, &["--no-cache"]).1, 0);

    // A record edit reaches its page and the lists, in both kept sites.
    let edited = repo
        .read(&rel_path("1.1.0", "release.md"))
        .replace("title: Release 1.1.0", "title: Edited Title");
    repo.write(&rel_path("1.1.0", "release.md"), &edited);
    let (_, kept) = build(NOW);
    assert!(kept < pages, "the edited release's pages are rendered");
    build(NOW);
    assert!(read(&repo.file("public/releases/1.1.0/index.html")).contains("Edited Title"));
    same_as_fresh(NOW, "a record edit");

    // A theme that changes a template shared by every page.
    repo.write("content/site.yaml", "title: Test\ntheme: ours\n");
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/base.html"),
    )
    .unwrap()
    .replace("Built by baton.", "Built by baton, our way.");
    repo.write("themes/ours/templates/base.html", &base);
    assert_eq!(build(NOW).1, 0, "a theme change renders every page");
    build(NOW);
    assert!(read(&repo.file("public/releases/1.0.0/index.html")).contains("our way"));
    same_as_fresh(NOW, "a theme change");

    // Another clock: what the status page says changes.
    let later = "2027-01-01T00:00:00Z";
    build(later);
    build(later);
    same_as_fresh(later, "a new --now");
}

/// Once a kept site has settled, its release folders are vouched for by
/// their stamps (not listed again) and the ledger, unchanged, is not
/// written again; still, anything put in a kept folder is removed, a page
/// altered in place is rendered again, and the site is what a build from
/// scratch makes.
#[test]
fn a_settled_kept_site_is_trusted_only_while_its_folders_are_unchanged() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "minor", "2026-01");
    shipped_release(&repo, "1.1.0", "minor", "2026-02");
    let build = || -> (usize, usize) {
        let out = repo
            .baton()
            .args(["build", "--now", NOW])
            .assert()
            .success();
        kept_of(&out.get_output().stderr)
    };
    let ledger = || {
        let dir = repo.path().join(".git/baton");
        let file = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("pages-")
            })
            .expect("a page ledger");
        let meta = std::fs::metadata(&file).unwrap();
        (std::fs::read(&file).unwrap(), meta.modified().unwrap())
    };
    let settle = || std::thread::sleep(std::time::Duration::from_millis(2200));
    build();
    build();
    settle();
    // Each kept site is pruned once settled (its folders vouched for) ...
    build();
    build();
    settle();
    // ... and once more with what was vouched for.
    build();
    build();
    let (pages, kept) = build();
    assert_eq!(kept, pages, "an unchanged rebuild renders no page");
    let before = ledger();
    let (_, kept) = build();
    assert_eq!(kept, pages);
    assert!(
        ledger() == before,
        "an unchanged ledger is not written again"
    );
    same_as_fresh(&repo, NOW, "settled and unchanged");

    // Something put in a kept folder, and a kept page altered in place.
    let prev = |rel: &str| repo.file(&format!(".public.baton-prev/{rel}"));
    std::fs::write(prev("releases/1.0.0/notes.txt"), "stray").unwrap();
    let page = prev("releases/1.1.0/index.html");
    let text = read(&page);
    std::fs::write(&page, text.replacen("<html", "<htmX", 1)).unwrap();
    let (_, kept) = build();
    assert_eq!(kept, pages - 1, "only the altered page is rendered");
    assert!(!repo.file("public/releases/1.0.0/notes.txt").exists());
    same_as_fresh(&repo, NOW, "a stray and an altered page in a settled site");
    build();
    same_as_fresh(&repo, NOW, "the other kept site");
}

/// A release page is kept on a key made from what the page is made of
/// (its view, its records' blob ids, the shared playbook, roster names and
/// settings), not from its rendered context. Each input a release page
/// shows, changed in turn, must reach the kept site exactly as a build
/// from scratch shows it, while pages it does not touch stay kept.
#[test]
fn kept_release_pages_follow_every_input_they_show() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "minor", "2026-01");
    shipped_release(&repo, "1.1.0", "minor", "2026-02");
    planned_release(&repo, "1.2.0", "minor");
    let build = |now: &str| -> (usize, usize) {
        let out = repo
            .baton()
            .args(["build", "--now", now])
            .assert()
            .success();
        kept_of(&out.get_output().stderr)
    };
    let same_as_fresh = |now: &str, why: &str| same_as_fresh(&repo, now, why);
    // Both kept sites (builds alternate between two folders) see each change.
    let settle = |now: &str, why: &str| {
        for _ in 0..2 {
            build(now);
            same_as_fresh(now, why);
        }
    };
    for _ in 0..4 {
        build(NOW);
    }
    let (pages, kept) = build(NOW);
    assert_eq!(kept, pages, "an unchanged rebuild renders no page");

    // A sign-off's body, edited and not committed: the page shows the
    // new notes and the gate as pending; other releases stay kept.
    let qa = signoff_path("1.1.0", "quality");
    repo.write(
        &qa,
        &repo.read(&qa).replace("Notes.", "Retested on staging."),
    );
    let (pages, kept) = build(NOW);
    assert!(kept > 0 && kept < pages, "{kept} of {pages} kept");
    same_as_fresh(NOW, "a sign-off edit");
    build(NOW);
    assert!(read(&repo.file("public/releases/1.1.0/index.html")).contains("Retested on staging."));
    same_as_fresh(NOW, "a sign-off edit");

    // Committed by someone else than the QA lead: the same text, another
    // signer, and the gate is invalid.
    repo.commit(DEV, "2026-02-25T10:00:00Z", "retest");
    settle(NOW, "a sign-off committed by another person");
    // Go/no-go minutes and deployment notes, each shown on the page.
    let gng = rel_path("1.0.0", "go-no-go.md");
    repo.write(
        &gng,
        &repo.read(&gng).replace("Minutes.", "Minutes, amended."),
    );
    settle(NOW, "go/no-go minutes");
    let deployment = rel_path("1.0.0", "deployment.md");
    repo.write(
        &deployment,
        &repo.read(&deployment).replace("Notes.", "Went smoothly."),
    );
    settle(NOW, "deployment notes");
    // A rollback plan meets a requirement and adds a section.
    repo.write(&rel_path("1.0.0", "rollback.md"), "Redeploy 0.9.0.\n");
    settle(NOW, "a rollback plan");
    assert!(read(&repo.file("public/releases/1.0.0/index.html")).contains("Redeploy 0.9.0."));

    // The playbook: a checklist label every release page shows.
    let playbook = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/playbook/playbook.md"),
    )
    .unwrap();
    repo.write("content/playbook.md", &playbook);
    settle(NOW, "a playbook written out");
    repo.write(
        "content/playbook.md",
        &playbook.replace(
            "label: CI passes on the release commit",
            "label: CI is green on the release commit",
        ),
    );
    settle(NOW, "a checklist label");
    assert!(read(&repo.file("public/releases/1.0.0/index.html")).contains("CI is green"));

    // A person's name in the roster, shown for each gate they signed.
    repo.write(
        "content/team.yaml",
        &TEAM.replace("Grace Ito", "Grace Ito-Hall"),
    );
    settle(NOW, "a renamed person");
    assert!(read(&repo.file("public/releases/1.0.0/index.html")).contains("Grace Ito-Hall"));

    // Site settings: commit links appear with a repository address.
    repo.write(
        "content/site.yaml",
        "title: Test\ncomponents: [Checkout]\nrepo_url: https://example.test/octo/releases\n",
    );
    settle(NOW, "a repository address");
    assert!(read(&repo.file("public/releases/1.0.0/index.html")).contains("example.test/octo"));

    // An incident about 1.1.0, then its title: the release links to it.
    let mut incident = valid_incident();
    repo.write(
        &incident_path("2026-02-20-checkout"),
        &record_md(&incident, "What happened."),
    );
    settle(NOW, "an incident about a release");
    incident["title"] = "Checkout fails for some shoppers".into();
    repo.write(
        &incident_path("2026-02-20-checkout"),
        &record_md(&incident, "What happened."),
    );
    settle(NOW, "an incident's new title");
    assert!(
        read(&repo.file("public/releases/1.1.0/index.html"))
            .contains("Checkout fails for some shoppers")
    );

    // Another clock: 1.2.0's window passes, and it is no longer upcoming.
    settle("2026-03-21T00:00:00Z", "a later --now");
    settle(NOW, "back to the first --now");
}

/// A theme that reads the environment makes pages that equal contexts do
/// not determine: no page of it is ever kept.
#[test]
fn a_theme_reading_the_environment_is_always_rendered() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "minor", "2026-01");
    repo.write("content/site.yaml", "title: Test\ntheme: env\n");
    repo.write(
        "themes/env/templates/team.html",
        "{% extends \"base.html\" %}{% block main %}<h1>Deployed to {{ get_env(name=\"BATON_TEST_TARGET\", default=\"nowhere\") }}</h1>{% endblock main %}",
    );
    let build = |target: &str| {
        let out = repo
            .baton()
            .env("BATON_TEST_TARGET", target)
            .args(["build", "--now", NOW])
            .assert()
            .success();
        kept_of(&out.get_output().stderr).1
    };
    build("staging");
    build("staging");
    std::thread::sleep(std::time::Duration::from_millis(2200));
    build("staging");
    build("staging");
    assert_eq!(build("production"), 0);
    assert!(read(&repo.file("public/team/index.html")).contains("Deployed to production"));
}

/// `serve` answers from the list of files a build would write and renders
/// single pages on demand: the list, the whole render and a single page
/// must agree.
#[test]
fn the_file_list_and_single_pages_match_the_whole_build() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "minor", "2026-01");
    planned_release(&repo, "1.1.0", "minor");
    let id = INCIDENT;
    repo.commit_file(
        ADA,
        "2026-02-10T12:00:00Z",
        &incident_path(id),
        &incident_md(&valid_incident()),
    );
    let checked = baton::check::run(&baton::check::Options {
        root: Some(repo.path().to_path_buf()),
        now: Some(baton::time::parse_timestamp(NOW).unwrap()),
        ..Default::default()
    })
    .unwrap();
    let url = "http://127.0.0.1:1111/";
    let whole = baton::site::render(&checked, Some(url)).unwrap();
    let theme = baton::site::theme_of(&checked).unwrap();
    let mut listed = baton::site::paths(&checked, &theme);
    let mut rendered: Vec<String> = whole.iter().map(|(p, _)| p.clone()).collect();
    listed.sort();
    rendered.sort();
    assert_eq!(listed, rendered);
    // Every HTML page, rendered alone, is the page of the whole build.
    let pages: Vec<&String> = listed.iter().filter(|p| p.ends_with(".html")).collect();
    assert!(pages.len() >= 9, "{pages:?}");
    for page in pages {
        let single = baton::site::render_page(&checked, &theme, Some(url), page)
            .unwrap()
            .expect(page);
        let full = &whole.iter().find(|(p, _)| p == page).unwrap().1;
        assert_eq!(&single, full, "{page}");
    }
    for other in [
        "feed.xml",
        "status.json",
        "sitemap.xml",
        "style.css",
        "nope.html",
    ] {
        assert!(
            baton::site::render_page(&checked, &theme, Some(url), other)
                .unwrap()
                .is_none(),
            "{other}"
        );
    }
}

/// `baton status ID` finds each incident of the demo by its id (incidents
/// are looked up by binary search), and names an unknown one.
#[test]
fn status_finds_each_incident_by_id() {
    let (_dir, site) = demo();
    let repo = site.parent().unwrap();
    for id in [
        "2026-10-14-session-token-logging",
        "2026-11-10-checkout-errors",
    ] {
        let out = assert_cmd::Command::cargo_bin("baton")
            .unwrap()
            .args(["status", id, "--format", "json", "--root"])
            .arg(repo)
            .output()
            .unwrap();
        assert!(out.status.success(), "{id}: {out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["id"], id);
    }
    assert_cmd::Command::cargo_bin("baton")
        .unwrap()
        .args(["status", "2026-10-15-nothing", "--root"])
        .arg(repo)
        .assert()
        .code(2);
}
