//! Reading git trees straight from the object database, for the history
//! walk: entries are sliced out of the raw object without building
//! libgit2 tree objects, a tree read in one step of the walk is reused in
//! the next (a commit's parent is usually the next commit walked), and two
//! trees are compared by merging their sorted entries, skipping equal
//! subtrees by id.

use foldhash::{HashMap, HashMapExt};
use std::cmp::Ordering;
use std::rc::Rc;

use git2::{ObjectType, Odb, Oid};

use crate::error::Fatal;
use crate::git::repo::missing;

/// The mode of a folder entry.
const TREE_MODE: u32 = 0o040000;
/// The mode of a submodule entry (a commit, not a file).
const GITLINK_MODE: u32 = 0o160000;

/// One entry of a raw tree.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'t> {
    pub mode: u32,
    pub name: &'t [u8],
    pub id: &'t [u8],
}

impl Entry<'_> {
    pub fn is_tree(&self) -> bool {
        self.mode == TREE_MODE
    }

    /// A file (regular, executable or symlink): what `git log -- PATH` follows.
    pub fn is_blob(&self) -> bool {
        self.mode != TREE_MODE && self.mode != GITLINK_MODE
    }

    pub fn oid(&self) -> Oid {
        Oid::from_bytes(self.id).expect("tree entries hold full object ids")
    }
}

/// The first entry of raw tree bytes (`MODE NAME\0ID`) and its length.
fn next_entry(data: &[u8]) -> Option<(Entry<'_>, usize)> {
    let space = memchr::memchr(b' ', data)?;
    let nul = space + memchr::memchr(0, &data[space..])?;
    let end = nul + 1 + 20;
    if end > data.len() || space == 0 || nul == space + 1 {
        return None;
    }
    let raw = data[..space].iter().try_fold(0u32, |m, &d| {
        (b'0'..=b'7')
            .contains(&d)
            .then_some(())
            .and_then(|()| m.checked_mul(8))
            .map(|m| m + u32::from(d - b'0'))
    })?;
    let entry = Entry {
        mode: canonical_mode(raw),
        name: &data[space + 1..nul],
        id: &data[nul + 1..end],
    };
    Some((entry, end))
}

/// A mode as git compares it: any folder is 040000, a regular file 100644
/// or (owner may execute) 100755, a symlink 120000, anything else a
/// submodule. Old histories hold modes such as 100664 that git treats as
/// 100644, so a rewrite of the mode alone is not a change.
fn canonical_mode(mode: u32) -> u32 {
    match mode & 0o170000 {
        0o040000 => TREE_MODE,
        0o100000 if mode & 0o100 != 0 => 0o100755,
        0o100000 => 0o100644,
        0o120000 => 0o120000,
        _ => GITLINK_MODE,
    }
}

/// git's order of tree entries: by name, a folder's name read with a trailing `/`.
fn git_order(a: &Entry, b: &Entry) -> Ordering {
    let n = a.name.len().min(b.name.len());
    match a.name[..n].cmp(&b.name[..n]) {
        Ordering::Equal => {}
        o => return o,
    }
    let tail = |e: &Entry| e.name.get(n).copied().or(e.is_tree().then_some(b'/'));
    tail(a).cmp(&tail(b))
}

/// A tree's raw bytes and where each entry ends.
#[derive(Debug, Default)]
pub struct RawTree {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl RawTree {
    /// Splits raw tree bytes into entries; `None` if they are malformed.
    fn parse(data: Vec<u8>) -> Option<RawTree> {
        let mut ends = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let (_, used) = next_entry(&data[at..])?;
            at += used;
            ends.push(at);
        }
        Some(RawTree { data, ends })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn start(&self, i: usize) -> usize {
        if i == 0 { 0 } else { self.ends[i - 1] }
    }

    /// The bytes of entry `i`.
    fn raw(&self, i: usize) -> &[u8] {
        &self.data[self.start(i)..self.ends[i]]
    }

    pub fn entry(&self, i: usize) -> Entry<'_> {
        next_entry(self.raw(i)).expect("checked when read").0
    }

    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> {
        (0..self.len()).map(|i| self.entry(i))
    }

