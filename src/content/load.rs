//! Walking `content/` and loading every record into a [`Content`]: the
//! roster, the playbook in force, site settings, releases and incidents.
//! Symlinks are never followed; files outside the layout are reported.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytestring::ByteString;

use rayon::prelude::*;

use crate::content::parse::{self, MAX_FILE_BYTES, Parsed};
use crate::content::records::{
    Deployment, GoNoGo, Incident, Postmortem, Release, RollbackPlan, Signoff,
};
use crate::content::roster::Roster;
use crate::content::site::Site;
use crate::content::stat::{Base, Kind, Meta};
use crate::error::Fatal;
use crate::finding::{Finding, Rule, Severity};
use crate::playbook::Playbook;

/// The files of one `releases/<version>/` folder.
#[derive(Clone, Debug, Default)]
pub struct ReleaseFiles {
    /// The folder name.
    pub version: String,
    /// The folder name as semver, when it is one.
    pub semver: Option<semver::Version>,
    pub release: Option<Parsed<Release>>,
    /// Sign-offs by file stem (gate id, or an unknown name).
    pub signoffs: crate::content::records::Map<Parsed<Signoff>>,
    pub go_no_go: Option<Parsed<GoNoGo>>,
    pub deployment: Option<Parsed<Deployment>>,
    pub rollback: Option<Parsed<RollbackPlan>>,
}

impl ReleaseFiles {
    /// Each record file of the folder: its project path, its text, and
    /// whether it parsed; release.md, the sign-offs, go-no-go.md,
    /// deployment.md, rollback.md.
    pub fn records(
        &self,
    ) -> impl Iterator<Item = (&str, &crate::content::frontmatter::Document, bool)> {
        fn one<T>(p: &Parsed<T>) -> (&str, &crate::content::frontmatter::Document, bool) {
            (p.path.as_str(), &p.doc, p.data.is_some())
        }
        self.release
            .iter()
            .map(one)
            .chain(self.signoffs.values().map(one))
            .chain(self.go_no_go.iter().map(one))
            .chain(self.deployment.iter().map(one))
            .chain(self.rollback.iter().map(one))
    }

    pub fn record(&self) -> Option<&Release> {
        self.release.as_ref()?.data.as_ref()
    }

    /// Whether the folder has a file of this name (`rollback.md`, `go-no-go.md`, ...).
    pub fn has_file(&self, name: &str) -> bool {
        match name {
            "release.md" => self.release.is_some(),
            "go-no-go.md" => self.go_no_go.is_some(),
            "deployment.md" => self.deployment.is_some(),
            "rollback.md" => self.rollback.is_some(),
            _ => false,
        }
    }

    /// A playbook requirement is met by `true`, an evidence link, or the file it names.
    pub fn requirement_met(&self, req: &crate::playbook::Requirement) -> bool {
        self.record()
            .and_then(|r| r.requirements.get(&req.id))
            .is_some_and(|e| e.is_met())
            || req
                .satisfied_by
                .as_deref()
                .is_some_and(|f| self.has_file(f))
    }
}

/// The files of one `incidents/<id>/` folder.
#[derive(Clone, Debug, Default)]
pub struct IncidentFiles {
    pub id: String,
    pub incident: Option<Parsed<Incident>>,
    pub postmortem: Option<Parsed<Postmortem>>,
}

impl IncidentFiles {
    pub fn record(&self) -> Option<&Incident> {
        self.incident.as_ref()?.data.as_ref()
    }
}

/// Everything under `content/`, parsed.
#[derive(Clone, Debug)]
pub struct Content {
    /// The project root: the folder that holds `content/`.
    pub root: PathBuf,
    pub site: Site,
    pub roster: Roster,
    pub playbook: Playbook,
    /// Releases in ascending semver order (folders that are not semver last).
    /// Shared, so a reload can keep the folders that did not change.
    pub releases: Vec<Arc<ReleaseFiles>>,
    /// Incidents in ascending id (date) order.
    pub incidents: Vec<Arc<IncidentFiles>>,
    /// Problems found while loading.
    pub findings: Vec<Finding>,
}

