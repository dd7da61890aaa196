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
    /// Files already read by [`prefetch`], taken by [`Loader::read`].
    pub prefetched: Prefetched,
}

/// One read ahead: the path, the cap it was read with, and what `read_bounded`
/// returned.
type ReadAhead = (PathBuf, (u64, std::io::Result<String>));

/// Files read ahead of their [`Loader::read`] by another thread, each as
/// `read_bounded` with the cap of its kind returned it, in the order asked.
#[derive(Debug, Default)]
pub struct Prefetched {
    /// Every path being read ahead: only these are waited for.
    wanted: std::collections::HashSet<PathBuf>,
    /// Reads that arrived before they were asked for.
    arrived: std::collections::HashMap<PathBuf, (u64, std::io::Result<String>)>,
    from: Option<std::sync::mpsc::Receiver<ReadAhead>>,
}

impl Prefetched {
    /// The read of `path` with `cap`, waiting for it when it is on its way;
    /// `None` when it is not read ahead (or with another cap): read it then.
    fn take(&mut self, path: &Path, cap: u64) -> Option<std::io::Result<String>> {
        if !self.wanted.remove(path) {
            return None;
        }
        let read = match self.arrived.remove(path) {
            Some(read) => Some(read),
            None => loop {
                match self.from.as_ref()?.recv() {
                    Ok((p, read)) if p == path => break Some(read),
                    Ok((p, read)) => {
                        self.arrived.insert(p, read);
                    }
                    // The reader stopped (it cannot panic but by a bug): read here.
                    Err(_) => break None,
                }
            },
        };
        match read {
            Some((c, read)) if c == cap => Some(read),
            _ => None,
        }
    }
}

/// Below this many files a reader thread costs more than it saves.
const PREFETCH_FROM: usize = 512;

/// Starts reading `paths` on a thread of its own, in order, exactly as
/// [`Loader::read`] would one by one: on a dense host reading is a third of
/// resolving, and a loader is one thread's (its source map numbers files in
/// reading order), so the reads run ahead of the resolver instead. Only a
/// cache: a path never asked for costs one read, a path not here is read when
/// asked.
pub fn prefetch(paths: &[(PathBuf, SourceKind)]) -> Prefetched {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores <= 1 || paths.len() < PREFETCH_FROM {
        return Prefetched::default();
    }
    let (to, from) = std::sync::mpsc::channel::<ReadAhead>();
    let list = paths.to_vec();
    std::thread::spawn(move || {
        for (p, kind) in list {
            let cap = max_bytes(kind);
            let read = read_bounded(&p, cap);
            // The loader is gone: nothing more is wanted.
            if to.send((p, (cap, read))).is_err() {
                return;
            }
        }
    });
    Prefetched {
        wanted: paths.iter().map(|(p, _)| p.clone()).collect(),
        arrived: Default::default(),
        from: Some(from),
    }
}

impl Loader<'_> {
    /// How `path` is shown in every output.
    /// Credential-shaped parts of a path (a URL pasted as a path) are masked.
    pub fn display(&self, path: &Path) -> String {
        crate::paths::shown(path, &self.display_base, self.display_prefix)
    }

    /// Reads a UTF-8 file (replacing invalid bytes, as Node's `utf-8` decoding does).
    ///
    /// Only a regular file is read, after following symlinks, and only up to the
    /// cap of its kind ([`max_bytes`]); a file that yields more bytes than its
    /// size says (`/proc`, `/sys`: they report 0) is refused, so a config
    /// symlinked to `/proc/self/environ` is never read, let alone shown.
    pub fn read(&mut self, path: &Path, kind: SourceKind) -> std::io::Result<FileId> {
        if let Some(id) = self.sources.find(path) {
            return Ok(id);
        }
        let cap = max_bytes(kind);
        let text = match self.prefetched.take(path, cap) {
            Some(read) => read?,
            None => read_bounded(path, cap)?,
        };
        let display = self.display(path);
        Ok(self.sources.add(path.to_path_buf(), display, kind, text))
    }
}

/// Masks the secrets of a JSON5 file that parsed (a config, an include, a
/// manifest): the values at secret keys of `node`, and the token scan as well,
/// always: it sees what the tree does not hold (the earlier value of a duplicate
/// key, which the last one replaced; comments; values the span parser could not
/// place, which carry the whole file as their span).
pub fn mask_parsed(loader: &mut Loader, file: FileId, node: &json5::Node) {
    let text = &loader.sources.get(file).text;
    let mut ranges = crate::secrets::secret_ranges(node, text);
    ranges.extend(crate::secrets::lexical_secret_ranges(text));
    if !ranges.is_empty() {
        loader.sources.mask(file, &ranges);
    }
}

