//! `baton build`: the static status and release-notes site (SPEC §7),
//! rendered from the same [`Status`](crate::model::Status) that `baton check`
//! computes, and published atomically.

pub mod bodies;
mod context;
pub mod feed;
mod keyform;
pub mod ledger;
pub mod markdown;
pub mod output;
mod prune;
pub mod sitemap;
pub mod theme;
pub mod view;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::json;
use tera::Context;

use crate::check::{self, Checked};
use crate::error::Fatal;
use crate::report;
use crate::site::context::{Own, PageCtx};
use crate::site::view::Builder;

/// Where the site goes and what it is built from.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    pub check: check::Options,
    /// Output folder (default `<root>/public`).
    pub out: Option<PathBuf>,
    /// Overrides site.yaml's `base_url`.
    pub base_url: Option<String>,
}

/// What a build produced.
#[derive(Debug)]
pub struct Built {
    pub out: PathBuf,
    pub pages: usize,
    /// Pages not rendered, because the kept site held them from the same inputs.
    pub kept: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// Used when neither `--base-url` nor site.yaml gives one (the feed and
/// sitemap need absolute addresses).
pub const FALLBACK_BASE_URL: &str = "http://127.0.0.1:1111/";

/// Checks the records and builds the site.
pub fn build(opts: &BuildOptions) -> Result<Built, Fatal> {
    build_checked(&check::run(&opts.check)?, opts)
}

/// [`build`] of a project already checked with `opts.check`.
pub fn build_checked(checked: &Checked, opts: &BuildOptions) -> Result<Built, Fatal> {
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| output::default_out(&checked.content.root));
    if opts.base_url.is_none() && checked.content.site.base_url.is_none() {
        eprintln!(
            "warning: no base_url in content/site.yaml and no --base-url: the feed, sitemap and canonical links point at {FALLBACK_BASE_URL}"
        );
    }
    build_from(
        checked,
        &out,
        opts.base_url.as_deref(),
        !opts.check.no_cache,
    )
}

/// A base URL, checked, with a trailing slash.
pub fn base(url: &str) -> Result<String, Fatal> {
    let url = if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    };
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.len() <= "https://".len() + 1
    {
        return Err(Fatal::new(format!("base URL `{url}` must be an absolute http:// or https:// address"))
            .help("set `base_url` in site.yaml or pass --base-url, e.g. https://octoacme.github.io/releases/"));
    }
    Ok(url)
}

/// Renders every page of an already checked project and publishes it to
/// `out`. Each page goes to disk as soon as it is rendered; with `reuse`,
/// pages the kept site holds from the same inputs are not rendered again.
pub fn build_from(
    checked: &Checked,
    out: &Path,
    base_url: Option<&str>,
    reuse: bool,
) -> Result<Built, Fatal> {
    let mut clock = check::Phases::new();
    // The caches under .git/baton/, where the system can tell files apart:
    // record bodies rendered by earlier builds, and ledgers of what each
    // page was rendered from (when the templates are pure).
    let git_dir = (reuse && cfg!(unix))
        .then(|| git2::Repository::discover(&checked.content.root).ok())
        .flatten()
        .map(|repo| repo.path().to_path_buf());
    // The theme is compiled and the staging folder pruned while the report
    // is made and the bodies cache read.
    let (staged, (report, bodies)) = rayon::join(
        || -> Result<_, Fatal> {
            let theme = theme_of(checked)?;
            let files = paths(checked, &theme);
            let ledgers = git_dir.as_deref().filter(|_| theme.pure).map(|dir| {
                crate::cachefile::file(dir, "pages", output::identity(out).as_encoded_bytes())
            });
            let stage = output::Staging::begin(out, &files, ledgers)?;
            Ok((theme, files, stage))
        },
        || {
            rayon::join(
                || status_json(&checked.status),
                || {
                    git_dir
                        .as_deref()
                        .map(|dir| bodies::Bodies::open(crate::cachefile::file(dir, "bodies", b"")))
                },
            )
        },
    );
    let (theme, files, stage) = staged?;
    stage.put("status.json", &report)?;
    drop(report);
    clock.lap("theme, staging, status.json");
    render_with(
        checked,
        &theme,
        base_url,
        None,
        false,
        Kept {
            // Without a ledger (--no-cache, a theme reading the environment),
            // no page is keyed: hashing contexts would be work for nothing.
            stage: stage.keeps_ledger().then_some(&stage),
            bodies: bodies.as_ref(),
        },
        &|rel, bytes| stage.put(&rel, &bytes),
    )?;
    clock.lap("render");
    if let Some(bodies) = bodies {
        bodies.save();
    }
    let kept = stage.kept();
    stage.commit(checked.one_shot())?;
    clock.lap("publish");
    Ok(Built {
        out: out.to_path_buf(),
        pages: files.iter().filter(|p| p.ends_with(".html")).count(),
        kept,
        errors: checked.status.errors(),
        warnings: checked.status.warnings(),
    })
}

