//! `baton check`, the pipeline every other command reuses: find the project,
//! open git, load content, learn provenance in one history walk, apply the
//! rules, and return the [`Status`] model.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::content::load::{self, Content};
use crate::error::Fatal;
use crate::git::identity::Identities;
use crate::git::provenance;
use crate::git::repo::GitRepo;
use crate::model::{Origin, Status};
use crate::rules::{self, Ctx};
use crate::time::Instant;

/// What to check, and when "now" is.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The project root (the folder holding `content/`); found from the
    /// working directory when `None`.
    pub root: Option<PathBuf>,
    /// The clock for deadline rules; the current time when `None`.
    pub now: Option<Instant>,
}

/// The content and what the rules made of it.
pub struct Checked {
    pub content: Content,
    pub status: Status,
    /// The project root relative to the repository's work tree (`""` at the top).
    pub repo_prefix: String,
}

/// Resolves the project root from an option or the working directory.
pub fn project_root(root: Option<&Path>) -> Result<PathBuf, Fatal> {
    match root {
        Some(r) => {
            if !r.join("content").is_dir() {
                return Err(
                    Fatal::new(format!("{} has no content/ folder", r.display())).help(
                        "pass the folder that contains content/ (or create one with `baton init`)",
                    ),
                );
            }
            Ok(r.to_path_buf())
        }
        None => {
            let cwd = std::env::current_dir()
                .map_err(|e| Fatal::new(format!("cannot read the working directory: {e}")))?;
            load::find_root(&cwd).ok_or_else(|| {
                Fatal::new(format!("no content/ folder in {} or any parent", cwd.display()))
                    .help("run baton inside a records repository, pass --root DIR, or create one with `baton init`")
            })
        }
    }
}

/// Runs the whole check.
pub fn run(opts: &Options) -> Result<Checked, Fatal> {
    let mut clock = Phases::new();
    let root = project_root(opts.root.as_deref())?;
    let git = GitRepo::open(&root)?;
    let content = load::load(&root)?;
    clock.lap("load content");
    let now = opts
        .now
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());

    // Every record file, and where it stands relative to HEAD.
    let mut paths: Vec<String> = Vec::new();
    paths.extend(content.records().map(|(p, _)| p.to_string()));
    let unclean = if git.head.is_some() {
        git.unclean()?
    } else {
        Default::default()
    };
    let committed: Vec<String> = paths
        .iter()
        .filter(|p| !unclean.contains(&git.repo_path(p)))
        .cloned()
        .collect();

    let guarded: Vec<String> = ["content/team.yaml", "content/playbook.md"]
        .iter()
        .map(|p| git.repo_path(p))
        .chain([".mailmap".to_string()])
        .collect();
    let repo_paths: Vec<String> = committed.iter().map(|p| git.repo_path(p)).collect();
    let history = match git.head {
        Some(h) => provenance::walk(&git.repo, h, &repo_paths, &guarded)?,
        None => provenance::History::default(),
    };

    clock.lap("history walk");
    let mut identities = Identities::new(&git);
    let mainline = git
        .head
        .map(|h| history.graph.mainline(h))
        .unwrap_or_default();
    identities.trust_root(mainline.last().copied());
    let mut origins: HashMap<String, Origin> = HashMap::new();
    let mut rosters = HashMap::new();
    for (p, rp) in committed.iter().zip(&repo_paths) {
        if let Some(commit) = history.last.get(rp) {
            origins.insert(p.clone(), Origin::Committed(identities.signer(*commit)?));
            rosters.insert(p.clone(), identities.roster_before(*commit)?);
        }
    }
    let ctx = Ctx {
        content: &content,
        playbook: &content.playbook,
        roster: &content.roster,
        origins: &origins,
        rosters: &rosters,
        git: &git,
        graph: &history.graph,
        now,
    };
    clock.lap("identities");
    let status = rules::run(&ctx, &history.guarded, &mainline, &mut identities)?;
    clock.lap("rules");
    Ok(Checked {
        content,
        status,
        repo_prefix: git.root_prefix.clone(),
    })
}

/// Phase timings on stderr when `BATON_TIMINGS` is set (for benchmarks).
struct Phases(Option<std::time::Instant>);

impl Phases {
    fn new() -> Self {
        Phases(std::env::var_os("BATON_TIMINGS").map(|_| std::time::Instant::now()))
    }
    fn lap(&mut self, what: &str) {
        if let Some(t) = self.0 {
            eprintln!("{what:>14}: {:>7.1} ms", t.elapsed().as_secs_f64() * 1000.0);
            self.0 = Some(std::time::Instant::now());
        }
    }
}
