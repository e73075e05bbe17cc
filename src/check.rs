//! `baton check`, the pipeline every other command reuses: find the project,
//! open git, load content, learn provenance in one history walk, apply the
//! rules, and return the [`Status`] model.

use foldhash::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::content::load::{self, Content};
use crate::content::texts::Texts;
use crate::error::Fatal;
use crate::git::cache::Cache;
use crate::git::identity::{Identities, Judged};
use crate::git::provenance::{History, Paths};
use crate::git::repo::{GitRepo, repo_path_of};
use crate::git::tree::Scope;
use crate::model::Status;
use crate::rules::{self, Ctx};
use crate::time::Instant;
use rayon::prelude::*;

/// What to check, and when "now" is.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The project root (the folder holding `content/`); found from the
    /// working directory when `None`.
    pub root: Option<PathBuf>,
    /// The clock for deadline rules; the current time when `None`.
    pub now: Option<Instant>,
    /// Walk all of history and read every record instead of using the
    /// caches in `.git/baton/`.
    pub no_cache: bool,
    /// Record folders kept from earlier runs (serve, whose watcher tells
    /// the memo which folders to forget before each run).
    pub memo: Option<std::sync::Arc<load::Memo>>,
    /// Signers kept from earlier runs (serve).
    pub signers: Option<std::sync::Arc<crate::git::identity::Kept>>,
    /// The history walked by an earlier run (serve).
    pub history: Option<std::sync::Arc<crate::git::provenance::Kept>>,
    /// The process ends soon after this one check (a command line): what
    /// the check made on the way goes with its result, to be left unfreed
    /// with it (see [`Leftovers`]), instead of being freed as the check ends.
    pub one_shot: bool,
}

/// The content and what the rules made of it.
pub struct Checked {
    pub content: Content,
    pub status: Status,
    /// The project root relative to the repository's work tree (`""` at the top).
    pub repo_prefix: String,
    /// What a one-shot check made on the way ([`Options::one_shot`]):
    /// held only to be left unfreed when the process ends (and its
    /// presence tells [`Checked::one_shot`]).
    pub(crate) _leftovers: Option<Leftovers>,
}

impl Checked {
    /// Whether the process ends after this check and what is made from it
    /// (the command line), so big values need not be freed.
    pub fn one_shot(&self) -> bool {
        self._leftovers.is_some()
    }
}