    /// How many entries the two trees share at the start and at the end
    /// (identical bytes), found without comparing entry by entry.
    fn shared_ends(&self, other: &RawTree) -> (usize, usize) {
        let (a, b) = (&self.data, &other.data);
        let n = a.len().min(b.len());
        let mut p = 0;
        while p + 64 <= n && a[p..p + 64] == b[p..p + 64] {
            p += 64;
        }
        while p < n && a[p] == b[p] {
            p += 1;
        }
        let lead = self.ends.partition_point(|&e| e <= p);
        let mut s = 0;
        while s + 64 <= n && a[a.len() - s - 64..a.len() - s] == b[b.len() - s - 64..b.len() - s] {
            s += 64;
        }
        while s < n && a[a.len() - s - 1] == b[b.len() - s - 1] {
            s += 1;
        }
        // The first entry of `self` inside the shared tail that also starts
        // an entry of `other` begins the shared trailing entries.
        let mut i = self.ends.partition_point(|&e| e <= a.len() - s);
        let mut trail = 0;
        while i < self.len() {
            let from_end = a.len() - self.start(i);
            if from_end <= s
                && let Some(j) = b.len().checked_sub(from_end)
                && (j == 0 || other.ends.binary_search(&j).is_ok())
            {
                trail = self.len() - i;
                break;
            }
            i += 1;
        }
        let trail = trail.min(self.len() - lead).min(other.len() - lead);
        (lead, trail)
    }
}

/// Reads trees by id, keeping those read in the current and the previous
/// step of a walk.
pub struct Trees<'r> {
    odb: Odb<'r>,
    previous: HashMap<Oid, Rc<RawTree>>,
    current: HashMap<Oid, Rc<RawTree>>,
}

