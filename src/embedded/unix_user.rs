//! PostgreSQL refuses to run as root: when Hopper is root, the cluster runs as an
//! unprivileged account (`postgres`, else `nobody`).

use std::ffi::CString;
use std::path::Path;

#[derive(Debug, Clone, Copy)]
pub struct UnixUser {
    pub uid: u32,
    pub gid: u32,
}

/// The account the cluster runs as, or `None` to run as the current user.
pub fn cluster_owner() -> Option<UnixUser> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    ["postgres", "nobody"].iter().find_map(|name| lookup(name))
}

fn lookup(name: &str) -> Option<UnixUser> {
    let c_name = CString::new(name).ok()?;
    // SAFETY: getpwnam returns a pointer into static storage or null; we copy the two ids
    // out immediately and this runs before any other thread calls getpwnam.
    let entry = unsafe { libc::getpwnam(c_name.as_ptr()) };
    if entry.is_null() {
        return None;
    }
    // SAFETY: non-null pointer returned by getpwnam.
    let (uid, gid) = unsafe { ((*entry).pw_uid, (*entry).pw_gid) };
    Some(UnixUser { uid, gid })
}

/// Hands a directory to the cluster's account.
pub fn chown(path: &Path, owner: Option<UnixUser>) -> std::io::Result<()> {
    match owner {
        Some(user) => std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid)),
        None => Ok(()),
    }
}
