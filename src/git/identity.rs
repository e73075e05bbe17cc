//! From a commit to a person: the author after `.mailmap`, matched against
//! team.yaml *as it stood in the commit's first parent* (the root commit:
//! itself), so nobody can grant themselves a role in the commit that uses it.

use foldhash::{HashMap, HashMapExt};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use git2::{Mailmap, Oid};
use rayon::prelude::*;

use crate::content::roster::Roster;
use crate::error::Fatal;
use crate::git::provenance::CommitInfo;
use crate::git::repo::{GitRepo, missing};
use crate::playbook::Playbook;
use crate::time::Instant;

/// Who made a commit, as far as the roster of its parent can tell.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Signer {
    #[serde(serialize_with = "crate::digest::oid_bytes")]
    pub commit: Oid,
    /// Author name and e-mail after `.mailmap`.
    pub name: String,
    pub email: String,
    /// Author time, with the author's offset.
    pub when: Instant,
    /// The person in the parent's roster, if the e-mail is theirs.
    pub person: Option<String>,
    /// The roles that person held in the parent's roster.
    pub roles: Vec<String>,
    /// `Co-authored-by` trailers in the commit message (they never count).
    pub co_authors: Vec<String>,
    /// The person's `signing_keys` in the parent's roster.
    pub keys: Vec<String>,
    /// The commit carries a signature (to be verified against `keys`).
    pub signed: bool,
}

impl Signer {
    pub fn holds(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
    pub fn holds_any(&self, roles: &[String]) -> bool {
        roles.iter().any(|r| self.holds(r))
    }
    pub fn short(&self) -> String {
        self.commit.to_string()[..10].to_string()
    }
}

/// Signers and the rosters they were judged by, kept between checks (by
/// `serve`). A commit's signer depends only on the commit, its first
/// parents (never rewritten: a commit id names its whole past) and the
/// trusted root of HEAD's chain, which is part of the key.
#[derive(Debug, Default)]
pub struct Kept {
    by_commit: Mutex<HashMap<(Option<Oid>, Oid), Judged>>,
}

/// A signer and the roster its commit was judged by.
pub type Judged = (Arc<Signer>, Arc<Roster>);

impl Kept {
    /// The signer of `commit` and the roster before it, under `root`.
    pub fn get(&self, root: Option<Oid>, commit: Oid) -> Option<Judged> {
        let kept = self.by_commit.lock().unwrap_or_else(|e| e.into_inner());
        kept.get(&(root, commit)).cloned()
    }

    pub fn put(&self, root: Option<Oid>, commit: Oid, signer: Arc<Signer>, roster: Arc<Roster>) {
        let mut kept = self.by_commit.lock().unwrap_or_else(|e| e.into_inner());
        kept.insert((root, commit), (signer, roster));
    }
}

/// The rules in force at a commit: roster, mailmap and playbook governors.
#[derive(Clone)]
struct Regime {
    roster: Arc<Roster>,
    /// The .mailmap's blob id, and the mailmap.
    mailmap: Option<(Oid, Rc<Mailmap>)>,
    governors: Rc<Vec<String>>,
}

/// Resolves commit authors, caching rosters and mailmaps by blob id.
pub struct Identities<'g> {
    git: &'g GitRepo,
    rosters: HashMap<Option<Oid>, Arc<Roster>>,
    mailmaps: HashMap<Oid, Rc<Mailmap>>,
    governors: HashMap<Option<Oid>, Rc<Vec<String>>>,
    signers: HashMap<Oid, Arc<Signer>>,
    /// Commits the history walk read.
    walked: Option<&'g HashMap<Oid, CommitInfo>>,
    /// Commits read since.
    known: HashMap<Oid, CommitInfo>,
    /// The root of HEAD's first-parent chain: the only root that may judge
    /// itself. Other roots (orphan histories merged in) get an empty roster.
    trusted_root: Option<Oid>,
}

impl<'g> Identities<'g> {
    pub fn new(git: &'g GitRepo) -> Self {
        Identities {
            git,
            rosters: HashMap::new(),
            mailmaps: HashMap::new(),
            governors: HashMap::new(),
            signers: HashMap::new(),
            walked: None,
            known: HashMap::new(),
            trusted_root: None,
        }
    }

    /// Uses what the history walk already read about commits.
    pub fn learn(&mut self, walked: &'g HashMap<Oid, CommitInfo>) {
        self.walked = Some(walked);
    }

