//! `baton demo`: replays the embedded OctoAcme example into a real scratch
//! git repository, one commit per step of `demo/history.yaml` with the
//! right author and date, then builds the site from that repository
//! through exactly the code path of `baton build`.

use std::path::{Path, PathBuf};

use git2::{IndexAddOption, Repository, Signature, Time};
use include_dir::{Dir, include_dir};
use serde::Deserialize;

use crate::check;
use crate::content::roster::Roster;
use crate::error::Fatal;
use crate::site::{self, Built};
use crate::time::{Instant, parse_timestamp};

static EXAMPLE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/content");
const HISTORY: &str = include_str!("../demo/history.yaml");
/// Marks a folder as a demo baton may replace.
const MARKER: &str = ".baton-demo";

#[derive(Deserialize)]
struct Step {
    at: String,
    author: String,
    message: String,
    files: Vec<String>,
    #[serde(default)]
    uncommitted: bool,
}

/// The result of a demo run.
pub struct Demo {
    pub repo: PathBuf,
    pub built: Built,
    /// The time the demo was judged at.
    pub now: Instant,
}

/// Replays the example into `dir` (replacing an earlier demo there) and builds its site into `dir/public`.
/// `now` defaults to an hour after the last step, so the demo looks the same any day.
pub fn run(dir: &Path, now: Option<Instant>) -> Result<Demo, Fatal> {
    let last = replay(dir)?;
    let opts = site::BuildOptions {
        check: check::Options {
            root: Some(dir.to_path_buf()),
            now: Some(now.unwrap_or(last + chrono::Duration::hours(1))),
            ..Default::default()
        },
        out: Some(dir.join("public")),
        base_url: None,
    };
    let built = site::build(&opts)?;
    Ok(Demo {
        repo: dir.to_path_buf(),
        built,
        now: opts.check.now.expect("set above"),
    })
}

/// Writes the example and commits it step by step; returns the last step's time.
pub fn replay(dir: &Path) -> Result<Instant, Fatal> {
    prepare(dir)?;
    let steps: Vec<Step> =
        serde_yaml::from_str(HISTORY).map_err(|e| Fatal::new(format!("demo history: {e}")))?;
    let team = file("team.yaml")?;
    let roster: Roster =
        serde_yaml::from_str(&team).map_err(|e| Fatal::new(format!("demo team.yaml: {e}")))?;
    let repo = Repository::init(dir)?;
    // The built site and the marker stay out of `git status` without a tracked .gitignore.
    std::fs::write(
        repo.path().join("info").join("exclude"),
        "/public/\n/.public.baton-*\n/.baton-demo\n",
    )
    .map_err(|e| Fatal::new(format!("cannot write in {}: {e}", dir.display())))?;
    let mut last = None;
    for step in &steps {
        for f in &step.files {
            let target = dir.join("content").join(f);
            let text = file(f)?;
            std::fs::create_dir_all(target.parent().expect("files are under content/"))
                .and_then(|()| std::fs::write(&target, text))
                .map_err(|e| Fatal::new(format!("cannot write {}: {e}", target.display())))?;
        }
        if step.uncommitted {
            continue;
        }
        let person = roster.get(&step.author).ok_or_else(|| {
            Fatal::new(format!(
                "demo history names unknown author `{}`",
                step.author
            ))
        })?;
        let at = parse_timestamp(&step.at).map_err(|e| Fatal::new(format!("demo history: {e}")))?;
        let email = person
            .emails
            .first()
            .map(String::as_str)
            .unwrap_or("unknown@example.invalid");
        let sig = Signature::new(
            &person.name,
            email,
            &Time::new(at.timestamp(), at.offset().local_minus_utc() / 60),
        )?;
        let mut index = repo.index()?;
        let paths: Vec<String> = step.files.iter().map(|f| format!("content/{f}")).collect();
        index.add_all(paths.iter(), IndexAddOption::DEFAULT, None)?;
        index.write()?;
        let tree = repo.find_tree(index.write_tree()?)?;
        let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        repo.commit(Some("HEAD"), &sig, &sig, &step.message, &tree, &parents)?;
        last = Some(at);
    }
    last.ok_or_else(|| Fatal::new("the demo history has no commits"))
}

fn file(rel: &str) -> Result<String, Fatal> {
    EXAMPLE
        .get_file(rel)
        .and_then(|f| f.contents_utf8())
        .map(str::to_string)
        .ok_or_else(|| {
            Fatal::new(format!(
                "the demo history names content/{rel}, which the example lacks"
            ))
        })
}

/// Makes `dir` an empty folder, refusing anything that is not an earlier demo.
fn prepare(dir: &Path) -> Result<(), Fatal> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !dir.join(MARKER).exists() {
            return Err(Fatal::new(format!(
                "{} exists and is not an earlier baton demo",
                dir.display()
            ))
            .help("pass --out with a new or empty folder"));
        }
        std::fs::remove_dir_all(dir)
            .map_err(|e| Fatal::new(format!("cannot clear {}: {e}", dir.display())))?;
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Fatal::new(format!("cannot create {}: {e}", dir.display())))?;
    std::fs::write(
        dir.join(MARKER),
        "This folder was made by `baton demo` and is replaced by the next run.\n",
    )
    .map_err(|e| Fatal::new(format!("cannot write in {}: {e}", dir.display())))
}
