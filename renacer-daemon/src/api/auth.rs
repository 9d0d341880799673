//! Who may trace what: ptrace's rule ("you trace what you own") for gRPC callers.
//!
//! A caller is identified by its transport: SO_PEERCRED on the Unix socket,
//! the client certificate on mTLS TCP (mapped to a uid or to the admin role by
//! `--tls-identities`), and nothing at all on plaintext TCP (which therefore
//! gets the rights of `nobody`). Admins (root, or members of `--admin-group`,
//! or a TLS identity with `role = "admin"`) may do everything; any other caller
//! may trace only processes whose uids are all its own and that hold no
//! capabilities, and a setuid/setgid/file-capability exec inside such a
//! capture stops being traced (see [`Confinement`]).
use std::{
    collections::HashMap,
    ffi::{CStr, CString},
    path::Path,
    sync::Mutex,
};

pub use crate::sessions::confinement::{Confinement, Credentials, Verdict};

use serde::Deserialize;
use tonic::{
    Request, Status,
    transport::server::{TcpConnectInfo, TlsConnectInfo, UdsConnectInfo},
};
use tracing::{info, warn};

/// The uid of `nobody`: what every plaintext TCP caller is.
pub const NOBODY_UID: u32 = 65534;

/// Who is calling, as far as authorization goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub uid: u32,
    pub admin: bool,
    /// How the caller was identified, for logs and messages ("uid 1000 over the
    /// Unix socket", "TLS identity ci-runner").
    pub describe: String,
}

impl Caller {
    pub fn admin(describe: impl Into<String>) -> Self {
        Self {
            uid: 0,
            admin: true,
            describe: describe.into(),
        }
    }

    fn user(uid: u32, describe: impl Into<String>) -> Self {
        Self {
            uid,
            admin: false,
            describe: describe.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
    #[error("{path}: identity {name:?}: give exactly one of `uid = N` or `role = \"admin\"`")]
    BadIdentity { path: String, name: String },
    #[error("{path}: identity {name:?} appears twice")]
    Duplicate { path: String, name: String },
}

/// What a TLS client identity may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityRole {
    Admin,
    Uid(u32),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentitiesFile {
    #[serde(default)]
    identity: Vec<IdentityEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityEntry {
    /// A subject common name or a DNS/URI/e-mail subject alternative name.
    name: String,
    uid: Option<u32>,
    role: Option<String>,
}

/// Parses a `--tls-identities` file:
///
/// ```toml
/// [[identity]]
/// name = "ci-runner"   # certificate subject CN or a SAN
/// uid = 1000
///
/// [[identity]]
/// name = "ops"
/// role = "admin"
/// ```
pub fn parse_identities(
    path: &str,
    text: &str,
) -> Result<HashMap<String, IdentityRole>, ConfigError> {
    let file: IdentitiesFile = toml::from_str(text).map_err(|source| ConfigError::Parse {
        path: path.to_owned(),
        source: Box::new(source),
    })?;
    let mut identities = HashMap::new();
    for entry in file.identity {
        let role = match (entry.uid, entry.role.as_deref()) {
            (Some(uid), None) => IdentityRole::Uid(uid),
            (None, Some("admin")) => IdentityRole::Admin,
            _ => {
                return Err(ConfigError::BadIdentity {
                    path: path.to_owned(),
                    name: entry.name,
                });
            }
        };
        if identities.insert(entry.name.clone(), role).is_some() {
            return Err(ConfigError::Duplicate {
                path: path.to_owned(),
                name: entry.name,
            });
        }
    }
    Ok(identities)
}

pub fn load_identities(path: &Path) -> Result<HashMap<String, IdentityRole>, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: shown.clone(),
        source,
    })?;
    parse_identities(&shown, &text)
}