/// status.json: the check's JSON report, e-mail addresses left out.
fn status_json(status: &crate::model::Status) -> Vec<u8> {
    view::redact_emails_owned(report::json::render(status)).into_bytes()
}

/// Renders the whole site in memory: (relative path, bytes) for every file.
pub fn render(checked: &Checked, base_url: Option<&str>) -> Result<Vec<(String, Vec<u8>)>, Fatal> {
    render_site(checked, &theme_of(checked)?, base_url)
}

/// The project's theme, its templates compiled (once per build).
pub fn theme_of(checked: &Checked) -> Result<theme::Theme, Fatal> {
    let content = &checked.content;
    theme::load(&content.root, content.site.theme.as_deref())
}

/// Renders the whole site with an already compiled theme.
pub fn render_site(
    checked: &Checked,
    theme: &theme::Theme,
    base_url: Option<&str>,
) -> Result<Vec<(String, Vec<u8>)>, Fatal> {
    collect(checked, theme, base_url, None)
}

/// Renders into memory, in path order.
fn collect(
    checked: &Checked,
    theme: &theme::Theme,
    base_url: Option<&str>,
    only: Option<&str>,
) -> Result<Vec<(String, Vec<u8>)>, Fatal> {
    let files = std::sync::Mutex::new(Vec::new());
    render_with(
        checked,
        theme,
        base_url,
        only,
        true,
        Kept::default(),
        &|rel, bytes| {
            files
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((rel, bytes));
            Ok(())
        },
    )?;
    let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// A context made with tera's API, as a JSON object.
fn into_map(ctx: Context) -> serde_json::Map<String, serde_json::Value> {
    match ctx.into_json() {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("a tera context is a JSON object"),
    }
}

/// The template of a release's page.
const RELEASE_TEMPLATE: &str = "release.html";

/// Where a release's page is in the site.
fn release_page(version: &str) -> String {
    format!("releases/{version}/index.html")
}

/// Where an incident's page is in the site.
fn incident_page(id: &str) -> String {
    format!("incidents/{id}/index.html")
}

/// Every file a build of `checked` writes, without rendering any.
pub fn paths(checked: &Checked, theme: &theme::Theme) -> Vec<String> {
    let fixed = [
        "index.html",
        "releases/index.html",
        "incidents/index.html",
        "playbook/index.html",
        "team/index.html",
        "404.html",
        "feed.xml",
        "sitemap.xml",
        "status.json",
        "robots.txt",
    ];
    let status = &checked.status;
    fixed
        .iter()
        .map(|p| p.to_string())
        .chain(status.releases.iter().map(|r| release_page(&r.version)))
        .chain(status.incidents.iter().map(|i| incident_page(&i.id)))
        .chain(theme.statics.iter().map(|(p, _)| p.clone()))
        .collect()
}

/// Renders one HTML page of the site without the rest: what `serve` needs
/// to answer a request right after an edit. A release or incident page is
/// made from its own context alone; the other pages from the summaries of
/// every release and incident. `None` for files that are not HTML pages
/// (the feed, the sitemap, status.json, the theme's static files) or not
/// in the site.
pub fn render_page(
    checked: &Checked,
    theme: &theme::Theme,
    base_url: Option<&str>,
    path: &str,
) -> Result<Option<Vec<u8>>, Fatal> {
    if !path.ends_with(".html") {
        return Ok(None);
    }
    Ok(collect(checked, theme, base_url, Some(path))?
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, bytes)| bytes))
}

