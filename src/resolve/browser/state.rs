//! Whether the browser plugin runs, and whether browser control listens at start.

use crate::load::env::Env;
use crate::load::json5::{Node, Value};
use crate::model::{BrowserState, Origin};

/// why: `src/browser-lifecycle-cleanup.ts` `isBrowserCleanupDisabled` and
/// `extensions/browser/src/plugin-enabled.ts`: `browser.enabled === false` or
/// `plugins.entries.browser.enabled === false` turns the browser plugin off, so
/// the instance binds no browser port (control, relays, CDP) and attaches to no
/// CDP URL. Only the literal `false` counts.
///
/// why: `extensions/browser/src/plugin-service.ts` `createBrowserPluginService`:
/// the control HTTP server (B+2) starts only when
/// `OPENCLAW_EAGER_BROWSER_CONTROL_SERVER` is truthy, and
/// `startLazyPluginServiceModule` (`src/plugin-sdk/plugin-runtime.ts`) skips it when
/// `OPENCLAW_SKIP_BROWSER_CONTROL_SERVER` is truthy; otherwise the first browser
/// request runs the service in process without that listener (`local-dispatch.runtime`).
pub(crate) fn browser_state(root: Option<&Node>, env: &Env) -> BrowserState {
    let off = |path: &[&str]| {
        root.and_then(|r| r.path(path))
            .filter(|e| e.node.value == Value::Bool(false))
            .map(|e| (path.join("."), Origin::Config(e.node.span)))
    };
    let disabled_by =
        off(&["browser", "enabled"]).or_else(|| off(&["plugins", "entries", "browser", "enabled"]));
    let eager_control = env
        .get("OPENCLAW_EAGER_BROWSER_CONTROL_SERVER")
        .filter(|v| is_truthy_env(&v.value))
        .filter(|_| {
            !env.get("OPENCLAW_SKIP_BROWSER_CONTROL_SERVER")
                .is_some_and(|v| is_truthy_env(&v.value))
        })
        .map(|v| v.origin.clone());
    BrowserState {
        disabled_by,
        eager_control,
    }
}

/// why: `src/infra/env.ts` `isTruthyEnvValue` → `src/utils/boolean.ts`
/// `parseBooleanValue`: trimmed, lowercased, one of `true`, `1`, `yes`, `on`.
pub(crate) fn is_truthy_env(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on"
    )
}
