//! baton keeps a team's release sign-offs, go/no-go decisions, deployments
//! and incidents as Markdown records in git, checks them against the
//! team's playbook, and (soon) publishes them as a static site.
//!
//! The pipeline is [`check::run`]: [`content`] loads the records,
//! [`git`] learns who committed each one, [`rules`] applies the
//! [`playbook`], and the result is the [`model::Status`] every output renders.

pub mod authoring;
pub mod cachefile;
pub mod check;
pub mod cli;
pub mod content;
pub mod demo;
pub mod digest;
pub mod error;
pub mod finding;
pub mod git;
pub mod model;
pub mod playbook;
pub mod progress;
pub mod report;
pub mod rules;
pub mod serve;
pub mod site;
pub mod time;
