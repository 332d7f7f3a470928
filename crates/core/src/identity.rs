//! Package identity: ecosystem, normalised name, version.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A package ecosystem (registry). Names follow OSV's ecosystem spelling when printed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum Ecosystem {
    PyPI,
    Npm,
    RubyGems,
    NuGet,
    Go,
    CratesIo,
    Maven,
    Packagist,
    /// Any other ecosystem, kept as given (lower-cased).
    Other(String),
}

impl Ecosystem {
    /// Parse an ecosystem name as it appears in OSV reports, datasets and name lists
    /// (`PyPI`, `pypi`, `npm`, `rubygems`, `gem`, `crates.io`, `jcenter` ...). Never fails:
    /// unknown names become [`Ecosystem::Other`].
    pub fn parse(s: &str) -> Ecosystem {
        let l = s.trim().to_ascii_lowercase();
        // OSV may add a suffix such as "Debian:11"; we only care about the family.
        let base = l.split(':').next().unwrap_or("");
        match base {
            "pypi" | "python" | "pip" => Ecosystem::PyPI,
            "npm" | "node" | "javascript" => Ecosystem::Npm,
            "rubygems" | "gem" | "gems" | "ruby" => Ecosystem::RubyGems,
            "nuget" => Ecosystem::NuGet,
            "go" | "golang" => Ecosystem::Go,
            "crates.io" | "cargo" | "crates" | "rust" => Ecosystem::CratesIo,
            "maven" | "jcenter" => Ecosystem::Maven,
            "packagist" | "composer" => Ecosystem::Packagist,
            _ => Ecosystem::Other(base.to_string()),
        }
    }

    /// Canonical spelling (OSV style).
    pub fn as_str(&self) -> &str {
        match self {
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Npm => "npm",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::Go => "Go",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Maven => "Maven",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::Other(s) => s,
        }
    }

    /// Short lower-case slug, used in `ECOSYSTEM/NAME` references on the command line.
    pub fn slug(&self) -> String {
        match self {
            Ecosystem::CratesIo => "crates.io".into(),
            other => other.as_str().to_ascii_lowercase(),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Ecosystem {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Ecosystem::parse(s))
    }
}

impl From<Ecosystem> for String {
    fn from(e: Ecosystem) -> String {
        e.as_str().to_string()
    }
}

impl From<String> for Ecosystem {
    fn from(s: String) -> Ecosystem {
        Ecosystem::parse(&s)
    }
}

/// Normalise a package name for its ecosystem.
///
/// - PyPI: PEP 503 (lower case, runs of `-`, `_`, `.` become one `-`).
/// - npm: lower case, scope kept (`@Scope/Name` -> `@scope/name`).
/// - NuGet, Packagist, Other: lower case (case-insensitive registries).
/// - RubyGems, Go, crates.io, Maven: trimmed, case kept except crates.io (lower case,
///   `_` and `-` equivalent on crates.io are kept as given since versions are keyed by exact name).
pub fn normalise_name(eco: &Ecosystem, raw: &str) -> String {
    let raw = raw.trim();
    match eco {
        Ecosystem::PyPI => {
            let mut out = String::with_capacity(raw.len());
            let mut sep = false;
            for c in raw.chars() {
                if c == '-' || c == '_' || c == '.' {
                    sep = true;
                } else {
                    if sep && !out.is_empty() {
                        out.push('-');
                    }
                    sep = false;
                    out.extend(c.to_lowercase());
                }
            }
            out
        }
        Ecosystem::Npm | Ecosystem::NuGet | Ecosystem::Packagist | Ecosystem::CratesIo => {
            raw.to_lowercase()
        }
        Ecosystem::Other(_) => raw.to_lowercase(),
        Ecosystem::RubyGems | Ecosystem::Go | Ecosystem::Maven => raw.to_string(),
    }
}

/// A package name already normalised for its ecosystem. Construct with [`PackageName::new`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PackageName {
    pub ecosystem: Ecosystem,
    /// Normalised name (see [`normalise_name`]).
    pub name: String,
}

impl PackageName {
    /// Normalise `raw` for `ecosystem`.
    pub fn new(ecosystem: Ecosystem, raw: &str) -> PackageName {
        let name = normalise_name(&ecosystem, raw);
        PackageName { ecosystem, name }
    }

    /// The identity of one version of this package.
    pub fn at(&self, version: impl Into<String>) -> PackageId {
        PackageId {
            ecosystem: self.ecosystem.clone(),
            name: self.name.clone(),
            version: Some(version.into()),
        }
    }
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.ecosystem.slug(), self.name)
    }
}

/// Identity of a package or one version of it: ecosystem, normalised name, version (kept as given).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PackageId {
    pub ecosystem: Ecosystem,
    /// Normalised name (see [`normalise_name`]).
    pub name: String,
    /// Version as given by the source; `None` means "the package, any version".
    pub version: Option<String>,
}

impl PackageId {
    /// Build an identity, normalising the name.
    pub fn new(ecosystem: Ecosystem, raw_name: &str, version: Option<&str>) -> PackageId {
        let name = normalise_name(&ecosystem, raw_name);
        let version = version
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        PackageId {
            ecosystem,
            name,
            version,
        }
    }

    /// The package this version belongs to.
    pub fn package(&self) -> PackageName {
        PackageName {
            ecosystem: self.ecosystem.clone(),
            name: self.name.clone(),
        }
    }