/// The names a client certificate can be known by: its subject CNs, then its
/// DNS, URI and e-mail subject alternative names.
pub fn certificate_names(der: &[u8]) -> Vec<String> {
    use x509_parser::{extensions::GeneralName, prelude::FromDer as _};
    let Ok((_, cert)) = x509_parser::certificate::X509Certificate::from_der(der) else {
        return Vec::new();
    };
    let mut names: Vec<String> = cert
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok().map(str::to_owned))
        .collect();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(name)
                | GeneralName::URI(name)
                | GeneralName::RFC822Name(name) => names.push((*name).to_owned()),
                _ => {}
            }
        }
    }
    names
}

/// Decides who a caller is and what it may do; holds the ownership of
/// captures, stopped traces and continuous mode that non-admins may touch.
#[derive(Debug, Default)]
pub struct Authorizer {
    admin_gid: Option<u32>,
    identities: HashMap<String, IdentityRole>,
    /// Live captures started by non-admins: id -> uid.
    capture_owners: Mutex<HashMap<u32, u32>>,
    /// Stopped traces (Compare/Assert by capture id) of non-admins' captures:
    /// id -> uid. Separate from the live owners: ids are reused, and a new
    /// capture must not open the stopped trace an earlier one left under its id.
    stored_owners: Mutex<HashMap<u32, u32>>,
    /// The non-admin uid that turned continuous mode on, if one did.
    continuous_owner: Mutex<Option<u32>>,
}

impl Authorizer {
    pub fn new(admin_gid: Option<u32>, identities: HashMap<String, IdentityRole>) -> Self {
        Self {
            admin_gid,
            identities,
            ..Self::default()
        }
    }

    /// Who sent `request`, from its connection's credentials.
    pub fn caller<T>(&self, request: &Request<T>) -> Result<Caller, Status> {
        let extensions = request.extensions();
        if let Some(info) = extensions.get::<UdsConnectInfo>() {
            let Some(cred) = info.peer_cred else {
                return Err(Status::unauthenticated(
                    "renacer-daemon could not read your credentials (SO_PEERCRED); connect over the Unix socket from a local process",
                ));
            };
            let uid = cred.uid();
            let describe = format!("uid {uid}");
            if uid == 0 || self.in_admin_group(uid, cred.gid()) {
                return Ok(Caller {
                    uid,
                    admin: true,
                    describe,
                });
            }
            return Ok(Caller::user(uid, describe));
        }
        if let Some(info) = extensions.get::<TlsConnectInfo<TcpConnectInfo>>() {
            let Some(certs) = info.peer_certs() else {
                return Err(Status::unauthenticated(
                    "no client certificate: pass --tls-cert and --tls-key to renacerctl",
                ));
            };
            let names = certs
                .first()
                .map(|cert| certificate_names(cert.as_ref()))
                .unwrap_or_default();
            let known = names
                .iter()
                .find_map(|name| self.identities.get(name).map(|role| (name, *role)));
            return match known {
                Some((name, IdentityRole::Admin)) => {
                    Ok(Caller::admin(format!("TLS identity {name:?}")))
                }
                Some((name, IdentityRole::Uid(uid))) => {
                    if uid == 0 {
                        return Ok(Caller::admin(format!("TLS identity {name:?} (uid 0)")));
                    }
                    Ok(Caller::user(
                        uid,
                        format!("TLS identity {name:?} (uid {uid})"),
                    ))
                }
                None => Err(Status::permission_denied(format!(
                    "client certificate {names:?} is not in the daemon's --tls-identities file; ask the admin to add an [[identity]] entry for it"
                ))),
            };
        }
        if extensions.get::<TcpConnectInfo>().is_some() {
            // Only served with --insecure-plaintext-tcp: anyone who can connect.
            return Ok(Caller::user(
                NOBODY_UID,
                format!("plaintext TCP caller (uid {NOBODY_UID}, nobody)"),
            ));
        }
        // Not from one of our listeners (an in-process call): nothing to check.
        Err(Status::unauthenticated(
            "unknown transport: connect over the daemon's Unix socket or TLS listener",
        ))
    }

    fn in_admin_group(&self, uid: u32, gid: u32) -> bool {
        let Some(admin_gid) = self.admin_gid else {
            return false;
        };
        gid == admin_gid || user_groups(uid).contains(&admin_gid)
    }