impl Content {
    /// Every record file: its project path and its text, in release and incident order.
    pub fn records(&self) -> impl Iterator<Item = (&str, &crate::content::frontmatter::Document)> {
        fn pair<T>(p: &Parsed<T>) -> (&str, &crate::content::frontmatter::Document) {
            (p.path.as_str(), &p.doc)
        }
        let releases = self
            .releases
            .iter()
            .flat_map(|r| r.records().map(|(path, doc, _)| (path, doc)));
        let incidents = self.incidents.iter().flat_map(|i| {
            i.incident
                .iter()
                .map(pair)
                .chain(i.postmortem.iter().map(pair))
        });
        releases.chain(incidents)
    }

    /// A release by folder name (a binary search: releases are kept sorted).
    pub fn release(&self, version: &str) -> Option<&ReleaseFiles> {
        let key = (&semver::Version::parse(version).ok(), version);
        let i = self
            .releases
            .binary_search_by(|r| release_order((&r.semver, r.version.as_str()), key))
            .ok()?;
        Some(&self.releases[i])
    }
    /// An incident by id (a binary search: incidents are kept sorted).
    pub fn incident(&self, id: &str) -> Option<&IncidentFiles> {
        let i = self
            .incidents
            .binary_search_by(|x| x.id.as_str().cmp(id))
            .ok()?;
        Some(&self.incidents[i])
    }
}

/// The order of releases: by semver, then folders that are not semver by
/// name (equal versions, such as `1.0.0+a` and `1.0.0+b`, by name too).
fn release_order<S: AsRef<str>>(
    a: (&Option<semver::Version>, S),
    b: (&Option<semver::Version>, S),
) -> std::cmp::Ordering {
    use std::cmp::Ordering::{Greater, Less};
    match (a.0, b.0) {
        (Some(x), Some(y)) => x.cmp(y).then_with(|| a.1.as_ref().cmp(b.1.as_ref())),
        (Some(_), None) => Less,
        (None, Some(_)) => Greater,
        (None, None) => a.1.as_ref().cmp(b.1.as_ref()),
    }
}

/// Finds the project root like git finds a repository: the nearest folder,
/// from `start` upwards, that has a `content/` folder.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join("content").is_dir())
        .map(Path::to_path_buf)
}

