//! cgroup v2 paths: what a process's path says about its container, and
//! whether it lies within a scope.

/// What a cgroup path tells about the container a process runs in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Container {
    /// The runtime's container id (64 hex digits for docker, containerd,
    /// CRI-O and podman).
    pub id: Option<String>,
    /// The Kubernetes pod's uid, from a `kubepods` path.
    pub pod_uid: Option<String>,
}

fn is_container_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The container of a cgroup v2 path, as the common runtimes name their
/// cgroups: `docker-ID.scope`, `cri-containerd-ID.scope`, `crio-ID.scope`,
/// `libpod-ID.scope` (systemd driver), `/docker/ID`, `/kubepods/.../podUID/ID`
/// (cgroupfs driver); the pod from `kubepods-...-podUID.slice` or `podUID`.
pub fn container(path: &str) -> Container {
    let mut found = Container::default();
    for component in path.split('/').filter(|c| !c.is_empty()) {
        let name = component.strip_suffix(".scope").unwrap_or(component);
        // The runtime's monitor (conmon) is not the container.
        if name.contains("conmon") {
            continue;
        }
        let id = name.rsplit_once('-').map_or(name, |(_, id)| id);
        if is_container_id(id) {
            found.id = Some(id.to_owned());
        }
        let slice = component.strip_suffix(".slice").unwrap_or(component);
        if let Some((_, uid)) = slice.rsplit_once("pod")
            && (component.starts_with("pod") || component.starts_with("kubepods"))
            && uid.len() >= 32
            && uid
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b'-' || b == b'_')
        {
            // The systemd driver writes the uid with underscores.
            found.pod_uid = Some(uid.replace('_', "-"));
        }
    }
    found
}

/// A path as `/a/b`: with a leading slash and no trailing one (`/` for the root).
pub fn normalise(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    format!("/{trimmed}")
}

/// Whether cgroup `path` is `scope` or below it (both normalised).
pub fn is_within(path: &str, scope: &str) -> bool {
    scope == "/"
        || path == scope
        || path
            .strip_prefix(scope)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The cgroup v2 path in a `/proc/PID/cgroup` file (its `0::` line).
pub fn proc_cgroup_v2(contents: &str) -> Option<String> {
    contents
        .lines()
        .find_map(|line| line.strip_prefix("0::"))
        .map(normalise)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2a6c1d9b8e7f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718";

    #[test]
    fn runtimes_and_pods() {
        for path in [
            format!("/system.slice/docker-{ID}.scope"),
            format!("/docker/{ID}"),
            format!("/system.slice/crio-{ID}.scope"),
            format!("/machine.slice/libpod-{ID}.scope"),
        ] {
            assert_eq!(container(&path).id.as_deref(), Some(ID), "{path}");
            assert_eq!(container(&path).pod_uid, None, "{path}");
        }
        let systemd = format!(
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1c2d3e4f_5a6b_7c8d_9e0f_a1b2c3d4e5f6.slice/cri-containerd-{ID}.scope"
        );
        assert_eq!(
            container(&systemd),
            Container {
                id: Some(ID.to_owned()),
                pod_uid: Some("1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6".to_owned()),
            }
        );
        let cgroupfs = format!("/kubepods/besteffort/pod1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6/{ID}");
        assert_eq!(
            container(&cgroupfs).pod_uid.as_deref(),
            Some("1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6")
        );
        assert_eq!(
            container(&format!("/machine.slice/libpod-conmon-{ID}.scope")),
            Container::default()
        );
        assert_eq!(
            container("/user.slice/user-0.slice/session-3.scope"),
            Container::default()
        );
        assert_eq!(container("/"), Container::default());
    }

    #[test]
    fn scopes() {
        assert_eq!(normalise("a/b/"), "/a/b");
        assert_eq!(normalise("/"), "/");
        assert!(is_within("/a/b", "/a"));
        assert!(is_within("/a", "/a"));
        assert!(!is_within("/ab", "/a"));
        assert!(is_within("/anything", "/"));
        assert_eq!(
            proc_cgroup_v2("9:name=systemd:/\n4:memory:/x\n0::/renacer-test/\n").as_deref(),
            Some("/renacer-test")
        );
        assert_eq!(proc_cgroup_v2("4:memory:/x\n"), None);
    }
}
