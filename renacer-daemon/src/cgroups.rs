//! cgroup v2 names for the ids the kernel reports (the inode number of the
//! cgroup's directory), read from the cgroup2 mount once per id.
use std::{
    collections::HashMap,
    fs,
    os::unix::fs::MetadataExt as _,
    path::{Path, PathBuf},
    sync::{LazyLock, Mutex},
};

use renacer_trace::cgroup;

/// Where cgroup v2 is mounted: /sys/fs/cgroup on a unified system,
/// /sys/fs/cgroup/unified on a hybrid one.
pub fn cgroup2_root() -> Option<PathBuf> {
    let mounts = fs::read_to_string("/proc/self/mounts").ok()?;
    cgroup2_mount(&mounts)
}

pub fn cgroup2_mount(mounts: &str) -> Option<PathBuf> {
    mounts.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        let (_, target, fstype) = (fields.next()?, fields.next()?, fields.next()?);
        (fstype == "cgroup2").then(|| PathBuf::from(target))
    })
}

/// Paths of the cgroups seen so far, by id. Cgroups are few and their ids
/// are never reused while the cgroup exists, so this only grows with them.
static PATHS: LazyLock<Mutex<HashMap<u64, String>>> = LazyLock::new(Mutex::default);

/// The path (relative to the cgroup2 mount, `/a/b`) of cgroup `id`, if it
/// still exists. An unknown id costs one walk of the hierarchy.
pub fn path_of(id: u64) -> Option<String> {
    if id == 0 {
        return None;
    }
    let mut paths = PATHS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(path) = paths.get(&id) {
        return Some(path.clone());
    }
    let root = cgroup2_root()?;
    walk(&root, &root, &mut paths);
    paths.get(&id).cloned()
}

fn walk(root: &Path, dir: &Path, paths: &mut HashMap<u64, String>) {
    let Ok(metadata) = fs::metadata(dir) else {
        return;
    };
    let relative = dir.strip_prefix(root).unwrap_or(dir).to_string_lossy();
    paths.insert(metadata.ino(), cgroup::normalise(&relative));
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(root, &entry.path(), paths);
        }
    }
}

/// The cgroup v2 path of a live process.
pub fn path_of_pid(pid: u32) -> Option<String> {
    cgroup::proc_cgroup_v2(&fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cgroup2_mount_on_hybrid_systems() {
        let hybrid = "tmpfs /sys/fs/cgroup tmpfs rw 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0
";
        assert_eq!(
            cgroup2_mount(hybrid),
            Some(PathBuf::from("/sys/fs/cgroup/unified"))
        );
        assert_eq!(cgroup2_mount("tmpfs /tmp tmpfs rw 0 0\n"), None);
    }

    /// This process's own cgroup resolves from its id, where cgroup v2 is mounted.
    #[test]
    fn resolves_this_process_cgroup() {
        let (Some(root), Some(own)) = (cgroup2_root(), path_of_pid(std::process::id())) else {
            return;
        };
        let dir = root.join(own.trim_start_matches('/'));
        let Ok(metadata) = fs::metadata(&dir) else {
            return;
        };
        assert_eq!(path_of(metadata.ino()), Some(own));
        assert_eq!(path_of(0), None);
    }
}
