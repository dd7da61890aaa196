//! Loading one config file with its `$include`s, as OpenClaw does.
//!
//! why: `src/config/includes.ts` `IncludeProcessor`. `$include` takes a path or an
//! array of paths, relative to the including file; every target must stay inside
//! the top-level config's directory (or an `OPENCLAW_INCLUDE_ROOTS` root), lexically
//! and after symlinks; chains deeper than 10 files and cycles are errors; a single
//! include replaces its object, an array merges left to right, and sibling keys are
//! merged over the included value (`deepMerge`: arrays concatenate, objects merge,
//! anything else is replaced).

use super::json5::{self, Entry, Node, Value};
use super::{LoadError, LoadErrorKind, Loader, Location, canonical_or_lexical, resolve_lexical};
use crate::source::{FileId, SourceKind, Span};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const MAX_INCLUDE_DEPTH: usize = 10;
const MAX_INCLUDE_FILE_BYTES: u64 = 2 * 1024 * 1024;
const MAX_INCLUDE_PATH_LENGTH: usize = 4096;
/// Values all includes of one config may produce together. OpenClaw has no cap
/// (an array of the same file repeated, ten levels deep, grows without bound);
/// clawfence stops there with an error.
const MAX_INCLUDE_VALUES: usize = 1_000_000;

/// A config file after `$include` resolution.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The merged tree; `None` when the top file is missing, unreadable or broken
    /// (OpenClaw then runs as if the config were `{}`).
    pub root: Option<Node>,
    pub file: Option<FileId>,
    /// Every file read: the config first, then its includes.
    pub files: Vec<FileId>,
    pub errors: Vec<LoadError>,
}

/// Loads the config at `path`. A missing file is `{}` with no error.
pub fn load_config(loader: &mut Loader, path: &Path, include_roots: &[PathBuf]) -> LoadedConfig {
    let mut out = LoadedConfig {
        root: None,
        file: None,
        files: Vec::new(),
        errors: Vec::new(),
    };
    let file = match loader.read(path, SourceKind::Config) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
        Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
            out.errors.push(LoadError::new(
                LoadErrorKind::Read,
                format!("config path `{}` is a directory", loader.display(path)),
                Location::Path(loader.display(path)),
            ));
            return out;
        }
        Err(e) => {
            out.errors.push(LoadError::new(
                LoadErrorKind::Read,
                format!("cannot read `{}`: {e}", loader.display(path)),
                Location::Path(loader.display(path)),
            ));
            return out;
        }
    };
    out.file = Some(file);
    out.files.push(file);
    let parsed = json5::parse(&loader.sources.get(file).text, file);
    let node = match parsed {
        Ok(n) => {
            super::mask_parsed(loader, file, &n);
            n
        }
        Err(e) => {
            out.errors.push(syntax_error(loader, file, path, &e));
            return out;
        }
    };
    let root_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut roots = vec![Root::new(root_dir)];
    roots.extend(
        include_roots
            .iter()
            .filter(|r| r.is_absolute())
            .map(|r| Root::new(r.clone())),
    );
    let mut processor = Processor {
        loader,
        roots,
        files: Vec::new(),
        cache: HashMap::new(),
        seen: Vec::new(),
        max_chain: 1,
        values: 0,
    };
    let chain = vec![resolve_lexical(Path::new("/"), path)];
    match processor.process(node, path, &chain) {
        Ok(node) => out.root = Some(node),
        Err(e) => out.errors.push(e),
    }
    out.files.extend(processor.files);
    out
}

struct Root {
    dir: PathBuf,
    /// `dir` with symlinks resolved, found when the first `$include` asks (most
    /// configs have none, and `realpath` costs a `readlink` per component).
    real: std::cell::OnceCell<PathBuf>,
}

impl Root {
    fn new(dir: PathBuf) -> Root {
        Root {
            dir,
            real: std::cell::OnceCell::new(),
        }
    }

    fn real(&self) -> &Path {
        self.real.get_or_init(|| canonical_or_lexical(&self.dir))
    }
}

struct Processor<'l, 'a> {
    loader: &'l mut Loader<'a>,
    roots: Vec<Root>,
    files: Vec<FileId>,
    /// Every included file processed so far, by resolved path.
    cache: HashMap<PathBuf, Done>,
    /// Included files processed so far, in the order they finished.
    seen: Vec<PathBuf>,
    /// The longest chain reached while processing the current file.
    max_chain: usize,
    /// Values produced by every include so far.
    values: usize,
}

