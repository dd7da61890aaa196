//! Every file clawfence reads, held once, with byte spans and line/column lookup.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range inside one file of a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: range.start as u32,
            end: range.end as u32,
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// What kind of file a source is; decides how it is shown and redacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Config,
    Env,
    Manifest,
    /// A systemd unit or drop-in, a launchd plist, a task or wrapper script.
    Launcher,
}

/// One file as it was read.
#[derive(Debug)]
pub struct SourceFile {
    /// The absolute path the file was read from.
    pub path: PathBuf,
    /// How the path is shown: `~/…` below the HOME (or the manifest dir), else absolute.
    pub display: String,
    pub kind: SourceKind,
    /// The text as read. Only loaders look at it: it may hold secrets.
    pub text: String,
    /// The text with secret values masked, when any were found.
    masked: Option<String>,
    /// Byte offset of the start of every line.
    line_starts: Vec<u32>,
    /// Character offset, in the shown text, of the start of every line.
    shown_line_chars: std::sync::OnceLock<Vec<u32>>,
}

impl SourceFile {
    fn new(path: PathBuf, display: String, kind: SourceKind, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        let bytes = text.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            // why: JSON5 and ECMAScript count CR, LF and CRLF as one line terminator each.
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                line_starts.push(i as u32 + 1);
            }
        }
        SourceFile {
            path,
            display,
            kind,
            text,
            masked: None,
            line_starts,
            shown_line_chars: std::sync::OnceLock::new(),
        }
    }

    /// The text every output shows: secrets replaced by `*`, byte for byte, so
    /// spans and lines stay where they were.
    pub fn shown_text(&self) -> &str {
        self.masked.as_deref().unwrap_or(&self.text)
    }

    /// The character offset in [`SourceFile::shown_text`] of a byte offset (rounded
    /// down to a character), for renderers that count characters.
    pub fn shown_char_offset(&self, offset: usize) -> usize {
        let shown = self.shown_text();
        let offset = floor_char_boundary(shown, offset);
        let line = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let starts = self.shown_line_chars.get_or_init(|| {
            let mut out = Vec::with_capacity(self.line_starts.len());
            let (mut chars, mut at) = (0usize, 0usize);
            for &ls in &self.line_starts {
                let ls = floor_char_boundary(shown, ls as usize);
                chars += shown[at..ls].chars().count();
                at = ls;
                out.push(chars as u32);
            }
            out
        });
        let start = floor_char_boundary(shown, self.line_starts[line] as usize);
        starts[line] as usize + shown[start..offset.max(start)].chars().count()
    }

    /// 1-based line and column (columns count characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let col = self.text[start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count();
        (line + 1, col + 1)
    }
}

/// The largest char boundary at or below `i` (clamped to the text).
pub fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest char boundary at or above `i` (clamped to the text).
pub fn ceil_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// All files read during one run.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    by_path: HashMap<PathBuf, FileId>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file. The same path added twice is stored once.
    pub fn add(
        &mut self,
        path: PathBuf,
        display: String,
        kind: SourceKind,
        text: String,
    ) -> FileId {
        if let Some(id) = self.find(&path) {
            return id;
        }
        let id = FileId(self.files.len() as u32);
        self.by_path.insert(path.clone(), id);
        self.files.push(SourceFile::new(path, display, kind, text));
        id
    }

    /// Every file read, in the order read.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// Masks byte ranges of a file (secret values) in everything that is shown.
    ///
    /// Every byte of every character a range touches becomes `*` (line breaks
    /// stay), so the shown text keeps the exact byte length and line starts of the
    /// original and is always valid UTF-8, whatever offsets the ranges carry.
    pub fn mask(&mut self, id: FileId, ranges: &[Range<usize>]) {
        let file = &mut self.files[id.0 as usize];
        let text = &file.text;
        let mut bytes = file
            .masked
            .take()
            .unwrap_or_else(|| text.clone())
            .into_bytes();
        for r in ranges {
            let start = floor_char_boundary(text, r.start.min(text.len()));
            let end = ceil_char_boundary(text, r.end.min(text.len()));
            for b in &mut bytes[start..end.max(start)] {
                if !matches!(*b, b'\n' | b'\r') {
                    *b = b'*';
                }
            }
        }
        // Only whole characters were replaced by ASCII, so this never fails; a
        // lossy fallback would change lengths and is not trusted.
        file.shown_line_chars = std::sync::OnceLock::new();
        file.masked = Some(String::from_utf8(bytes).unwrap_or_else(|e| {
            let len = e.as_bytes().len();
            "*".repeat(len)
        }));
    }

    /// Files below `root` that are shown by their absolute path are shown as the
    /// host sees them (`/etc/openclaw/bots.env`, not the fixture's directory).
    pub fn show_below_root(&mut self, root: &Path) {
        if root == Path::new("/") {
            return;
        }
        for f in &mut self.files {
            if f.display.starts_with('/')
                && let Some(shown) = crate::paths::below_root(&f.path, root)
            {
                f.display = shown;
            }
        }
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// `path:line:column` of the start of a span.
    pub fn locate(&self, span: Span) -> String {
        let file = self.get(span.file);
        let (line, col) = file.line_col(span.start as usize);
        format!("{}:{line}:{col}", file.display)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_all_terminators() {
        let mut map = SourceMap::new();
        let id = map.add(
            "/x".into(),
            "x".into(),
            SourceKind::Config,
            "ab\r\ncé\rd\ne".into(),
        );
        let f = map.get(id);
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(4), (2, 1));
        // 'é' is two bytes; the column after it counts one character
        assert_eq!(f.line_col(7), (2, 3));
        assert_eq!(f.line_col(8), (3, 1));
        assert_eq!(f.line_col(10), (4, 1));
    }
}
