//! The demo site in a real headless Chromium (Debian's `chromium`, which
//! `.ci/run` installs): pages render with the expected text and the
//! browser logs no console message (no script errors, no failed loads).
use std::path::Path;
use std::process::Command;

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        })
}

/// The rendered DOM and every console line Chromium logged.
fn render(browser: &str, page: &Path, profile: &Path) -> (String, Vec<String>) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).to_string(), console)
}

#[test]
fn demo_pages_render_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium (.ci/run installs it)"
        );
        eprintln!("skipped: no chromium on this machine");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    assert_cmd::Command::cargo_bin("baton")
        .unwrap()
        .args(["demo", "--out"])
        .arg(&demo)
        .assert()
        .success();
    let site = demo.join("public");
    let profile = dir.path().join("profile");

    let (dom, console) = render(browser, &site.join("index.html"), &profile);
    assert!(
        console.is_empty(),
        "console messages on the index: {console:#?}"
    );
    for text in [
        "OctoAcme Releases",
        "Current status",
        "Releases in flight",
        "4.0.0",
        "Scheduled maintenance",
    ] {
        assert!(dom.contains(text), "index lacks {text:?}");
    }

    let (dom, console) = render(browser, &site.join("releases/4.0.0/index.html"), &profile);
    assert!(
        console.is_empty(),
        "console messages on a release page: {console:#?}"
    );
    for text in [
        "Storefront 4",
        "Tomás Berg",
        "signoff.wrong-role",
        "Devika Rao",
        "Known issues",
    ] {
        assert!(dom.contains(text), "release page lacks {text:?}");
    }
    assert!(!dom.contains("<script"), "no script reaches a built page");
}
