//! Channel credentials, kept only as hashes.
//!
//! why: a channel or account with `enabled: false` is not started
//! (`extensions/telegram/src/accounts.ts` `listEnabledTelegramAccounts`: the channel's
//! `enabled !== false`, then each merged account's), so its credential is not in use.

use crate::load::env::Env;
use crate::load::json5::{Node, Value};
use crate::model::{Credential, Origin};
use crate::secrets;

/// Channel credentials under `channels`, hashed.
pub(super) fn credentials(root: Option<&Node>, env: &Env) -> Vec<Credential> {
    let mut out = Vec::new();
    let Some(channels) = root.and_then(|r| r.entry("channels")) else {
        return out;
    };
    let mut stack: Vec<(String, &Node)> = vec![("channels".into(), &channels.node)];
    while let Some((path, node)) = stack.pop() {
        match &node.value {
            Value::Object(entries) => {
                for e in entries.iter().filter(|e| !disabled(&e.node)) {
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

/// An object that says `enabled: false`: nothing below it runs.
fn disabled(node: &Node) -> bool {
    node.get("enabled")
        .is_some_and(|n| n.value == Value::Bool(false))
}