/// An included file already processed.
struct Done {
    node: Node,
    /// How many files deep its own includes go, itself included.
    height: usize,
    /// It and every file below it.
    files: Vec<PathBuf>,
}

/// Every value of a tree, counted.
fn count_values(node: &Node) -> usize {
    let mut n = 0;
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        n += 1;
        match &node.value {
            Value::Array(items) => stack.extend(items),
            Value::Object(entries) => stack.extend(entries.iter().map(|e| &e.node)),
            _ => {}
        }
    }
    n
}

// An error ends the whole load at once, so its size on the error path is moot.
#[allow(clippy::result_large_err)]
impl Processor<'_, '_> {
    /// `IncludeProcessor.process` for the tree of the file at `base`; `chain` holds
    /// that file and every file that included it, top first.
    fn process(&mut self, node: Node, base: &Path, chain: &[PathBuf]) -> Result<Node, LoadError> {
        let Node { value, span, vars } = node;
        let value = match value {
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|n| self.process(n, base, chain))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(entries) => {
                if let Some(pos) = entries.iter().position(|e| e.key == "$include") {
                    return self.process_include(entries, pos, span, base, chain);
                }
                Value::Object(
                    entries
                        .into_iter()
                        .map(|e| {
                            Ok(Entry {
                                node: self.process(e.node, base, chain)?,
                                ..e
                            })
                        })
                        .collect::<Result<_, LoadError>>()?,
                )
            }
            other => other,
        };
        Ok(Node { value, span, vars })
    }

    fn process_include(
        &mut self,
        mut entries: Vec<Entry>,
        pos: usize,
        span: Span,
        base: &Path,
        chain: &[PathBuf],
    ) -> Result<Node, LoadError> {
        let include = entries.remove(pos);
        let included = match &include.node.value {
            Value::String(p) => self.load_file(p, include.node.span, base, chain)?,
            Value::Array(items) => {
                let mut merged = Node::new(Value::Object(vec![]), include.node.span);
                for item in items {
                    let Value::String(p) = &item.value else {
                        return Err(error(
                            format!(
                                "Invalid $include array item: expected string, got {}",
                                item.type_name()
                            ),
                            item.span,
                        )
                        .with_help(
                            "list paths only: `$include: [\"./a.json5\", \"./b.json5\"]`".into(),
                        ));
                    };
                    let loaded = self.load_file(p, item.span, base, chain)?;
                    merged = deep_merge(merged, loaded);
                }
                merged
            }
            _ => {
                return Err(error(
                    format!(
                        "Invalid $include value: expected string or array of strings, got {}",
                        include.node.type_name()
                    ),
                    include.node.span,
                )
                .with_help(
                    "write a path, `$include: \"./gateway.json5\"`, or a list of paths".into(),
                ));
            }
        };
        if entries.is_empty() {
            return Ok(included);
        }
        if included.as_object().is_none() {
            return Err(error(
                "Sibling keys require included content to be an object".into(),
                include.node.span,
            )
            .with_help(
                "make the included file an object, or move the keys beside `$include` into it"
                    .into(),
            ));
        }
        let rest = self.process(Node::new(Value::Object(entries), span), base, chain)?;
        Ok(deep_merge(included, rest))
    }

    fn load_file(
        &mut self,
        include: &str,
        at: Span,
        base: &Path,
        chain: &[PathBuf],
    ) -> Result<Node, LoadError> {
        let shown = |l: &Loader, p: &Path| l.display(p);
        if include.contains('\0') {
            return Err(error("Include path must not contain null bytes".into(), at));
        }
        if include.len() >= MAX_INCLUDE_PATH_LENGTH {
            return Err(error(
                format!(
                    "Include path exceeds maximum length ({MAX_INCLUDE_PATH_LENGTH} characters)"
                ),
                at,
            ));
        }
        // why: no `~` expansion and no `${VAR}` here: `resolvePath` only joins the
        // including file's directory, and substitution runs after includes.
        let dir = base.parent().unwrap_or(Path::new("/"));
        let resolved = resolve_lexical(dir, Path::new(include));
        // From here on `include` is only quoted: never with a credential in it.
        let masked = crate::secrets::mask_inline(include);
        let include = masked.as_str();
        if resolved.as_os_str().len() >= MAX_INCLUDE_PATH_LENGTH {
            return Err(error(
                format!(
                    "Resolved include path exceeds maximum length ({MAX_INCLUDE_PATH_LENGTH} characters)"
                ),
                at,
            ));
        }
        let top = &self.roots[0].dir;
        if !self.roots.iter().any(|r| resolved.starts_with(&r.dir)) {
            return Err(error(
                format!(
                    "Include path escapes config directory: {include} (root: {})",
                    shown(self.loader, top)
                ),
                at,
            )
            .with_help(format!(
                "move `{}` below `{}`, or add its directory to `OPENCLAW_INCLUDE_ROOTS`",
                shown(self.loader, &resolved),
                shown(self.loader, top)
            )));
        }
        if let Ok(real) = std::fs::canonicalize(&resolved)
            && !self.roots.iter().any(|r| real.starts_with(r.real()))
        {
            return Err(error(
                format!(
                    "Include path resolves outside config directory (symlink): {include} (root: {})",
                    shown(self.loader, top)
                ),
                at,
            )
            .with_help(format!(
                "replace the symlink `{}` with the file itself",
                shown(self.loader, &resolved)
            )));
        }
        if chain.contains(&resolved) {
            let names: Vec<String> = chain
                .iter()
                .chain(std::iter::once(&resolved))
                .map(|p| shown(self.loader, p))
                .collect();
            return Err(error(
                format!("Circular include detected: {}", names.join(" -> ")),
                at,
            )
            .with_help(format!(
                "remove the `$include` of `{}` from `{}` (it closes the cycle)",
                shown(self.loader, &resolved),
                shown(self.loader, base)
            )));
        }
        // The top file is chain[0]; a processor at depth d has d+1 files in its chain.
        if chain.len() > MAX_INCLUDE_DEPTH {
            return Err(error(
                format!("Maximum include depth ({MAX_INCLUDE_DEPTH}) exceeded at: {include}"),
                at,
            )
            .with_help(format!(
                "merge `{}` into `{}`: OpenClaw follows at most {MAX_INCLUDE_DEPTH} nested includes",
                shown(self.loader, &resolved),
                shown(self.loader, base)
            )));
        }
        if let Some(done) = self.cache.get(&resolved)
            && chain.len() + done.height <= MAX_INCLUDE_DEPTH + 1
            && !done.files.iter().any(|f| chain.contains(f))
        {
            // Processed before from another place: same tree, same files, and
            // neither a cycle nor too deep from here, so the result is the same.
            // why: OpenClaw re-reads and re-merges it every time; the result is
            // equal, only the cost differs.
            let node = done.node.clone();
            self.max_chain = self.max_chain.max(chain.len() + done.height);
            self.seen.extend(done.files.iter().cloned());
            self.values += count_values(&node);
            if self.values > MAX_INCLUDE_VALUES {
                return Err(too_many_values(self.loader, &resolved, at));
            }
            return Ok(node);
        }
        let file = self.read_guarded(include, &resolved, at)?;
        let parsed = json5::parse(&self.loader.sources.get(file).text, file).map_err(|e| {
            let mut err = syntax_error(self.loader, file, &resolved, &e);
            err.kind = LoadErrorKind::Include;
            let shown = self.loader.display(&resolved);
            err.message = format!("`{shown}` does not parse: {}", err.message);
            err.with_related(at, "included here")
        })?;
        super::mask_parsed(self.loader, file, &parsed);
        let mut nested = chain.to_vec();
        nested.push(resolved.clone());
        let depth_before = self.max_chain;
        self.max_chain = nested.len();
        let files_before = self.seen.len();
        let node = self.process(parsed, &resolved, &nested)?;
        self.values += count_values(&node);
        if self.values > MAX_INCLUDE_VALUES {
            return Err(too_many_values(self.loader, &resolved, at));
        }
        let mut files: Vec<PathBuf> = self.seen[files_before..].to_vec();
        files.push(resolved.clone());
        self.seen.push(resolved.clone());
        let height = self.max_chain + 1 - nested.len();
        self.max_chain = self.max_chain.max(depth_before);
        self.cache.insert(
            resolved,
            Done {
                node: node.clone(),
                height,
                files,
            },
        );
        Ok(node)
    }

    /// `readConfigIncludeFileWithGuards`: a regular file of at most 2 MiB with a
    /// single link.
    fn read_guarded(
        &mut self,
        include: &str,
        resolved: &Path,
        at: Span,
    ) -> Result<FileId, LoadError> {
        let read_failed = |l: &Loader| {
            error(
                format!(
                    "Failed to read include file: {include} (resolved: {})",
                    l.display(resolved)
                ),
                at,
            )
            .with_help(format!(
                "create `{}`, or remove this `$include`",
                l.display(resolved)
            ))
        };
        let meta = std::fs::metadata(resolved).map_err(|_| read_failed(self.loader))?;
        if !meta.is_file() || meta.len() > MAX_INCLUDE_FILE_BYTES || nlink(&meta) > 1 {
            return Err(error(
                format!(
                    "Include file failed security checks (regular file, max {MAX_INCLUDE_FILE_BYTES} bytes, no hardlinks): {include}"
                ),
                at,
            )
            .with_help(format!(
                "make `{}` a regular file of at most 2 MiB with a single hard link",
                self.loader.display(resolved)
            )));
        }
        let file = self
            .loader
            .read(resolved, SourceKind::Config)
            .map_err(|_| read_failed(self.loader))?;
        if !self.files.contains(&file) {
            self.files.push(file);
        }
        Ok(file)
    }
}

