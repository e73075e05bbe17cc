//! The command line: arguments (clap) and what each command does with them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::authoring::new;
use crate::check::{self, Options};
use crate::error::Fatal;
use crate::report;
use crate::time::{Instant, parse_timestamp};

#[derive(Parser, Debug)]
#[command(
    name = "baton",
    version,
    about = "Release sign-offs, go/no-go, deployments and incidents kept in git and checked against your playbook",
    long_about = "baton reads the release records under content/ (Markdown with YAML front matter), \
learns from git who committed each one, and checks them against the release playbook. \
The git commit author of a record is the record of who signed off.",
    after_help = "Exit codes: 0 no errors, 1 findings with errors, 2 baton could not judge (not a git repository, \
shallow clone, broken roster or playbook, bad arguments)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate every record against the playbook (run it on every pull request)
    #[command(
        after_help = "Examples:\n  baton check\n  baton check --format github --strict\n  baton check --now 2026-11-30T12:00:00Z --format json"
    )]
    Check {
        #[command(flatten)]
        common: Common,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Fail (exit 1) on warnings too
        #[arg(long)]
        strict: bool,
    },
    /// Show the state of releases and incidents, or one of them in detail
    #[command(
        after_help = "Examples:\n  baton status\n  baton status 2.4.0\n  baton status 2026-11-20-checkout-errors --format json"
    )]
    Status {
        /// A release version or an incident id
        target: Option<String>,
        #[command(flatten)]
        common: Common,
        /// Output format
        #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
        format: StatusFormat,
    },
    /// Build the static status and release-notes site (atomically replacing the old one)
    #[command(
        after_help = "Examples:\n  baton build\n  baton build --out public --base-url https://octoacme.github.io/releases/"
    )]
    Build {
        #[command(flatten)]
        common: Common,
        /// Output folder (default: public/ next to content/)
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The address the site is published at (overrides site.yaml's base_url)
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// Serve the site with live reload while you write records
    #[command(
        after_help = "Example:\n  baton serve --open\n\nRebuilds when content/, themes/ or git refs change (a commit in another terminal updates signers).\nA bad edit keeps the last good site served, with an overlay naming the file and line."
    )]
    Serve {
        /// The project folder that contains content/
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
        interface: String,
        /// Port (0 picks a free one)
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Open the site in a browser
        #[arg(long)]
        open: bool,
    },
    /// Replay the OctoAcme example into a scratch git repository and build its site
    #[command(after_help = "Example:\n  baton demo && open baton-demo/public/index.html")]
    Demo {
        /// Where to create the demo repository (replaced if it is an earlier demo)
        #[arg(long, value_name = "DIR", default_value = "baton-demo")]
        out: PathBuf,
        /// The time deadline rules are judged at (default: an hour after the example's last commit)
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<Instant>,
        /// Then serve the demo with live reload (like `baton serve`)
        #[arg(long)]
        serve: bool,
        /// Port for --serve
        #[arg(long, default_value_t = 1111)]
        port: u16,
    },
    /// Write a new record with every field and checklist item of the playbook, unchecked
    #[command(
        after_help = "Examples:\n  baton new release 2.5.0 --type minor\n  baton new signoff 2.5.0 quality\n  baton new incident checkout-errors\n\nbaton never overwrites a file; it prints the git command to commit the record.\nCommit it yourself: the commit author is the signer."
    )]
    New {
        #[command(subcommand)]
        kind: NewKind,
        /// The project folder that contains content/
        #[arg(long, value_name = "DIR", global = true)]
        root: Option<PathBuf>,
    },
    /// Start a records project: content/, editor schemas, GitHub and GitLab CI
    #[command(
        after_help = "Example:\n  baton init releases && cd releases && git add -A && git commit -m 'Start release records' && baton check"
    )]
    Init {
        /// Where to create it (default: the current folder)
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print a CODEOWNERS that routes each gate's sign-offs to the holders of its role
    #[command(after_help = "Example:\n  baton codeowners > .github/CODEOWNERS")]
    Codeowners {
        /// The project folder that contains content/
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Print the JSON Schema of a record kind (for YAML editors)
    #[command(
        after_help = "Kinds: release, signoff, go-no-go, deployment, incident, postmortem, team, site\nExample:\n  baton schema signoff > .baton/schemas/signoff.json"
    )]
    Schema {
        /// release, signoff, go-no-go, deployment, incident, postmortem, team or site
        kind: String,
        /// The project folder (its playbook.md, if any, shapes the schema)
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Print shell completions
    #[command(
        after_help = "Example:\n  baton completions bash > ~/.local/share/bash-completion/completions/baton"
    )]
    Completions { shell: clap_complete::Shell },
}