    /// Records who started capture `capture_id` (None: an admin).
    pub fn set_capture_owner(&self, capture_id: u32, caller: &Caller) {
        set_owner(&self.capture_owners, capture_id, caller);
    }

    /// May `caller` stop capture `capture_id`?
    pub fn check_capture(&self, caller: &Caller, capture_id: u32) -> Result<(), Status> {
        check_owner(&self.capture_owners, caller, capture_id, "stop")
    }

    /// Capture `capture_id` was stopped and its trace kept for Compare/Assert.
    pub fn capture_stored(&self, capture_id: u32) {
        let owner = lock(&self.capture_owners).remove(&capture_id);
        let mut stored = lock(&self.stored_owners);
        match owner {
            Some(uid) => stored.insert(capture_id, uid),
            None => stored.remove(&capture_id),
        };
    }

    /// May `caller` read the stopped trace of `capture_id` (Compare/Assert)?
    pub fn check_stored_trace(&self, caller: &Caller, capture_id: u32) -> Result<(), Status> {
        check_owner(&self.stored_owners, caller, capture_id, "compare or assert")
    }

    /// May `caller` change continuous mode as asked? Non-admins may scope it
    /// to a process tree of their own, and turn off or retarget only what
    /// they turned on. Returns whether the history gathered so far must be
    /// forgotten first (a non-admin starting afresh must not read it).
    pub fn check_set_continuous(
        &self,
        caller: &Caller,
        enabled_now: bool,
        request: &renacer_proto::v1::SetContinuousRequest,
    ) -> Result<bool, Status> {
        let mut owner = lock(&self.continuous_owner);
        if caller.admin {
            if request.enabled {
                *owner = None;
            }
            return Ok(false);
        }
        let own_session = *owner == Some(caller.uid);
        if enabled_now && !own_session {
            return Err(Status::permission_denied(format!(
                "continuous mode is on for someone else's processes (you are {}); ask an admin to turn it off first",
                caller.describe
            )));
        }
        if !request.enabled {
            return Ok(false);
        }
        if request.pid == 0 || !request.cgroup.is_empty() {
            return Err(Status::permission_denied(format!(
                "system-wide and cgroup continuous mode are for admins (you are {}); pass --pid with one of your own processes",
                caller.describe
            )));
        }
        check_process(caller, request.pid)?;
        *owner = Some(caller.uid);
        Ok(!(enabled_now && own_session))
    }

    /// May `caller` read the continuous aggregates? Non-admins read only what
    /// their own session gathered.
    pub fn check_stats(&self, caller: &Caller) -> Result<(), Status> {
        if caller.admin || *lock(&self.continuous_owner) == Some(caller.uid) {
            return Ok(());
        }
        Err(Status::permission_denied(format!(
            "the continuous-mode aggregates cover processes that are not yours (you are {}); start it on your own process tree with `renacerctl continuous on --pid PID`",
            caller.describe
        )))
    }
}

fn set_owner(owners: &Mutex<HashMap<u32, u32>>, capture_id: u32, caller: &Caller) {
    let mut owners = lock(owners);
    if caller.admin {
        owners.remove(&capture_id);
    } else {
        owners.insert(capture_id, caller.uid);
    }
}

