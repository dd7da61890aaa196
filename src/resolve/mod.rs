//! Resolving one instance exactly as `openclaw [--profile NAME] gateway run` would:
//! flags, environment, `.env` files, config (with `$include` and `${VAR}`), then the
//! gateway port, the derived ports, browser profiles, workspaces and credentials.

use crate::load::env::{Env, is_portable_key, parse_dotenv};
use crate::load::include::{LoadedConfig, load_config};
use crate::load::json5::Node;
use crate::load::{LoadError, LoadErrorKind, Loader, Location, resolve_lexical, subst};
use crate::model::*;
use crate::ports;
use crate::secrets;
use crate::source::{FileId, SourceKind};

use std::path::{Path, PathBuf};

mod agents;
mod browser;
mod channels;
mod footprint;
mod gateway;

pub use agents::normalize_agent_id;
pub use footprint::{DEFAULT_GMAIL_SERVE_PORT, DEFAULT_TELEGRAM_WEBHOOK_PORT, TAILNET_HTTPS_PORT};
pub use gateway::js_number;

use browser::{browser_state, resolve_browser};
use channels::credentials;
use gateway::{derive_ports, gateway_port};

/// What the caller knows about an instance before resolving it.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub kind: InstanceKind,
    /// `--profile NAME` (`dev` for `--dev`).
    pub profile: Option<String>,
    /// `.env`-style files whose variables the gateway process is started with.
    pub env_files: Vec<PathBuf>,
    /// Variables the gateway process is started with, on top of the base environment
    /// and the env files.
    pub env: Vec<(String, String, Origin)>,
    /// `--port N`.
    pub port: Option<Resolved<i64>>,
    /// Also load `<cwd>/.env`, as the CLI does for the process it starts in that
    /// directory (a preflight target; a host-wide check does not depend on where
    /// it is run).
    pub cwd_env: bool,
    /// The directory the process starts in, when its launcher says (a unit's
    /// `WorkingDirectory=` or its manager's default); else the context's.
    pub cwd: Option<PathBuf>,
    /// The launcher that starts it.
    pub launcher: Option<LauncherInfo>,
    /// The compose service it runs as.
    pub container: Option<Container>,
}

impl Spec {
    pub(crate) fn new(name: &str, kind: InstanceKind, profile: Option<String>) -> Spec {
        Spec {
            name: name.into(),
            kind,
            profile,
            env_files: vec![],
            env: vec![],
            port: None,
            cwd_env: false,
            cwd: None,
            launcher: None,
            container: None,
        }
    }

    /// The default instance: `~/.openclaw`, no flags.
    pub fn default_instance() -> Spec {
        Spec::new("default", InstanceKind::Default, None)
    }

    /// A named profile: `openclaw --profile NAME`.
    pub fn profile(name: &str) -> Spec {
        Spec::new(name, InstanceKind::Profile, Some(name.into()))
    }

    /// An instance named on the command line or in a manifest, started with
    /// `OPENCLAW_CONFIG_PATH` pointing at its config.
    pub fn explicit(name: &str, config: &Path, origin: Origin) -> Spec {
        let mut spec = Spec::new(name, InstanceKind::Explicit, None);
        spec.env.push((
            "OPENCLAW_CONFIG_PATH".into(),
            config.display().to_string(),
            origin,
        ));
        spec
    }
}

/// The process every instance starts from.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub home: &'a Path,
    /// Relative paths resolve against this, as OpenClaw resolves them against its cwd.
    pub cwd: &'a Path,
    /// The base environment: only `HOME` for a host-wide check; the real process
    /// environment for a preflight.
    pub base_env: &'a Env,
}

/// Variables whose change makes `gateway run` select its config again
/// (`src/config/gateway-env-selection.ts` `GATEWAY_CONFIG_SELECTION_ENV_KEYS`).
const SELECTION_KEYS: &[&str] = &[
    "HOME",
    "USERPROFILE",
    "OPENCLAW_HOME",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_PROFILE",
    "OPENCLAW_WORKSPACE_DIR",
    "OPENCLAW_INCLUDE_ROOTS",
];

