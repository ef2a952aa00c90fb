//! What `hopper sync` lets the state file (or a server's answer) point it at. The state
//! file lies in the synced folder, where anyone who can write a file there can forge it:
//! an upload address is used only when it is a tus upload on `--server`'s own origin,
//! and a file only when it is a regular file inside the folder (symbolic links resolved).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use reqwest::Url;

/// Where tus uploads live, under the server's address.
const TUS_PREFIX: &str = "/uploads/tus/";

/// `--server` as a URL: http or https, a host, nothing else but an optional path.
pub fn server_url(server: &str) -> anyhow::Result<Url> {
    let url = Url::parse(server.trim()).map_err(|e| anyhow!("--server {server:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        bail!("--server {server:?} is not an http(s) address");
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!("--server {server:?} must not carry a user name or password");
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("--server {server:?} must not carry a query or fragment");
    }
    Ok(url)
}

/// The server's address as written in the state file and compared with it (no trailing
/// slash, so `http://h/` and `http://h` are one server).
pub fn server_key(server: &Url) -> String {
    server.as_str().trim_end_matches('/').to_owned()
}

/// The path under which the server's routes live (`""` at the root).
fn base_path(server: &Url) -> &str {
    server.path().trim_end_matches('/')
}

/// The URL a tus upload reference stands for, if it is one of `server`'s tus uploads.
/// The server answers paths (`/uploads/tus/{id}`), taken under `--server`'s address; an
/// absolute URL is taken only on the same origin. Nothing is concatenated into a URL
/// string: the result is parsed, then its scheme, host, port and path are compared.
pub fn upload_url(server: &Url, upload: &str) -> anyhow::Result<Url> {
    let refused = || anyhow!("{upload:?} is not an upload on {}", server_key(server));
    let url = match Url::parse(upload) {
        Ok(absolute) => absolute,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            // Only an absolute path: `//host/…` names another host, `@host…` another
            // authority, and anything not starting with `/` is relative to nothing.
            if !upload.starts_with('/') || upload.starts_with("//") {
                return Err(refused());
            }
            let mut url = server.clone();
            // `set_path` cannot change the host; dot segments are resolved, the rest of
            // the string (`?`, `#`) is escaped into the path and refused below.
            url.set_path(&[base_path(server), upload].concat());
            url.set_query(None);
            url.set_fragment(None);
            url
        }
        Err(_) => return Err(refused()),
    };
    let same_origin = url.scheme() == server.scheme()
        && url.host() == server.host()
        && url.port_or_known_default() == server.port_or_known_default()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    let id = url
        .path()
        .strip_prefix(base_path(server))
        .and_then(|rest| rest.strip_prefix(TUS_PREFIX));
    // One segment of a tus id (a UUID): no `%`, `/` or `.` to smuggle anything in.
    let plain_id = id.is_some_and(|id| {
        !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if same_origin && plain_id {
        Ok(url)
    } else {
        Err(refused())
    }
}

/// Why a path of the folder is not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outside {
    /// It leads out of the folder (itself or through a symbolic link).
    LeadsOut,
    /// It is not a regular file (a folder, a device, a socket…), or is gone.
    NotAFile,
}

impl std::fmt::Display for Outside {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Outside::LeadsOut => "it leads out of the folder",
            Outside::NotAFile => "it is not a regular file",
        })
    }
}

/// The real path of `path` (relative to `root`, or absolute) when it is a regular file
/// inside `root`, every symbolic link resolved. `root` must be canonical.
pub fn inside(root: &Path, path: &Path) -> Result<PathBuf, Outside> {
    let real = root
        .join(path)
        .canonicalize()
        .map_err(|_| Outside::NotAFile)?;
    if !real.starts_with(root) {
        return Err(Outside::LeadsOut);
    }
    match std::fs::metadata(&real) {
        Ok(meta) if meta.is_file() => Ok(real),
        _ => Err(Outside::NotAFile),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> Url {
        server_url("http://127.0.0.1:8080").expect("server")
    }

    #[test]
    fn only_tus_uploads_on_the_servers_origin_are_taken() {
        let ok = "/uploads/tus/0b0c2a8e-1d2b-4c3d-9e8f-001122334455";
        assert_eq!(
            upload_url(&server(), ok).expect("ok").as_str(),
            format!("http://127.0.0.1:8080{ok}")
        );
        assert!(upload_url(&server(), &format!("http://127.0.0.1:8080{ok}")).is_ok());
        for forged in [
            "@127.0.0.1:9/x",
            "@127.0.0.1:9/uploads/tus/abc",
            "//127.0.0.1:9/uploads/tus/abc",
            "http://127.0.0.1:9/uploads/tus/abc",
            "https://127.0.0.1:8080/uploads/tus/abc",
            "http://user@127.0.0.1:8080/uploads/tus/abc",
            "http://127.0.0.1:8080@evil.example/uploads/tus/abc",
            "/uploads/tus/../../api/v1/projects",
            "/uploads/tus/%2e%2e/%2e%2e/api/v1/projects",
            "/uploads/tus/abc%2F..%2F..%2Fapi",
            "/uploads/tus/abc?x=1",
            "/uploads/tus/abc#x",
            "/uploads/tus/",
            "/api/v1/sessions",
            "uploads/tus/abc",
            "\\\\127.0.0.1:9/uploads/tus/abc",
            "/\\127.0.0.1:9/uploads/tus/abc",
            "",
        ] {
            assert!(
                upload_url(&server(), forged).is_err(),
                "{forged:?} was taken"
            );
        }
    }

    #[test]
    fn a_servers_own_path_prefixes_its_uploads() {
        let server = server_url("https://example.test/hopper/").expect("server");
        assert_eq!(
            upload_url(&server, "/uploads/tus/abc")
                .expect("ok")
                .as_str(),
            "https://example.test/hopper/uploads/tus/abc"
        );
        assert!(upload_url(&server, "https://example.test/uploads/tus/abc").is_err());
        assert_eq!(server_key(&server), "https://example.test/hopper");
    }

    #[test]
    fn only_regular_files_inside_the_folder_are_sent() {
        let outer = tempfile::tempdir().expect("dir");
        let root = outer.path().join("root");
        std::fs::create_dir_all(root.join("sub")).expect("root");
        let root = root.canonicalize().expect("canonical");
        std::fs::write(root.join("sub/a.txt"), b"a").expect("a");
        std::fs::write(outer.path().join("secret.txt"), b"s").expect("secret");
        std::os::unix::fs::symlink(outer.path().join("secret.txt"), root.join("out.txt"))
            .expect("link");
        std::os::unix::fs::symlink(root.join("sub/a.txt"), root.join("in.txt")).expect("link");
        assert_eq!(
            inside(&root, Path::new("sub/a.txt")),
            Ok(root.join("sub/a.txt"))
        );
        assert_eq!(
            inside(&root, Path::new("in.txt")),
            Ok(root.join("sub/a.txt"))
        );
        assert_eq!(inside(&root, Path::new("out.txt")), Err(Outside::LeadsOut));
        assert_eq!(
            inside(&root, Path::new("../secret.txt")),
            Err(Outside::LeadsOut)
        );
        assert_eq!(
            inside(&root, &outer.path().join("secret.txt")),
            Err(Outside::LeadsOut)
        );
        assert_eq!(inside(&root, Path::new("sub")), Err(Outside::NotAFile));
        assert_eq!(inside(&root, Path::new("gone")), Err(Outside::NotAFile));
    }
}
