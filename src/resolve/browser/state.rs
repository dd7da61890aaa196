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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn state(config: &str, env: &[(&str, &str)]) -> BrowserState {
        let root = crate::load::json5::parse(config, FileId(0)).expect("valid JSON5");
        let mut e = Env::new();
        for (k, v) in env {
            e.set(k, *v, Origin::ProcessEnv(k.to_string()));
        }
        browser_state(Some(&root), &e)
    }

    #[test]
    fn only_a_literal_false_turns_the_browser_off() {
        assert!(state("{}", &[]).enabled());
        assert!(state(r#"{ browser: { enabled: "false" } }"#, &[]).enabled());
        let off = state(r#"{ browser: { enabled: false } }"#, &[]);
        assert_eq!(
            off.disabled_by.map(|d| d.0).as_deref(),
            Some("browser.enabled")
        );
        let plugin = state(
            r#"{ plugins: { entries: { browser: { enabled: false } } } }"#,
            &[],
        );
        assert_eq!(
            plugin.disabled_by.map(|d| d.0).as_deref(),
            Some("plugins.entries.browser.enabled")
        );
    }

    #[test]
    fn control_listens_only_with_the_eager_variable_and_without_the_skip_one() {
        const EAGER: &str = "OPENCLAW_EAGER_BROWSER_CONTROL_SERVER";
        const SKIP: &str = "OPENCLAW_SKIP_BROWSER_CONTROL_SERVER";
        assert!(state("{}", &[]).eager_control.is_none());
        assert!(state("{}", &[(EAGER, "0")]).eager_control.is_none());
        assert!(state("{}", &[(EAGER, "Yes")]).eager_control.is_some());
        assert!(
            state("{}", &[(EAGER, "1"), (SKIP, "1")])
                .eager_control
                .is_none()
        );
        assert!(
            state("{}", &[(EAGER, "1"), (SKIP, "no")])
                .eager_control
                .is_some()
        );
    }
}
