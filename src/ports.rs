//! Pure port math: the gateway port precedence, the ports derived from it, and
//! CDP endpoint normalisation. No I/O.

/// `DEFAULT_GATEWAY_PORT` (`src/config/paths.ts`).
pub const DEFAULT_GATEWAY_PORT: i64 = 18789;
/// `--dev` / `--profile dev` inject `OPENCLAW_GATEWAY_PORT=19001` (`src/cli/profile.ts`).
pub const DEV_GATEWAY_PORT: i64 = 19001;
/// `extensions/browser/src/config/port-defaults.ts`.
pub const DEFAULT_BROWSER_CONTROL_PORT: i64 = 18791;
pub const DEFAULT_CDP_RANGE_START: i64 = 18800;
pub const DEFAULT_CDP_RANGE_END: i64 = 18899;
const CDP_RANGE_SPAN: i64 = 99;
/// `EXTENSION_RELAY_PORT_OFFSET` (`extensions/browser/src/browser/config.ts`).
pub const EXTENSION_RELAY_OFFSET: i64 = 8;
/// Bases closer than this share ports: a gateway's footprint is `B ..= B + 110`.
pub const FOOTPRINT: i64 = 111;
/// The documented minimum spacing (older docs: "leave at least 20 ports").
pub const DOCUMENTED_SPACING: i64 = 20;
pub const MAX_PORT: i64 = 65535;

/// 32-bit FNV-1a over UTF-8 bytes, as `resolveGatewayPort` computes it.
pub fn fnv1a32(s: &str) -> u32 {
    let mut hash: u32 = 2166136261;
    for b in s.as_bytes() {
        hash = (hash ^ *b as u32).wrapping_mul(16777619);
    }
    hash
}

/// The port a named profile gets when nothing else sets one.
///
/// why: `src/config/paths.ts` `resolveGatewayPort`: `20000 + fnv1a32(profile) % 40000`
/// for a valid, non-default profile name (PR #122751).
pub fn hashed_profile_port(profile: &str) -> i64 {
    20000 + (fnv1a32(profile) % 40000) as i64
}

/// `PROFILE_NAME_RE` (`src/cli/profile-utils.ts`): `^[a-z0-9][a-z0-9_-]{0,63}$`, any case.
pub fn is_valid_profile_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

/// `normalizeProfileName`: trimmed, not `default` in any case, valid.
pub fn normalize_profile_name(raw: &str) -> Option<&str> {
    let p = raw.trim();
    (!p.is_empty() && !p.eq_ignore_ascii_case("default") && is_valid_profile_name(p)).then_some(p)
}

/// `parseTcpPort` of a string: digits only, 1..=65535.
fn parse_tcp_port(digits: &str) -> Option<i64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    if trimmed.len() > 5 {
        return None;
    }
    let n: i64 = trimmed.parse().unwrap_or(0);
    (1..=MAX_PORT).contains(&n).then_some(n)
}

/// `parseGatewayPortEnvValue` (`src/config/paths.ts`): `N`, `host:N` or `[v6]:N`;
/// anything else, or a port outside 1..=65535, is ignored.
pub fn parse_gateway_port_env(raw: &str) -> Option<i64> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return parse_tcp_port(t);
    }
    if t.starts_with('[')
        && let Some(close) = t.find(']')
        && close > 1
        && !t[1..close].contains(']')
        && let Some(port) = t[close + 1..].strip_prefix(':')
    {
        return parse_tcp_port(port);
    }
    let first = t.find(':')?;
    if first == 0 || Some(first) != t.rfind(':') {
        return None;
    }
    parse_tcp_port(&t[first + 1..])
}

/// `isValidPort` of port-defaults.ts: 1..=65535 (no integer check there).
pub fn is_valid_port(p: i64) -> bool {
    (1..=MAX_PORT).contains(&p)
}

/// `derivePort`: `base + offset`, or `fallback` when that is not a valid port.
fn derive_port(base: i64, offset: i64, fallback: i64) -> i64 {
    match base.checked_add(offset) {
        Some(p) if is_valid_port(p) => p,
        _ => fallback,
    }
}

