//! The fixed listeners of an instance: ports that do not follow from the gateway
//! port, so spacing the bases never separates them (`research/footprint.md`).
//! Each is returned only when OpenClaw would bind it.

use super::browser::is_truthy_env;
use crate::load::env::Env;
use crate::load::json5::{Entry, Node, Value};
use crate::model::{BindWhen, Listener, ListenerKind, Origin, Resolved};

/// why: `src/hooks/gmail.ts` `DEFAULT_GMAIL_SERVE_PORT`.
pub const DEFAULT_GMAIL_SERVE_PORT: i64 = 8788;
/// why: `extensions/telegram/src/webhook.ts` `startTelegramWebhook` (`opts.port ?? 8787`).
pub const DEFAULT_TELEGRAM_WEBHOOK_PORT: i64 = 8787;
/// why: `src/infra/tailscale.ts`: Serve and Funnel claim `--https=443` of the node.
pub const TAILNET_HTTPS_PORT: i64 = 443;

pub(super) fn listeners(root: Option<&Node>, env: &Env) -> Vec<Listener> {
    let Some(root) = root else { return vec![] };
    let mut out = Vec::new();
    out.extend(gmail(root, env));
    out.extend(telegram(root, env));
    out.extend(portal_ingress(root));
    out.extend(tailscale(root));
    out
}