#[derive(Subcommand, Debug)]
pub enum NewKind {
    /// A release record with the release-notes template
    Release {
        version: String,
        /// patch, minor or major
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
    },
    /// A gate's sign-off (development, quality, security, stakeholder, release-manager)
    Signoff { version: String, gate: String },
    /// The go/no-go decision
    GoNoGo { version: String },
    /// The deployment record
    Deployment { version: String },
    /// An incident, in incidents/<today>-<slug>/
    Incident { slug: String },
    /// The post-mortem of an incident
    Postmortem { id: String },
}

#[derive(clap::Args, Debug)]
pub struct Common {
    /// The project folder that contains content/ (default: found from the working directory upwards)
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The time deadline rules are judged at, RFC 3339 with offset (default: now)
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    pub now: Option<Instant>,
    /// Walk all of history and read every record (and, for build, render every page) instead of reusing the caches in .git/baton/
    #[arg(long)]
    pub no_cache: bool,
}

fn parse_now(s: &str) -> Result<Instant, String> {
    parse_timestamp(s)
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Format {
    /// rustc-like messages for people
    Text,
    /// one JSON object (schema 1) for machines
    Json,
    /// GitHub Actions annotations
    Github,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum StatusFormat {
    Text,
    Json,
}

impl Command {
    /// Whether the command checks once and then the process ends: the
    /// commands that take [`Common`] (whose checks run with
    /// [`Options::one_shot`]).
    pub fn is_one_shot(&self) -> bool {
        matches!(
            self,
            Command::Check { .. } | Command::Status { .. } | Command::Build { .. }
        )
    }
}

impl Common {
    fn options(&self) -> Options {
        Options {
            root: self.root.clone(),
            now: self.now,
            no_cache: self.no_cache,
            // Each command line checks once, then the process ends.
            one_shot: true,
            ..Default::default()
        }
    }
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    match dispatch(cli) {
        Ok(code) => code,
        Err(fatal) => {
            let mut err = anstream::stderr();
            let red = anstyle::AnsiColor::Red.on_default().bold();
            let _ = writeln!(err, "{red}error{red:#}: {}", fatal.message);
            if let Some(h) = &fatal.help {
                let _ = writeln!(err, "  help: {h}");
            }
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode, Fatal> {
    match cli.command {
        Command::Check {
            common,
            format,
            strict,
        } => {
            let checked = check::run(&common.options())?;
            let status = &checked.status;
            let text = match format {
                Format::Text => report::text::render(status, &checked.content),
                Format::Json => report::json::render(status),
                Format::Github => report::github::render(&status.findings, &checked.repo_prefix),
            };
            match format {
                // JSON goes out exactly as serialised (see print_plain).
                Format::Json => print_plain(&text),
                _ => print(&text),
            }
            let failed = status.errors() > 0 || (strict && status.warnings() > 0);
            // The process ends here: skip freeing thousands of parsed records.
            std::mem::forget(checked);
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Serve {
            root,
            interface,
            port,
            open,
        } => {
            crate::serve::serve(&crate::serve::ServeOptions {
                root,
                interface,
                port,
                open,
                now: None,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::New { kind, root } => {
            let root = check::project_root(root.as_deref())?;
            let me = current_person(&root);
            let kind = match kind {
                NewKind::Release { version, kind } => new::Kind::Release { version, kind },
                NewKind::Signoff { version, gate } => new::Kind::Signoff { version, gate },
                NewKind::GoNoGo { version } => new::Kind::GoNoGo { version },
                NewKind::Deployment { version } => new::Kind::Deployment { version },
                NewKind::Incident { slug } => new::Kind::Incident { slug },
                NewKind::Postmortem { id } => new::Kind::Postmortem { id },
            };
            let written = new::create(
                &root,
                &kind,
                chrono::Utc::now().fixed_offset(),
                me.as_deref(),
            )?;
            println!("wrote {}", written.rel);
            println!("fill it in, then commit it yourself (the commit author is the signer):");
            println!(
                "  git add {} && git commit -m \"{}\"",
                written.rel, written.rel
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { dir } => {
            let done = crate::authoring::init::init(&dir, chrono::Utc::now().fixed_offset())?;
            for f in &done.files {
                println!("wrote {f}");
            }
            if done.guessed_identity {
                eprintln!(
                    "note: git has no user.name/user.email; team.yaml lists a placeholder release manager: edit it before the first commit"
                );
            }
            println!(
                "\nNext: cd {} && git add -A && git commit -m \"Start release records\" && baton check",
                done.dir.display()
            );
            println!(
                "You (`{}`) are the release manager; add your team to content/team.yaml.",
                done.me
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Codeowners { root } => {
            let root = check::project_root(root.as_deref())?;
            let content = crate::content::load::load(&root)?;
            let prefix = crate::git::GitRepo::open(&root)
                .map(|g| g.root_prefix)
                .unwrap_or_default();
            print(&crate::authoring::codeowners::render(&content, &prefix));
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { kind, root } => {
            let playbook = match check::project_root(root.as_deref()) {
                Ok(r) if r.join("content/playbook.md").is_file() => {
                    crate::content::load::load(&r)?.playbook
                }
                _ => crate::playbook::Playbook::builtin(),
            };
            let schema = crate::authoring::schema::schema(&kind, &playbook).ok_or_else(|| {
                Fatal::new(format!("unknown record kind `{kind}`")).help(format!(
                    "kinds: {}",
                    crate::authoring::schema::KINDS.join(", ")
                ))
            })?;
            print(&(serde_json::to_string_pretty(&schema).expect("JSON") + "\n"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "baton", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Build {
            common,
            out,
            base_url,
        } => {
            let opts = crate::site::BuildOptions {
                check: common.options(),
                out,
                base_url,
            };
            let checked = check::run(&opts.check)?;
            let built = crate::site::build_checked(&checked, &opts)?;
            // The process ends here: skip freeing thousands of parsed records.
            std::mem::forget(checked);
            eprintln!("{}", built_summary(&built));
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            out,
            now,
            serve,
            port,
        } => {
            let demo = crate::demo::run(&out, now)?;
            eprintln!("{}", built_summary(&demo.built));
            let index = demo.built.out.join("index.html");
            let at = demo.now.to_rfc3339();
            println!("Demo repository: {}", demo.repo.display());
            println!(
                "Open {} in a browser.",
                index.canonicalize().unwrap_or(index).display()
            );
            println!(
                "Try: cd {} && git log --format='%an: %s' && baton status 4.0.0 --now {at}",
                demo.repo.display()
            );
            if serve {
                crate::serve::serve(&crate::serve::ServeOptions {
                    root: Some(demo.repo.clone()),
                    interface: "127.0.0.1".into(),
                    port,
                    open: false,
                    now: Some(demo.now),
                })?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Status {
            target,
            common,
            format,
        } => {
            let checked = check::run(&common.options())?;
            let (status, content) = (&checked.status, &checked.content);
            let release = target.as_deref().and_then(|t| status.release(t));
            let incident = target.as_deref().and_then(|t| status.incident(t));
            if let (Some(t), None, None) = (&target, release, incident) {
                return Err(Fatal::new(format!(
                    "`{t}` is neither a release version nor an incident id"
                ))
                .help("run `baton status` to list them"));
            }
            let json = matches!(format, StatusFormat::Json);
            let text = match format {
                StatusFormat::Json => {
                    let mut s = serde_json::to_string_pretty(&report::status::json_for(
                        status, release, incident,
                    ))
                    .expect("JSON values serialise");
                    s.push('\n');
                    s
                }
                StatusFormat::Text => match (release, incident) {
                    (Some(r), _) => report::status::release(r, status, content),
                    (_, Some(i)) => report::status::incident(i, status, content),
                    _ => report::status::overview(status),
                },
            };
            if json {
                print_plain(&text)
            } else {
                print(&text)
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The roster id of the current git user, if team.yaml lists their e-mail.
fn current_person(root: &std::path::Path) -> Option<String> {
    let email = git2::Repository::discover(root)
        .ok()?
        .config()
        .ok()?
        .get_string("user.email")
        .ok()?;
    let content = crate::content::load::load(root).ok()?;
    content.roster.by_email(&email).map(|p| p.id.clone())
}

fn built_summary(b: &crate::site::Built) -> String {
    let kept = match b.kept {
        0 => String::new(),
        n => format!(", {n} unchanged"),
    };
    format!(
        "built {} pages{kept} into {} ({} error{}, {} warning{} in the records)",
        b.pages,
        b.out.display(),
        b.errors,
        report::text::plural(b.errors),
        b.warnings,
        report::text::plural(b.warnings)
    )
}

fn print(text: &str) {
    write_out(anstream::stdout(), text);
}

/// [`print`] for JSON, which goes out exactly as serialised: serde_json
/// escapes ESC and every other C0 control, so no escape sequence can
/// start, and anstream's stripping (a scan of the whole report) could
/// only take characters out of the strings in it, changing the data.
fn print_plain(text: &str) {
    write_out(std::io::stdout().lock(), text);
}

fn write_out(mut out: impl Write, text: &str) {
    // A closed pipe (`baton check | head`) is not an error worth a panic.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
