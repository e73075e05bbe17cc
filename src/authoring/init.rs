//! `baton init [DIR]`: a new records project: content/ (site.yaml, team.yaml
//! with the current git user as release manager, a first release), JSON
//! Schemas for editors, and CI for GitHub Actions and GitLab.

use std::path::{Path, PathBuf};

use crate::authoring::schema;
use crate::error::Fatal;
use crate::playbook::Playbook;
use crate::time::Instant;

/// GitHub Actions: check pull requests, build and publish to Pages on main.
pub const GITHUB_WORKFLOW: &str = include_str!("ci/github.yml");
/// GitLab CI: the same.
pub const GITLAB_CI: &str = include_str!("ci/gitlab.yml");

/// What `init` wrote.
pub struct Initialised {
    pub dir: PathBuf,
    pub files: Vec<String>,
    /// The release manager's id in team.yaml.
    pub me: String,
    pub guessed_identity: bool,
}

/// Scaffolds a project in `dir` (created if missing; made a git repository if it is not in one).
pub fn init(dir: &Path, now: Instant) -> Result<Initialised, Fatal> {
    if dir.join("content").exists() {
        return Err(
            Fatal::new(format!("{} already has a content/ folder", dir.display()))
                .help("baton init only starts new projects; use `baton new` to add records"),
        );
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Fatal::new(format!("cannot create {}: {e}", dir.display())))?;
    if git2::Repository::discover(dir).is_err() {
        git2::Repository::init(dir)?;
    }
    let config = git2::Config::open_default().ok();
    let get = |k: &str| {
        config
            .as_ref()
            .and_then(|c| c.get_string(k).ok())
            .filter(|v| !v.trim().is_empty())
    };
    let (name, email, guessed) = match (get("user.name"), get("user.email")) {
        (Some(n), Some(e)) => (n, e, false),
        _ => (
            "Release Manager".to_string(),
            "release-manager@example.com".to_string(),
            true,
        ),
    };
    let me: String = email
        .split('@')
        .next()
        .unwrap_or("me")
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_string();
    let me = if me.is_empty() { "me".to_string() } else { me };
    let playbook = Playbook::builtin();
    let day = (now + chrono::Duration::days(14)).format("%Y-%m-%d");

    let mut files: Vec<(String, String)> = vec![
        (
            "content/site.yaml".into(),
            "# yaml-language-server: $schema=../.baton/schemas/site.json\n\
             title: Releases\n\
             description: Release sign-offs, go/no-go decisions, deployments and incidents.\n\
             base_url: https://example.github.io/releases/   # where the site is published\n\
             # repo_url: https://github.com/OWNER/REPO          # commit links on the site\n\
             components: [Website, API]\n"
                .into(),
        ),
        (
            "content/team.yaml".into(),
            format!(
                "# yaml-language-server: $schema=../.baton/schemas/team.json\n\
                 # Who holds which role. The first commit of this file is trusted; later\n\
                 # changes must be committed by a release manager.\n\
                 people:\n  - id: {me}\n    name: {}\n    emails: [{email}]\n    roles: [release-manager]\n",
                yaml_str(&name)
            ),
        ),
        (
            "content/releases/0.1.0/release.md".into(),
            format!(
                "---\nversion: 0.1.0\ntype: minor\ntitle: First release\ndate: {day}\ndeploy_window: {{start: {day}T14:00:00Z, end: {day}T16:00:00Z}}\ncomponents: [Website]\nrequirements:\n{}---\n## Summary\n\nThe first release tracked with baton.\n\n## Notable changes\n\nNone.\n\n## Migration steps\n\nNone.\n\n## Known issues\n\nNone.\n",
                playbook
                    .requirements
                    .iter()
                    .map(|r| format!("  {}: false   # {}\n", r.id, r.label))
                    .collect::<String>()
            ),
        ),
        (".github/workflows/baton.yml".into(), GITHUB_WORKFLOW.into()),
        (".gitlab-ci.yml".into(), GITLAB_CI.into()),
    ];
    for kind in schema::KINDS {
        let s = schema::schema(kind, &playbook).expect("every listed kind has a schema");
        files.push((
            format!(".baton/schemas/{kind}.json"),
            serde_json::to_string_pretty(&s).expect("JSON") + "\n",
        ));
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(&rel);
        if path.exists() {
            continue; // never overwrite (an existing CI file stays as it is)
        }
        std::fs::create_dir_all(path.parent().expect("files live in folders"))
            .and_then(|()| std::fs::write(&path, text))
            .map_err(|e| Fatal::new(format!("cannot write {rel}: {e}")))?;
        written.push(rel);
    }
    Ok(Initialised {
        dir: dir.to_path_buf(),
        files: written,
        me,
        guessed_identity: guessed,
    })
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}
