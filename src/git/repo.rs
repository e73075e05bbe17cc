//! Opening the repository that holds the records, and refusing the ones
//! baton cannot judge: no repository, no work tree, a shallow clone.

use std::path::{Path, PathBuf};

use git2::{ErrorCode, ObjectType, Oid, Repository, Tree};

use crate::error::Fatal;

/// Help for every "history is incomplete" error.
pub const FULL_HISTORY_HELP: &str = "baton needs the full history to know who signed what: run `git fetch --unshallow` \
(or clone without --depth/--filter); in GitHub Actions use actions/checkout with `fetch-depth: 0`";

/// Help when objects are missing (partial clones made with `--filter`).
pub const PARTIAL_HELP: &str = "baton reads every historical version of the records and needs all objects: clone again \
without --filter (in GitHub Actions: actions/checkout with `fetch-depth: 0` and no `filter:`)";

/// The repository, and where the project sits in it.
pub struct GitRepo {
    pub repo: Repository,
    /// The work tree.
    pub workdir: PathBuf,
    /// The project root relative to the work tree: `""` or `"sub/dir"`.
    pub root_prefix: String,
    /// HEAD, or `None` on an unborn branch (no commits yet).
    pub head: Option<Oid>,
}

impl GitRepo {
    /// Opens the repository containing `root`.
    pub fn open(root: &Path) -> Result<GitRepo, Fatal> {
        let repo = Repository::discover(root).map_err(|e| match e.code() {
            ErrorCode::NotFound => Fatal::new(format!("{} is not in a git repository", root.display())).help(
                "baton learns who signed off from git history: run `git init` and commit the records, or pass --root",
            ),
            _ => Fatal::new(format!("cannot open the git repository at {}: {}", root.display(), e.message())),
        })?;
        let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
            return Err(Fatal::new("the repository is bare; baton needs a work tree with content/")
                .help("run baton in a clone with a checkout, e.g. `git clone REPO && cd REPO && baton check`"));
        };
        // Object ids are checked by git when objects are written and by `git fsck`;
        // re-hashing every object read would double the cost of the history walk.
        git2::opts::strict_hash_verification(false);
        if repo.is_shallow() {
            return Err(Fatal::new("this is a shallow clone: the oldest commits are missing, so baton cannot tell who signed what").help(FULL_HISTORY_HELP));
        }
        let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let (wd, r) = (canon(&workdir), canon(root));
        let root_prefix = r
            .strip_prefix(&wd)
            .map(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default();
        let head = match repo.head() {
            Ok(h) => Some(h.peel_to_commit().map_err(missing)?.id()),
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => None,
            Err(e) => return Err(missing(e)),
        };
        Ok(GitRepo {
            repo,
            workdir: wd,
            root_prefix,
            head,
        })
    }

    /// The repository path of a project-relative path.
    pub fn repo_path(&self, project_path: &str) -> String {
        repo_path(&self.root_prefix, project_path)
    }

    /// The project path of a repository path (unchanged if outside the project).
    pub fn project_path(&self, repo_path: &str) -> String {
        project_path(&self.root_prefix, repo_path)
    }

    /// Whether git sees no change to a file against HEAD (for files baton
    /// could not read as text).
    pub fn is_unchanged(&self, repo_path: &str) -> bool {
        self.repo
            .status_file(Path::new(repo_path))
            .is_ok_and(|s| s == git2::Status::CURRENT)
    }

    /// Whether a blob, read as baton reads a file (BOM removed, CRLF folded
    /// to LF), is `text`: asked only when the hashes differ, for blobs that
    /// hold a BOM or CRLF. Neither the index nor the disk is consulted, so
    /// the answer is about exactly the text that was judged.
    pub fn blob_reads_as(&self, blob: Oid, text: &str) -> bool {
        self.repo.find_blob(blob).is_ok_and(|b| {
            std::str::from_utf8(b.content())
                .is_ok_and(|s| crate::content::frontmatter::normalise(s) == text)
        })
    }

    /// The blob at a repository path in a commit's tree, if any.
    pub fn blob_at(&self, tree: &Tree<'_>, repo_path: &str) -> Result<Option<Vec<u8>>, Fatal> {
        match tree.get_path(Path::new(repo_path)) {
            Ok(entry) if entry.kind() == Some(ObjectType::Blob) => {
                let blob = self.repo.find_blob(entry.id()).map_err(missing)?;
                Ok(Some(blob.content().to_vec()))
            }
            Ok(_) => Ok(None),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(missing(e)),
        }
    }
}

/// The repository path of a project-relative path, for a project at
/// `root_prefix` in its work tree.
pub fn repo_path(root_prefix: &str, project_path: &str) -> String {
    repo_path_of(root_prefix, project_path).into_owned()
}

/// [`repo_path`], borrowing the project path when the two are the same
/// (a project at the top of its work tree: no string made).
pub fn repo_path_of<'p>(root_prefix: &str, project_path: &'p str) -> std::borrow::Cow<'p, str> {
    if root_prefix.is_empty() {
        std::borrow::Cow::Borrowed(project_path)
    } else {
        std::borrow::Cow::Owned(format!("{root_prefix}/{project_path}"))
    }
}

/// The project path of a repository path (unchanged if outside the project).
pub fn project_path(root_prefix: &str, repo_path: &str) -> String {
    if root_prefix.is_empty() {
        return repo_path.to_string();
    }
    repo_path
        .strip_prefix(root_prefix)
        .and_then(|p| p.strip_prefix('/'))
        .map_or_else(|| repo_path.to_string(), str::to_string)
}

/// A git error while reading history: most often objects a partial clone lacks.
pub fn missing(e: git2::Error) -> Fatal {
    if e.code() == ErrorCode::NotFound {
        Fatal::new(format!(
            "git object missing from this clone ({}): it is a partial or damaged clone",
            e.message()
        ))
        .help(FULL_HISTORY_HELP)
    } else {
        Fatal::new(format!("git: {}", e.message()))
    }
}