/// Browser control = gateway + 2, else 18791.
pub fn browser_control_port(gateway: i64) -> i64 {
    derive_port(gateway, 2, DEFAULT_BROWSER_CONTROL_PORT)
}

/// The managed CDP range (inclusive, 100 ports) = control + 9 ..= control + 108,
/// else 18800..=18899 when it would pass 65535.
pub fn cdp_range(control: i64) -> (i64, i64) {
    let start = derive_port(control, 9, DEFAULT_CDP_RANGE_START);
    let end = start + CDP_RANGE_SPAN;
    if end <= MAX_PORT {
        (start, end)
    } else {
        (DEFAULT_CDP_RANGE_START, DEFAULT_CDP_RANGE_END)
    }
}

/// The default extension relay port: control + 8 (may exceed 65535; OpenClaw
/// does not clamp it).
pub fn extension_relay_port(control: i64) -> i64 {
    control + EXTENSION_RELAY_OFFSET
}

/// `resolveExtensionRelayPorts`: each extension profile without a `cdpPort`, in
/// sorted name order, takes the next free port counting down from `default_port`,
/// skipping every profile's `cdpPort`, never below `default_port - 7`.
pub fn assign_extension_relays(
    names_without_port: &[&str],
    reserved: &[i64],
    default_port: i64,
) -> Result<Vec<(String, i64)>, String> {
    let mut names: Vec<&str> = names_without_port.to_vec();
    names.sort_unstable();
    let mut used: Vec<i64> = reserved.to_vec();
    let minimum = default_port - EXTENSION_RELAY_OFFSET;
    let mut next = default_port;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        while next > minimum && used.contains(&next) {
            next -= 1;
        }
        if next <= minimum {
            return Err(
                "No available extension relay ports in the reserved browser relay port range"
                    .into(),
            );
        }
        out.push((name.to_string(), next));
        used.push(next);
        next -= 1;
    }
    Ok(out)
}

/// The base port nearest to `near` that is at least `gap` away from every base in
/// `taken` and keeps its whole footprint below 65536 (ties go to the higher port).
/// Linear in `taken` after a sort: the free places are the gaps between bases.
pub fn nearest_free_base(near: i64, taken: &[i64], gap: i64) -> Option<i64> {
    let mut sorted = taken.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let (lo, hi) = (1, MAX_PORT - FOOTPRINT + 1);
    // Free intervals [a, b] between the forbidden zones (t - gap, t + gap).
    let mut intervals = Vec::with_capacity(sorted.len() + 1);
    let mut start = lo;
    for t in &sorted {
        intervals.push((start, t - gap));
        start = start.max(t + gap);
    }
    intervals.push((start, hi));
    intervals
        .into_iter()
        .map(|(a, b)| (a.max(lo), b.min(hi)))
        .filter(|(a, b)| a <= b)
        .map(|(a, b)| near.clamp(a, b))
        .min_by_key(|b| ((b - near).abs(), -b))
}

/// A CDP URL as OpenClaw reads it (`src/plugin-sdk/browser-cdp.ts`
/// `parseBrowserHttpUrl` over WHATWG `new URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdpUrl {
    /// `http`, `https`, `ws` or `wss`.
    pub scheme: String,
    /// WHATWG `hostname`: lowercased, IPv4 canonical, IPv6 bracketed.
    pub host: String,
    /// The explicit port, or 80/443.
    pub port: i64,
    /// Whether the text spelled a port (`hasRawExplicitPort`).
    pub explicit_port: bool,
    pub path: String,
}

impl CdpUrl {
    pub fn is_ws(&self) -> bool {
        self.scheme == "ws" || self.scheme == "wss"
    }
}