impl<'r> Trees<'r> {
    pub fn new(repo: &'r git2::Repository) -> Result<Trees<'r>, Fatal> {
        Ok(Trees {
            odb: repo.odb().map_err(missing)?,
            previous: HashMap::new(),
            current: HashMap::new(),
        })
    }

    /// Ends a step of the walk: trees read before the previous step are dropped.
    pub fn step(&mut self) {
        self.previous = std::mem::take(&mut self.current);
    }

    /// A tree's entries.
    pub fn read(&mut self, id: Oid) -> Result<Rc<RawTree>, Fatal> {
        if let Some(t) = self.current.get(&id) {
            return Ok(t.clone());
        }
        let data = match self.previous.get(&id) {
            Some(t) => t.clone(),
            None => {
                let obj = self.odb.read(id).map_err(missing)?;
                if obj.kind() != ObjectType::Tree {
                    return Err(Fatal::new(format!(
                        "object {id} should be a tree but is a {}",
                        obj.kind()
                    ))
                    .help("the repository is damaged: run `git fsck`"));
                }
                let tree = RawTree::parse(obj.data().to_vec()).ok_or_else(|| {
                    Fatal::new(format!("tree {id} is malformed"))
                        .help("the repository is damaged: run `git fsck`")
                })?;
                Rc::new(tree)
            }
        };
        self.current.insert(id, data.clone());
        Ok(data)
    }

    /// The tree id and parent ids of a commit, read from its raw object.
    pub fn commit(&self, id: Oid) -> Result<(Oid, Vec<Oid>), Fatal> {
        let obj = self.odb.read(id).map_err(missing)?;
        let bad = || {
            Fatal::new(format!("commit {id} cannot be read"))
                .help("the repository is damaged: run `git fsck`")
        };
        if obj.kind() != ObjectType::Commit {
            return Err(bad());
        }
        let mut tree = None;
        let mut parents = Vec::new();
        let hex = |h: &[u8]| {
            std::str::from_utf8(h)
                .ok()
                .and_then(|h| Oid::from_str(h).ok())
                .ok_or_else(bad)
        };
        // git writes the tree line first, then one line per parent.
        for line in obj.data().split(|&b| b == b'\n') {
            if let Some(h) = line.strip_prefix(b"tree ") {
                tree = Some(hex(h)?);
            } else if let Some(h) = line.strip_prefix(b"parent ") {
                parents.push(hex(h)?);
            } else {
                break;
            }
        }
        Ok((tree.ok_or_else(bad)?, parents))
    }

    /// The author and co-authors of a commit, read from its raw object.
    pub fn author(&self, id: Oid) -> Result<crate::git::provenance::CommitInfo, Fatal> {
        let obj = self.odb.read(id).map_err(missing)?;
        let data = obj.data();
        let (head, message) = match memchr::memmem::find(data, b"\n\n") {
            Some(i) => (&data[..i], &data[i + 2..]),
            None => (data, &b""[..]),
        };
        let mut info = crate::git::provenance::CommitInfo {
            signed: head
                .split(|&b| b == b'\n')
                .any(|l| l.starts_with(b"gpgsig ") || l.starts_with(b"gpgsig-sha256 ")),
            ..Default::default()
        };
        if let Some(line) = head
            .split(|&b| b == b'\n')
            .find_map(|l| l.strip_prefix(b"author "))
        {
            let line = String::from_utf8_lossy(line);
            // git's rule: the e-mail runs from the first `<` to the next `>`.
            if let Some(lt) = line.find('<')
                && let Some(gt) = line[lt..].find('>').map(|i| lt + i)
            {
                info.name = line[..lt].trim().to_string();
                info.email = line[lt + 1..gt].trim().to_string();
                let mut when = line[gt + 1..].split_whitespace();
                info.seconds = when.next().and_then(|s| s.parse().ok()).unwrap_or(0);
                info.offset_minutes = when.next().map_or(0, offset_minutes);
            }
        }
        info.co_authors = crate::git::identity::co_authors(&String::from_utf8_lossy(message));
        Ok(info)
    }

    /// The entry at a slash-separated path under a tree, if there is one.
    pub fn entry_at(&mut self, root: Oid, path: &str) -> Result<Option<(Oid, u32)>, Fatal> {
        let mut tree = root;
        let mut parts = path.split('/').peekable();
        while let Some(part) = parts.next() {
            let data = self.read(tree)?;
            let Some(e) = data.entries().find(|e| e.name == part.as_bytes()) else {
                return Ok(None);
            };
            if parts.peek().is_none() {
                return Ok(Some((e.oid(), e.mode)));
            }
            if !e.is_tree() {
                return Ok(None);
            }
            tree = e.oid();
        }
        Ok(None)
    }

    /// The file (blob) at a path: its id and mode.
    pub fn blob_at(&mut self, root: Oid, path: &str) -> Result<Option<(Oid, u32)>, Fatal> {
        Ok(self
            .entry_at(root, path)?
            .filter(|&(_, mode)| mode != TREE_MODE && mode != GITLINK_MODE))
    }

    /// Every file under a tree in scope, with its blob id, as paths under `prefix`.
    pub fn files(
        &mut self,
        tree: Oid,
        prefix: &str,
        within: &Scope,
        out: &mut Vec<(String, Oid)>,
    ) -> Result<(), Fatal> {
        let t = self.read(tree)?;
        for e in t.entries() {
            let name = String::from_utf8_lossy(e.name);
            let path = if prefix.is_empty() {
                name.into_owned()
            } else {
                format!("{prefix}/{name}")
            };
            match within.reach(&path) {
                Reach::Outside => {}
                _ if e.is_tree() => self.files(e.oid(), &path, within, out)?,
                Reach::Inside if e.is_blob() => out.push((path, e.oid())),
                _ => {}
            }
        }
        Ok(())
    }

    /// Files that differ between two trees (added, removed or changed), as
    /// paths under `prefix`, limited to `within`.
    pub fn diff(
        &mut self,
        a: Option<Oid>,
        b: Option<Oid>,
        prefix: &str,
        within: &Scope,
        out: &mut Vec<String>,
    ) -> Result<(), Fatal> {
        if a == b {
            return Ok(());
        }
        let empty = Rc::new(RawTree::default());
        let ta = a.map_or(Ok(empty.clone()), |id| self.read(id))?;
        let tb = b.map_or(Ok(empty), |id| self.read(id))?;
        let (lead, trail) = ta.shared_ends(&tb);
        let (mut i, mut j) = (lead, lead);
        let (ia, jb) = (ta.len() - trail, tb.len() - trail);
        loop {
            let (x, y) = match (i < ia, j < jb) {
                (false, false) => break,
                (true, false) => (Some(ta.entry(i)), None),
                (false, true) => (None, Some(tb.entry(j))),
                (true, true) => {
                    let (ex, ey) = (ta.entry(i), tb.entry(j));
                    match git_order(&ex, &ey) {
                        Ordering::Less => (Some(ex), None),
                        Ordering::Greater => (None, Some(ey)),
                        Ordering::Equal if ex.id == ey.id && ex.mode == ey.mode => {
                            i += 1;
                            j += 1;
                            continue;
                        }
                        Ordering::Equal => (Some(ex), Some(ey)),
                    }
                }
            };
            i += usize::from(x.is_some());
            j += usize::from(y.is_some());
            let entry = x.or(y).expect("one side has the entry");
            let name = String::from_utf8_lossy(entry.name);
            let path = if prefix.is_empty() {
                name.into_owned()
            } else {
                format!("{prefix}/{name}")
            };
            let reach = within.reach(&path);
            if reach == Reach::Outside {
                continue;
            }
            let subtree = |e: Option<Entry>| e.filter(Entry::is_tree).map(|e| e.oid());
            let (ta, tb) = (subtree(x), subtree(y));
            if ta.is_some() || tb.is_some() {
                self.diff(ta, tb, &path, within, out)?;
            }
            let file = |e: Option<Entry>| e.is_some_and(|e| e.is_blob());
            if reach == Reach::Inside && (file(x) || file(y)) {
                out.push(path);
            }
        }
        Ok(())
    }
}

/// A git time zone (`+0130`, `-0800`) in minutes east of UTC.
fn offset_minutes(tz: &str) -> i32 {
    let (sign, digits) = match tz.as_bytes().first() {
        Some(b'-') => (-1, &tz[1..]),
        Some(b'+') => (1, &tz[1..]),
        _ => (1, tz),
    };
    let n: i32 = digits.parse().unwrap_or(0);
    sign * ((n / 100).min(14) * 60 + (n % 100).min(59))
}

/// The part of the repository a walk looks at: folders and single files.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    roots: Vec<String>,
}