fn check_owner(
    owners: &Mutex<HashMap<u32, u32>>,
    caller: &Caller,
    capture_id: u32,
    what: &str,
) -> Result<(), Status> {
    if caller.admin || lock(owners).get(&capture_id) == Some(&caller.uid) {
        return Ok(());
    }
    Err(Status::permission_denied(format!(
        "capture {capture_id} is not yours (you are {}); {what} only captures you started",
        caller.describe
    )))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// May `caller` trace `pid`? ptrace's rule: every uid of the process is the
/// caller's and it holds no capabilities. Returns the process's credentials,
/// which a later exec must keep for the process to stay traced.
pub fn check_process(caller: &Caller, pid: u32) -> Result<Option<Credentials>, Status> {
    if caller.admin {
        return Ok(None);
    }
    let Some(creds) = Credentials::of(pid) else {
        return Err(Status::not_found(format!(
            "no process with pid {pid} (check the pid with `ps -p {pid}`)"
        )));
    };
    if creds.owned_by(caller.uid) {
        return Ok(Some(creds));
    }
    let [real, effective, ..] = creds.uids;
    let owner = if real == effective {
        format!("uid {real}")
    } else {
        format!("uid {real} (effective uid {effective})")
    };
    let message = if creds.uids.iter().all(|&id| id == caller.uid) {
        format!(
            "pid {pid} holds capabilities or ran with other credentials (not dumpable); you ({}) may trace only your own unprivileged processes",
            caller.describe
        )
    } else {
        format!(
            "pid {pid} belongs to {owner}; you ({}) may trace only your own processes",
            caller.describe
        )
    };
    info!(pid, caller = caller.describe, "trace refused: {message}");
    Err(Status::permission_denied(message))
}

/// Once the kernel tracks `pid`, its exec events are checked; this closes
/// the window between [`check_process`] and the tracking, in which an exec
/// would have gone unseen.
pub fn confirm_unchanged(pid: u32, expected: Option<Credentials>) -> Result<(), Status> {
    let Some(expected) = expected else {
        return Ok(());
    };
    match Credentials::of(pid) {
        // Gone: its exit ends the capture.
        None => Ok(()),
        Some(now) if now == expected => Ok(()),
        Some(_) => Err(Status::permission_denied(format!(
            "pid {pid} changed its credentials (a setuid exec?) while the capture started; you may trace only your own processes"
        ))),
    }
}

/// What a non-admin's Status shows of the daemon-wide counters: nothing,
/// since they add up other users' captures.
pub fn hide_global_counters(status: &mut renacer_proto::v1::StatusResponse) {
    status.events_seen = 0;
    status.kernel_drops = 0;
    status.daemon_drops = 0;
    status.active_captures = 0;
    status.otlp_unsent = 0;
    status.otlp_metrics_unsent = 0;
}

/// Supplementary and primary groups of `uid`'s user, from the group database.
fn user_groups(uid: u32) -> Vec<u32> {
    let Some((name, primary)) = user_name_and_gid(uid) else {
        return Vec::new();
    };
    let mut groups = vec![0 as libc::gid_t; 256];
    let mut count = groups.len() as libc::c_int;
    // SAFETY: `groups` has room for `count` entries; `name` is a valid C string.
    let rc = unsafe { libc::getgrouplist(name.as_ptr(), primary, groups.as_mut_ptr(), &mut count) };
    if rc < 0 {
        warn!(
            uid,
            "user is in more than 256 groups; checking the first 256"
        );
        count = groups.len() as libc::c_int;
    }
    groups.truncate(count.max(0) as usize);
    groups
}

fn user_name_and_gid(uid: u32) -> Option<(CString, u32)> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: an all-zero passwd is a valid out-parameter.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result = std::ptr::null_mut();
    // SAFETY: valid buffers; getpwuid_r fills `pwd` with pointers into `buf`.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() {
        return None;
    }
    // SAFETY: pw_name points to a NUL-terminated string in `buf`.
    let name = unsafe { CStr::from_ptr(pwd.pw_name) }.to_owned();
    Some((name, pwd.pw_gid))
}