/// Parses a CDP URL; the error is OpenClaw's message after `<label> `.
pub fn parse_cdp_url(raw: &str) -> Result<CdpUrl, String> {
    let t = raw.trim_matches(|c: char| c <= ' ');
    let t: String = t
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let colon = t.find(':').ok_or("is not a valid URL")?;
    let scheme = t[..colon].to_ascii_lowercase();
    if scheme.is_empty()
        || !scheme.as_bytes()[0].is_ascii_alphabetic()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return Err("is not a valid URL".into());
    }
    if !matches!(scheme.as_str(), "http" | "https" | "ws" | "wss") {
        return Err(format!("must be http(s) or ws(s), got: {scheme}"));
    }
    let rest = t[colon + 1..].trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host_port = match authority.rfind('@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    let (host_raw, port_raw) = if host_port.starts_with('[') {
        let close = host_port.find(']').ok_or("is not a valid URL")?;
        let after = &host_port[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err("is not a valid URL".into()),
        };
        (&host_port[..=close], port)
    } else {
        match host_port.find(':') {
            Some(i) => (&host_port[..i], Some(&host_port[i + 1..])),
            None => (host_port, None),
        }
    };
    let host = parse_host(host_raw).ok_or("is not a valid URL")?;
    let secure = scheme == "https" || scheme == "wss";
    let default_port = if secure { 443 } else { 80 };
    let (port, explicit_port) = match port_raw {
        None | Some("") => (default_port, false),
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
            let digits = p.trim_start_matches('0');
            if digits.len() > 5 {
                return Err("is not a valid URL".into());
            }
            let n: i64 = digits.parse().unwrap_or(0);
            if n > MAX_PORT {
                return Err("is not a valid URL".into());
            }
            if n == 0 {
                return Err(format!("has invalid port: {p}"));
            }
            (n, true)
        }
        Some(_) => return Err("is not a valid URL".into()),
    };
    Ok(CdpUrl {
        scheme,
        host,
        port,
        explicit_port,
        path: path.to_string(),
    })
}