fn too_many_values(loader: &Loader, resolved: &Path, at: Span) -> LoadError {
    error(
        format!(
            "Include expansion exceeds {MAX_INCLUDE_VALUES} values (the same files included many times over)"
        ),
        at,
    )
    .with_help(format!(
        "include `{}` once, from one place",
        loader.display(resolved)
    ))
}

/// The error for a file that does not parse. Its secret-looking values are
/// masked first (the code frame shows the text around the error); a file that
/// is not JSON5 at all (it does not start with `{` or `[`, or holds NUL bytes:
/// `/etc/passwd`, an environment dump) gets no code frame, so none of its
/// content is shown.
fn syntax_error(
    loader: &mut Loader,
    file: FileId,
    path: &Path,
    e: &json5::SyntaxError,
) -> LoadError {
    let shown = loader.display(path);
    if !super::mask_unparsed(loader, file) {
        return LoadError::new(
            LoadErrorKind::Syntax,
            "not JSON5: the file does not start with `{` (its content is not shown)".into(),
            Location::Path(shown.clone()),
        )
        .with_help(format!(
            "point the config at an OpenClaw JSON5 file, or write `{{}}` into `{shown}`"
        ));
    }
    let (line, col) = loader.sources.get(file).line_col(e.offset);
    LoadError::new(
        LoadErrorKind::Syntax,
        e.message.clone(),
        Location::Span(Span::new(file, e.offset..e.offset)),
    )
    .with_help(format!("fix line {line}, column {col} of `{shown}`"))
}

