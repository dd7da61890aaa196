//! Resolving one instance exactly as `openclaw [--profile NAME] gateway run` would:
//! flags, environment, `.env` files, config (with `$include` and `${VAR}`), then the
//! gateway port, the derived ports, browser profiles, workspaces and credentials.

use crate::load::env::{Env, parse_dotenv};
use crate::load::include::{LoadedConfig, load_config};
use crate::load::json5::{Node, Value};
use crate::load::{LoadError, LoadErrorKind, Loader, Location, resolve_lexical, subst};
use crate::model::*;
use crate::ports;
use crate::secrets;
use crate::source::{FileId, SourceKind};

use std::path::{Path, PathBuf};

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
}

impl Spec {
    /// The default instance: `~/.openclaw`, no flags.
    pub fn default_instance() -> Spec {
        Spec {
            name: "default".into(),
            kind: InstanceKind::Default,
            profile: None,
            env_files: vec![],
            env: vec![],
            port: None,
        }
    }

    /// A named profile: `openclaw --profile NAME`.
    pub fn profile(name: &str) -> Spec {
        Spec {
            name: name.into(),
            kind: InstanceKind::Profile,
            profile: Some(name.into()),
            env_files: vec![],
            env: vec![],
            port: None,
        }
    }
}

/// The process every instance starts from.
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
    let config = r.select_and_load(loader);
    let mut root = config.root;
    if let Some(node) = root.as_mut() {
        subst::substitute(node, &r.env);
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
    if let Some(root) = &root {
        r.errors.extend(unresolved_vars(root));
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
        files: r.files,
        load_errors: r.errors,
        port_problems,
        ports,
        browser_profiles: browser.profiles,
        cdp_url: browser.cdp_url,
        workspace,
        workspaces,
        credentials,
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
        let masks: Vec<_> = entries
            .iter()
            .filter(|e| secrets::is_secret_key(&e.key))
            .map(|e| trimmed(text, e.value_span.range()))
            .collect();
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
        let names = secrets::secret_var_names(root);
        for (key, span) in &self.env_values {
            if names.iter().any(|n| n == key) {
                let r = trimmed(&loader.sources.get(span.file).text, span.range());
                loader.sources.mask(span.file, &[r]);
            }
        }
    }

    /// Loads a `.env` file without overriding anything already set.
    fn load_env_file(&mut self, loader: &mut Loader, path: &Path) {
        if self.loaded_env_files.iter().any(|p| p == path) {
            return;
        }
        self.loaded_env_files.push(path.to_path_buf());
        // why: `readDotEnvFileCore` reads at most 1 MiB of a regular file and
        // silently skips a missing one.
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() && m.len() <= 1024 * 1024 => {}
            _ => return,
        }
        let Ok(file) = loader.read(path, SourceKind::Env) else {
            return;
        };
        for e in self.parse_env(loader, file) {
            self.env
                .set_if_absent(&e.key, &e.value, Origin::EnvFile(e.span));
        }
    }

    /// The `gateway run` selection loop (`src/cli/gateway-cli/pre-bootstrap.ts`):
    /// state `.env`, `gateway.env`, config, config `env` block, again while any of
    /// them moves the config or state dir.
    fn select_and_load(&mut self, loader: &mut Loader) -> LoadedConfig {
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

    /// `resolveDefaultAgentWorkspaceDir` (`src/agents/workspace-default-path.ts`).
    fn default_workspace(&self) -> Resolved<PathBuf> {
        if let Some(v) = self.env.non_blank("OPENCLAW_WORKSPACE_DIR") {
            // why: plain `path.resolve`, no `~` expansion.
            let origin = self
                .env
                .get("OPENCLAW_WORKSPACE_DIR")
                .map(|v| v.origin.clone());
            return Resolved::new(
                resolve_lexical(self.ctx.cwd, Path::new(v)),
                origin.unwrap_or_else(|| Origin::Default("OPENCLAW_WORKSPACE_DIR".into())),
            );
        }
        if self.env.non_blank("OPENCLAW_STATE_DIR").is_some() {
            let s = self.state_dir();
            return Resolved::new(
                s.value.join("workspace"),
                Origin::derived(&s.origin, "state dir + `workspace`"),
            );
        }
        if let Some(p) = self.env.non_blank("OPENCLAW_PROFILE")
            && !p.eq_ignore_ascii_case("default")
            && let Some(dir) = self.profile_state_dir(p)
        {
            let origin = self.env.get("OPENCLAW_PROFILE").map(|v| v.origin.clone());
            return Resolved::new(
                dir.join("workspace"),
                Origin::derived(
                    &origin.unwrap_or_else(|| Origin::Default("OPENCLAW_PROFILE".into())),
                    format!("workspace of profile `{p}`"),
                ),
            );
        }
        Resolved::new(
            self.home().join(".openclaw/workspace"),
            Origin::Default("default workspace `~/.openclaw/workspace`".into()),
        )
    }

    /// Every agent's workspace (`resolveAgentWorkspaceDir`), and the workspace of the
    /// agent that owns the default data (`tryResolveConfiguredAgentWorkspaceDir`).
    fn workspaces(
        &self,
        root: Option<&Node>,
        state_dir: &Path,
    ) -> (Resolved<PathBuf>, Vec<Workspace>) {
        let roster = Roster::read(root);
        let defaults_ws = root
            .and_then(|r| r.path(&["agents", "defaults", "workspace"]))
            .and_then(|e| e.node.as_str().map(|s| (s.trim(), e.node.span)))
            .filter(|(s, _)| !s.is_empty());
        let owner = roster.legacy_data_owner();
        let mut workspaces = Vec::new();
        for id in roster.ids() {
            let own = roster.entry(&id).and_then(|(raw, e)| {
                let n = e.get("workspace")?;
                let s = n.as_str()?.trim();
                (!s.is_empty()).then(|| (s, n.span, format!("agents.entries.{raw}.workspace")))
            });
            let defaults_key = || Some("agents.defaults.workspace".to_string());
            let (path, key) = if let Some((ws, span, key)) = own {
                (
                    Resolved::new(self.user_path(ws), Origin::Config(span)),
                    Some(key),
                )
            } else if owner.as_deref() == Some(id.as_str()) {
                match defaults_ws {
                    Some((ws, span)) => (
                        Resolved::new(self.user_path(ws), Origin::Config(span)),
                        defaults_key(),
                    ),
                    None => (self.default_workspace(), None),
                }
            } else if let Some((ws, span)) = defaults_ws {
                (
                    Resolved::new(
                        self.user_path(ws).join(&id),
                        Origin::derived(
                            &Origin::Config(span),
                            format!("`agents.defaults.workspace` + `{id}`"),
                        ),
                    ),
                    defaults_key(),
                )
            } else {
                (
                    Resolved::new(
                        state_dir.join(format!("workspace-{id}")),
                        Origin::Default(format!("state dir + `workspace-{id}`")),
                    ),
                    None,
                )
            };
            let is_owner = owner.as_deref() == Some(id.as_str());
            workspaces.push(Workspace {
                agent: id,
                path,
                key,
                owner: is_owner,
            });
        }
        let workspace = match owner {
            Some(id) => workspaces
                .iter()
                .find(|w| w.agent == id)
                .map(|w| w.path.clone())
                .unwrap_or_else(|| self.default_workspace()),
            None => match defaults_ws {
                Some((ws, span)) => Resolved::new(self.user_path(ws), Origin::Config(span)),
                None => self.default_workspace(),
            },
        };
        (workspace, workspaces)
    }
}