/// WHATWG host parsing for special schemes, enough for CDP endpoints: IPv6
/// literals, IPv4 in every numeric form, lowercased domains.
fn parse_host(raw: &str) -> Option<String> {
    if raw.is_empty() {
        return None;
    }
    if let Some(inner) = raw.strip_prefix('[') {
        let inner = inner.strip_suffix(']')?;
        let addr: std::net::Ipv6Addr = inner.parse().ok()?;
        return Some(format!("[{}]", serialize_ipv6(&addr)));
    }
    let host = percent_decode(raw)?.to_ascii_lowercase();
    if host.bytes().any(|b| {
        matches!(
            b,
            0..=0x20
                | b'#'
                | b'%'
                | b'/'
                | b':'
                | b'<'
                | b'>'
                | b'?'
                | b'@'
                | b'['
                | b'\\'
                | b']'
                | b'^'
                | b'|'
                | 0x7f
        )
    }) {
        return None;
    }
    if ends_in_number(&host) {
        return parse_ipv4(&host).map(|ip| std::net::Ipv4Addr::from(ip).to_string());
    }
    Some(host)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(h);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn ends_in_number(host: &str) -> bool {
    let mut parts: Vec<&str> = host.split('.').collect();
    if parts.last() == Some(&"") {
        if parts.len() == 1 {
            return false;
        }
        parts.pop();
    }
    let last = parts.last().copied().unwrap_or("");
    (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
        || (last.len() >= 2
            && (last.starts_with("0x") || last.starts_with("0X"))
            && last[2..].bytes().all(|b| b.is_ascii_hexdigit()))
}

fn parse_ipv4(host: &str) -> Option<u32> {
    let mut parts: Vec<&str> = host.split('.').collect();
    if parts.last() == Some(&"") && parts.len() > 1 {
        parts.pop();
    }
    if parts.len() > 4 {
        return None;
    }
    let nums: Vec<u64> = parts
        .iter()
        .map(|p| {
            let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or(p.strip_prefix("0X")) {
                (h, 16)
            } else if p.len() > 1 && p.starts_with('0') {
                (&p[1..], 8)
            } else {
                (*p, 10)
            };
            if digits.is_empty() {
                Some(0)
            } else {
                u64::from_str_radix(digits, radix).ok()
            }
        })
        .collect::<Option<_>>()?;
    let (last, init) = nums.split_last()?;
    if init.iter().any(|&n| n > 255) || *last >= 256u64.pow(5 - nums.len() as u32) {
        return None;
    }
    let mut ip = *last;
    for (i, n) in init.iter().enumerate() {
        ip += n * 256u64.pow(3 - i as u32);
    }
    u32::try_from(ip).ok()
}

/// WHATWG IPv6 serialisation: lowercase hex, the first longest run of 2+ zero
/// groups compressed, no embedded IPv4 dotted form.
fn serialize_ipv6(addr: &std::net::Ipv6Addr) -> String {
    let g = addr.segments();
    let (mut best, mut best_len) = (None, 1);
    let mut i = 0;
    while i < 8 {
        if g[i] == 0 {
            let start = i;
            while i < 8 && g[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best = Some(start);
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if Some(i) == best {
            out.push_str(if i == 0 { "::" } else { ":" });
            i += best_len;
            continue;
        }
        out.push_str(&format!("{:x}", g[i]));
        if i < 7 {
            out.push(':');
        }
        i += 1;
    }
    out
}

/// `isLoopbackHost` (`src/gateway/net.ts`): `localhost`, `127.0.0.0/8`, `::1`,
/// IPv4-mapped loopback.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    if h.trim_end_matches('.') == "localhost" {
        return true;
    }
    let bare = h
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(&h);
    if let Ok(v4) = bare.parse::<std::net::Ipv4Addr>() {
        return v4.is_loopback();
    }
    if let Ok(v6) = bare.parse::<std::net::Ipv6Addr>() {
        return v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_hash_matches_openclaw() {
        // why: openclaw-semantics.md §4.1, observed with `gateway status --json --no-probe`
        // against `src/config/paths.ts` `resolveGatewayPort`.
        for (name, port) in [
            ("rescue", 23532),
            ("main", 23592),
            ("Rescue", 57804),
            ("work", 41984),
            ("test", 53445),
            ("staging", 28422),
            ("a", 22220),
            ("b", 35077),
            ("dev", 38556),
            ("rw", 23398),
        ] {
            assert_eq!(hashed_profile_port(name), port, "{name}");
        }
    }

    #[test]
    fn derived_ports_match_resolve_browser_config() {
        // why: the oracle table of openclaw-semantics.md §5.1, observed with the real
        // `resolveBrowserConfig` (extensions/browser/src/config/port-defaults.ts).
        for (gw, control, range, relay) in [
            (18789, 18791, (18800, 18899), 18799),
            (19001, 19003, (19012, 19111), 19011),
            (1, 3, (12, 111), 11),
            (65425, 65427, (65436, 65535), 65435),
            (65426, 65428, (18800, 18899), 65436),
            (65500, 65502, (18800, 18899), 65510),
            (65526, 65528, (18800, 18899), 65536),
            (65534, 18791, (18800, 18899), 18799),
            (70000, 18791, (18800, 18899), 18799),
        ] {
            let c = browser_control_port(gw);
            assert_eq!(c, control, "control of {gw}");
            assert_eq!(cdp_range(c), range, "range of {gw}");
            assert_eq!(extension_relay_port(c), relay, "relay of {gw}");
        }
    }

    #[test]
    fn gateway_port_env_forms() {
        // why: `parseGatewayPortEnvValue` (`src/config/paths.ts`) and the forms the
        // fidelity hosts put in `.env`.
        for (raw, want) in [
            ("19001", Some(19001)),
            ("020789", Some(20789)),
            (" 19001 ", Some(19001)),
            ("127.0.0.1:19789", Some(19789)),
            ("[::1]:26284", Some(26284)),
            ("localhost:1", Some(1)),
            ("0", None),
            ("65536", None),
            ("70000", None),
            ("-1", None),
            ("1e4", None),
            ("+20000", None),
            ("19000.5", None),
            ("ws://127.0.0.1:19000", None),
            ("::1:2", None),
            (":19001", None),
            ("abc", None),
            ("h:", None),
            ("", None),
        ] {
            assert_eq!(parse_gateway_port_env(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn profile_names() {
        assert!(is_valid_profile_name("bot_a"));
        assert!(is_valid_profile_name("Work"));
        assert!(is_valid_profile_name("dev-2"));
        assert!(!is_valid_profile_name("bad.name"));
        assert!(!is_valid_profile_name("-x"));
        assert!(!is_valid_profile_name(&"a".repeat(65)));
        assert_eq!(normalize_profile_name("Default"), None);
        assert_eq!(normalize_profile_name(" rescue "), Some("rescue"));
    }

    #[test]
    fn relays_count_down_and_skip_pinned_ports() {
        // why: openclaw-semantics.md §5.1: profiles a, b and c{cdpPort:18799} with the
        // default base give a 18798, b 18797, chrome 18796, c 18799.
        let got = assign_extension_relays(&["chrome", "b", "a"], &[18799, 18800], 18799).unwrap();
        assert_eq!(
            got,
            vec![
                ("a".into(), 18798),
                ("b".into(), 18797),
                ("chrome".into(), 18796)
            ]
        );
        let nine: Vec<String> = (0..9).map(|i| format!("p{i}")).collect();
        let names: Vec<&str> = nine.iter().map(String::as_str).collect();
        assert!(assign_extension_relays(&names, &[], 18799).is_err());
        assert!(assign_extension_relays(&names[..8], &[], 18799).is_ok());
    }

    #[test]
    fn cdp_urls_normalise_like_whatwg() {
        let u = parse_cdp_url("http://LOCALHOST:9223").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.explicit_port),
            ("localhost", 9223, true)
        );
        let u = parse_cdp_url("ws://localhost/devtools/browser/x").unwrap();
        assert_eq!((u.port, u.explicit_port, u.is_ws()), (80, false, true));
        let u = parse_cdp_url("https://[::1]:9333").unwrap();
        assert_eq!(u.host, "[::1]");
        let u = parse_cdp_url("wss://h:443/x").unwrap();
        assert_eq!((u.port, u.explicit_port), (443, true));
        let u = parse_cdp_url("http://127.1:9222").unwrap();
        assert_eq!(u.host, "127.0.0.1");
        let u = parse_cdp_url("http://[0:0:0:0:0:ffff:7f00:1]:1").unwrap();
        assert_eq!(u.host, "[::ffff:7f00:1]");
        assert!(parse_cdp_url("http://127.0.0.1:${CDP_PORT}").is_err());
        assert!(parse_cdp_url("http://h:70000").is_err());
        assert_eq!(
            parse_cdp_url("chrome://x").unwrap_err(),
            "must be http(s) or ws(s), got: chrome"
        );
        assert!(parse_cdp_url("not a url").is_err());
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "LOCALHOST.",
            "127.0.0.1",
            "127.9.9.9",
            "[::1]",
            "[::ffff:7f00:1]",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in ["0.0.0.0", "10.0.0.5", "chrome.lan", "[::]"] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn nearest_free_base_keeps_the_whole_footprint_apart() {
        assert_eq!(nearest_free_base(23532, &[23592], FOOTPRINT), Some(23481));
        assert_eq!(nearest_free_base(18789, &[], FOOTPRINT), Some(18789));
        assert_eq!(nearest_free_base(65500, &[], FOOTPRINT), Some(65425));
        // Between two bases 300 apart, the only room is 111 away from both.
        assert_eq!(
            nearest_free_base(20100, &[20000, 20300], FOOTPRINT),
            Some(20111)
        );
        assert_eq!(
            nearest_free_base(20150, &[20000, 20200], FOOTPRINT),
            Some(20311)
        );
        let crowded: Vec<i64> = (0..500).map(|k| 1 + k * 110).collect();
        assert_eq!(nearest_free_base(30000, &crowded, FOOTPRINT), Some(55002));
        let full: Vec<i64> = (0..600).map(|k| 1 + k * 110).collect();
        assert_eq!(nearest_free_base(30000, &full, FOOTPRINT), None);
    }
}
