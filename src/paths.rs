//! Paths as OpenClaw and every output see them: lexical resolution (Node's
//! `path.resolve`), realpath where it exists, and the `~/…` display.

use std::path::{Component, Path, PathBuf};

/// [`display_path`] as every output shows it: a credential in the path masked.
pub fn shown(path: &Path, base: &Path, prefix: &str) -> String {
    crate::secrets::mask_inline(&display_path(path, base, prefix))
}

/// A path below the `--root` of a fixture as the host sees it (`ROOT/etc/x` is
/// `/etc/x`), a credential in it masked; `None` when it is not below `root`.
pub fn below_root(path: &Path, root: &Path) -> Option<String> {
    let rest = path.strip_prefix(root).ok()?;
    Some(crate::secrets::mask_inline(&format!("/{}", rest.display())))
}

/// `~/rest` when `path` lies below `base` (`rest` with an empty prefix), else the
/// path itself.
pub fn display_path(path: &Path, base: &Path, prefix: &str) -> String {
    match path.strip_prefix(base) {
        Ok(rest) if rest.as_os_str().is_empty() => {
            if prefix.is_empty() {
                ".".into()
            } else {
                prefix.to_string()
            }
        }
        Ok(rest) if prefix.is_empty() => rest.display().to_string(),
        Ok(rest) => format!("{prefix}/{}", rest.display()),
        Err(_) => path.display().to_string(),
    }
}

/// Node's `path.resolve(base, p)` followed by `path.normalize`: purely lexical.
pub fn resolve_lexical(base: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `realpath` where the path exists; the lexical path where it does not.
pub fn canonical_or_lexical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}
