//! Writing the site atomically: everything goes into a temporary sibling
//! folder, which is then renamed over the old site. A failed build leaves
//! the previous site untouched; a reader never sees half a site.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Fatal;

/// Replaces `out` with a folder holding `files` (relative path, bytes).
pub fn publish(out: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Fatal> {
    guard(out)?;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "site".into());
    recover(parent, &name, out);
    let unique = format!(
        "{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
    );
    let tmp = parent.join(format!(".{name}.baton-tmp-{unique}"));
    let old = parent.join(format!(".{name}.baton-old-{unique}"));

    let result = write_all(&tmp, files).and_then(|()| swap(&tmp, out, &old));
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    let _ = fs::remove_dir_all(&old);
    result
}

fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Fatal> {
    fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(|e| io(p, e))?;
        }
        fs::write(&path, bytes).map_err(|e| io(&path, e))?;
    }
    Ok(())
}

fn swap(tmp: &Path, out: &Path, old: &Path) -> Result<(), Fatal> {
    if out.exists() {
        // One atomic step where the system has it: readers and a killed
        // build see the old site or the new one, never none.
        if exchange(tmp, out).is_ok() {
            fs::rename(tmp, old).map_err(|e| io(tmp, e))?;
            return Ok(());
        }
        fs::rename(out, old).map_err(|e| io(out, e))?;
    }
    if let Err(e) = fs::rename(tmp, out) {
        // Put the previous site back before reporting.
        let _ = fs::rename(old, out);
        return Err(io(out, e));
    }
    Ok(())
}

/// Swaps two paths atomically (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Removes temporary folders left by builds that were killed, and brings
/// back a previous site that a killed build had moved aside.
fn recover(parent: &Path, name: &str, out: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let file = e.file_name().to_string_lossy().to_string();
        let Some(rest) = file
            .strip_prefix(&format!(".{name}.baton-tmp-"))
            .map(|r| (r, false))
            .or_else(|| {
                file.strip_prefix(&format!(".{name}.baton-old-"))
                    .map(|r| (r, true))
            })
        else {
            continue;
        };
        let pid = rest.0.split('-').next().unwrap_or("");
        if pid.is_empty()
            || Path::new("/proc").join(pid).exists()
            || !Path::new("/proc/self").exists()
        {
            continue; // a live build's folder, or no way to tell
        }
        if rest.1 && !out.exists() {
            let _ = fs::rename(e.path(), out);
        } else {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// Refuses to replace a folder that is not a previous site (a typo in
/// `--out` must never delete someone's work).
fn guard(out: &Path) -> Result<(), Fatal> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(
            Fatal::new(format!("{} exists and is not a folder", out.display()))
                .help("choose another --out"),
        );
    }
    let empty = fs::read_dir(out)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    let previous_site = out.join("status.json").is_file() && out.join("index.html").is_file();
    if empty || previous_site {
        Ok(())
    } else {
        Err(Fatal::new(format!(
            "will not replace {}: it is not empty and does not look like a site baton built",
            out.display()
        ))
        .help("choose an empty or new folder for --out"))
    }
}

fn io(path: &Path, e: std::io::Error) -> Fatal {
    Fatal::new(format!("cannot write {}: {e}", path.display()))
}

/// The default output folder: `<root>/public`.
pub fn default_out(root: &Path) -> PathBuf {
    root.join("public")
}
