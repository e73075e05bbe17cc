//! `baton serve`: builds the site in memory, serves it on 127.0.0.1:1111,
//! rebuilds when records, themes or git refs change, and reloads open pages.
//! A bad edit never stops the server: the last good site stays served with
//! an overlay naming the file, line and problem. Nothing is written into
//! the repository.

mod http;
mod watch;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant as Clock;

use crate::check;
use crate::error::Fatal;
use crate::finding::Rule;
use crate::site;

/// Where to serve and what.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub root: Option<PathBuf>,
    pub interface: String,
    pub port: u16,
    pub open: bool,
    /// The clock for deadline rules (default: the current time at each rebuild).
    pub now: Option<crate::time::Instant>,
}

/// The site as served now. Pages are rendered when first asked for, from
/// the last good check, and kept until the next rebuild.
#[derive(Default)]
pub struct Site {
    /// Every file of the site (path, no leading slash).
    pub paths: HashSet<String>,
    /// Files rendered so far.
    pub files: HashMap<String, Arc<Vec<u8>>>,
    /// What the pages are rendered from: the check, the compiled theme,
    /// and the address pages link to.
    pub source: Option<(Arc<check::Checked>, Arc<site::theme::Theme>, String)>,
    /// Bumped on every rebuild, good or bad.
    pub version: u64,
    /// Why the last build failed: shown as an overlay over the last good site.
    pub problem: Option<String>,
}

/// Shared between the HTTP threads and the rebuild loop.
pub struct Shared {
    pub site: RwLock<Site>,
    /// Open event streams.
    pub listeners: Mutex<Vec<Sender<String>>>,
    /// Folders of records loaded by earlier rebuilds and unchanged since,
    /// as the watcher tells.
    pub memo: Arc<crate::content::load::Memo>,
    /// Signers resolved by earlier rebuilds.
    pub signers: Arc<crate::git::identity::Kept>,
    /// The history the last rebuild walked (reused while HEAD is unchanged).
    pub history: Arc<crate::git::provenance::Kept>,
    /// The theme compiled by an earlier rebuild, with its files' fingerprint.
    pub theme: Mutex<Option<(ThemeKey, Arc<site::theme::Theme>)>>,
}

/// A theme's name and [`fingerprint`](site::theme::fingerprint).
type ThemeKey = (Option<String>, Vec<(String, crate::content::texts::Stamp)>);

impl Shared {
    /// The project's theme: the one compiled before when its files are
    /// unchanged, else compiled now (and kept when its files are settled).
    fn theme(&self, checked: &check::Checked) -> Result<Arc<site::theme::Theme>, Fatal> {
        let content = &checked.content;
        let name = content.site.theme.clone();
        let key = site::theme::fingerprint(&content.root, name.as_deref()).map(|f| (name, f));
        let mut memo = self.theme.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(k), Some((kept, theme))) = (&key, memo.as_ref())
            && k == kept
        {
            return Ok(theme.clone());
        }
        let theme = Arc::new(site::theme_of(checked)?);
        *memo = key.map(|k| (k, theme.clone()));
        Ok(theme)
    }

    fn broadcast(&self, event: &str) {
        let mut l = self.listeners.lock().expect("listeners lock");
        l.retain(|tx| tx.send(event.to_string()).is_ok());
    }
}