/// The gid of group `name`, or None when there is no such group.
pub fn group_gid(name: &str) -> Option<u32> {
    let name = CString::new(name).ok()?;
    let mut buf = vec![0 as libc::c_char; 16384];
    // SAFETY: an all-zero group is a valid out-parameter.
    let mut group: libc::group = unsafe { std::mem::zeroed() };
    let mut result = std::ptr::null_mut();
    // SAFETY: valid buffers; getgrnam_r fills `group` with pointers into `buf`.
    let rc = unsafe {
        libc::getgrnam_r(
            name.as_ptr(),
            &mut group,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    (rc == 0 && !result.is_null()).then_some(group.gr_gid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::confinement::privileged_program;

    #[test]
    fn parses_identities() {
        let text = "[[identity]]\nname = \"ci-runner\"\nuid = 1000\n\n[[identity]]\nname = \"ops\"\nrole = \"admin\"\n";
        let identities = parse_identities("ids.toml", text).expect("valid file");
        assert_eq!(identities.get("ci-runner"), Some(&IdentityRole::Uid(1000)));
        assert_eq!(identities.get("ops"), Some(&IdentityRole::Admin));
    }

    #[test]
    fn rejects_ambiguous_and_unknown_roles() {
        for text in [
            "[[identity]]\nname = \"x\"\nuid = 1\nrole = \"admin\"\n",
            "[[identity]]\nname = \"x\"\nrole = \"root\"\n",
            "[[identity]]\nname = \"x\"\n",
            "[[identity]]\nname = \"x\"\nuid = 1\n[[identity]]\nname = \"x\"\nuid = 2\n",
        ] {
            assert!(parse_identities("ids.toml", text).is_err(), "{text}");
        }
    }

    #[test]
    fn parses_proc_status_credentials() {
        let status = "Name:\tpasswd\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n";
        let creds = Credentials::parse(status, 1000).expect("parses");
        assert_eq!(creds.uids, [1000, 0, 0, 0]);
        assert!(!creds.owned_by(1000), "setuid root is not the user's");
        let own = status.replace("Uid:\t1000\t0\t0\t0", "Uid:\t1000\t1000\t1000\t1000");
        assert!(
            Credentials::parse(&own, 1000)
                .expect("parses")
                .owned_by(1000)
        );
        assert!(
            !Credentials::parse(&own, 0).expect("parses").owned_by(1000),
            "not dumpable"
        );
        let capable = own.replace("CapEff:\t0000000000000000", "CapEff:\t0000000000002000");
        assert!(
            !Credentials::parse(&capable, 1000)
                .expect("parses")
                .owned_by(1000)
        );
    }

    #[test]
    fn setuid_bits_of_another_owner_make_a_program_privileged() {
        use std::os::unix::{ffi::OsStrExt as _, fs::PermissionsExt as _};
        let dir = std::env::temp_dir().join(format!("renacer-auth-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let program = dir.join("program");
        std::fs::write(&program, b"#!/bin/sh\n").expect("write");
        // SAFETY: plain syscall.
        let owner = unsafe { libc::geteuid() };
        let creds = |uid: u32| Credentials {
            uids: [uid; 4],
            gids: [u32::MAX - 1; 4],
            capabilities: false,
            dump_owner: uid,
        };
        let path = program.as_os_str().as_bytes();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert!(!privileged_program(path, &creds(owner.wrapping_add(1))));
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o4755)).expect("chmod");
        assert!(privileged_program(path, &creds(owner.wrapping_add(1))));
        assert!(
            !privileged_program(path, &creds(owner)),
            "setuid to oneself changes nothing"
        );
        assert!(privileged_program(b"relative/program", &creds(owner)));
        assert!(privileged_program(b"/no/such/program", &creds(owner)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn untracked_process_and_its_children_are_dropped() {
        let creds = Credentials {
            uids: [1000; 4],
            gids: [1000; 4],
            capabilities: false,
            dump_owner: 1000,
        };
        let mut confinement = Confinement::new(creds);
        // Not our own process, and /proc has no such pid: privileged.
        let gone = u32::MAX - 1;
        assert_eq!(confinement.exec(gone, gone), Verdict::Untrack(gone));
        assert_eq!(confinement.syscall(gone, gone), Verdict::Drop);
        assert_eq!(confinement.payload(gone, 0, 0, b"x"), Verdict::Drop);
        assert_eq!(confinement.fork(gone, gone - 1), Verdict::Untrack(gone - 1));
        assert_eq!(confinement.syscall(gone - 1, gone - 1), Verdict::Drop);
        assert_eq!(confinement.syscall(1, 1), Verdict::Deliver);
        assert_eq!(confinement.untraced_pids(), vec![gone - 1, gone]);
    }
}
