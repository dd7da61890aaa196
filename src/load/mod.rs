//! Reading files into the [`SourceMap`]: configs with `$include`, `.env` files.

pub mod argv;
pub mod compose;
pub mod env;
pub mod include;
pub mod json5;
pub mod services;
pub mod shell;
pub mod subst;

use crate::source::{FileId, SourceKind, SourceMap, Span};
use std::path::{Path, PathBuf};

pub use crate::paths::{canonical_or_lexical, display_path, resolve_lexical};
pub use crate::provenance::Location;

/// What kind of load problem it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// The file exists but cannot be read.
    Read,
    /// Not valid JSON5: OpenClaw cannot parse it.
    Syntax,
    /// A broken `$include`: missing, cyclic, escaping, too deep, not parsable.
    Include,
    /// A `${VAR}` left unresolved where clawfence reads the value.
    Unresolved,
    /// A value OpenClaw throws on while resolving (`browser.cdpUrl`, relays).
    Value,
}

impl LoadErrorKind {
    /// Whether OpenClaw fails to load the config at all (and runs as if it were `{}`).
    pub fn is_fatal(self) -> bool {
        matches!(
            self,
            LoadErrorKind::Read | LoadErrorKind::Syntax | LoadErrorKind::Include
        )
    }
}

/// A file that could not be loaded the way OpenClaw loads it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub kind: LoadErrorKind,
    pub message: String,
    pub location: Location,
    /// Other places involved, e.g. the `$include` that pulled a broken file in.
    pub related: Vec<(Span, String)>,
    /// The config key involved (`browser.cdpUrl`), when there is one.
    pub key: Option<String>,
    /// One concrete way out, with the computed path or value.
    pub help: Option<String>,
}

impl LoadError {
    pub fn new(kind: LoadErrorKind, message: String, location: Location) -> LoadError {
        LoadError {
            kind,
            message,
            location,
            related: vec![],
            key: None,
            help: None,
        }
    }

    pub fn with_help(mut self, help: String) -> LoadError {
        self.help = Some(help);
        self
    }

    pub fn with_key(mut self, key: String) -> LoadError {
        self.key = Some(key);
        self
    }

    pub fn with_related(mut self, span: Span, text: &str) -> LoadError {
        self.related.push((span, text.to_string()));
        self
    }
}

/// Reads files into a [`SourceMap`], naming them relative to a base directory.
pub struct Loader<'a> {
    pub sources: &'a mut SourceMap,
    /// Paths below this directory are shown as `<prefix>/rest`.
    pub display_base: PathBuf,
    /// `~` for a HOME, `.` for a manifest directory.
    pub display_prefix: &'static str,
}

impl Loader<'_> {
    /// How `path` is shown in every output.
    pub fn display(&self, path: &Path) -> String {
        display_path(path, &self.display_base, self.display_prefix)
    }

    /// Reads a UTF-8 file (replacing invalid bytes, as Node's `utf-8` decoding does).
    pub fn read(&mut self, path: &Path, kind: SourceKind) -> std::io::Result<FileId> {
        if let Some(id) = self.sources.find(path) {
            return Ok(id);
        }
        // A FIFO or a device would block or never end: only regular files are read.
        if !std::fs::metadata(path)?.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        let bytes = std::fs::read(path)?;
        let text = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        let display = self.display(path);
        Ok(self.sources.add(path.to_path_buf(), display, kind, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_resolution_matches_node_path_resolve() {
        let base = Path::new("/h/.openclaw");
        assert_eq!(
            resolve_lexical(base, Path::new("./inc/../gw.json5")),
            PathBuf::from("/h/.openclaw/gw.json5")
        );
        assert_eq!(
            resolve_lexical(base, Path::new("../../../../x")),
            PathBuf::from("/x")
        );
        assert_eq!(
            resolve_lexical(base, Path::new("~/x.json")),
            PathBuf::from("/h/.openclaw/~/x.json")
        );
    }

    #[test]
    fn display_is_relative_to_the_base() {
        let base = Path::new("/home/u");
        assert_eq!(
            display_path(Path::new("/home/u/.openclaw/openclaw.json"), base, "~"),
            "~/.openclaw/openclaw.json"
        );
        assert_eq!(display_path(Path::new("/home/u"), base, "~"), "~");
        assert_eq!(display_path(Path::new("/srv/x"), base, "~"), "/srv/x");
        assert_eq!(display_path(Path::new("/home/uu"), base, "~"), "/home/uu");
        assert_eq!(
            display_path(Path::new("/home/u/deploy/a.json5"), base, ""),
            "deploy/a.json5"
        );
    }
}