/// `range` without the whitespace at either end of its text.
fn trimmed(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let t = &text[range.clone()];
    let start = range.start + (t.len() - t.trim_start().len());
    let end = range.end - (t.len() - t.trim_end().len());
    start..end.max(start)
}

fn is_portable_key(key: &str) -> bool {
    let mut c = key.chars();
    matches!(c.next(), Some('A'..='Z' | 'a'..='z' | '_'))
        && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
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

/// The agent roster of a config (`src/agents/agent-roster.ts`).
struct Roster<'a> {
    /// `(raw id, entry)` in config order.
    entries: Vec<(String, &'a Node)>,
    has_roster: bool,
    explicit: bool,
}

/// `normalizeAgentId` (`packages/normalization-core/src/agent-id.ts`).
pub fn normalize_agent_id(raw: &str) -> String {
    let t = raw.trim();
    let lower = t.to_lowercase();
    if ports::is_valid_profile_name(t) {
        return lower;
    }
    let mut out = String::new();
    let mut dash = false;
    for c in lower.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
            if dash {
                out.push('-');
                dash = false;
            }
            out.push(c);
        } else {
            dash = true;
        }
    }
    if dash {
        out.push('-');
    }
    let trimmed: String = out.trim_matches('-').chars().take(64).collect();
    if trimmed.is_empty() {
        "main".into()
    } else {
        trimmed
    }
}