    /// A commit's author record: from the history walk, or read since.
    fn known(&self, commit: &Oid) -> Option<&CommitInfo> {
        self.walked
            .and_then(|w| w.get(commit))
            .or_else(|| self.known.get(commit))
    }

    /// A commit's author and the ids of its regime: from the walk, or read now.
    fn info(&mut self, commit: Oid) -> Result<CommitInfo, Fatal> {
        if let Some(i) = self.known(&commit) {
            return Ok(i.clone());
        }
        let repo = &self.git.repo;
        let c = repo.find_commit(commit).map_err(missing)?;
        let author = c.author();
        let base = if c.parent_count() > 0 {
            c.parent(0).map_err(missing)?
        } else {
            c.clone()
        };
        let tree = base.tree().map_err(missing)?;
        let id_at = |path: &str| {
            tree.get_path(std::path::Path::new(path))
                .ok()
                .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
                .map(|e| e.id())
        };
        let info = CommitInfo {
            name: author.name().unwrap_or("").to_string(),
            email: author.email().unwrap_or("").to_string(),
            seconds: author.when().seconds(),
            offset_minutes: author.when().offset_minutes(),
            co_authors: co_authors(c.message().unwrap_or("")),
            is_root: c.parent_count() == 0,
            signed: c.header_field_bytes("gpgsig").is_ok()
                || c.header_field_bytes("gpgsig-sha256").is_ok(),
            team: id_at(&self.git.repo_path("content/team.yaml")),
            playbook: id_at(&self.git.repo_path("content/playbook.md")),
            mailmap: id_at(".mailmap"),
        };
        self.known.insert(commit, info.clone());
        Ok(info)
    }

    /// The signer of a commit, judged by the roster in its first parent.
    pub fn signer(&mut self, commit: Oid) -> Result<Arc<Signer>, Fatal> {
        Ok(self.judged(commit)?.0)
    }

    /// The signer of a commit and the roster it was judged by (the one in
    /// its first parent), found together.
    pub fn judged(&mut self, commit: Oid) -> Result<Judged, Fatal> {
        let judged = self
            .judged_many(&[commit])?
            .pop()
            .expect("one judgement per commit");
        self.signers
            .entry(commit)
            .or_insert_with(|| judged.0.clone());
        Ok(judged)
    }

    /// The signers of `commits` and the rosters they were judged by, in
    /// order. Each commit's regime is found one commit after another, from
    /// caches that few distinct regimes fill (a commit with the ids of the
    /// one before shares its regime); the distinct authors are gathered in
    /// parallel and each resolved once through its regime's .mailmap; the
    /// signers are then made in parallel. A commit given twice is judged
    /// twice, alike. (Signers made here are not kept for later calls: the
    /// one caller of many commits asks about each once.)
    pub fn judged_many(&mut self, commits: &[Oid]) -> Result<Vec<Judged>, Fatal> {
        // What the walk knows of each commit, looked up once, in parallel.
        let walked = self.walked;
        let infos: Vec<Option<&'g CommitInfo>> = commits
            .par_iter()
            .map(|c| walked.and_then(|w| w.get(c)))
            .collect();
        // Each commit's regime: its roster, and its mailmap's blob id.
        let mut regimes: Vec<(Arc<Roster>, Option<Oid>)> = Vec::with_capacity(commits.len());
        let mut last: Option<(Ids, Regime)> = None;
        for (&commit, walked) in commits.iter().zip(&infos) {
            let ids = walked.or_else(|| self.known.get(&commit)).map(Ids::of);
            let regime = match ids {
                // A root's regime depends on the commit itself.
                Some(ids) if !ids.is_root => match &last {
                    Some((before, regime)) if before.same(&ids) => regime.clone(),
                    _ => {
                        let regime = self.regime_of(commit, ids)?;
                        last = Some((ids, regime.clone()));
                        regime
                    }
                },
                Some(ids) => self.regime_of(commit, ids)?,
                None => self.regime_before(commit)?,
            };
            regimes.push((regime.roster, regime.mailmap.map(|(id, _)| id)));
        }
        // Every commit's author is known now (regime_before reads those the
        // walk did not).
        let (known, mailmaps) = (&self.known, &self.mailmaps);
        let info_of = |i: usize| -> &CommitInfo {
            infos[i]
                .or_else(|| known.get(&commits[i]))
                .expect("regime_before reads the author record of every commit it judges")
        };
        // The distinct authors under each mailmap, resolved once each.
        type Author<'a> = ([u8; 20], &'a str, &'a str);
        let distinct: foldhash::HashSet<Author<'_>> = (0..commits.len())
            .into_par_iter()
            .filter_map(|i| {
                let info = info_of(i);
                Some((
                    bytes(regimes[i].1?),
                    info.name.as_str(),
                    info.email.as_str(),
                ))
            })
            .fold(foldhash::HashSet::default, |mut set, a| {
                set.insert(a);
                set
            })
            .reduce(foldhash::HashSet::default, |mut a, b| {
                a.extend(b);
                a
            });
        let resolved: HashMap<Author<'_>, (String, String)> = distinct
            .into_iter()
            .map(|a @ (id, name, email)| {
                let id = Oid::from_bytes(&id).expect("an object id's 20 bytes");
                // Each regime's .mailmap was read into the cache by regime_of.
                (a, resolve(&mailmaps[&id], name, email))
            })
            .collect();
        let signers = &self.signers;
        let judged: Vec<Judged> = regimes
            .into_par_iter()
            .enumerate()
            .map(|(i, (roster, mailmap))| {
                let commit = commits[i];
                if let Some(s) = signers.get(&commit) {
                    return (s.clone(), roster);
                }
                let info = info_of(i);
                let (name, email) = match mailmap {
                    Some(id) => {
                        resolved[&(bytes(id), info.name.as_str(), info.email.as_str())].clone()
                    }
                    None => (info.name.clone(), info.email.clone()),
                };
                (Arc::new(signer(commit, info, name, email, &roster)), roster)
            })
            .collect();
        Ok(judged)
    }

