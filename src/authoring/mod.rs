//! Writing records and project files for people: `baton new`, `baton init`,
//! `baton codeowners` and `baton schema`.

pub mod codeowners;
pub mod init;
pub mod new;
pub mod schema;
