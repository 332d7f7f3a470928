//! The scan pipeline of malgraph.
//!
//! This crate owns what happens between "the user named some paths" and "one report per
//! package": finding the packages ([`discover`]), reading each one in memory through
//! `malgraph-archive`, analysing it with `malgraph-analyze` in parallel ([`Pipeline`]), and
//! rendering results as text, JSON Lines or SARIF ([`render`]). It also scores a scan against
//! labelled sets ([`eval`]).
//!
//! It must not contain detection logic (that is `malgraph-analyze`), must not parse archive
//! formats (that is `malgraph-archive`), and never writes a package's files anywhere.

pub mod discover;
pub mod eval;
mod pipeline;
pub mod render;

pub use discover::{DiscoverError, Target, discover};
pub use pipeline::{Pipeline, PipelineOptions};