    /// Parse `ECOSYSTEM/NAME[@VERSION]` as typed on the command line (npm scopes allowed:
    /// `npm/@scope/name@1.0.0`).
    pub fn parse_ref(s: &str) -> Result<PackageId, crate::report::ParseRefError> {
        let (eco, rest) = s
            .split_once('/')
            .ok_or_else(|| crate::report::ParseRefError(s.to_string()))?;
        if rest.is_empty() {
            return Err(crate::report::ParseRefError(s.to_string()));
        }
        // A version separator is an '@' that is not the first character (npm scope).
        let split = rest
            .char_indices()
            .skip(1)
            .find(|&(_, c)| c == '@')
            .map(|(i, _)| i);
        let (name, version) = match split {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        Ok(PackageId::new(Ecosystem::parse(eco), name, version))
    }
}

impl fmt::Display for PackageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.ecosystem.slug(), self.name)?;
        if let Some(v) = &self.version {
            write!(f, "@{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503() {
        assert_eq!(
            normalise_name(&Ecosystem::PyPI, "Foo__Bar.baz"),
            "foo-bar-baz"
        );
        assert_eq!(normalise_name(&Ecosystem::PyPI, " Requests "), "requests");
        assert_eq!(normalise_name(&Ecosystem::PyPI, "a-_-b"), "a-b");
    }

    #[test]
    fn npm_scope_kept() {
        assert_eq!(
            normalise_name(&Ecosystem::Npm, "@Scope/Name"),
            "@scope/name"
        );
    }

    #[test]
    fn ecosystem_aliases() {
        assert_eq!(Ecosystem::parse("pypi"), Ecosystem::PyPI);
        assert_eq!(Ecosystem::parse("gem"), Ecosystem::RubyGems);
        assert_eq!(Ecosystem::parse("crates.io"), Ecosystem::CratesIo);
        assert_eq!(Ecosystem::parse("Hex"), Ecosystem::Other("hex".into()));
    }

    #[test]
    fn parse_ref_with_scope_and_version() {
        let id = PackageId::parse_ref("npm/@evil/pkg@1.0.0").unwrap();
        assert_eq!(id.name, "@evil/pkg");
        assert_eq!(id.version.as_deref(), Some("1.0.0"));
        let id = PackageId::parse_ref("pypi/Some_Pkg").unwrap();
        assert_eq!(id.to_string(), "pypi/some-pkg");
        assert!(PackageId::parse_ref("nonsense").is_err());
    }
}

/// Guess `(ecosystem, name, version)` from an archive's file name, as registries name them:
/// sdists `name-1.2.3.tar.gz` / `.zip` / `.tar.bz2`, wheels `name-1.2.3-py3-none-any.whl`, eggs
/// `name-1.2.3-py3.8.egg`, npm `name-1.2.3.tgz`. The name is returned as written (not normalised).
pub fn guess_from_filename(file_name: &str) -> Option<(Ecosystem, String, String)> {
    const EXTS: &[(&str, bool)] = &[
        (".tar.gz", false),
        (".tar.bz2", false),
        (".tar.xz", false),
        (".tgz", true),
        (".zip", false),
        (".whl", false),
        (".egg", false),
        (".tar", false),
    ];
    let lower = file_name.to_ascii_lowercase();
    let (stem, npm) = EXTS
        .iter()
        .find(|(ext, _)| lower.ends_with(ext))
        .map(|(ext, npm)| (&file_name[..file_name.len() - ext.len()], *npm))?;
    let eco = if npm { Ecosystem::Npm } else { Ecosystem::PyPI };
    let is_wheel_like = lower.ends_with(".whl") || lower.ends_with(".egg");
    if is_wheel_like {
        // name-version(-tags...), name uses '_' for separators in wheels.
        let mut parts = stem.splitn(3, '-');
        let name = parts.next()?;
        let version = parts.next()?;
        if name.is_empty() || version.is_empty() {
            return None;
        }
        return Some((eco, name.to_string(), version.to_string()));
    }
    // The version starts at the first '-' followed by a digit (names may contain '-').
    let bytes = stem.as_bytes();
    let split = (0..bytes.len().saturating_sub(1))
        .find(|&i| bytes[i] == b'-' && bytes[i + 1].is_ascii_digit())?;
    let (name, version) = (&stem[..split], &stem[split + 1..]);
    if name.is_empty() || version.is_empty() {
        return None;
    }
    Some((eco, name.to_string(), version.to_string()))
}

#[cfg(test)]
mod guess_tests {
    use super::*;

    #[test]
    fn guesses_common_layouts() {
        let g = |s: &str| guess_from_filename(s).map(|(e, n, v)| (e.slug(), n, v));
        assert_eq!(
            g("py-foo-1.2.3.tar.gz"),
            Some(("pypi".into(), "py-foo".into(), "1.2.3".into()))
        );
        assert_eq!(
            g("foo_bar-0.1-py3-none-any.whl"),
            Some(("pypi".into(), "foo_bar".into(), "0.1".into()))
        );
        assert_eq!(
            g("left-pad-1.3.0.tgz"),
            Some(("npm".into(), "left-pad".into(), "1.3.0".into()))
        );
        assert_eq!(g("noversion.tar.gz"), None);
        assert_eq!(g("readme.txt"), None);
    }
}