#[cfg(unix)]
fn nlink(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn nlink(_: &std::fs::Metadata) -> u64 {
    1
}

fn error(message: String, at: Span) -> LoadError {
    LoadError::new(LoadErrorKind::Include, message, Location::Span(at))
}

fn is_blocked_key(key: &str) -> bool {
    // why: `src/infra/prototype-keys.ts`, dropped by `mergeDeep`.
    matches!(key, "__proto__" | "constructor" | "prototype")
}

fn sanitize(node: Node) -> Node {
    match node.value {
        Value::Object(entries) => Node {
            value: Value::Object(
                entries
                    .into_iter()
                    .filter(|e| !is_blocked_key(&e.key))
                    .map(|e| Entry {
                        node: sanitize(e.node),
                        ..e
                    })
                    .collect(),
            ),
            ..node
        },
        _ => node,
    }
}

/// `deepMerge(base, over)` with `arrays: "concat"` (`src/infra/deep-merge.ts`).
pub fn deep_merge(base: Node, over: Node) -> Node {
    match (base.value, over.value) {
        (Value::Array(mut a), Value::Array(b)) => {
            a.extend(b);
            Node {
                value: Value::Array(a),
                span: base.span,
                vars: base.vars,
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            let mut merged = match sanitize(Node::new(Value::Object(a), base.span)).value {
                Value::Object(m) => m,
                _ => unreachable!("sanitize keeps objects"),
            };
            let mut index: HashMap<String, usize> = merged
                .iter()
                .enumerate()
                .map(|(i, e)| (e.key.clone(), i))
                .collect();
            for entry in b {
                if is_blocked_key(&entry.key) {
                    continue;
                }
                match index.get(&entry.key).map(|&i| &mut merged[i]) {
                    Some(current) => {
                        let old = std::mem::replace(
                            &mut current.node,
                            Node::new(Value::Null, entry.node.span),
                        );
                        let both_objects =
                            old.as_object().is_some() && entry.node.as_object().is_some();
                        let both_arrays = matches!(
                            (&old.value, &entry.node.value),
                            (Value::Array(_), Value::Array(_))
                        );
                        current.node = if both_objects || both_arrays {
                            deep_merge(old, entry.node)
                        } else {
                            sanitize(entry.node)
                        };
                        current.key_span = entry.key_span;
                    }
                    None => {
                        index.insert(entry.key.clone(), merged.len());
                        merged.push(Entry {
                            node: sanitize(entry.node),
                            ..entry
                        });
                    }
                }
            }
            Node {
                value: Value::Object(merged),
                span: base.span,
                vars: base.vars,
            }
        }
        (_, value) => Node {
            value,
            span: over.span,
            vars: over.vars,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;
    use std::fs;

    fn home() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }

    fn load(path: &Path, base: &Path) -> (LoadedConfig, SourceMap) {
        let mut sources = SourceMap::new();
        let mut loader = Loader {
            sources: &mut sources,
            display_base: base.to_path_buf(),
            display_prefix: "~",
            prefetched: Default::default(),
        };
        let c = load_config(&mut loader, path, &[]);
        (c, sources)
    }

    fn to_json(n: &Node) -> String {
        match &n.value {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Number(x) => x.to_string(),
            Value::String(s) => format!("{s:?}"),
            Value::Array(a) => format!("[{}]", a.iter().map(to_json).collect::<Vec<_>>().join(",")),
            Value::Object(o) => format!(
                "{{{}}}",
                o.iter()
                    .map(|e| format!("{}:{}", e.key, to_json(&e.node)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    #[test]
    fn array_includes_and_siblings_merge_as_upstream() {
        // why: the observed cases of openclaw-semantics.md §6.2 (real resolveConfigIncludes).
        let h = home();
        write(h.path(), "c/a.json5", "{list:[1,2],obj:{x:1,y:1},s:'a'}");
        write(
            h.path(),
            "c/b.json",
            r#"{"list":[3],"obj":{"y":2},"s":"b"}"#,
        );
        let top = write(
            h.path(),
            "c/openclaw.json",
            "{$include:['./a.json5','./b.json']}",
        );
        let (c, _) = load(&top, h.path());
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(
            to_json(c.root.as_ref().unwrap()),
            r#"{list:[1,2,3],obj:{x:1,y:2},s:"b"}"#
        );

        let top = write(
            h.path(),
            "c/openclaw.json",
            "{$include:'./a.json5', list:[9], obj:{y:3}, s:'sib'}",
        );
        let (c, _) = load(&top, h.path());
        assert_eq!(
            to_json(c.root.as_ref().unwrap()),
            r#"{list:[1,2,9],obj:{x:1,y:3},s:"sib"}"#
        );
    }

    #[test]
    fn included_value_keeps_its_own_span() {
        let h = home();
        write(h.path(), "c/gw.json5", "{\n  gateway: { port: 0x4E30 },\n}");
        let top = write(h.path(), "c/openclaw.json", "{ $include: './gw.json5' }");
        let (c, sources) = load(&top, h.path());
        let root = c.root.unwrap();
        let port = root.path(&["gateway", "port"]).unwrap();
        assert_eq!(port.node.as_f64(), Some(20016.0));
        assert_eq!(sources.locate(port.node.span), "~/c/gw.json5:2:20");
        assert_eq!(c.files.len(), 2);
    }

    #[test]
    fn chains_of_ten_pass_and_eleven_fail() {
        let h = home();
        for n in [10, 11] {
            let dir = h.path().join(format!("d{n}"));
            for i in 1..=n {
                let body = if i == n {
                    "{gateway:{port:1234}}".to_string()
                } else {
                    format!("{{$include:'./f{}.json5'}}", i + 1)
                };
                write(&dir, &format!("f{i}.json5"), &body);
            }
            let top = write(&dir, "openclaw.json", "{$include:'./f1.json5'}");
            let (c, _) = load(&top, h.path());
            if n == 10 {
                assert!(c.errors.is_empty(), "{:?}", c.errors);
            } else {
                assert!(
                    c.errors[0]
                        .message
                        .starts_with("Maximum include depth (10) exceeded")
                );
            }
        }
    }

    #[test]
    fn cycles_escapes_and_missing_files_point_at_the_include() {
        let h = home();
        write(h.path(), "c/a.json5", "{$include:'./b.json5'}");
        write(h.path(), "c/b.json5", "{$include:'./a.json5'}");
        let top = write(h.path(), "c/openclaw.json", "{\n  $include: './a.json5'\n}");
        let (c, sources) = load(&top, h.path());
        assert_eq!(
            c.errors[0].message,
            "Circular include detected: ~/c/openclaw.json -> ~/c/a.json5 -> ~/c/b.json5 -> ~/c/a.json5"
        );
        let Location::Span(at) = c.errors[0].location else {
            panic!()
        };
        assert_eq!(sources.locate(at), "~/c/b.json5:1:11");
        assert!(c.root.is_none());

        let top = write(h.path(), "c/openclaw.json", "{$include:'../other/o.json'}");
        let (c, _) = load(&top, h.path());
        assert!(
            c.errors[0]
                .message
                .starts_with("Include path escapes config directory: ../other/o.json")
        );

        let top = write(h.path(), "c/openclaw.json", "{$include:'./nope.json5'}");
        let (c, _) = load(&top, h.path());
        assert!(
            c.errors[0]
                .message
                .starts_with("Failed to read include file: ./nope.json5")
        );

        let top = write(h.path(), "c/openclaw.json", "{$include: 3}");
        let (c, _) = load(&top, h.path());
        assert_eq!(
            c.errors[0].message,
            "Invalid $include value: expected string or array of strings, got number"
        );
    }

    #[test]
    fn a_broken_included_file_points_into_that_file() {
        let h = home();
        write(h.path(), "c/gw.json5", "{\n  port: ,\n}");
        let top = write(
            h.path(),
            "c/openclaw.json",
            "{gateway: {$include: './gw.json5'}}",
        );
        let (c, sources) = load(&top, h.path());
        let Location::Span(at) = c.errors[0].location else {
            panic!()
        };
        assert_eq!(sources.locate(at), "~/c/gw.json5:2:9");
        assert_eq!(
            sources.locate(c.errors[0].related[0].0),
            "~/c/openclaw.json:1:22"
        );
    }

    #[test]
    fn a_file_included_twice_merges_as_upstream_and_the_cache_keeps_depth_errors() {
        let h = home();
        write(h.path(), "c/a.json5", "{list:[1],obj:{x:1}}");
        let top = write(
            h.path(),
            "c/openclaw.json",
            "{$include:['./a.json5','./a.json5']}",
        );
        let (c, _) = load(&top, h.path());
        assert_eq!(to_json(c.root.as_ref().unwrap()), "{list:[1,1],obj:{x:1}}");
        // f5 is first reached from the top (shallow), then through f1..f4 (deep):
        // the cached result must still fail exactly when the chain is too deep.
        for n in [10, 11] {
            let dir = h.path().join(format!("d{n}"));
            for i in 1..=n {
                let body = if i == n {
                    "{gateway:{port:1234}}".to_string()
                } else {
                    format!("{{$include:'./f{}.json5'}}", i + 1)
                };
                write(&dir, &format!("f{i}.json5"), &body);
            }
            let top = write(
                &dir,
                "openclaw.json",
                "{$include:['./f5.json5','./f1.json5']}",
            );
            let (c, _) = load(&top, h.path());
            assert_eq!(c.errors.is_empty(), n == 10, "{n}: {:?}", c.errors);
        }
    }

    #[test]
    fn missing_top_file_is_an_empty_config() {
        let h = home();
        let (c, _) = load(&h.path().join("nope.json"), h.path());
        assert!(c.root.is_none() && c.errors.is_empty() && c.file.is_none());
    }
}
