//! Shared vocabulary of malgraph.
//!
//! This crate owns the types every other crate speaks: the identity of a package
//! ([`Ecosystem`], [`PackageName`], [`PackageId`]), what a scan finds ([`Finding`],
//! [`Category`], [`Stage`], [`Evasion`], [`Severity`]), what an archive hands to the
//! analyser ([`PackageFile`], [`Anomaly`]) and the per-package result ([`ScanReport`]).
//!
//! It must not do I/O, parsing of package contents, or anything that needs a heavy
//! dependency: it is the leaf of the workspace graph.

mod identity;
mod report;

pub use identity::{Ecosystem, PackageId, PackageName, guess_from_filename, normalise_name};
pub use report::{
    Anomaly, AnomalyKind, Category, Evasion, Finding, Iocs, Metadata, PackageFile, ParseRefError,
    Platform, ScanReport, ScanStats, Severity, Stage, Verdict,
};