/// Masks what a file that does not parse could show: secret-looking values
/// found by a tolerant scan. Returns false, masking all of it, when the file is
/// not JSON5 at all (`/etc/passwd`, an environment dump): none of it is shown.
pub fn mask_unparsed(loader: &mut Loader, file: FileId) -> bool {
    let text = &loader.sources.get(file).text;
    if !looks_like_json5(text) {
        let all = 0..text.len();
        loader.sources.mask(file, std::slice::from_ref(&all));
        return false;
    }
    let ranges = crate::secrets::lexical_secret_ranges(text);
    if !ranges.is_empty() {
        loader.sources.mask(file, &ranges);
    }
    true
}

/// Whether a text could be meant as a JSON5 document: after blanks and
/// comments it starts with `{` or `[`, and it is text.
pub fn looks_like_json5(text: &str) -> bool {
    if text.contains('\0') {
        return false;
    }
    let mut rest = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    loop {
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
        rest = rest.trim_start();
    }
    rest.is_empty() || rest.starts_with('{') || rest.starts_with('[')
}

/// The most bytes clawfence reads from one file of a kind.
///
/// why: `.env` files: OpenClaw skips any larger than 1 MiB
/// (`src/infra/dotenv-global-core.ts` `MAX_DOTENV_FILE_BYTES`); `$include` files
/// are capped at 2 MiB in `include.rs`. OpenClaw reads the main config with no
/// cap (`src/config/io.load.ts`: `readFileSync(configPath, "utf-8")`); clawfence uses
/// the 8 MiB OpenClaw allows for config files given to `config set`
/// (`src/cli/config-set-input.ts` `CONFIG_MUTATION_FILE_MAX_BYTES`).
pub fn max_bytes(kind: SourceKind) -> u64 {
    match kind {
        SourceKind::Env => MAX_DOTENV_FILE_BYTES,
        SourceKind::Config | SourceKind::Manifest => MAX_CONFIG_FILE_BYTES,
        SourceKind::Launcher => crate::load::services::MAX_FILE,
    }
}

/// OpenClaw's `MAX_DOTENV_FILE_BYTES`.
pub const MAX_DOTENV_FILE_BYTES: u64 = 1024 * 1024;
/// OpenClaw's `CONFIG_MUTATION_FILE_MAX_BYTES`, used for every config.
pub const MAX_CONFIG_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// At most `cap` bytes of a `/proc` file (they report size 0, so the regular
/// file check of [`read_bounded`] does not apply).
pub fn read_proc(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(cap)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads at most `cap` bytes of a regular file as UTF-8 (lossy).
pub fn read_bounded(path: &Path, cap: u64) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(Error::new(ErrorKind::IsADirectory, "is a directory"));
    }
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    if meta.len() > cap {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("larger than {} bytes ({} bytes)", cap, meta.len()),
        ));
    }
    let file = std::fs::File::open(path)?;
    // Checked again on what was opened, in case the path changed meanwhile.
    let opened = file.metadata()?;
    if !opened.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::with_capacity(opened.len().min(cap) as usize);
    file.take(opened.len().min(cap) + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > opened.len() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (it has more bytes than its size says, like a `/proc` file)",
        ));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::print_stderr)] // a skipped test says why
    fn a_prefetched_file_reads_exactly_as_it_would_have_been_read() {
        if std::thread::available_parallelism().map_or(1, |n| n.get()) <= 1 {
            eprintln!("skipped: one core, so nothing is read ahead");
            return;
        }
        let d = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for k in 0..PREFETCH_FROM {
            let p = d.path().join(format!("f{k}"));
            match k % 5 {
                0 => std::fs::write(&p, format!("{{ port: {k} }}")).unwrap(),
                1 => {}                                                        // missing
                2 => std::fs::create_dir(&p).unwrap(),                         // a directory
                3 => std::fs::write(&p, vec![b'x'; 1024 * 1024 + 1]).unwrap(), // over the `.env` cap
                _ => std::fs::write(&p, b"caf\xe9").unwrap(),                  // not UTF-8
            }
            let kind = if k % 2 == 0 {
                SourceKind::Config
            } else {
                SourceKind::Env
            };
            paths.push((p, kind));
        }
        let mut ahead = prefetch(&paths);
        // Asked in another order than read: the early ones wait in `arrived`.
        for (p, kind) in paths.iter().rev() {
            let cap = max_bytes(*kind);
            let got = ahead.take(p, cap).expect("prefetched");
            match (got, read_bounded(p, cap)) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", p.display()),
                (Err(a), Err(b)) => assert_eq!(
                    (a.kind(), a.to_string()),
                    (b.kind(), b.to_string()),
                    "{}",
                    p.display()
                ),
                (a, b) => panic!("{}: prefetched {a:?}, read {b:?}", p.display()),
            }
        }
        // Each is taken once; asked with the cap of another kind, a read ahead
        // is not used; a path not read ahead is not waited for.
        assert!(ahead.take(&paths[0].0, max_bytes(paths[0].1)).is_none());
        let mut ahead = prefetch(&paths);
        assert!(
            ahead
                .take(&paths[0].0, max_bytes(SourceKind::Env))
                .is_none()
        );
        assert!(ahead.take(&d.path().join("elsewhere"), 1).is_none());
    }

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
