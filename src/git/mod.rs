//! What baton learns from git: the repository, who last changed each
//! record (provenance), and who that author is (identity).

pub mod cache;
pub mod graph;
pub mod identity;
pub mod provenance;
pub mod repo;
pub mod signature;
pub mod tree;

pub use repo::GitRepo;