/// Reads a file as text, refusing huge files and invalid UTF-8 with a clear reason.
pub fn read_text(path: &Path) -> Result<String, String> {
    let meta = path.symlink_metadata().ok();
    if meta.as_ref().is_some_and(|m| m.file_type().is_symlink()) {
        return Err(
            "this is a symlink, and baton never follows symlinks; replace it with the file itself"
                .into(),
        );
    }
    let file = fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    // Sized from the metadata, the file is read in one go rather than in
    // growing probes (the limit still holds if it grew meanwhile).
    let size = meta.map_or(0, |m| m.len().min(MAX_FILE_BYTES) as usize);
    let mut bytes = Vec::with_capacity(size + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "the file is larger than {} KiB; records must be smaller",
            MAX_FILE_BYTES / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not valid UTF-8 (byte {}); save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Loads `root/content/`. Fails (exit 2) only when baton cannot judge at all:
/// no roster, or a broken roster or playbook.
pub fn load(root: &Path) -> Result<Content, Fatal> {
    load_with(root, None, None)
}

/// Folders loaded before, kept between loads by `serve`, whose watcher
/// says which paths changed since: a folder is read again only after
/// [`Memo::forget`] was told of a change in it.
#[derive(Debug, Default)]
pub struct Memo {
    folders: Mutex<std::collections::HashMap<PathBuf, Arc<Folder>>>,
}

impl Memo {
    /// Forgets every folder that is, or lies under, one of `changed` (paths
    /// under content/ cut to at most two levels, as [`folder_of`] does);
    /// everything when `changed` is `None` (the watcher lost track).
    pub fn forget(&self, changed: Option<&std::collections::HashSet<PathBuf>>) {
        let mut folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
        match changed {
            None => folders.clear(),
            Some(paths) => folders.retain(|dir, _| !dir.ancestors().any(|a| paths.contains(a))),
        }
    }

    fn get(&self, dir: &Path) -> Option<Arc<Folder>> {
        let folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
        folders.get(dir).cloned()
    }

    fn put(&self, dir: PathBuf, folder: Arc<Folder>) {
        let mut folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
        folders.insert(dir, folder);
    }
}

/// The folder two levels under `content` that holds `path` (or `path`
/// itself when it lies higher); `None` outside `content`. A change to any
/// file in a release or incident folder is a change to the folder.
pub fn folder_of(content: &Path, path: &Path) -> Option<PathBuf> {
    let inside = path.strip_prefix(content).ok()?;
    Some(content.join(inside.components().take(2).collect::<PathBuf>()))
}

/// Whether a folder loaded now may be kept: not while it or its
/// `signoffs/` folder changed in the last 2 s. A folder that is still being
/// filled (a copy, a checkout) may hold files written before the watcher
/// watched it, which no event will ever name.
fn settled(dir: &Path) -> bool {
    // A folder that is gone is settled: its removal is an event of its own.
    let calm = |p: &Path| fs::symlink_metadata(p).map_or(true, |m| super::texts::settled(&m));
    calm(dir) && calm(&dir.join("signoffs"))
}

/// One folder two levels down (`releases/<version>/`, `incidents/<id>/`,
/// or one outside the layout): its records and what is wrong in it.
#[derive(Clone, Debug, Default)]
pub struct Folder {
    found: Vec<Finding>,
    release: Option<Arc<ReleaseFiles>>,
    incident: Option<Arc<IncidentFiles>>,
}

/// Loads `content/`, reusing the folders `memo` holds (serve), and
/// reading record texts through `texts` when given.
pub fn load_with(
    root: &Path,
    memo: Option<&Memo>,
    texts: Option<&super::texts::Texts>,
) -> Result<Content, Fatal> {
    let dir = root.join("content");
    let mut findings = Vec::new();

    let team_path = dir.join("team.yaml");
    if !team_path.is_file() {
        return Err(Fatal::new(format!(
            "{} not found: baton needs the roster to know who holds which role",
            rel(root, &team_path)
        ))
        .help(
            "create content/team.yaml (`baton init` writes one), see the README's record format",
        ));
    }
    let roster = parse_roster(
        &rel(root, &team_path),
        &read_fatal(root, &team_path)?,
        &mut findings,
    )?;

    let playbook_path = dir.join("playbook.md");
    let playbook = if playbook_path.is_file() {
        let text = read_fatal(root, &playbook_path)?;
        Playbook::parse(&text, &rel(root, &playbook_path)).map_err(|e| {
            Fatal::new(format!("the playbook cannot be read: {e}")).help(
                "fix the playbook's front matter; `baton check` cannot judge records without it",
            )
        })?
    } else {
        Playbook::builtin()
    };

    let site_path = dir.join("site.yaml");
    let site = if site_path.is_file() {
        match read_text(&site_path) {
            Ok(t) => parse::yaml::<Site>(&rel(root, &site_path), &t, &mut findings)
                .data
                .unwrap_or_default(),
            Err(why) => {
                findings.push(Finding::new(
                    Rule::ContentParse,
                    rel(root, &site_path),
                    1,
                    why,
                ));
                Site::default()
            }
        }
    } else {
        Site::default()
    };

    // Walk in name order: the top two levels here, noting findings as they
    // come; each folder two levels down (a release, an incident) is one
    // parallel job that walks, parses and assembles it, or is taken from
    // the memo when nothing in it changed.
    enum Item {
        Found(Finding),
        Folder(PathBuf),
    }
    // The top two levels are listed here, the folders under them by
    // their own jobs.
    let mut items: Vec<Item> = Vec::new();
    let is_dir = |e: &Entry| {
        e.as_ref()
            .ok()
            .filter(|(_, t, _)| t.is_dir())
            .map(|(p, ..)| p.clone())
    };
    let found = |steps: Vec<Step>| {
        steps.into_iter().map(|step| match step {
            Step::Found(f) => Item::Found(f),
            Step::Record(..) => unreachable!("records lie three levels down or deeper"),
        })
    };
    for top in listing(&dir, None, None) {
        let sub = is_dir(&top);
        items.extend(found(walk_step(root, top)));
        for entry in sub.map(|d| listing(&d, None, None)).unwrap_or_default() {
            let folder = is_dir(&entry);
            items.extend(found(walk_step(root, entry)));
            items.extend(folder.map(Item::Folder));
        }
    }
    // A finding of the top two levels travels as a folder holding only it.
    // The content folder held open, to stat what lies under it (see stat).
    let base = texts.and_then(|_| Base::open(&dir));
    let progress =
        crate::progress::Progress::new("reading records (folders)", Some(items.len() as u64));
    let folders: Vec<Arc<Folder>> = items
        .into_par_iter()
        .map(|item| match item {
            Item::Found(f) => Arc::new(Folder {
                found: vec![f],
                ..Default::default()
            }),
            Item::Folder(dir) => match memo.and_then(|m| m.get(&dir)) {
                Some(kept) => kept,
                None => {
                    let folder = Arc::new(load_folder(root, &dir, texts, base.as_ref()));
                    if let Some(m) = memo.filter(|_| settled(&dir)) {
                        m.put(dir, folder.clone());
                    }
                    folder
                }
            },
        })
        .inspect(|_| progress.inc(1))
        .collect();
    progress.finish();

    let (mut releases, mut incidents) = (Vec::new(), Vec::new());
    for folder in folders {
        // Moved out unless the memo keeps the folder too.
        let folder = Arc::unwrap_or_clone(folder);
        findings.extend(folder.found);
        releases.extend(folder.release);
        incidents.extend(folder.incident);
    }
    releases.sort_by(|a, b| release_order((&a.semver, &a.version), (&b.semver, &b.version)));
    incidents.sort_by(|a, b| a.id.cmp(&b.id));

    Ok(Content {
        root: root.to_path_buf(),
        site,
        roster,
        playbook,
        releases,
        incidents,
        findings,
    })
}

/// Walks, parses and assembles one folder two levels down.
fn load_folder(
    root: &Path,
    dir: &Path,
    texts: Option<&super::texts::Texts>,
    base: Option<&Base>,
) -> Folder {
    let mut out = Folder::default();
    let mut release: Option<ReleaseFiles> = None;
    let mut incident: Option<IncidentFiles> = None;
    let mut entries = Vec::new();
    // Listed as a folder a moment ago; if it has been swapped for a
    // symlink since, it is not followed (nor anything under it).
    let kept = texts.map(|texts| Kept { root, texts, base });
    let relpath = rel(root, dir);
    let under = base.zip(under_content(dir, &relpath));
    let meta = match under {
        Some((base, under)) => base.stat(under),
        None => Meta::at(dir),
    };
    if let Some(meta) = meta.filter(|m| m.kind.is_dir()) {
        walk(dir, Some(&meta), kept, &mut entries);
    }
    let steps = entries.into_iter().flat_map(|entry| walk_step(root, entry));
    // The folder's files come nearly always in the order the texts cache
    // keeps them (a guess that misses costs a search).
    let near = crate::cachefile::Near::default();
    for step in steps {
        let (relpath, path, meta) = match step {
            Step::Found(f) => {
                out.found.push(f);
                continue;
            }
            Step::Record(relpath, path, meta) => (relpath, path, meta),
        };
        // Where the record belongs decides how it is parsed and where it goes.
        let parts: Vec<&str> = relpath.split('/').skip(1).collect();
        let slot = classify(&parts);
        let (loaded, found) = parse_file(&relpath, slot, &path, meta.as_ref(), texts, &near);
        out.found.extend(found);
        match (slot, loaded) {
            (Slot::Release(v, _) | Slot::Signoff(v, _), loaded) => {
                let r = release.get_or_insert_with(|| ReleaseFiles {
                    version: v.to_string(),
                    semver: semver::Version::parse(v).ok(),
                    ..Default::default()
                });
                match (slot, loaded) {
                    (Slot::Signoff(_, gate), Loaded::Signoff(p)) => {
                        r.signoffs.insert(gate.to_string(), p);
                    }
                    (_, Loaded::Release(p)) => r.release = Some(p),
                    (_, Loaded::GoNoGo(p)) => r.go_no_go = Some(p),
                    (_, Loaded::Deployment(p)) => r.deployment = Some(p),
                    (_, Loaded::Rollback(p)) => r.rollback = Some(p),
                    _ => unreachable!("a record is parsed as what its place says"),
                }
            }
            (Slot::Incident(id, _), loaded) => {
                let i = incident.get_or_insert_with(|| IncidentFiles {
                    id: id.to_string(),
                    ..Default::default()
                });
                match loaded {
                    Loaded::Incident(p) => i.incident = Some(p),
                    Loaded::Postmortem(p) => i.postmortem = Some(p),
                    _ => unreachable!("incident folders hold incidents and post-mortems"),
                }
            }
            _ => unreachable!("a record is parsed as what its place says"),
        }
    }
    if let Some(r) = &release
        && r.release.is_none()
    {
        out.found.push(
            Finding::new(
                Rule::ContentUnexpectedFile,
                format!("content/releases/{}", r.version),
                1,
                format!("releases/{}/ has no release.md", r.version),
            )
            .severity(Severity::Error)
            .release(&r.version)
            .help("add release.md (`baton new release VERSION --type TYPE`) or move the files"),
        );
    }
    out.release = release.map(Arc::new);
    out.incident = incident.map(Arc::new);
    out
}

/// Parses team.yaml; a roster that cannot be read is fatal.
pub fn parse_roster(path: &str, text: &str, findings: &mut Vec<Finding>) -> Result<Roster, Fatal> {
    let mut local = Vec::new();
    let parsed: Parsed<Roster> = parse::yaml(path, text, &mut local);
    match parsed.data {
        Some(r) => {
            findings.extend(local);
            Ok(r)
        }
        None => {
            let f = local
                .into_iter()
                .find(|f| f.rule == Rule::ContentParse)
                .expect("a parse failure has a finding");
            Err(Fatal::new(format!(
                "{}:{}: the roster cannot be read: {}",
                f.path, f.line, f.message
            ))
            .help("fix team.yaml; baton cannot tell who holds which role without it"))
        }
    }
}

fn read_fatal(root: &Path, path: &Path) -> Result<String, Fatal> {
    read_text(path).map_err(|why| Fatal::new(format!("{}: {why}", rel(root, path))))
}

/// One entry of the walk under content/: its path, its type (symlinks are
/// not followed) and, when the walk stats (with the texts cache), the
/// metadata of a file or folder; or a folder that could not
/// be read and why.
type Entry = Result<(PathBuf, Kind, Option<Meta>), (PathBuf, String)>;

/// A folder's entries in name order; with the texts cache (`kept`), each
/// file's metadata too, and where the cache keeps folders, each folder's,
/// and the names taken from the cache when the folder's stamp (from
/// `meta`) is the one it kept.
///
/// A listed entry's metadata is taken relative to the open folder
/// (`fstatat` on the folder's descriptor, which std does for
/// `DirEntry::metadata` where the system has it), so the kernel resolves
/// one name, not the whole path again, for each of the thousands of
/// records; the texts cache compares it with what it kept.
fn listing(dir: &Path, meta: Option<&Meta>, kept: Option<Kept<'_>>) -> Vec<Entry> {
    let stat = kept.is_some();
    // Folders' own metadata and names matter only where the cache keeps folders.
    let folders = kept.filter(|k| k.texts.keeps_folders());
    // The folder as the texts cache knows it: its project path and stamp,
    // taken (by the caller) before it is listed.
    let folder = folders
        .zip(meta)
        .and_then(|(k, m)| Some((k, rel(k.root, dir), m.stamp?, m)));
    if let Some((k, relpath, stamp, _)) = &folder
        && let Some(names) = k.texts.folder(relpath, *stamp)
    {
        // Unchanged since it was listed: its names, each stated (a name
        // gone since the folder was stated means it is changing: list it),
        // through the open content folder where there is one.
        let under = under_content(dir, relpath).filter(|_| k.base.is_some());
        let mut at = String::new();
        let known: Option<Vec<Entry>> = names
            .iter()
            .map(|name| {
                let path = dir.join(&**name);
                let m = match (k.base, under) {
                    (Some(base), Some(under)) => {
                        at.clear();
                        at.push_str(under);
                        at.push('/');
                        at.push_str(name);
                        base.stat(&at)?
                    }
                    _ => Meta::at(&path)?,
                };
                Some(Ok((path, m.kind, Some(m))))
            })
            .collect();
        if let Some(known) = known {
            return known;
        }
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return vec![Err((dir.to_path_buf(), e.to_string()))],
    };
    let mut out: Vec<Entry> = entries
        .map(|entry| {
            let entry = entry.map_err(|e| (dir.to_path_buf(), e.to_string()))?;
            let kind = Kind::of(
                entry
                    .file_type()
                    .map_err(|e| (entry.path(), e.to_string()))?,
            );
            let meta = ((stat && kind.is_file()) || (folders.is_some() && kind.is_dir()))
                .then(|| entry.metadata().ok().map(|m| Meta::of(&m)))
                .flatten();
            Ok((entry.path(), kind, meta))
        })
        .collect();
    out.sort_by(|a, b| match (a, b) {
        (Ok((a, ..)), Ok((b, ..))) => a.file_name().cmp(&b.file_name()),
        (Err(_), Err(_)) => std::cmp::Ordering::Equal,
        (Err(_), Ok(_)) => std::cmp::Ordering::Less,
        (Ok(_), Err(_)) => std::cmp::Ordering::Greater,
    });
    if let Some((k, relpath, stamp, m)) = folder {
        // Kept only when every entry was read and is named in UTF-8.
        let names: Option<Vec<ByteString>> = out
            .iter()
            .map(|e| Some(ByteString::from(e.as_ref().ok()?.0.file_name()?.to_str()?)))
            .collect();
        if let Some(names) = names {
            k.texts.note_folder(&relpath, stamp, m, names);
        }
    }
    out
}

/// Where `dir`, at project path `relpath`, lies under content/, as a stat
/// through the open content folder takes it; `None` for a path not in
/// UTF-8 (whose project path is only a likeness: stated by its own path).
fn under_content<'r>(dir: &Path, relpath: &'r str) -> Option<&'r str> {
    dir.to_str()?;
    relpath.strip_prefix("content/")
}