    /// Whether the commit's author was a governor per its first parent.
    pub fn is_governor(&mut self, commit: Oid) -> Result<bool, Fatal> {
        let regime = self.regime_before(commit)?;
        let signer = self.signer(commit)?;
        Ok(signer.holds_any(&regime.governors))
    }

    /// The governor roles in force before a commit.
    pub fn governors_before(&mut self, commit: Oid) -> Result<Vec<String>, Fatal> {
        Ok(self.regime_before(commit)?.governors.to_vec())
    }

    /// Sets the root of HEAD's first-parent chain (see `trusted_root`).
    pub fn trust_root(&mut self, root: Option<Oid>) {
        self.trusted_root = root;
        self.signers.clear();
    }

    /// The roster in `commit`; if its team.yaml does not parse (a typo that a
    /// later commit fixes), the last readable one along first parents, so
    /// the fix is judged by the roster people actually had.
    fn last_readable_roster(&self, commit: &git2::Commit<'_>) -> Result<Roster, Fatal> {
        let team = self.git.repo_path("content/team.yaml");
        let mut at = commit.clone();
        for _ in 0..1000 {
            match self.git.blob_at(&at.tree().map_err(missing)?, &team)? {
                None => return Ok(Roster::default()),
                Some(text) => {
                    if let Ok(r) = serde_yaml::from_slice::<Roster>(&text) {
                        return Ok(r);
                    }
                }
            }
            match at.parent(0) {
                Ok(p) => at = p,
                Err(_) => break,
            }
        }
        Ok(Roster::default())
    }

    fn regime_before(&mut self, commit: Oid) -> Result<Regime, Fatal> {
        let info = match self.known(&commit) {
            Some(i) => Ids::of(i),
            None => Ids::of(&self.info(commit)?),
        };
        self.regime_of(commit, info)
    }

    /// [`Self::regime_before`], given the commit's [`Ids`].
    fn regime_of(&mut self, commit: Oid, info: Ids) -> Result<Regime, Fatal> {
        if info.is_root && self.trusted_root.is_some_and(|r| r != commit) {
            // An orphan history's own roster proves nothing.
            return Ok(Regime {
                roster: Arc::new(Roster::default()),
                mailmap: None,
                governors: Rc::new(Playbook::builtin().governors),
            });
        }
        let repo = &self.git.repo;
        let blob = |id: Oid| -> Result<Vec<u8>, Fatal> {
            Ok(repo.find_blob(id).map_err(missing)?.content().to_vec())
        };

        let roster = match self.rosters.get(&info.team) {
            Some(r) => r.clone(),
            None => {
                let c = repo.find_commit(commit).map_err(missing)?;
                let base = if info.is_root {
                    c
                } else {
                    c.parent(0).map_err(missing)?
                };
                let r = Arc::new(self.last_readable_roster(&base)?);
                self.rosters.insert(info.team, r.clone());
                r
            }
        };

        let mailmap = match info.mailmap {
            None => None,
            Some(id) => Some((
                id,
                match self.mailmaps.get(&id) {
                    Some(m) => m.clone(),
                    None => {
                        let text = blob(id)?;
                        let m = Rc::new(
                            Mailmap::from_buffer(&lower_emails(&String::from_utf8_lossy(&text)))
                                .map_err(missing)?,
                        );
                        self.mailmaps.insert(id, m.clone());
                        m
                    }
                },
            )),
        };

        let governors = match self.governors.get(&info.playbook) {
            Some(g) => g.clone(),
            None => {
                let text = info.playbook.map(blob).transpose()?;
                let g = text
                    .and_then(|t| Playbook::parse(&String::from_utf8_lossy(&t), "playbook.md").ok())
                    .unwrap_or_else(Playbook::builtin)
                    .governors;
                let g = Rc::new(g);
                self.governors.insert(info.playbook, g.clone());
                g
            }
        };
        Ok(Regime {
            roster,
            mailmap,
            governors,
        })
    }
}

