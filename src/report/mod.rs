//! Printing findings and state: rustc-like text, SPEC §5 JSON, GitHub
//! annotations, and the `baton status` views.

pub mod github;
pub mod json;
mod pretty;
pub mod status;
pub mod text;