/// Where a path stands relative to a [`Scope`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// In the scope.
    Inside,
    /// A folder on the way to the scope.
    Above,
    Outside,
}

impl Scope {
    /// `roots` are repository paths (`""` is the whole repository).
    pub fn new(roots: impl IntoIterator<Item = String>) -> Scope {
        Scope {
            roots: roots.into_iter().collect(),
        }
    }

    pub fn roots(&self) -> &[String] {
        &self.roots
    }

    pub fn reach(&self, path: &str) -> Reach {
        let mut reach = Reach::Outside;
        for r in &self.roots {
            if r.is_empty() || path == r || is_under(path, r) {
                return Reach::Inside;
            }
            if is_under(r, path) {
                reach = Reach::Above;
            }
        }
        reach
    }
}

/// Whether `path` lies inside folder `dir`.
fn is_under(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_sort_as_if_they_ended_in_a_slash() {
        let file = |n: &'static [u8]| Entry {
            mode: 0o100644,
            name: n,
            id: &[0; 20],
        };
        let dir = |n: &'static [u8]| Entry {
            mode: TREE_MODE,
            name: n,
            id: &[0; 20],
        };
        assert_eq!(git_order(&file(b"a.md"), &dir(b"a")), Ordering::Less);
        assert_eq!(git_order(&dir(b"a"), &file(b"a0")), Ordering::Less);
        assert_eq!(git_order(&file(b"a"), &dir(b"a")), Ordering::Less);
        assert_eq!(git_order(&dir(b"ab"), &dir(b"ab")), Ordering::Equal);
    }

    #[test]
    fn scope_reaches_folders_and_files() {
        let s = Scope::new(["records/content".to_string(), ".mailmap".to_string()]);
        assert_eq!(s.reach("records"), Reach::Above);
        assert_eq!(s.reach("records/content/x.md"), Reach::Inside);
        assert_eq!(s.reach("records/contents"), Reach::Outside);
        assert_eq!(s.reach(".mailmap"), Reach::Inside);
        assert_eq!(s.reach("src"), Reach::Outside);
    }

    #[test]
    fn modes_compare_as_git_compares_them() {
        assert_eq!(canonical_mode(0o100664), 0o100644);
        assert_eq!(canonical_mode(0o100600), 0o100644);
        assert_eq!(canonical_mode(0o100775), 0o100755);
        assert_eq!(canonical_mode(0o40755), TREE_MODE);
        assert_eq!(canonical_mode(0o120000), 0o120000);
        assert_eq!(canonical_mode(0o160000), GITLINK_MODE);
        assert!(RawTree::parse(b"77777777777777777 a\0aaaaaaaaaaaaaaaaaaaa".to_vec()).is_none());
    }

    #[test]
    fn time_zones_are_minutes_east() {
        assert_eq!(offset_minutes("+0130"), 90);
        assert_eq!(offset_minutes("-0800"), -480);
        assert_eq!(offset_minutes("+0000"), 0);
    }

    #[test]
    fn malformed_trees_are_refused() {
        assert!(RawTree::parse(b"100644 a\0short".to_vec()).is_none());
        assert!(RawTree::parse(b"1x0644 a\0aaaaaaaaaaaaaaaaaaaa".to_vec()).is_none());
        assert_eq!(
            RawTree::parse(b"100644 a\0aaaaaaaaaaaaaaaaaaaa".to_vec()).map(|t| t.len()),
            Some(1)
        );
    }
}