/// What decides a commit's regime: whether it is a root, and the blob ids
/// of team.yaml, playbook.md and .mailmap in its first parent.
#[derive(Clone, Copy)]
struct Ids {
    is_root: bool,
    team: Option<Oid>,
    playbook: Option<Oid>,
    mailmap: Option<Oid>,
}

impl Ids {
    /// Whether two commits' ids are the same (by their bytes: `Oid`'s own
    /// comparison is a call into libgit2).
    fn same(&self, other: &Ids) -> bool {
        let same = |a: Option<Oid>, b: Option<Oid>| a.map(bytes) == b.map(bytes);
        self.is_root == other.is_root
            && same(self.team, other.team)
            && same(self.playbook, other.playbook)
            && same(self.mailmap, other.mailmap)
    }

    fn of(i: &CommitInfo) -> Ids {
        Ids {
            is_root: i.is_root,
            team: i.team,
            playbook: i.playbook,
            mailmap: i.mailmap,
        }
    }
}

/// An object id's bytes (compared and hashed without calls into libgit2).
fn bytes(id: Oid) -> [u8; 20] {
    let mut b = [0; 20];
    b.copy_from_slice(id.as_bytes());
    b
}

/// An author (`name`, `email`) after a .mailmap (matched on the e-mail
/// lower-cased, as the mailmap's own e-mails are); as recorded when it has
/// no entry. (A mailmap matches names and e-mails, never times.)
fn resolve(m: &Mailmap, name: &str, email: &str) -> (String, String) {
    git2::Signature::new(name, &email.to_lowercase(), &git2::Time::new(0, 0))
        .and_then(|lowered| m.resolve_signature(&lowered))
        .ok()
        .map_or_else(
            || (name.to_string(), email.to_string()),
            |r| {
                (
                    r.name().unwrap_or("").to_string(),
                    r.email().unwrap_or("").to_string(),
                )
            },
        )
}

/// The signer of `commit`: its author (`name`, `email`, after the
/// mailmap) as the roster of the commit's first parent knows them.
fn signer(commit: Oid, info: &CommitInfo, name: String, email: String, roster: &Roster) -> Signer {
    let person = roster.by_email(&email);
    let offset = chrono::FixedOffset::east_opt(info.offset_minutes * 60)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"));
    let when = chrono::DateTime::from_timestamp(info.seconds, 0)
        .unwrap_or_default()
        .with_timezone(&offset);
    Signer {
        commit,
        name,
        email,
        when,
        person: person.map(|p| p.id.clone()),
        roles: person.map(|p| p.roles.clone()).unwrap_or_default(),
        co_authors: info.co_authors.clone(),
        keys: person.map(|p| p.signing_keys.clone()).unwrap_or_default(),
        signed: info.signed,
    }
}

/// The `Co-authored-by` trailers of a commit message.
pub fn co_authors(message: &str) -> Vec<String> {
    message
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("co-authored-by")
                .then(|| v.trim().to_string())
        })
        .collect()
}

/// Lower-cases every `<e-mail>` of a .mailmap, for case-insensitive matching.
fn lower_emails(mailmap: &str) -> String {
    let mut out = String::with_capacity(mailmap.len());
    let mut inside = false;
    for c in mailmap.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            _ => {}
        }
        out.extend(if inside {
            c.to_lowercase().collect::<Vec<_>>()
        } else {
            vec![c]
        });
    }
    out
}