/// Resolves one instance. Never fails: problems become load errors and port
/// problems on the instance.
pub fn resolve(spec: &Spec, ctx: &Context, loader: &mut Loader) -> Instance {
    // A launcher starts its process in a directory of its own.
    let ctx = &Context {
        cwd: spec.cwd.as_deref().unwrap_or(ctx.cwd),
        ..*ctx
    };
    let mut r = Resolver {
        ctx,
        env: ctx.base_env.clone(),
        loaded_env_files: Vec::new(),
        env_values: Vec::new(),
        files: Vec::new(),
        errors: Vec::new(),
    };
    for path in &spec.env_files {
        r.load_launch_env_file(loader, path);
    }
    for (k, v, origin) in &spec.env {
        r.env.set(k, v.clone(), origin.clone());
    }
    if let Some(p) = &spec.profile {
        r.apply_cli_profile_env(p);
    }
    let config = r.select_and_load(loader, spec.cwd_env);
    let mut root = config.root;
    if let Some(node) = root.as_mut() {
        if !subst::substitute(node, &r.env) {
            r.errors.push(LoadError::new(
                LoadErrorKind::Value,
                format!(
                    "substitutes more than {} MiB of `${{VAR}}` values: the rest were left as written",
                    subst::MAX_SUBSTITUTED_BYTES >> 20
                ),
                Location::Path(loader.display(&r.config_path().value)),
            ));
        }
        r.mask_substituted_secrets(loader, node);
    }
    r.files.extend(config.files);
    r.errors.extend(config.errors);
    let state_dir = r.state_dir();
    let config_path = r.config_path();

    let mut port_problems = Vec::new();
    let (gateway, shadowed) = gateway_port(spec, &r.env, root.as_ref(), &mut port_problems);
    let mut ports = derive_ports(&gateway, root.as_ref(), &mut port_problems);
    ports.gateway_shadowed = shadowed;
    let browser = resolve_browser(root.as_ref(), &ports, &mut port_problems);
    let (workspace, workspaces) = r.workspaces(root.as_ref(), &state_dir.value);
    let credentials = credentials(root.as_ref(), &r.env);
    let listeners = footprint::listeners(root.as_ref(), &r.env);
    let browser_state = browser_state(root.as_ref(), &r.env);
    if let Some(root) = &root {
        r.errors.extend(unresolved_vars(root));
        r.errors.extend(agents::roster_errors(root));
    }
    for (span, key, error) in browser.errors {
        let location = match span {
            Some(span) => Location::Span(span),
            None => Location::Path(loader.display(&config_path.value)),
        };
        let mut e = LoadError::new(LoadErrorKind::Value, error, location);
        if let Some(key) = key {
            e = e.with_key(key);
        }
        r.errors.push(e);
    }
    Instance {
        name: spec.name.clone(),
        kind: spec.kind.clone(),
        profile: spec.profile.clone(),
        state_dir,
        config_path,
        env: r.env,
        config: root,
        files: match &spec.launcher {
            Some(l) => l.files.iter().copied().chain(r.files).collect(),
            None => r.files,
        },
        load_errors: r.errors,
        port_problems,
        ports,
        browser_profiles: browser.profiles,
        cdp_url: browser.cdp_url,
        workspace,
        workspaces,
        credentials,
        launcher: spec.launcher.clone(),
        listeners,
        browser: browser_state,
        container: spec.container.clone(),
    }
}

struct Resolver<'c> {
    ctx: &'c Context<'c>,
    env: Env,
    loaded_env_files: Vec<PathBuf>,
    /// Where each variable's value was written in an env file, for masking.
    env_values: Vec<(String, crate::source::Span)>,
    files: Vec<FileId>,
    errors: Vec<LoadError>,
}

/// `normalizeHomeDirValue`: blank, `undefined` and `null` count as unset.
fn home_value(env: &Env, key: &str) -> Option<String> {
    let v = env.non_blank(key)?;
    (!matches!(v, "undefined" | "null")).then(|| v.to_string())
}