/// The history the check learned and the maps it judged records by. In a
/// one-shot run they go with the result, so that the command ends without
/// freeing their hundreds of thousands of entries one by one (see `cli`)
/// instead of freeing them between checking and building. (serve, which
/// keeps checking, frees them as each check ends.)
pub(crate) struct Leftovers {
    _history: Arc<History>,
    _judged: Vec<Judged>,
    _texts: Option<Texts>,
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
    let now = opts
        .now
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());

    // History is walked on its own thread while the records load: every
    // file under content/ at HEAD is answered, whichever turn out to be records.
    let walk_paths = Paths {
        scope: Scope::new([git.repo_path("content"), ".mailmap".to_string()]),
        team: git.repo_path("content/team.yaml"),
        playbook: git.repo_path("content/playbook.md"),
        mailmap: ".mailmap".to_string(),
    };
    let (git_dir, head) = (git.repo.path().to_path_buf(), git.head);
    let (content, history, mut texts) = std::thread::scope(|s| {
        let walker = s.spawn(|| -> Result<Arc<History>, Fatal> {
            let Some(head) = head else {
                return Ok(Arc::default());
            };
            if let Some(kept) = opts.history.as_ref().and_then(|k| k.get(head)) {
                return Ok(kept);
            }
            let repo = git2::Repository::open(&git_dir).map_err(crate::git::repo::missing)?;
            let mut clock = Phases::new();
            let h = Arc::new(Cache::new(&repo, &walk_paths, !opts.no_cache).history(
                &repo,
                head,
                &walk_paths,
            )?);
            clock.lap("history (own thread)");
            if let Some(k) = &opts.history {
                k.put(h.clone());
            }
            Ok(h)
        });
        // Record texts come from the cache under .git/baton/ where the
        // files are unchanged (serve keeps its own memo instead).
        let texts = (!opts.no_cache && opts.memo.is_none()).then(|| {
            let key = git.repo_path("content");
            Texts::open(crate::cachefile::file(&git_dir, "texts", key.as_bytes()))
                .trust_folder_stamps(&root.join("content"))
        });
        let content = load::load_with(&root, opts.memo.as_deref(), texts.as_ref());
        let history = walker
            .join()
            .unwrap_or_else(|_| Err(Fatal::new("the history walk failed unexpectedly")));
        (content, history, texts)
    });
    let content = content?;
    // Saved once the records' blob ids are known (below), whatever history says.
    let history = match history {
        Ok(h) => h,
        Err(e) => {
            if let Some(texts) = texts.take() {
                drop(texts.save(content.records()));
            }
            return Err(e);
        }
    };
    clock.lap("load + walk");

    // The records whose text is what HEAD holds, with the last commit that
    // changed each. Paths, lookups and blob ids in parallel; git itself is
    // asked (on this thread) only about texts that differ from HEAD's blob.
    let prefix = git.root_prefix.as_str();
    let records: Vec<(&str, &crate::content::frontmatter::Document)> = content.records().collect();
    let looked: Vec<(Option<git2::Oid>, Option<git2::Oid>, bool)> = records
        .par_iter()
        .map(|(p, doc)| {
            let rp = repo_path_of(prefix, p);
            let (head, last) = (history.files.get(&*rp), history.last.get(&*rp));
            // Hashed even when HEAD has no such file: the texts cache keeps it.
            let blob = doc.blob_id();
            let same = head.is_some_and(|h| *h == blob);
            (head.copied(), last.copied(), same)
        })
        .collect();
    let (committed, lasts): (Vec<&str>, Vec<Option<git2::Oid>>) = looked
        .into_iter()
        .zip(&records)
        .filter(|((head, _, same), (p, doc))| {
            *same
                || head.is_some_and(|h| git.blob_reads_as(h, &doc.text))
                // A file that could not be read as text (bad UTF-8, too big)
                // has no text to compare: git's status of the file decides.
                || (head.is_some() && doc.text.is_empty() && git.is_unchanged(&repo_path_of(prefix, p)))
        })
        .map(|((_, last, _), (p, _))| (*p, last))
        .unzip();
    // The texts cache, with the blob ids just computed, for the next run
    // (unless unchanged: then handed back).
    let unsaved = texts.and_then(|texts| texts.save(records.iter().copied()));
    clock.lap("committed");
    let mut identities = Identities::new(&git);
    identities.learn(&history.info);
    let mainline = git
        .head
        .map(|h| history.graph.mainline(h))
        .unwrap_or_default();
    let root = mainline.last().copied();
    identities.trust_root(root);
    // Each committed record's last commit, judged once (serve keeps
    // judgements between runs): the distinct commits in the order their
    // records are first met, and for each record the place of its commit
    // among them. (The rules then meet the signers in about the order they
    // were made, in memory too, and neighbours share a roster more often.)
    // Found by sorting on the commits' first eight bytes and the records'
    // order. (Runs are split on the whole id: were two commits alike in
    // those bytes, their records could alternate, and each commit would be
    // judged once per run of its records, each record still by its own
    // commit.)
    let prefix =
        |c: &git2::Oid| u64::from_be_bytes(c.as_bytes()[..8].try_into().unwrap_or_default());
    let mut by_commit: Vec<(u64, u32, git2::Oid)> = lasts
        .iter()
        .enumerate()
        .filter_map(|(i, last)| Some((prefix(last.as_ref()?), i as u32, (*last)?)))
        .collect();
    by_commit.par_sort_unstable_by_key(|&(p, i, _)| (p, i));
    // Each commit's run of records (in the sorted list): its first record,
    // and the run's number; then each run's place, in order of first records.
    let same = |i: usize| i > 0 && by_commit[i - 1].2.as_bytes() == by_commit[i].2.as_bytes();
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for (i, (_, record, _)) in by_commit.iter().enumerate() {
        if !same(i) {
            runs.push((*record, runs.len() as u32));
        }
    }
    runs.par_sort_unstable();
    let mut place = vec![0u32; runs.len()];
    for (p, &(_, run)) in runs.iter().enumerate() {
        place[run as usize] = p as u32;
    }
    let mut distinct: Vec<git2::Oid> = vec![git2::Oid::ZERO_SHA1; runs.len()];
    let mut slot = vec![u32::MAX; committed.len()];
    let mut run = 0;
    for (i, (_, record, commit)) in by_commit.iter().enumerate() {
        if i > 0 && !same(i) {
            run += 1;
        }
        let p = place[run];
        distinct[p as usize] = *commit;
        slot[*record as usize] = p;
    }
    drop(by_commit);
    // Those serve kept, and the others judged now (in the same order).
    let kept: Vec<Option<Judged>> = distinct
        .iter()
        .map(|&c| opts.signers.as_ref().and_then(|k| k.get(root, c)))
        .collect();
    let fresh: Vec<git2::Oid> = distinct
        .iter()
        .zip(&kept)
        .filter(|(_, j)| j.is_none())
        .map(|(c, _)| *c)
        .collect();
    // Each committed record's place among them, by its path, mapped while
    // they are judged (the one map is made on one thread).
    let mut by_path: HashMap<&str, u32> = HashMap::default();
    let made = rayon::in_place_scope(|s| {
        s.spawn(|_| {
            by_path.reserve(committed.len());
            for (&p, &s) in committed.iter().zip(&slot) {
                if s != u32::MAX {
                    by_path.insert(p, s);
                }
            }
        });
        identities.judged_many(&fresh)
    });
    let mut made = made?.into_iter();
    let judged: Vec<Judged> = distinct
        .iter()
        .zip(kept)
        .map(|(commit, kept)| {
            kept.unwrap_or_else(|| {
                let known = made.next().expect("one judgement per fresh commit");
                if let Some(k) = &opts.signers {
                    k.put(root, *commit, known.0.clone(), known.1.clone());
                }
                known
            })
        })
        .collect();
    let ctx = Ctx {
        content: &content,
        playbook: &content.playbook,
        roster: &content.roster,
        judged: rules::Judgements {
            by_path,
            all: &judged,
        },
        root_prefix: &git.root_prefix,
        repo: rules::Repo::new(git.repo.path()),
        graph: &history.graph,
        load_errors: rules::load_errors(&content),
        hotfixes: rules::hotfixes(&content),
        now,
    };
    clock.lap("identities");
    let status = rules::run(&ctx, &history.guarded, &mainline, &mut identities)?;
    clock.lap("rules");
    drop((ctx, identities));
    Ok(Checked {
        content,
        status,
        repo_prefix: git.root_prefix.clone(),
        _leftovers: opts.one_shot.then_some(Leftovers {
            _history: history,
            _judged: judged,
            _texts: unsaved,
        }),
    })
}