impl<'a> Roster<'a> {
    fn read(root: Option<&'a Node>) -> Roster<'a> {
        let agents = root
            .and_then(|r| r.get("agents"))
            .filter(|a| a.as_object().is_some());
        let explicit = agents
            .and_then(|a| a.get("ownership"))
            .and_then(Node::as_str)
            == Some("explicit");
        let mut out = Roster {
            entries: vec![],
            has_roster: false,
            explicit,
        };
        let Some(agents) = agents else { return out };
        if let Some(entries) = agents.get("entries") {
            out.has_roster = true;
            if let Some(obj) = entries.as_object() {
                out.entries = obj
                    .iter()
                    .filter(|e| e.node.as_object().is_some())
                    .map(|e| (e.key.clone(), &e.node))
                    .collect();
            }
        } else if let Some(list) = agents.get("list") {
            out.has_roster = true;
            if let Value::Array(items) = &list.value {
                out.entries = items
                    .iter()
                    .filter(|n| n.as_object().is_some())
                    .map(|n| {
                        (
                            n.get("id").and_then(Node::as_str).unwrap_or("").to_string(),
                            n,
                        )
                    })
                    .collect();
            }
        }
        // why: `migratePersistedImplicitMainRoster` (`src/config/legacy.roster.ts`)
        // gives an empty roster without explicit ownership its implicit `main`.
        if out.entries.is_empty() && !out.explicit {
            out.has_roster = false;
        }
        out
    }

    /// `listAgentIds`: `main` when there is no roster at all.
    fn ids(&self) -> Vec<String> {
        if self.entries.is_empty() && !self.has_roster {
            return vec!["main".into()];
        }
        let mut ids: Vec<String> = Vec::new();
        for (raw, _) in &self.entries {
            let id = normalize_agent_id(raw);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// The first entry whose id normalises to `id`, with its raw id.
    fn entry(&self, id: &str) -> Option<(&str, &'a Node)> {
        self.entries
            .iter()
            .find(|(raw, _)| normalize_agent_id(raw) == id)
            .map(|(raw, n)| (raw.as_str(), *n))
    }

    /// `tryResolveLegacyDataOwner`: the one `default: true` entry (unless ownership
    /// is explicit), else the sole agent.
    fn legacy_data_owner(&self) -> Option<String> {
        if !self.explicit {
            let marked: Vec<&(String, &Node)> = self
                .entries
                .iter()
                .filter(|(_, n)| {
                    matches!(n.get("default").map(|d| &d.value), Some(Value::Bool(true)))
                })
                .collect();
            if marked.len() == 1 {
                return Some(normalize_agent_id(&marked[0].0));
            }
        }
        match self.entries.len() {
            0 if !self.has_roster => Some("main".into()),
            1 => Some(normalize_agent_id(&self.entries[0].0)),
            _ => None,
        }
    }
}

/// The gateway port: `--port` > `OPENCLAW_GATEWAY_PORT` > `gateway.port` > profile
/// hash > 18789 (`src/config/paths.ts` `resolveGatewayPort`).
fn gateway_port(
    spec: &Spec,
    env: &Env,
    root: Option<&Node>,
    problems: &mut Vec<PortProblem>,
) -> (Resolved<i64>, Vec<(String, Origin)>) {
    let env_port = env.get("OPENCLAW_GATEWAY_PORT").and_then(|v| {
        let parsed = ports::parse_gateway_port_env(&v.value);
        if parsed.is_none() && !v.value.trim().is_empty() {
            problems.push(PortProblem {
                key: "OPENCLAW_GATEWAY_PORT".into(),
                raw: v.value.trim().to_string(),
                origin: v.origin.clone(),
                effect: PortEffect::Ignored,
            });
        }
        parsed.map(|p| Resolved::new(p, v.origin.clone()))
    });
    let config_port = root
        .and_then(|r| r.path(&["gateway", "port"]))
        .and_then(|e| {
            let origin = Origin::Config(e.node.span);
            let valid = schema_port(&e.node).is_some();
            if !valid {
                problems.push(PortProblem {
                    key: "gateway.port".into(),
                    raw: raw_value(&e.node),
                    origin: origin.clone(),
                    effect: PortEffect::Rejected,
                });
            }
            // why: `resolveGatewayPort` takes any finite number above 0, even one the
            // schema then rejects; anything else falls through to the profile hash.
            match e.node.value {
                Value::Number(n) if n.is_finite() && n > 0.0 => {
                    Some(Resolved::new(n.trunc() as i64, origin))
                }
                _ => None,
            }
        });
    let mut shadowed = Vec::new();
    let winner = if let Some(p) = &spec.port {
        shadowed.extend(env_port.map(|e| ("OPENCLAW_GATEWAY_PORT".to_string(), e.origin)));
        shadowed.extend(config_port.map(|c| ("gateway.port".to_string(), c.origin)));
        Some(p.clone())
    } else if let Some(p) = env_port {
        shadowed.extend(config_port.map(|c| ("gateway.port".to_string(), c.origin)));
        Some(p)
    } else {
        config_port
    };
    if let Some(p) = winner {
        return (p, shadowed);
    }
    if let Some(name) = env
        .get("OPENCLAW_PROFILE")
        .and_then(|v| ports::normalize_profile_name(&v.value))
    {
        return (
            Resolved::new(
                ports::hashed_profile_port(name),
                Origin::Default(format!("hash of profile name `{name}`")),
            ),
            shadowed,
        );
    }
    (
        Resolved::new(
            ports::DEFAULT_GATEWAY_PORT,
            Origin::Default(format!(
                "built-in default `{}`",
                ports::DEFAULT_GATEWAY_PORT
            )),
        ),
        shadowed,
    )
}

/// The port a config value means to the schema (`z.number().int().min(1).max(65535)`).
fn schema_port(node: &Node) -> Option<i64> {
    let n = node.as_f64()?;
    (n.fract() == 0.0 && (1.0..=ports::MAX_PORT as f64).contains(&n)).then_some(n as i64)
}

/// A config value as written, for messages: numbers as JavaScript prints them,
/// strings quoted, anything else by type.
fn raw_value(node: &Node) -> String {
    match &node.value {
        Value::Number(n) => js_number(*n),
        Value::String(s) => format!("\"{s}\""),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        _ => node.type_name().into(),
    }
}

/// A JavaScript number as JavaScript prints it (enough for ports).
pub fn js_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn derive_ports(
    gateway: &Resolved<i64>,
    root: Option<&Node>,
    problems: &mut Vec<PortProblem>,
) -> PortMap {
    let gw = gateway.value;
    let control = ports::browser_control_port(gw);
    let control_how = if control == gw + 2 {
        "gateway port + 2".to_string()
    } else {
        format!(
            "gateway port + 2 exceeds 65535: fallback {}",
            ports::DEFAULT_BROWSER_CONTROL_PORT
        )
    };
    let control = Resolved::new(control, Origin::derived(&gateway.origin, control_how));
    let range = ports::cdp_range(control.value);
    let range_how = if range.0 == control.value + 9 {
        "browser control + 9 ..= + 108".to_string()
    } else {
        format!(
            "browser control + 108 exceeds 65535: fallback {}..={}",
            ports::DEFAULT_CDP_RANGE_START,
            ports::DEFAULT_CDP_RANGE_END
        )
    };
    let relay = Resolved::new(
        ports::extension_relay_port(control.value),
        Origin::derived(&control.origin, "browser control + 8"),
    );
    let cdp_range = Resolved::new(range, Origin::derived(&control.origin, range_how));
    // why: `src/agents/sandbox-host.ts` `resolveSandboxHostPort`: `mcp.apps.sandboxPort`
    // or gateway + 1, bound only when `mcp.apps.enabled === true`.
    let mcp_sandbox = root
        .and_then(|r| r.path(&["mcp", "apps", "enabled"]))
        .filter(|e| e.node.value == Value::Bool(true))
        .map(|_| {
            match root
                .and_then(|r| r.path(&["mcp", "apps", "sandboxPort"]))
                .and_then(|e| e.node.as_f64().map(|n| (n, e.node.span)))
            {
                Some((n, span)) => {
                    if n.fract() != 0.0 || !ports::is_valid_port(n as i64) {
                        problems.push(PortProblem {
                            key: "mcp.apps.sandboxPort".into(),
                            raw: js_number(n),
                            origin: Origin::Config(span),
                            effect: PortEffect::Rejected,
                        });
                    }
                    Resolved::new(n as i64, Origin::Config(span))
                }
                None => Resolved::new(
                    gw + 1,
                    Origin::derived(&gateway.origin, "gateway port + 1 (`mcp.apps.enabled`)"),
                ),
            }
        });
    PortMap {
        gateway: gateway.clone(),
        gateway_shadowed: vec![],
        browser_control: control,
        extension_relay: relay,
        cdp_range,
        mcp_sandbox,
    }
}

struct Browser {
    profiles: Vec<BrowserProfile>,
    cdp_url: Option<Resolved<Endpoint>>,
    /// Errors OpenClaw would throw while resolving the browser config.
    /// `(place, config key, message)`.
    errors: Vec<(Option<crate::source::Span>, Option<String>, String)>,
}

/// `resolveBrowserConfig` + `resolveProfile` (`extensions/browser/src/browser/config.ts`).
fn resolve_browser(
    root: Option<&Node>,
    ports: &PortMap,
    problems: &mut Vec<PortProblem>,
) -> Browser {
    let mut out = Browser {
        profiles: vec![],
        cdp_url: None,
        errors: vec![],
    };
    let browser = root.and_then(|r| r.get("browser"));
    let (range_start, _) = ports.cdp_range.value;

    // The browser-level CDP endpoint: `browser.cdpUrl`, else a derived placeholder.
    let raw = browser.and_then(|b| b.entry("cdpUrl")).and_then(|e| {
        let s = e.node.as_str()?.trim();
        (!s.is_empty()).then(|| (s.to_string(), e.node.clone()))
    });
    let mut cdp_host = "127.0.0.1".to_string();
    let mut raw_info: Option<(ports::CdpUrl, Origin)> = None;
    // Without a URL, OpenClaw throws "Derived CDP port (N) is too high" when browser
    // control + 1 passes 65535: `cdp-range-fallback` says so.
    if let Some((s, node)) = &raw {
        match ports::parse_cdp_url(s) {
            Ok(u) => {
                cdp_host = u.host.clone();
                let origin = Origin::Config(node.span);
                out.cdp_url = Some(Resolved::new(
                    Endpoint {
                        host: u.host.clone(),
                        port: u.port,
                    },
                    origin.clone(),
                ));
                raw_info = Some((u, origin));
            }
            // An unresolved `${VAR}` is reported once, as such (see `unresolved_vars`).
            Err(e) if node.missing_vars().next().is_none() => {
                out.errors
                    .push((Some(node.span), Some("browser.cdpUrl".into()), e));
            }
            Err(_) => {}
        }
    }

    // Profiles as configured, then OpenClaw's `||=` defaults.
    struct Raw<'n> {
        name: String,
        node: Option<&'n Node>,
        cdp_port: Option<Resolved<i64>>,
        /// How `cdp_port` was chosen when OpenClaw filled it in.
        port_kind: PortKind,
        driver: BrowserDriver,
        implicit_url: Option<(ports::CdpUrl, Origin)>,
    }
    let mut raws: Vec<Raw> = Vec::new();
    if let Some(entries) = browser
        .and_then(|b| b.get("profiles"))
        .and_then(Node::as_object)
    {
        for e in entries {
            let node = &e.node;
            if !is_truthy(node) {
                continue;
            }
            let driver = match node.get("driver").and_then(Node::as_str) {
                Some("extension") => BrowserDriver::Extension,
                Some("existing-session") => BrowserDriver::ExistingSession,
                _ => BrowserDriver::Openclaw,
            };
            let cdp_port = node.entry("cdpPort").and_then(|p| {
                let origin = Origin::Config(p.node.span);
                if p.node.value != Value::Null && schema_port(&p.node).is_none() {
                    problems.push(PortProblem {
                        key: format!("browser.profiles.{}.cdpPort", e.key),
                        raw: raw_value(&p.node),
                        origin: origin.clone(),
                        effect: PortEffect::Rejected,
                    });
                }
                p.node.as_f64().map(|n| Resolved::new(n as i64, origin))
            });
            raws.push(Raw {
                name: e.key.clone(),
                node: Some(node),
                cdp_port,
                port_kind: PortKind::Pinned,
                driver,
                implicit_url: None,
            });
        }
    }
    if !raws.iter().any(|r| r.name == "openclaw") {
        let (port, port_kind, implicit_url) = match &raw_info {
            Some((u, origin)) => (
                Resolved::new(u.port, Origin::derived(origin, "port of `browser.cdpUrl`")),
                PortKind::Url,
                u.is_ws().then(|| (u.clone(), origin.clone())),
            ),
            None => (
                Resolved::new(
                    range_start,
                    Origin::derived(&ports.cdp_range.origin, "first port of the CDP range"),
                ),
                PortKind::RangeStart,
                None,
            ),
        };
        raws.push(Raw {
            name: "openclaw".into(),
            node: None,
            cdp_port: Some(port),
            port_kind,
            driver: BrowserDriver::Openclaw,
            implicit_url,
        });
    }
    if !raws.iter().any(|r| r.name == "user") {
        raws.push(Raw {
            name: "user".into(),
            node: None,
            cdp_port: None,
            port_kind: PortKind::None,
            driver: BrowserDriver::ExistingSession,
            implicit_url: None,
        });
    }
    if !raws.iter().any(|r| r.name == "chrome") {
        raws.push(Raw {
            name: "chrome".into(),
            node: None,
            cdp_port: None,
            port_kind: PortKind::None,
            driver: BrowserDriver::Extension,
            implicit_url: None,
        });
    }

    let relay_default = ports.extension_relay.value;
    let needing: Vec<&str> = raws
        .iter()
        .filter(|r| r.driver == BrowserDriver::Extension && r.cdp_port.is_none())
        .map(|r| r.name.as_str())
        .collect();
    let reserved: Vec<i64> = raws
        .iter()
        .filter_map(|r| r.cdp_port.as_ref().map(|p| p.value))
        .collect();
    let relays = match ports::assign_extension_relays(&needing, &reserved, relay_default) {
        Ok(r) => r,
        Err(e) => {
            out.errors.push((None, Some("browser.profiles".into()), e));
            vec![]
        }
    };

    for r in raws {
        let mut profile = BrowserProfile {
            name: r.name.clone(),
            driver: r.driver,
            configured_port: r.cdp_port.clone(),
            endpoint: None,
            port_kind: r.port_kind,
            error: None,
        };
        let url_entry = r.node.and_then(|n| n.entry("cdpUrl"));
        let raw_url = url_entry
            .and_then(|e| e.node.as_str().map(|s| (s.trim().to_string(), e.node.span)))
            .filter(|(s, _)| !s.is_empty())
            .map(|(s, span)| (s, Origin::Config(span)))
            .or_else(|| {
                r.implicit_url
                    .as_ref()
                    .map(|(u, o)| (format!("{}://{}", u.scheme, u.host), o.clone()))
            });
        match r.driver {
            BrowserDriver::Extension => {
                let port = r.cdp_port.clone().or_else(|| {
                    relays.iter().find(|(n, _)| *n == r.name).map(|(_, p)| {
                        Resolved::new(
                            *p,
                            Origin::derived(
                                &ports.extension_relay.origin,
                                format!("extension relay of profile `{}`", r.name),
                            ),
                        )
                    })
                });
                if r.cdp_port.is_none() {
                    profile.port_kind = PortKind::Relay;
                }
                profile.endpoint = port.map(|p| {
                    Resolved::new(
                        Endpoint {
                            host: "127.0.0.1".into(),
                            port: p.value,
                        },
                        p.origin,
                    )
                });
            }
            BrowserDriver::ExistingSession => {
                let attach = r.node.and_then(|n| {
                    ["browserUrl", "cdpUrl"].iter().find_map(|k| {
                        n.entry(k)
                            .filter(|e| e.node.as_str().is_some_and(|s| !s.trim().is_empty()))
                    })
                });
                if let Some(e) = attach {
                    match ports::parse_cdp_url(e.node.as_str().unwrap_or_default()) {
                        Ok(u) => {
                            profile.endpoint = Some(Resolved::new(
                                Endpoint {
                                    host: u.host,
                                    port: u.port,
                                },
                                Origin::Config(e.node.span),
                            ))
                        }
                        Err(err) => {
                            profile.error =
                                Some(format!("`browser.profiles.{}.{}` {err}", r.name, e.key))
                        }
                    }
                }
            }
            BrowserDriver::Openclaw => {
                let port = r.cdp_port.clone().filter(|p| p.value > 0);
                let devtools_ws = raw_url.as_ref().is_some_and(|(s, _)| {
                    let l = s.to_ascii_lowercase();
                    (l.starts_with("ws://") || l.starts_with("wss://"))
                        && l.contains("/devtools/browser/")
                });
                let endpoint = match (&raw_url, &port) {
                    (Some((s, origin)), Some(p)) if devtools_ws => {
                        ports::parse_cdp_url(s).map(|u| {
                            Resolved::new(
                                Endpoint {
                                    host: u.host,
                                    port: p.value,
                                },
                                p.origin.clone(),
                            )
                        })
                    }
                    (Some((s, origin)), _) => ports::parse_cdp_url(s).map(|u| {
                        if u.explicit_port {
                            Resolved::new(
                                Endpoint {
                                    host: u.host,
                                    port: u.port,
                                },
                                origin.clone(),
                            )
                        } else if let Some(p) = &port {
                            Resolved::new(
                                Endpoint {
                                    host: u.host,
                                    port: p.value,
                                },
                                p.origin.clone(),
                            )
                        } else {
                            Resolved::new(
                                Endpoint {
                                    host: u.host,
                                    port: u.port,
                                },
                                Origin::derived(origin, "default port of the URL scheme"),
                            )
                        }
                    }),
                    (None, Some(p)) => Ok(Resolved::new(
                        Endpoint {
                            host: cdp_host.clone(),
                            port: p.value,
                        },
                        p.origin.clone(),
                    )),
                    (None, None) => Err(format!(
                        "has neither `cdpPort` nor `cdpUrl` (OpenClaw: Profile \"{}\" must define cdpPort or cdpUrl)",
                        r.name
                    )),
                };
                match endpoint {
                    Ok(e) => {
                        // The port is the cdpPort's unless it came from the URL.
                        if r.cdp_port.as_ref().map(|p| &p.origin) != Some(&e.origin) {
                            profile.port_kind = PortKind::Url;
                        }
                        profile.endpoint = Some(e);
                    }
                    Err(e) if raw_url.is_some() => {
                        if url_entry.is_some_and(|u| u.node.missing_vars().next().is_none()) {
                            out.errors.push((
                                url_entry.map(|u| u.node.span),
                                Some(format!("browser.profiles.{}.cdpUrl", r.name)),
                                e.clone(),
                            ));
                        }
                        profile.error = Some(e);
                    }
                    Err(e) => {
                        // A `cdpPort` that is not a number is `invalid-port`'s.
                        if r.node.and_then(|n| n.get("cdpPort")).is_none() {
                            out.errors.push((
                                r.node.map(|n| n.span),
                                Some(format!("browser.profiles.{}", r.name)),
                                e.clone(),
                            ));
                        }
                        profile.error = Some(e);
                    }
                }
            }
        }
        out.profiles.push(profile);
    }
    out
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

/// JavaScript truthiness, for `profiles.openclaw ||= …` and profile filtering.
fn is_truthy(node: &Node) -> bool {
    match &node.value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// Channel credentials under `channels`, hashed.
fn credentials(root: Option<&Node>, env: &Env) -> Vec<Credential> {
    let mut out = Vec::new();
    let Some(channels) = root.and_then(|r| r.entry("channels")) else {
        return out;
    };
    let mut stack: Vec<(String, &Node)> = vec![("channels".into(), &channels.node)];
    while let Some((path, node)) = stack.pop() {
        match &node.value {
            Value::Object(entries) => {
                for e in entries {
                    let key_path = format!("{path}.{}", e.key);
                    match &e.node.value {
                        Value::String(s)
                            if secrets::is_secret_key(&e.key)
                                && !s.trim().is_empty()
                                && e.node.missing_vars().next().is_none() =>
                        {
                            // A value substituted from a variable was authored there.
                            let origin = e
                                .node
                                .vars
                                .iter()
                                .find_map(|v| env.get(&v.name).map(|v| v.origin.clone()))
                                .unwrap_or(Origin::Config(e.node.span));
                            let channel =
                                key_path.split('.').nth(1).unwrap_or("channel").to_string();
                            out.push(Credential {
                                key: key_path,
                                channel,
                                hash: secrets::hash_secret(s.trim()),
                                origin,
                            });
                        }
                        Value::Object(_) | Value::Array(_) => stack.push((key_path, &e.node)),
                        _ => {}
                    }
                }
            }
            Value::Array(items) => {
                for (i, n) in items.iter().enumerate() {
                    stack.push((format!("{path}[{i}]"), n));
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_ids_normalise_like_openclaw() {
        // why: `packages/normalization-core/src/agent-id.ts`.
        for (raw, want) in [
            ("Sales", "sales"),
            ("Ops_Bot", "ops_bot"),
            ("  main ", "main"),
            ("My Agent!", "my-agent"),
            ("--x--", "x"),
            ("***", "main"),
            ("a.b", "a-b"),
        ] {
            assert_eq!(normalize_agent_id(raw), want, "{raw}");
        }
    }

    #[test]
    fn js_numbers_print_like_javascript() {
        assert_eq!(js_number(65534.0), "65534");
        assert_eq!(js_number(19000.5), "19000.5");
        assert_eq!(js_number(f64::INFINITY), "Infinity");
    }
}
