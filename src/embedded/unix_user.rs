//! PostgreSQL refuses to run as root: when Hopper is root, the cluster runs as an
//! unprivileged account (`postgres`, else `nobody`).

use std::ffi::CString;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::Path;

use anyhow::{bail, Context};

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

/// Makes a folder only `owner` (or, `None`, this process's account) may enter, or accepts
/// an existing one only if it is a real folder of that account or of this process's (a
/// folder or symlink planted under the expected name in the shared temp dir would
/// otherwise receive Hopper's database connections); then narrows it to 0700 and hands it
/// to `owner`. Used for the cluster's socket folder.
pub fn private_dir(path: &Path, owner: Option<UnixUser>) -> anyhow::Result<()> {
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    match fs::symlink_metadata(path) {
        Ok(found) => {
            if !found.file_type().is_dir() {
                bail!(
                    "{} is not a folder (a symlink?); remove it so the database socket stays private",
                    path.display()
                );
            }
            if found.uid() != owner.map_or(me, |o| o.uid) && found.uid() != me {
                bail!(
                    "{} belongs to another account (uid {}); remove it so the database socket stays private",
                    path.display(),
                    found.uid()
                );
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::DirBuilder::new()
                .mode(0o700)
                .create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
    chown(path, owner)?;
    Ok(())
}