/// JavaScript truthiness of a config value.
fn truthy(node: Option<&Node>) -> bool {
    match node.map(|n| &n.value) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => *n != 0.0 && !n.is_nan(),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

/// A non-empty string (after trimming).
fn non_empty(node: Option<&Node>) -> bool {
    node.and_then(Node::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

/// A port as `value > 0 ? floor(value) : default`, with where it came from.
fn port_or_default(entry: Option<&Entry>) -> Option<Resolved<i64>> {
    let e = entry?;
    let n = e.node.as_f64().filter(|n| n.is_finite() && *n > 0.0)?;
    Some(Resolved::new(n.floor() as i64, Origin::Config(e.node.span)))
}

/// `gog gmail watch serve`, spawned by the Gmail watcher.
///
/// why: `src/hooks/gmail-watcher.ts` `startGmailWatcher` (needs `hooks.enabled`,
/// `hooks.gmail.account` and a `gog` binary), `src/hooks/gmail.ts`
/// `resolveGmailHookRuntimeConfig` (needs `hooks.token`, `hooks.gmail.topic` and
/// `hooks.gmail.pushToken`; `serve.port` if a number > 0, else 8788) and
/// `src/hooks/gmail-watcher-lifecycle.ts` (skipped when
/// `OPENCLAW_SKIP_GMAIL_WATCHER` is truthy). Whether `gog` is on the gateway's
/// PATH is not knowable statically: a configured watcher is assumed to run.
/// `hooks.gmail.serve.bind` does not separate two watchers: the port is host-wide.
fn gmail(root: &Node, env: &Env) -> Option<Listener> {
    let hooks = root.get("hooks")?;
    let gmail = hooks.get("gmail")?;
    let account = gmail.entry("account")?;
    if !truthy(hooks.get("enabled"))
        || !truthy(Some(&account.node))
        || !non_empty(hooks.get("token"))
        || !non_empty(gmail.get("topic"))
        || !non_empty(gmail.get("pushToken"))
        || env
            .get("OPENCLAW_SKIP_GMAIL_WATCHER")
            .is_some_and(|v| is_truthy_env(&v.value))
    {
        return None;
    }
    let port = port_or_default(gmail.get("serve").and_then(|s| s.entry("port"))).unwrap_or_else(
        || {
            Resolved::new(
                DEFAULT_GMAIL_SERVE_PORT,
                Origin::derived(
                    &Origin::Config(account.node.span),
                    format!(
                        "default `{DEFAULT_GMAIL_SERVE_PORT}` of `hooks.gmail.serve.port` with `hooks.gmail.account` set"
                    ),
                ),
            )
        },
    );
    Some(Listener {
        kind: ListenerKind::GmailWatch,
        port,
        key: "hooks.gmail.serve.port".into(),
        default: Some(DEFAULT_GMAIL_SERVE_PORT),
        account: None,
        when: BindWhen::AtStart("because `hooks.gmail.account` is set".into()),
        tailnet: false,
    })
}

/// One webhook listener per Telegram account in webhook mode.
///
/// why: `extensions/telegram/src/accounts.ts` `listEnabledTelegramAccounts`
/// (`channels.telegram.enabled !== false`, then each account's merged
/// `enabled !== false`); `src/config/channel-account-config.ts`
/// `mergeAccountConfig` (an account is the top-level block overlaid with its
/// own, so it inherits `webhookUrl`, `webhookSecret` and `webhookPort`);
/// `src/channels/plugins/account-helpers.ts` `listAccountIds` (the keys of
/// `accounts`, else the implicit `default`); `extensions/telegram/src/channel.ts`
/// (`useWebhook: Boolean(webhookUrl)`) and `extensions/telegram/src/webhook.ts`
/// `startTelegramWebhook` (needs a `webhookSecret`; `port ?? 8787`, where `0`
/// asks the OS for an ephemeral port).
fn telegram(root: &Node, env: &Env) -> Vec<Listener> {
    let Some(tg) = root.get("channels").and_then(|c| c.get("telegram")) else {
        return vec![];
    };
    if tg
        .get("enabled")
        .is_some_and(|n| n.value == Value::Bool(false))
    {
        return vec![];
    }
    let accounts: Vec<(&str, Option<&Node>)> = match tg.get("accounts").and_then(Node::as_object) {
        Some(list) if !list.is_empty() => list
            .iter()
            .filter(|e| !e.key.is_empty())
            .map(|e| (e.key.as_str(), Some(&e.node)))
            .collect(),
        _ => vec![("default", None)],
    };
    let mut out = Vec::new();
    for (id, account) in accounts {
        // The merged view: the account's own entry, else the top-level one.
        let merged = |key: &str| -> Option<(&Entry, bool)> {
            account
                .and_then(|a| a.entry(key))
                .map(|e| (e, true))
                .or_else(|| tg.entry(key).map(|e| (e, false)))
        };
        let value = |key: &str| merged(key).map(|(e, _)| &e.node);
        if value("enabled").is_some_and(|n| n.value == Value::Bool(false))
            || !truthy(value("webhookUrl"))
            || !non_empty(value("webhookSecret"))
        {
            continue;
        }
        let has_token = non_empty(value("botToken"))
            || non_empty(value("tokenFile"))
            || (id == "default" && env.non_blank("TELEGRAM_BOT_TOKEN").is_some());
        if !has_token {
            continue;
        }
        // Moving one account's listener: its own key when it is one of `accounts`.
        let key = match account {
            Some(_) => format!("channels.telegram.accounts.{id}.webhookPort"),
            None => "channels.telegram.webhookPort".into(),
        };
        let url = merged("webhookUrl").map(|(e, _)| e);
        let port = match merged("webhookPort") {
            Some((e, _)) => match e.node.as_f64() {
                Some(0.0) => continue,
                Some(n) if n.is_finite() && n > 0.0 => {
                    Resolved::new(n as i64, Origin::Config(e.node.span))
                }
                _ => continue,
            },
            None => Resolved::new(
                DEFAULT_TELEGRAM_WEBHOOK_PORT,
                Origin::derived(
                    &Origin::Config(url.map(|u| u.node.span).expect("webhookUrl is set")),
                    format!(
                        "default `{DEFAULT_TELEGRAM_WEBHOOK_PORT}` of `webhookPort` with `webhookUrl` set"
                    ),
                ),
            ),
        };
        let why = match account {
            Some(_) => format!("because account `{id}` has a `webhookUrl`"),
            None => "because `channels.telegram.webhookUrl` is set".into(),
        };
        out.push(Listener {
            kind: ListenerKind::TelegramWebhook,
            port,
            key,
            default: Some(DEFAULT_TELEGRAM_WEBHOOK_PORT),
            account: account.map(|_| id.to_string()),
            when: BindWhen::AtStart(why),
            tailnet: false,
        });
    }
    out
}

/// why: `src/gateway/portals/portal-ingress.ts` `createPortalIngress` and
/// `src/gateway/server-start.ts` (`startIngress` at start): a dedicated loopback
/// listener on `gateway.portals.ingress.port` (required, no default; the schema
/// in `src/config/zod-schema.gateway.ts` also requires `domain`).
fn portal_ingress(root: &Node) -> Option<Listener> {
    let ingress = root.path(&["gateway", "portals", "ingress"])?;
    let port = ingress.node.entry("port")?;
    let n = port.node.as_f64().filter(|n| n.is_finite() && *n >= 1.0)?;
    Some(Listener {
        kind: ListenerKind::PortalIngress,
        port: Resolved::new(n as i64, Origin::Config(port.node.span)),
        key: "gateway.portals.ingress.port".into(),
        default: None,
        account: None,
        when: BindWhen::AtStart("because `gateway.portals.ingress` is set".into()),
        tailnet: false,
    })
}

/// why: `src/gateway/server-tailscale.ts` (nothing when the mode is `off`) and
/// `src/infra/tailscale.ts` (`tailscale serve|funnel --https=443 …`): one tailnet
/// node per host, so a second gateway's claim of :443 fails and it exits.
fn tailscale(root: &Node) -> Option<Listener> {
    let mode = root.path(&["gateway", "tailscale", "mode"])?;
    let m = mode.node.as_str()?;
    if m != "serve" && m != "funnel" {
        return None;
    }
    Some(Listener {
        kind: ListenerKind::TailscaleServe,
        port: Resolved::new(
            TAILNET_HTTPS_PORT,
            Origin::derived(
                &Origin::Config(mode.node.span),
                format!("tailnet port `443` of Tailscale `{m}`"),
            ),
        ),
        key: "gateway.tailscale.mode".into(),
        default: None,
        account: None,
        when: BindWhen::AtStart(format!("because `gateway.tailscale.mode` is `{m}`")),
        tailnet: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn run(config: &str, env: &[(&str, &str)]) -> Vec<(ListenerKind, i64, String)> {
        let root = crate::load::json5::parse(config, FileId(0)).expect("valid JSON5");
        let mut e = Env::new();
        for (k, v) in env {
            e.set(k, *v, Origin::ProcessEnv(k.to_string()));
        }
        listeners(Some(&root), &e)
            .into_iter()
            .map(|l| (l.kind, l.port.value, l.key))
            .collect()
    }

    const GMAIL: &str = r#"{ hooks: { enabled: true, token: "t",
        gmail: { account: "a@b.c", topic: "t", pushToken: "p" SERVE } } }"#;

    #[test]
    fn gmail_watcher_needs_every_setting_and_no_skip_variable() {
        let on = GMAIL.replace("SERVE", "");
        assert_eq!(
            run(&on, &[]),
            [(
                ListenerKind::GmailWatch,
                8788,
                "hooks.gmail.serve.port".into()
            )]
        );
        let moved = GMAIL.replace("SERVE", ", serve: { port: 9100.7 }");
        assert_eq!(
            run(&moved, &[])[0].1,
            9100,
            "floor, as resolveGmailHookRuntimeConfig"
        );
        let zero = GMAIL.replace("SERVE", ", serve: { port: 0 }");
        assert_eq!(run(&zero, &[])[0].1, 8788, "not > 0: the default");
        assert!(run(&on.replace("enabled: true", "enabled: false"), &[]).is_empty());
        assert!(run(&on.replace("pushToken: \"p\"", "pushToken: \"\""), &[]).is_empty());
        // `isTruthyEnvValue`: `1`, `true`, `yes`, `on`, any case.
        for v in ["1", "TRUE", " yes ", "on"] {
            assert!(
                run(&on, &[("OPENCLAW_SKIP_GMAIL_WATCHER", v)]).is_empty(),
                "{v}"
            );
        }
        for v in ["0", "false", "", "skip"] {
            assert_eq!(
                run(&on, &[("OPENCLAW_SKIP_GMAIL_WATCHER", v)]).len(),
                1,
                "{v}"
            );
        }
    }

    #[test]
    fn telegram_accounts_inherit_the_top_level_webhook_settings() {
        let cfg = r#"{ channels: { telegram: {
            webhookSecret: "s", webhookPort: 8790, webhookUrl: "https://x/",
            accounts: {
              a: { botToken: "1:a" },
              b: { botToken: "2:b", webhookPort: 8791 },
              c: { botToken: "3:c", webhookPort: 0 },
              d: { botToken: "4:d", enabled: false },
              e: { webhookPort: 8792 },
            } } } }"#;
        assert_eq!(
            run(cfg, &[]),
            [
                (
                    ListenerKind::TelegramWebhook,
                    8790,
                    "channels.telegram.accounts.a.webhookPort".into()
                ),
                (
                    ListenerKind::TelegramWebhook,
                    8791,
                    "channels.telegram.accounts.b.webhookPort".into()
                ),
            ],
            "c is ephemeral, d disabled, e has no token"
        );
        let off = cfg.replace("telegram: {", "telegram: { enabled: false,");
        assert!(run(&off, &[]).is_empty());
        let single =
            r#"{ channels: { telegram: { webhookSecret: "s", webhookUrl: "https://x/" } } }"#;
        assert!(run(single, &[]).is_empty(), "no token at all");
        assert_eq!(
            run(single, &[("TELEGRAM_BOT_TOKEN", "9:z")]),
            [(
                ListenerKind::TelegramWebhook,
                8787,
                "channels.telegram.webhookPort".into()
            )],
            "the default account may take its token from the environment"
        );
    }

    #[test]
    fn portal_ingress_and_tailscale_only_when_configured() {
        let cfg = r#"{ gateway: { portals: { ingress: { domain: "p.example", port: 18080 } },
            tailscale: { mode: "funnel" } } }"#;
        let got = run(cfg, &[]);
        assert_eq!(
            got[0],
            (
                ListenerKind::PortalIngress,
                18080,
                "gateway.portals.ingress.port".into()
            )
        );
        assert_eq!(got[1].0, ListenerKind::TailscaleServe);
        assert_eq!(got[1].1, 443);
        assert!(run(r#"{ gateway: { tailscale: { mode: "off" } } }"#, &[]).is_empty());
    }
}