/// Where a walk may take a folder's names from instead of listing it:
/// the texts cache, the project root its paths are relative to, and the
/// content folder held open to stat entries under it.
#[derive(Clone, Copy)]
struct Kept<'a> {
    root: &'a Path,
    texts: &'a super::texts::Texts,
    base: Option<&'a Base>,
}

/// Everything under `dir` (not `dir` itself, whose metadata is `meta`),
/// depth first in name order: each folder is followed by its contents.
/// Symlinks are listed, never followed. The folders being listed are kept
/// on a stack of their own, so however deep a pull request nests folders,
/// the walk cannot run out of thread stack.
fn walk(dir: &Path, meta: Option<&Meta>, kept: Option<Kept<'_>>, out: &mut Vec<Entry>) {
    let mut open = vec![listing(dir, meta, kept).into_iter()];
    while let Some(folder) = open.last_mut() {
        let Some(entry) = folder.next() else {
            open.pop();
            continue;
        };
        let sub = match &entry {
            Ok((path, t, m)) if t.is_dir() => Some(listing(path, m.as_ref(), kept)),
            _ => None,
        };
        out.push(entry);
        open.extend(sub.map(Vec::into_iter));
    }
}

/// What one entry of the walk under content/ is: a record to parse, or
/// findings (symlinks, unexpected files and folders); hidden entries are
/// nothing.
fn walk_step(root: &Path, entry: Entry) -> Vec<Step> {
    let (path, file_type, meta) = match entry {
        Ok(e) => e,
        Err((at, why)) => {
            return vec![Step::Found(Finding::new(
                Rule::ContentParse,
                rel(root, &at),
                1,
                format!("cannot read: {why}"),
            ))];
        }
    };
    let relpath = rel(root, &path);
    let parts: Vec<&str> = relpath.split('/').skip(1).collect();
    if parts.iter().any(|p| p.starts_with('.')) {
        return Vec::new();
    }
    if file_type.is_symlink() {
        return vec![Step::Found(
            Finding::new(
                Rule::ContentUnexpectedFile,
                &relpath,
                1,
                "symlinks are not followed; this entry is ignored",
            )
            .help("replace the symlink with the file itself"),
        )];
    }
    let mut found = Vec::new();
    if file_type.is_dir() {
        check_folder(&relpath, &parts, &mut found);
    } else {
        match classify(&parts) {
            Slot::Skip => {}
            Slot::Unexpected => unexpected(&relpath, &mut found),
            // A record: nothing found about it here.
            _ => return vec![Step::Record(relpath, path, meta)],
        }
    }
    found.into_iter().map(Step::Found).collect()
}

