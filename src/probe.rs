//! Live checks: can a port be bound on the exact address OpenClaw binds, and who
//! holds it if not. Linux names the holder from `/proc`; elsewhere it is unknown.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::Path;

/// What binding a port on one address found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortState {
    Free,
    InUse,
    /// The address cannot be bound here at all (e.g. `::1` with IPv6 off).
    Unavailable,
    /// Binding failed for another reason (e.g. permission denied below 1024).
    Denied(String),
}

/// Binds `addr:port` and lets go at once.
///
/// why: `std` sets `SO_REUSEADDR` on Unix as libuv does for Node, so a port in
/// `TIME_WAIT` is free here exactly when it is free for OpenClaw
/// (research/crates.md §3).
pub fn probe(addr: IpAddr, port: u16) -> PortState {
    match TcpListener::bind(SocketAddr::new(addr, port)) {
        Ok(_) => PortState::Free,
        Err(e) if e.kind() == ErrorKind::AddrInUse => PortState::InUse,
        Err(e) if e.kind() == ErrorKind::AddrNotAvailable => PortState::Unavailable,
        Err(e) => PortState::Denied(e.to_string()),
    }
}

/// A process that listens on a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// `/proc/<pid>/cmdline`, arguments joined by spaces, secrets masked
    /// (another process's `--token X` must not reach our output).
    pub command: String,
    /// `/proc/<pid>/environ`, where readable.
    pub environ: Vec<(String, String)>,
}

impl Holder {
    pub fn env(&self, key: &str) -> Option<&str> {
        self.environ
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The processes listening on TCP `port`, on any address (a wildcard listener
/// blocks loopback binds too). Empty when they cannot be seen.
pub fn holders(port: u16) -> Vec<Holder> {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return vec![];
    }
    let mut out = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return out;
    };
    for p in procs.filter_map(Result::ok) {
        let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else {
            continue;
        };
        let owns = fds.filter_map(Result::ok).any(|fd| {
            std::fs::read_link(fd.path())
                .ok()
                .and_then(|t| {
                    let t = t.to_string_lossy().into_owned();
                    t.strip_prefix("socket:[")?
                        .strip_suffix(']')?
                        .parse::<u64>()
                        .ok()
                })
                .is_some_and(|inode| inodes.contains(&inode))
        });
        if owns {
            out.push(Holder {
                pid,
                command: crate::secrets::mask_command(&read_nul_list(&p.path().join("cmdline"))),
                environ: read_nul_list(&p.path().join("environ"))
                    .into_iter()
                    .filter_map(|kv| {
                        kv.split_once('=')
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                    })
                    .collect(),
            });
        }
    }
    out
}

/// A NUL-separated `/proc` list, read up to 1 MiB.
fn read_nul_list(path: &Path) -> Vec<String> {
    crate::load::read_proc(path, 1024 * 1024)
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Socket inodes in state LISTEN on `port`, from `/proc/net/tcp` and `tcp6`.
fn listening_inodes(port: u16) -> Vec<u64> {
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        out.extend(parse_listeners(&text, port));
    }
    out
}

/// The inodes of LISTEN (`0A`) sockets on `port` in one `/proc/net/tcp*` table.
fn parse_listeners(table: &str, port: u16) -> Vec<u64> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let local = cols.get(1)?;
            let state = cols.get(3)?;
            let inode = cols.get(9)?.parse::<u64>().ok()?;
            let p = u16::from_str_radix(local.rsplit(':').next()?, 16).ok()?;
            (*state == "0A" && p == port).then_some(inode)
        })
        .collect()
}

/// A process is alive (Linux: it has a `/proc` entry; elsewhere: unknown → `None`).
pub fn alive(pid: u32) -> Option<bool> {
    if Path::new("/proc/self").exists() {
        Some(Path::new(&format!("/proc/{pid}")).exists())
    } else {
        None
    }
}

/// The command line of a process, where it can be read, secrets masked.
pub fn command_of(pid: u32) -> Option<String> {
    let args = read_nul_list(&Path::new("/proc").join(pid.to_string()).join("cmdline"));
    (!args.is_empty()).then(|| crate::secrets::mask_command(&args))
}

/// Whether this looks like a container, where OpenClaw's default bind is `auto`
/// (`src/infra/container-environment.ts`).
pub fn in_container() -> bool {
    [
        "/.dockerenv",
        "/run/.containerenv",
        "/var/run/.containerenv",
    ]
    .iter()
    .any(|p| Path::new(p).exists())
        || std::fs::read_to_string("/proc/1/cgroup").is_ok_and(|c| {
            ["docker", "containerd", "kubepods", "lxc"]
                .iter()
                .any(|k| c.contains(k))
        })
        || std::env::var_os("FLY_APP_NAME").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_are_read_from_proc_net_tcp() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:4965 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0\n\
   1: 0100007F:4965 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0000000000000000 20 4 30 10 -1\n\
   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0\n";
        // 0x4965 = 18789; the established connection (01) is not a listener.
        assert_eq!(parse_listeners(table, 18789), vec![4242]);
        assert_eq!(parse_listeners(table, 8080), vec![4444]);
        assert!(parse_listeners(table, 1).is_empty());
    }

    #[test]
    fn a_held_port_is_in_use_and_its_holder_is_this_process() {
        let held = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = held.local_addr().unwrap().port();
        assert_eq!(probe("127.0.0.1".parse().unwrap(), port), PortState::InUse);
        if Path::new("/proc/net/tcp").exists() {
            let me = std::process::id();
            assert!(
                holders(port).iter().any(|h| h.pid == me),
                "this test process holds {port}"
            );
        }
        drop(held);
        assert_eq!(probe("127.0.0.1".parse().unwrap(), port), PortState::Free);
    }
}