/// Builds once, then serves and watches until interrupted.
pub fn serve(opts: &ServeOptions) -> Result<(), Fatal> {
    let root = check::project_root(opts.root.as_deref())?;
    // The watcher names changed paths under the root it was given: an
    // absolute one, so they match the folder paths the loader keeps.
    let root = absolute(root);
    // Where content/ is a symlink, a watcher may name paths under its
    // target instead (macOS does): then nothing is kept between rebuilds.
    let keep_folders =
        !std::fs::symlink_metadata(root.join("content")).is_ok_and(|m| m.file_type().is_symlink());
    let git_dir = git2::Repository::discover(&root)
        .ok()
        .map(|r| r.path().to_path_buf());
    let server = tiny_http::Server::http((opts.interface.as_str(), opts.port)).map_err(|e| {
        Fatal::new(format!(
            "cannot listen on {}:{}: {e}",
            opts.interface, opts.port
        ))
        .help("choose another port with --port (0 picks a free one)")
    })?;
    let addr = server.server_addr().to_ip().map_or_else(
        || format!("{}:{}", opts.interface, opts.port),
        |a| a.to_string(),
    );
    let url = format!("http://{addr}/");

    let shared = Arc::new(Shared {
        site: RwLock::new(Site::default()),
        listeners: Mutex::new(Vec::new()),
        memo: Arc::default(),
        signers: Arc::default(),
        history: Arc::default(),
        theme: Mutex::new(None),
    });
    // Watching starts before the first build, so no change goes unseen.
    let (tx, rx) = std::sync::mpsc::channel();
    let _watcher = watch::start(&root, git_dir.as_deref(), tx)?;
    rebuild(&root, &url, opts.now, &shared);
    println!("Serving {} on {url} (Ctrl-C to stop)", root.display());
    if opts.open {
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        let _ = std::process::Command::new(opener).arg(&url).spawn();
    }

    {
        let (root, url, shared, now) = (root.clone(), url.clone(), shared.clone(), opts.now);
        std::thread::spawn(move || {
            while let Some(batch) = watch::next_batch(&rx) {
                let changed = (!batch.lost && keep_folders).then_some(&batch.paths);
                shared.memo.forget(changed);
                rebuild(&root, &url, now, &shared);
            }
        });
    }
    for request in server.incoming_requests() {
        let shared = shared.clone();
        std::thread::spawn(move || http::handle(request, &shared));
    }
    Ok(())
}

/// The root as an absolute path without symlinks (on unix; elsewhere
/// canonical paths take a form other tools may not accept).
fn absolute(root: PathBuf) -> PathBuf {
    #[cfg(unix)]
    let resolved = std::fs::canonicalize(&root);
    #[cfg(not(unix))]
    let resolved = std::path::absolute(&root);
    resolved.unwrap_or(root)
}

/// Checks the records; on success the site is rendered from the new check
/// (page by page, as asked for), otherwise the last good site stays and
/// the problem is recorded. Tells open pages either way.
fn rebuild(root: &std::path::Path, url: &str, now: Option<crate::time::Instant>, shared: &Shared) {
    let started = Clock::now();
    let result = check::run(&check::Options {
        root: Some(root.to_path_buf()),
        now,
        memo: Some(shared.memo.clone()),
        signers: Some(shared.signers.clone()),
        history: Some(shared.history.clone()),
        ..Default::default()
    })
    .and_then(|checked| {
        let mut clock = check::Phases::new();
        let broken: Vec<String> = checked
            .status
            .findings
            .iter()
            .filter(|f| matches!(f.rule, Rule::ContentParse | Rule::ContentBadTimestamp))
            .map(|f| format!("{}:{}: {} [{}]", f.path, f.line, f.message, f.rule.code()))
            .collect();
        let theme = shared.theme(&checked)?;
        clock.lap("theme");
        let paths = site::paths(&checked, &theme);
        clock.lap("paths");
        Ok((checked, theme, paths, broken))
    });
    let mut site = shared.site.write().expect("site lock");
    site.version += 1;
    match result {
        Ok((checked, theme, paths, broken)) => {
            if broken.is_empty() || site.source.is_none() {
                site.paths = paths.into_iter().collect();
                // The theme's static files (CSS, ...) are ready at once: a
                // stylesheet request must not cost a render of the site.
                let files = theme
                    .statics
                    .iter()
                    .map(|(p, b)| (p.clone(), Arc::new(b.clone())))
                    .collect();
                let old_files = std::mem::replace(&mut site.files, files);
                let old = site
                    .source
                    .replace((Arc::new(checked), theme, url.to_string()));
                // Freeing the old records and pages takes a while: not on
                // the way to the next page.
                std::thread::spawn(move || drop((old, old_files)));
            }
            site.problem = (!broken.is_empty()).then(|| broken.join("\n"));
        }
        Err(e) => site.problem = Some(e.to_string()),
    }
    let ms = started.elapsed().as_millis();
    match &site.problem {
        None => eprintln!("rebuilt in {ms} ms"),
        Some(p) => eprintln!("build problem (the last good site stays served):\n{p}"),
    }
    drop(site);
    shared.broadcast("reload");
}