/// Whether a page is one release's or one incident's.
fn is_single(path: &str) -> bool {
    path.strip_suffix("/index.html").is_some_and(|p| {
        p.strip_prefix("releases/")
            .or_else(|| p.strip_prefix("incidents/"))
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
    })
}

/// What a build keeps from earlier builds: the staging folder with its
/// ledger, and rendered record bodies.
#[derive(Clone, Copy, Default)]
struct Kept<'k> {
    stage: Option<&'k output::Staging>,
    bodies: Option<&'k bodies::Bodies>,
}

/// Where each rendered file goes: (relative path, bytes).
type Emit<'e> = dyn Fn(String, Vec<u8>) -> Result<(), Fatal> + Sync + 'e;

/// Renders the whole site, or (`only`) just one release or incident page,
/// handing each file to `emit` as soon as it is made; status.json only with
/// `report` (a build makes it beside its staging folder). With a kept
/// stage, pages go there instead, and a page the stage already holds from
/// the same inputs is not rendered at all.
fn render_with(
    checked: &Checked,
    theme: &theme::Theme,
    base_url: Option<&str>,
    only: Option<&str>,
    report: bool,
    kept: Kept<'_>,
    emit: &Emit<'_>,
) -> Result<(), Fatal> {
    let Kept { stage, bodies } = kept;
    let (content, status) = (&checked.content, &checked.status);
    // Sub-phases of a whole-site render (serve's single pages print none).
    let mut clock = crate::check::Phases::new();
    let mut lap = |what: &str| {
        if only.is_none() {
            clock.lap(what)
        }
    };
    let base_url = base(
        base_url
            .or(content.site.base_url.as_deref())
            .unwrap_or(FALLBACK_BASE_URL),
    )?;
    if only.is_none() && report {
        // First, while nothing else is held: the report is as large as the
        // release summaries together.
        emit("status.json".into(), status_json(status))?;
        lap("· status.json");
    }
    let b = Builder::new(content, status).with_bodies(bodies);
    let now = status.now;
    let generated = view::when(now);

    // A single release or incident page needs no other release or incident;
    // every other page needs the summaries of all of them.
    let wanted =
        |page: fn(&str) -> String, id: &str| only.is_none_or(|p| !is_single(p) || p == page(id));
    // A release page makes its full context only when it is rendered (a
    // kept one is known by its inputs); list pages need only summaries.
    let views: Vec<&crate::model::ReleaseView> = status
        .releases
        .iter()
        .rev()
        .filter(|r| wanted(release_page, &r.version))
        .collect();
    let releases: Vec<view::ReleaseSummary> = views.par_iter().map(|r| b.summary(r)).collect();
    let incidents: Vec<view::IncidentCtx> = status
        .incidents
        .par_iter()
        .rev()
        .filter(|i| wanted(incident_page, &i.id))
        .map(|i| b.incident(i))
        .collect();
    lap("· summaries");
    let components = view::components(content, status);
    let people: serde_json::Map<String, serde_json::Value> = content
        .roster
        .people()
        .iter()
        .map(|p| (p.id.clone(), p.name.clone().into()))
        .collect();
    let title = content
        .site
        .title
        .clone()
        .unwrap_or_else(|| "Releases".into());

    // Every page gets its context as it renders, so only a page or two per
    // thread is held in memory at once.
    enum Data<'v> {
        Ready(Context),
        Index,
        Releases,
        Incidents,
        /// The release at this index of `views` (and of `releases`).
        Release(usize),
        Incident(&'v view::IncidentCtx),
    }
    let mut pages: Vec<(String, &str, String, Data)> = Vec::new();
    let mut page = |path: &str, template: &'static str, page_title: String, ctx| {
        pages.push((path.to_string(), template, page_title, ctx));
    };
    let index = || {
        let mut ctx = Context::new();
        ctx.insert(
            "components",
            &components
                .iter()
                .map(|(n, s, by)| json!({"name": n, "status": s, "incidents": by}))
                .collect::<Vec<_>>(),
        );
        ctx.insert(
            "open_incidents",
            &incidents
                .iter()
                .filter(|i| i.state == "open")
                .collect::<Vec<_>>(),
        );
        ctx.insert(
            "in_flight",
            &releases
                .iter()
                .filter(|r| r.head.in_flight)
                .collect::<Vec<_>>(),
        );
        let mut upcoming: Vec<&view::ReleaseSummary> =
            releases.iter().filter(|r| r.head.upcoming).collect();
        upcoming.sort_by(|a, b| a.head.window_start_iso.cmp(&b.head.window_start_iso));
        ctx.insert("upcoming", &upcoming);
        ctx.insert(
            "recent",
            &releases
                .iter()
                .filter(|r| !r.head.in_flight)
                .take(5)
                .collect::<Vec<_>>(),
        );
        ctx
    };
    page("index.html", "index.html", "Status".into(), Data::Index);
    page(
        "releases/index.html",
        "releases.html",
        "Releases".into(),
        Data::Releases,
    );
    for (i, r) in views.iter().enumerate() {
        page(
            &release_page(&r.version),
            RELEASE_TEMPLATE,
            format!("Release {}", r.version),
            Data::Release(i),
        );
    }
    page(
        "incidents/index.html",
        "incidents.html",
        "Incidents".into(),
        Data::Incidents,
    );
    for i in &incidents {
        page(
            &incident_page(&i.id),
            "incident.html",
            i.title.clone(),
            Data::Incident(i),
        );
    }
    let pb = &content.playbook;
    let mut ctx = Context::new();
    ctx.insert("guide_html", &markdown::render(&pb.guide, 1));
    ctx.insert("playbook", &json!({
        "name": pb.name,
        "source": pb.source,
        "roles": pb.roles,
        "governors": pb.governors,
        "gates": pb.gates.iter().map(|g| json!({"id": g.id, "title": g.title, "role": g.role, "after": g.after, "checklist": g.checklist.iter().map(|i| json!({"id": i.id, "label": i.label, "optional": i.optional})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
        "requirements": pb.requirements.iter().map(|r| json!({"id": r.id, "label": r.label})).collect::<Vec<_>>(),
        "release_notes": pb.release_notes,
        "deployment": {"roles": pb.deployment.roles, "checklist": pb.deployment.checklist.iter().map(|i| json!({"id": i.id, "label": i.label, "optional": i.optional})).collect::<Vec<_>>()},
        "rollback": {"authority": pb.rollback.authority, "security_authority": pb.rollback.security_authority, "unavailable_authority": pb.rollback.unavailable_authority, "validator": pb.rollback.validator, "checklist": pb.rollback.checklist.iter().map(|i| json!({"id": i.id, "label": i.label})).collect::<Vec<_>>()},
        "postmortem": {"checklist": pb.postmortem.checklist.iter().map(|i| json!({"id": i.id, "label": i.label, "security_only": i.security_only})).collect::<Vec<_>>()},
        "deadlines": [
            {"what": "Go/no-go meeting before the deploy window opens", "limit": format!("at least {}", pb.go_no_go.lead), "who": pb.go_no_go.role},
            {"what": "Initial alert after declaring an incident", "limit": format!("within {}", pb.incident.alert_within), "who": ""},
            {"what": "Assessment after declaring", "limit": format!("within {}", pb.incident.assess_within), "who": ""},
            {"what": "Hotfix after the assessment, else roll back", "limit": format!("within {}", pb.incident.hotfix_within), "who": ""},
            {"what": "Escalation of a disagreement", "limit": format!("within {}", pb.incident.escalate_within), "who": pb.incident.escalate_to},
            {"what": "Post-mortem after resolution", "limit": format!("within {}", pb.postmortem.within), "who": ""},
        ],
    }));
    page(
        "playbook/index.html",
        "playbook.html",
        "Playbook".into(),
        Data::Ready(ctx),
    );

    let mut ctx = Context::new();
    ctx.insert(
        "people",
        &content
            .roster
            .people()
            .iter()
            .map(|p| json!({"id": p.id, "name": p.name, "github": p.github, "roles": p.roles}))
            .collect::<Vec<_>>(),
    );
    ctx.insert("roles", &pb.roles.iter().map(|r| json!({"id": r, "holders": content.roster.holders(r).map(|p| p.name.clone()).collect::<Vec<_>>()})).collect::<Vec<_>>());
    page(
        "team/index.html",
        "team.html",
        "Team".into(),
        Data::Ready(ctx),
    );
    page(
        "404.html",
        "404.html",
        "Page not found".into(),
        Data::Ready(Context::new()),
    );

    // When the check ran and what it found are on the status page only:
    // every other page depends on its own records alone, so it stays the
    // same (and need not be rendered again) until they change.
    let site = json!({
        "title": title,
        "description": content.site.description,
        "base_url": base_url,
        "repo_url": content.site.repo_url,
    });
    // What every release page reads alike, keyed once (see
    // `Builder::release_inputs` for what each reads of its own).
    let shared = stage.map(|_| {
        let names: Vec<(&str, &str)> = content
            .roster
            .people()
            .iter()
            .map(|p| (p.id.as_str(), p.name.as_str()))
            .collect();
        // (`people_names`, which every page gets, follows from `names`.)
        context::shared_key(theme, RELEASE_TEMPLATE, &(&site, names, pb.digest()))
    });
    let mut status_site = site.clone();
    status_site["generated"] = generated.into();
    status_site["errors"] = status.errors().into();
    status_site["warnings"] = status.warnings().into();
    if let Some(p) = only {
        pages.retain(|page| page.0 == p);
    }
    let sitemap: Vec<(String, Option<String>)> = pages
        .iter()
        .filter(|(path, ..)| path != "404.html")
        .map(|(path, ..)| {
            let url_path = path.trim_end_matches("index.html");
            (
                format!("{base_url}{url_path}"),
                Some(now.date_naive().to_string()),
            )
        })
        .collect();
    lap("· page setup");
    let progress = crate::progress::Progress::new("rendering pages", Some(pages.len() as u64));
    pages
        .into_par_iter()
        .try_for_each(|(path, template, page_title, data)| {
            let depth = path.matches('/').count();
            // 404.html is served at any depth, so it links absolutely.
            let root = if path == "404.html" {
                base_url.clone()
            } else {
                "../".repeat(depth)
            };
            let url_path = path.trim_end_matches("index.html");
            let page = json!({"title": page_title, "path": url_path, "url": format!("{base_url}{url_path}"), "section": url_path.split('/').next().unwrap_or("")});
            progress.inc(1);
            let render = |ctx: PageCtx| {
                theme
                    .tera
                    .render(template, &ctx.tera())
                    .map_err(|e| theme::template_error(&e))
            };
            // A release page is keyed on what it is made from (its view,
            // its records' blob ids, ...), so a kept one is recognised
            // without making its context. (Its key, when the page is not
            // held: it is rendered.)
            let inputs_key = match (&data, stage, shared) {
                (Data::Release(i), Some(stage), Some(shared)) => {
                    let (r, summary) = (views[*i], &releases[*i]);
                    let key = context::release_key(shared, &root, &page, &b.release_inputs(r, summary));
                    if stage.holds(&path, key) {
                        // In debug builds (the tests), a page kept on its
                        // inputs must be what rendering it now makes: an
                        // input the key misses shows up as a stale page.
                        // The feed's first note, made alone, must be the page's.
                        #[cfg(debug_assertions)]
                        {
                            let full = b.release(r);
                            let first = full.notes.first().map(|n| n.html.clone()).unwrap_or_default();
                            assert_eq!(b.first_note(r), first, "{path}: the feed's note is not the page's first");
                            let fresh = render(PageCtx {
                                own: Own::Release(Box::new(full)),
                                site: &site,
                                root: root.clone(),
                                page: page.clone(),
                                people_names: &people,
                            })?;
                            assert!(
                                stage.held_bytes(&path).as_deref() == Some(fresh.as_bytes()),
                                "{path} was kept on unchanged inputs but renders differently now: its key misses an input"
                            );
                        }
                        return Ok(());
                    }
                    Some(key)
                }
                _ => None,
            };
            let own = match data {
                Data::Ready(ctx) => Own::Entries(into_map(ctx)),
                Data::Index => Own::Entries(into_map(index())),
                Data::Releases => Own::Releases(&releases),
                Data::Incidents => Own::Incidents(&incidents),
                Data::Release(i) => {
                    let full = b.release(views[i]);
                    // The feed takes a release's first note alone (see below).
                    debug_assert_eq!(
                        b.first_note(views[i]),
                        full.notes.first().map(|n| n.html.clone()).unwrap_or_default(),
                        "{path}: the feed's note is not the page's first"
                    );
                    Own::Release(Box::new(full))
                }
                Data::Incident(i) => Own::Incident(i),
            };
            let ctx = PageCtx {
                own,
                site: if path == "index.html" { &status_site } else { &site },
                root,
                page,
                people_names: &people,
            };
            // Other pages are keyed on, by construction, all the data the
            // template gets (the theme's id covers the templates and baton).
            let key = match inputs_key {
                Some(key) => Some(key),
                None => {
                    let key = stage.map(|_| ctx.key(theme, template));
                    if let (Some(stage), Some(key)) = (stage, key)
                        && stage.holds(&path, key)
                    {
                        return Ok(());
                    }
                    key
                }
            };
            let html = render(ctx)?;
            match (stage, key) {
                (Some(stage), Some(key)) => stage.put_page(&path, key, html.as_bytes()),
                _ => emit(path, html.into_bytes()),
            }
        })?;
    progress.finish();
    lap("· pages");
    if only.is_some() {
        return Ok(());
    }
    let items: Vec<feed::ReleaseItem> = views
        .par_iter()
        .zip(&releases)
        .map(|(r, summary)| feed::ReleaseItem {
            head: &summary.head,
            updated: r
                .deployment
                .as_ref()
                .and_then(|d| d.signer())
                .or_else(|| {
                    r.gates
                        .iter()
                        .rev()
                        .find_map(|g| g.step.as_ref().and_then(|s| s.signer()))
                })
                .map(|s| s.when.to_rfc3339())
                .unwrap_or_default(),
        })
        .collect();
    let fallback = now.to_rfc3339();
    let entries = feed::entries(&base_url, &items, &incidents, &fallback, |i| {
        b.first_note(views[i])
    });
    emit(
        "feed.xml".into(),
        feed::render(&title, &base_url, &entries, &fallback).into_bytes(),
    )?;
    lap("· feed");
    emit("sitemap.xml".into(), sitemap::render(&sitemap).into_bytes())?;
    emit(
        "robots.txt".into(),
        format!("User-agent: *\nAllow: /\nSitemap: {base_url}sitemap.xml\n").into_bytes(),
    )?;
    for (path, bytes) in &theme.statics {
        emit(path.clone(), bytes.clone())?;
    }
    lap("· sitemap, statics");
    if checked.one_shot() {
        // The process ends after this build: leave the summaries, feed
        // items and sitemap to the system rather than free them one by one.
        std::mem::forget((items, entries));
        std::mem::forget((b, releases, incidents, sitemap));
    }
    Ok(())
}