fn starts_with_tilde(s: &str) -> bool {
    // why: `^~(?=$|[\\/])` (`src/infra/home-dir.ts` `expandHomePrefix`).
    s == "~" || s.starts_with("~/") || s.starts_with("~\\")
}

impl Resolver<'_> {
    fn flag(&self, what: &str) -> Origin {
        Origin::Flag(what.to_string())
    }

    /// `resolveOsHomeDir`: HOME, USERPROFILE, else the cwd.
    fn os_home(&self) -> PathBuf {
        home_value(&self.env, "HOME")
            .or_else(|| home_value(&self.env, "USERPROFILE"))
            .map(|h| resolve_lexical(self.ctx.cwd, Path::new(&h)))
            .unwrap_or_else(|| self.ctx.cwd.to_path_buf())
    }

    /// `resolveRequiredHomeDir`: OPENCLAW_HOME (its `~` is the OS home) first.
    fn home(&self) -> PathBuf {
        match home_value(&self.env, "OPENCLAW_HOME") {
            Some(h) if starts_with_tilde(&h) => {
                let expanded = format!("{}{}", self.os_home().display(), &h[1..]);
                resolve_lexical(self.ctx.cwd, Path::new(&expanded))
            }
            Some(h) => resolve_lexical(self.ctx.cwd, Path::new(&h)),
            None => self.os_home(),
        }
    }

    /// `resolveHomeRelativePath`: trim, expand a leading `~`, resolve against the cwd.
    fn user_path(&self, input: &str) -> PathBuf {
        let t = input.trim();
        if starts_with_tilde(t) {
            let expanded = format!("{}{}", self.home().display(), &t[1..]);
            resolve_lexical(self.ctx.cwd, Path::new(&expanded))
        } else {
            resolve_lexical(self.ctx.cwd, Path::new(t))
        }
    }

    /// `resolveProfileStateDir`.
    fn profile_state_dir(&self, profile: &str) -> Option<PathBuf> {
        let p = profile.trim();
        if !ports::is_valid_profile_name(p) {
            return None;
        }
        let dir = if p.eq_ignore_ascii_case("default") {
            ".openclaw".to_string()
        } else {
            format!(".openclaw-{p}")
        };
        Some(self.home().join(dir))
    }

    /// `applyCliProfileEnv` (`src/cli/profile.ts`), service selectors aside.
    fn apply_cli_profile_env(&mut self, profile: &str) {
        let profile = profile.trim();
        if profile.is_empty() {
            return;
        }
        let origin = if profile == "dev" {
            self.flag("--dev")
        } else {
            self.flag(&format!("--profile {profile}"))
        };
        let inherited = self
            .env
            .non_blank("OPENCLAW_PROFILE")
            .unwrap_or("default")
            .to_string();
        let existing_state = self.env.non_blank("OPENCLAW_STATE_DIR").map(str::to_string);
        let existing_config = self
            .env
            .non_blank("OPENCLAW_CONFIG_PATH")
            .map(str::to_string);
        let inherited_dir = self.profile_state_dir(&inherited);
        let Some(selected_dir) = self.profile_state_dir(profile) else {
            return;
        };
        let switches = inherited_dir.as_ref() != Some(&selected_dir);
        let switches_state = switches
            && existing_state
                .as_deref()
                .is_some_and(|s| Some(self.user_path(s)) == inherited_dir);
        let replaces_config = switches
            && (existing_state.is_none() || switches_state)
            && existing_config.as_deref().is_some_and(|c| {
                Some(self.user_path(c)) == inherited_dir.as_ref().map(|d| d.join("openclaw.json"))
            });
        self.env.set("OPENCLAW_PROFILE", profile, origin.clone());
        let state_dir = match &existing_state {
            Some(s) if !switches_state => s.clone(),
            _ => selected_dir.display().to_string(),
        };
        if existing_state.is_none() || switches_state {
            self.env
                .set("OPENCLAW_STATE_DIR", state_dir.clone(), origin.clone());
        }
        if existing_config.is_none() || replaces_config {
            let config = Path::new(&state_dir).join("openclaw.json");
            self.env.set(
                "OPENCLAW_CONFIG_PATH",
                config.display().to_string(),
                origin.clone(),
            );
        }
        if profile == "dev" && self.env.non_blank("OPENCLAW_GATEWAY_PORT").is_none() {
            self.env.set(
                "OPENCLAW_GATEWAY_PORT",
                ports::DEV_GATEWAY_PORT.to_string(),
                origin,
            );
        }
    }

    /// `resolveStateDir` (`src/config/state-dir.ts`).
    fn state_dir(&self) -> Resolved<PathBuf> {
        if let Some(v) = self.env.non_blank("OPENCLAW_STATE_DIR") {
            let origin = self.env.get("OPENCLAW_STATE_DIR").map(|v| v.origin.clone());
            return Resolved::new(
                self.user_path(v),
                origin.unwrap_or_else(|| Origin::Default("OPENCLAW_STATE_DIR".into())),
            );
        }
        let home = self.home();
        let new_dir = home.join(".openclaw");
        if new_dir.exists() {
            return Resolved::new(
                new_dir,
                Origin::Default("default state dir `~/.openclaw`".into()),
            );
        }
        let legacy = home.join(".clawdbot");
        if legacy.exists() {
            return Resolved::new(
                legacy,
                Origin::Default("legacy state dir `~/.clawdbot` (no `~/.openclaw`)".into()),
            );
        }
        Resolved::new(
            new_dir,
            Origin::Default("default state dir `~/.openclaw`".into()),
        )
    }

    /// `resolveConfigPath(env, resolveStateDir(env))` (`src/config/paths.ts`), what
    /// the config IO, `gateway status` and `gateway run` read: an explicit path; else
    /// `openclaw.json` or `clawdbot.json` in the state dir; else, with the state dir
    /// overridden, its `openclaw.json`; else the first existing default candidate.
    fn config_path(&self) -> Resolved<PathBuf> {
        if let Some(v) = self.env.non_blank("OPENCLAW_CONFIG_PATH") {
            let origin = self
                .env
                .get("OPENCLAW_CONFIG_PATH")
                .map(|v| v.origin.clone());
            return Resolved::new(
                self.user_path(v),
                origin.unwrap_or_else(|| Origin::Default("OPENCLAW_CONFIG_PATH".into())),
            );
        }
        let state = self.state_dir();
        let in_state = |name: &str| {
            Resolved::new(
                state.value.join(name),
                Origin::derived(&state.origin, format!("state dir + `{name}`")),
            )
        };
        for name in ["openclaw.json", "clawdbot.json"] {
            if state.value.join(name).exists() {
                return in_state(name);
            }
        }
        if self.env.non_blank("OPENCLAW_STATE_DIR").is_some() {
            return in_state("openclaw.json");
        }
        // `resolveConfigPathCandidate`: the default and legacy dirs, in order.
        let home = self.home();
        for dir in [".openclaw", ".clawdbot"] {
            for name in ["openclaw.json", "clawdbot.json"] {
                let c = home.join(dir).join(name);
                if c.exists() {
                    return Resolved::new(
                        c,
                        Origin::Default("first existing default config".into()),
                    );
                }
            }
        }
        in_state("openclaw.json")
    }

    fn selection(&self) -> Vec<Option<String>> {
        SELECTION_KEYS
            .iter()
            .map(|k| self.env.get(k).map(|v| v.value.clone()))
            .collect()
    }

    /// A file of variables the process is started with (a service's
    /// `EnvironmentFile`, `--instance …,env=FILE`): they override the base.
    fn load_launch_env_file(&mut self, loader: &mut Loader, path: &Path) {
        let file = match loader.read(path, SourceKind::Env) {
            Ok(f) => f,
            Err(e) => {
                self.errors.push(LoadError::new(
                    LoadErrorKind::Read,
                    format!("cannot read env file `{}`: {e}", loader.display(path)),
                    Location::Path(loader.display(path)),
                ));
                return;
            }
        };
        for e in self.parse_env(loader, file) {
            self.env.set(&e.key, e.value, Origin::EnvFile(e.span));
        }
    }

    /// Parses a `.env` file already read, masking its secret values.
    fn parse_env(
        &mut self,
        loader: &mut Loader,
        file: FileId,
    ) -> Vec<crate::load::env::DotenvEntry> {
        let entries = parse_dotenv(&loader.sources.get(file).text, file);
        let text = &loader.sources.get(file).text;
        let mut masks: Vec<_> = entries
            .iter()
            .filter(|e| secrets::is_secret_key(&e.key))
            .map(|e| trimmed(text, e.value_span.range()))
            .collect();
        // Line by line too, whatever dotenv made of the lines: an unterminated
        // quote swallows the next line (`TOKEN=…` included) into one value.
        masks.extend(secrets::env_line_secret_ranges(text));
        if !masks.is_empty() {
            loader.sources.mask(file, &masks);
        }
        if !self.files.contains(&file) {
            self.files.push(file);
        }
        self.env_values
            .extend(entries.iter().map(|e| (e.key.clone(), e.value_span)));
        entries
    }

    /// Masks, in every env file, the variables a secret config value was
    /// substituted from (`botToken: "${TG}"` makes `TG=…` a secret too).
    fn mask_substituted_secrets(&self, loader: &mut Loader, root: &Node) {
        let names: std::collections::HashSet<String> =
            secrets::secret_var_names(root).into_iter().collect();
        // One mask call per file: each call rewrites the file's shown text.
        let mut by_file: std::collections::BTreeMap<FileId, Vec<std::ops::Range<usize>>> =
            std::collections::BTreeMap::new();
        for (key, span) in &self.env_values {
            if names.contains(key) {
                let r = trimmed(&loader.sources.get(span.file).text, span.range());
                by_file.entry(span.file).or_default().push(r);
            }
        }
        // A value from the config `env` block or a manifest's `env` is a JSON5
        // string: mask what is between its quotes.
        for name in &names {
            if let Some(Origin::Config(span)) = self.env.get(name).map(|v| &v.origin) {
                let r = span.range();
                if r.len() >= 2 {
                    by_file
                        .entry(span.file)
                        .or_default()
                        .push(r.start + 1..r.end - 1);
                }
            }
        }
        for (file, ranges) in by_file {
            loader.sources.mask(file, &ranges);
        }
    }

    /// `<cwd>/.env` (`src/infra/dotenv.ts` `loadWorkspaceDotEnvFile`): first, never
    /// overriding, and without any `OPENCLAW_*` key (`shouldBlockWorkspaceStaticDotEnvKey`
    /// drops them all, with provider keys and proxies that do not matter here).
    fn load_cwd_env_file(&mut self, loader: &mut Loader) {
        let path = self.ctx.cwd.join(".env");
        for e in self.read_dotenv(loader, &path) {
            if !e.key.to_ascii_uppercase().starts_with("OPENCLAW_") {
                self.env
                    .set_if_absent(&e.key, &e.value, Origin::EnvFile(e.span));
            }
        }
    }

    /// Loads a `.env` file without overriding anything already set.
    fn load_env_file(&mut self, loader: &mut Loader, path: &Path) {
        if self.loaded_env_files.iter().any(|p| p == path) {
            return;
        }
        self.loaded_env_files.push(path.to_path_buf());
        for e in self.read_dotenv(loader, path) {
            self.env
                .set_if_absent(&e.key, &e.value, Origin::EnvFile(e.span));
        }
    }

    /// The entries of a `.env` file OpenClaw reads by itself: nothing when it is
    /// missing, not a regular file or larger than 1 MiB.
    ///
    /// why: `readDotEnvFileCore` (`src/infra/dotenv-global.ts`) reads at most
    /// 1 MiB of a regular file and silently skips anything else.
    fn read_dotenv(
        &mut self,
        loader: &mut Loader,
        path: &Path,
    ) -> Vec<crate::load::env::DotenvEntry> {
        // `Loader::read` refuses what is not a regular file or over the cap.
        match loader.read(path, SourceKind::Env) {
            Ok(file) => self.parse_env(loader, file),
            Err(_) => vec![],
        }
    }

    /// The `gateway run` selection loop (`src/cli/gateway-cli/pre-bootstrap.ts`):
    /// state `.env`, `gateway.env`, config, config `env` block, again while any of
    /// them moves the config or state dir.
    fn select_and_load(&mut self, loader: &mut Loader, cwd_env: bool) -> LoadedConfig {
        let mut config = LoadedConfig {
            root: None,
            file: None,
            files: vec![],
            errors: vec![],
        };
        for _ in 0..4 {
            let before = self.selection();
            // A pass that moves the selection is rolled back except for the
            // selection itself (`restoreSupersededGatewaySelectionEnv`).
            let snapshot = self.env.clone();
            self.loaded_env_files.clear();
            if cwd_env {
                self.load_cwd_env_file(loader);
            }
            let state = self.state_dir().value;
            let state_env = state.join(".env");
            self.load_env_file(loader, &state_env);
            // why: `gateway run` also loads the config dir's `.env` when it is another
            // file (`resolveGatewayRunDotEnvPaths`, `src/infra/config-dir.ts`).
            let config_env = self.config_dir().join(".env");
            if config_env != state_env {
                self.load_env_file(loader, &config_env);
            }
            // why: `src/infra/dotenv-global.ts` `resolveGlobalDotEnvPaths`: the
            // user-wide `gateway.env` only for the default state dir.
            let home = self.home();
            if self.env.get("OPENCLAW_STATE_DIR").is_none()
                || state_env == home.join(".openclaw/.env")
            {
                self.load_env_file(loader, &home.join(".config/openclaw/gateway.env"));
            }
            if self.selection() != before {
                self.keep_only_selection(snapshot);
                continue;
            }
            let path = self.config_path().value;
            let roots = self.include_roots();
            config = load_config(loader, &path, &roots);
            if let Some(root) = &config.root {
                self.apply_config_env(root);
            }
            if self.selection() == before {
                break;
            }
            self.keep_only_selection(snapshot);
        }
        config
    }

    /// Back to `snapshot`, but for the selection keys as they are now.
    fn keep_only_selection(&mut self, snapshot: Env) {
        let current = std::mem::replace(&mut self.env, snapshot);
        for key in SELECTION_KEYS {
            match current.get(key) {
                Some(v) => self.env.set(key, v.value.clone(), v.origin.clone()),
                None => self.env.remove(key),
            }
        }
    }

    /// `resolveConfigDir` (`src/infra/config-dir.ts`): the state dir override, else
    /// the config path's directory, else `~/.openclaw`.
    fn config_dir(&self) -> PathBuf {
        if let Some(s) = self.env.non_blank("OPENCLAW_STATE_DIR") {
            return self.user_path(s);
        }
        if let Some(c) = self.env.non_blank("OPENCLAW_CONFIG_PATH") {
            let p = self.user_path(c);
            return p.parent().map(Path::to_path_buf).unwrap_or(p);
        }
        self.home().join(".openclaw")
    }

    /// `resolveIncludeRoots`: `:`-separated, `~`-expanded, absolute only.
    fn include_roots(&self) -> Vec<PathBuf> {
        let Some(raw) = self.env.non_blank("OPENCLAW_INCLUDE_ROOTS") else {
            return vec![];
        };
        let mut out: Vec<PathBuf> = Vec::new();
        for entry in raw.split(':').map(str::trim).filter(|e| !e.is_empty()) {
            let p = self.user_path(entry);
            if p.is_absolute() && !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }

    /// `applyConfigEnvVars` (`src/config/config-env-vars.ts`): `env.vars` and
    /// top-level string entries of `env`, never over a non-blank variable, never
    /// with a `${VAR}` inside, never for blocked keys.
    fn apply_config_env(&mut self, root: &Node) {
        let Some(env) = root.get("env") else { return };
        let mut entries: Vec<(&str, &Node)> = Vec::new();
        if let Some(vars) = env.get("vars").and_then(Node::as_object) {
            entries.extend(vars.iter().map(|e| (e.key.as_str(), &e.node)));
        }
        if let Some(top) = env.as_object() {
            entries.extend(
                top.iter()
                    .filter(|e| e.key != "vars" && e.key != "shellEnv")
                    .map(|e| (e.key.as_str(), &e.node)),
            );
        }
        for (key, node) in entries {
            let Some(value) = node.as_str() else { continue };
            if value.trim().is_empty()
                || !is_portable_key(key)
                || is_blocked_config_env_key(key)
                || subst::contains_reference(value)
                || self.env.non_blank(key).is_some()
            {
                continue;
            }
            self.env.set(key, value, Origin::Config(node.span));
        }
    }
}