/// One thing met while walking content/, in walk order.
enum Step {
    Found(Finding),
    /// A record file to parse: its project path, its path on disk and its
    /// metadata when the listing got it.
    Record(String, PathBuf, Option<Meta>),
}

/// A parsed record file, typed by its place in the layout. (Short-lived:
/// one per file between parsing and sorting into place, so not boxed.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Loaded {
    Release(Parsed<Release>),
    GoNoGo(Parsed<GoNoGo>),
    Deployment(Parsed<Deployment>),
    Rollback(Parsed<RollbackPlan>),
    Signoff(Parsed<Signoff>),
    Incident(Parsed<Incident>),
    Postmortem(Parsed<Postmortem>),
}

/// Reads and parses one record file (`slot` says what it is), with what
/// is wrong in it. A record that cannot be read still takes its place (as
/// unreadable), so a broken sign-off makes its gate invalid rather than
/// missing.
fn parse_file(
    relpath: &str,
    slot: Slot<'_>,
    path: &Path,
    meta: Option<&Meta>,
    texts: Option<&super::texts::Texts>,
    near: &crate::cachefile::Near,
) -> (Loaded, Vec<Finding>) {
    let mut f = Vec::new();
    let read = match texts {
        Some(t) => t.read(relpath, path, meta, near),
        None => read_text(path).map(|text| super::texts::Read {
            text: text.into(),
            front: None,
            blob: None,
            fresh: false,
        }),
    };
    let (text, mut front, blob, fresh) = match read {
        Ok(r) => (
            Some(r.text),
            r.front.map_or(parse::Front::Unknown, parse::Front::Kept),
            r.blob,
            r.fresh,
        ),
        Err(why) => {
            f.push(Finding::new(Rule::ContentParse, relpath, 1, why));
            (None, parse::Front::Unknown, None, false)
        }
    };
    macro_rules! parsed {
        ($how:path) => {
            match &text {
                Some(t) => {
                    let parsed = $how(relpath, t.clone(), &mut front, &mut f);
                    if let Some(id) = blob {
                        // The cache's blob id is of this very text.
                        let _ = parsed.doc.blob.set(id);
                    }
                    parsed
                }
                None => parse::unreadable(relpath),
            }
        };
    }
    let loaded = match slot {
        Slot::Release(_, "release.md") => Loaded::Release(parsed!(parse::record_with)),
        Slot::Release(_, "go-no-go.md") => Loaded::GoNoGo(parsed!(parse::record_with)),
        Slot::Release(_, "deployment.md") => Loaded::Deployment(parsed!(parse::record_with)),
        Slot::Release(..) => Loaded::Rollback(parsed!(parse::prose_with)),
        Slot::Signoff(..) => Loaded::Signoff(parsed!(parse::record_with)),
        Slot::Incident(_, "incident.md") => Loaded::Incident(parsed!(parse::record_with)),
        Slot::Incident(..) => Loaded::Postmortem(parsed!(parse::record_with)),
        Slot::Skip | Slot::Unexpected => unreachable!("only records are parsed"),
    };
    if let (Some(texts), parse::Front::Value(front), true) = (texts, &front, fresh) {
        texts.note_front(relpath, front);
    }
    (loaded, f)
}