/// Phase timings on stderr when `BATON_TIMINGS` is set (for benchmarks).
/// Each lap prints its wall time and the CPU time the whole process
/// (every thread) used meanwhile: a lap taken on another thread (the
/// history walk) overlaps the main thread's, so their CPU times are not
/// to be added up.
pub(crate) struct Phases(Option<(std::time::Instant, f64)>);

impl Phases {
    pub(crate) fn new() -> Self {
        Phases(std::env::var_os("BATON_TIMINGS").map(|_| (std::time::Instant::now(), cpu())))
    }
    pub(crate) fn lap(&mut self, what: &str) {
        if let Some((t, c)) = self.0 {
            let now = cpu();
            eprintln!(
                "{what:>14}: {:>7.1} ms  (cpu {:>7.1} ms)",
                t.elapsed().as_secs_f64() * 1000.0,
                (now - c) * 1000.0
            );
            self.0 = Some((std::time::Instant::now(), now));
        }
    }
}

/// Seconds of CPU (user and system) the process has used so far.
fn cpu() -> f64 {
    #[cfg(unix)]
    {
        // SAFETY: rusage is plain integers, for which all zero bytes are a
        // valid value; getrusage only writes the struct it is given.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } == 0 {
            let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
            return t(u.ru_utime) + t(u.ru_stime);
        }
    }
    0.0
}