/// `range` without the whitespace at either end of its text.
fn trimmed(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let Some(t) = text.get(range.clone()) else {
        return range;
    };
    let start = range.start + (t.len() - t.trim_start().len());
    let end = range.end - (t.len() - t.trim_end().len());
    start..end.max(start)
}

/// `isBlockedConfigEnvVar`: the explicit list plus the dangerous host names that
/// matter for resolution.
fn is_blocked_config_env_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    matches!(
        k.as_str(),
        "OPENCLAW_ALLOW_OLDER_BINARY_DESTRUCTIVE_ACTIONS"
            | "OPENCLAW_INCLUDE_ROOTS"
            | "OPENCLAW_CONFIG_READONLY"
            | "HOME"
            | "NODE_OPTIONS"
            | "LD_PRELOAD"
            | "LD_LIBRARY_PATH"
    ) || k.starts_with("DYLD_")
}

/// `${VAR}`s left unresolved in the values clawfence reads: OpenClaw keeps the
/// literal text (`onMissing` in `src/config/io.load.ts`), so a port, a path or a
/// CDP URL silently becomes something else.
fn unresolved_vars(root: &Node) -> Vec<LoadError> {
    let field = |path: &[&str]| root.path(path).map(|e| &e.node);
    let mut candidates: Vec<(String, Option<&Node>)> = vec![
        ("gateway.port".into(), field(&["gateway", "port"])),
        (
            "gateway.customBindHost".into(),
            field(&["gateway", "customBindHost"]),
        ),
        ("browser.cdpUrl".into(), field(&["browser", "cdpUrl"])),
        (
            "agents.defaults.workspace".into(),
            field(&["agents", "defaults", "workspace"]),
        ),
    ];
    let children = |path: &[&str]| field(path).and_then(Node::as_object).unwrap_or(&[]);
    for e in children(&["browser", "profiles"]) {
        candidates.push((
            format!("browser.profiles.{}.cdpUrl", e.key),
            e.node.get("cdpUrl"),
        ));
    }
    for e in children(&["agents", "entries"]) {
        candidates.push((
            format!("agents.entries.{}.workspace", e.key),
            e.node.get("workspace"),
        ));
        candidates.push((
            format!("agents.entries.{}.agentDir", e.key),
            e.node.get("agentDir"),
        ));
    }
    let found = candidates.into_iter().filter_map(|(path, node)| {
        node.filter(|n| n.missing_vars().next().is_some())
            .map(|n| (path, n))
    });
    found
        .map(|(path, node)| {
            let vars: Vec<String> = node.missing_vars().map(|v| format!("`${{{v}}}`")).collect();
            LoadError::new(
                LoadErrorKind::Unresolved,
                format!(
                    "uses {}, which is not set: OpenClaw keeps the literal text",
                    vars.join(", ")
                ),
                Location::Span(node.span),
            )
            .with_key(path)
        })
        .collect()
}