/// Where a file under content/ belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot<'a> {
    /// Read elsewhere (settings) or inside a folder already reported.
    Skip,
    Release(&'a str, &'a str),
    Signoff(&'a str, &'a str),
    Incident(&'a str, &'a str),
    Unexpected,
}

fn classify<'a>(parts: &[&'a str]) -> Slot<'a> {
    match *parts {
        ["site.yaml"] | ["team.yaml"] | ["playbook.md"] => Slot::Skip,
        [
            "releases",
            v,
            file @ ("release.md" | "go-no-go.md" | "deployment.md" | "rollback.md"),
        ] => Slot::Release(v, file),
        ["releases", v, "signoffs", file] => match file.strip_suffix(".md") {
            Some(gate) if !gate.is_empty() => Slot::Signoff(v, gate),
            _ => Slot::Unexpected,
        },
        // Files of a folder that is not an incident id are not loaded (the folder is reported).
        ["incidents", id, file @ ("incident.md" | "postmortem.md")] if is_incident_id(id) => {
            Slot::Incident(id, file)
        }
        ["incidents", id, _] if !is_incident_id(id) => Slot::Skip,
        _ => Slot::Unexpected,
    }
}

fn unexpected(relpath: &str, findings: &mut Vec<Finding>) {
    findings.push(
        Finding::new(
            Rule::ContentUnexpectedFile,
            relpath,
            1,
            "this file is not part of the records layout and is ignored",
        )
        .help("see the layout in the README; move or delete the file"),
    );
}

/// Folder names that cannot hold records.
fn check_folder(relpath: &str, parts: &[&str], findings: &mut Vec<Finding>) {
    let ok = match parts {
        ["releases"] | ["incidents"] | ["releases", _] | ["releases", _, "signoffs"] => true,
        ["incidents", id] => is_incident_id(id),
        _ => false,
    };
    if !ok {
        let help = if parts.first() == Some(&"incidents") {
            "name incident folders YYYY-MM-DD-slug (lowercase letters, digits and dashes)"
        } else {
            "see the layout in the README"
        };
        findings.push(
            Finding::new(
                Rule::ContentUnexpectedFile,
                relpath,
                1,
                "this folder is not part of the records layout and is ignored",
            )
            .severity(if parts.first() == Some(&"incidents") {
                Severity::Error
            } else {
                Severity::Warning
            })
            .help(help),
        );
    }
}

/// `YYYY-MM-DD-slug` with a real date and a lowercase slug.
pub fn is_incident_id(id: &str) -> bool {
    let (Some(date), Some(slug)) = (id.get(..10), id.get(11..)) else {
        return false;
    };
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok()
        && id.as_bytes()[10] == b'-'
        && !slug.is_empty()
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A path relative to the project root with `/` separators.
pub fn rel(root: &Path, path: &Path) -> String {
    let p = path.strip_prefix(root).unwrap_or(path);
    // The common case, once per file of every load: a UTF-8 path already
    // in the form its components would be joined to.
    #[cfg(unix)]
    if let Some(s) = p.to_str()
        && !(s.starts_with('/') || s.starts_with("./") || s.contains("//") || s.contains("/./"))
        && !(s.ends_with('/') || s.ends_with("/.") || s == ".")
    {
        return s.to_string();
    }
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn project_paths_are_joined_components() {
        let root = Path::new("/r");
        let slow = |p: &str| {
            let p = Path::new(p);
            let p = p.strip_prefix(root).unwrap_or(p);
            p.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        };
        for p in [
            "/r/content/releases/1.0.0/release.md",
            "/r/content",
            "/r",
            "/r/content/./x",
            "/r/content//x/",
            "/r/./content/.",
            "/r/content/../x",
            "/r/content/.hidden",
            "/elsewhere/x",
            "rel/a",
            "./rel/a",
        ] {
            assert_eq!(rel(root, Path::new(p)), slow(p), "{p}");
        }
    }

    #[test]
    fn a_change_is_a_change_to_its_folder_two_levels_down() {
        let content = Path::new("/r/content");
        let folder = |p: &str| folder_of(content, Path::new(p));
        assert_eq!(
            folder("/r/content/releases/1.0.0/signoffs/qa.md"),
            Some(PathBuf::from("/r/content/releases/1.0.0"))
        );
        assert_eq!(
            folder("/r/content/releases/1.0.0"),
            Some(PathBuf::from("/r/content/releases/1.0.0"))
        );
        assert_eq!(
            folder("/r/content/releases"),
            Some(PathBuf::from("/r/content/releases"))
        );
        assert_eq!(folder("/r/themes/x/base.html"), None);
        assert_eq!(folder("/r/.git/HEAD"), None);
    }

    #[test]
    fn forgetting_drops_the_changed_folders_and_those_under_a_changed_folder() {
        let memo = Memo::default();
        let dirs = [
            "/r/content/releases/1.0.0",
            "/r/content/releases/2.0.0",
            "/r/content/incidents/2026-01-01-a",
        ];
        let fill = || {
            for d in dirs {
                memo.put(PathBuf::from(d), Arc::default());
            }
        };
        let kept = || {
            dirs.iter()
                .filter(|d| memo.get(Path::new(d)).is_some())
                .count()
        };
        let set = |ps: &[&str]| ps.iter().map(PathBuf::from).collect::<HashSet<_>>();

        fill();
        memo.forget(Some(&set(&["/r/content/releases/2.0.0"])));
        assert!(memo.get(Path::new(dirs[1])).is_none());
        assert_eq!(kept(), 2);

        fill();
        memo.forget(Some(&set(&["/r/content/releases"])));
        assert_eq!(kept(), 1, "a renamed releases/ folder drops every release");

        fill();
        memo.forget(Some(&set(&["/r/content/releases/2.0.0-rc.1"])));
        assert_eq!(
            kept(),
            3,
            "a sibling whose name starts the same is another folder"
        );

        fill();
        memo.forget(None);
        assert_eq!(kept(), 0);
    }
}
