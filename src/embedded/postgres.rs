//! A PostgreSQL cluster of Hopper's own, run from the system's server binaries.
//!
//! The cluster lives in `<dir>/data`, listens only on a unix socket (no TCP), trusts local
//! connections (the socket directory is private to the cluster's account: 0700, owned by
//! it, never a symlink or another account's folder; the socket itself is 0700; root,
//! which Hopper may run as while the cluster runs as `postgres`, passes both) and is stopped
//! with a fast shutdown when Hopper stops. If Hopper dies without stopping it, the kernel
//! sends the postmaster SIGINT (parent-death signal), so no postgres outlives Hopper.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use diesel::{Connection, PgConnection, RunQueryDsl};

use super::pg_binaries::find_bin_dir;
use super::unix_user::{self, UnixUser};
use crate::config::create_private_dir;

const SUPERUSER: &str = "hopper";
const PORT: u16 = 5432;
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// sun_path is 108 bytes; postgres appends `/.s.PGSQL.5432`.
const MAX_SOCKET_DIR_LEN: usize = 90;

#[derive(Debug, Clone, Default)]
pub struct PostgresOptions {
    /// Skip fsync: for throwaway test clusters only.
    pub ephemeral: bool,
    /// Where to look for `initdb` and `postgres` before PATH and /usr/lib/postgresql/*/bin.
    pub bin_dir: Option<PathBuf>,
}

#[derive(Debug)]
pub struct EmbeddedPostgres {
    child: Option<Child>,
    socket_dir: PathBuf,
    bin_dir: PathBuf,
}

impl EmbeddedPostgres {
    /// Initialises the cluster on first use, starts it (or attaches to one already running
    /// from this directory, e.g. `hopper migrate` beside `hopper serve`) and waits until it
    /// accepts connections.
    pub fn start(dir: &Path, options: &PostgresOptions) -> anyhow::Result<Self> {
        let bin_dir = find_bin_dir(options.bin_dir.as_deref())?;
        let owner = unix_user::cluster_owner();
        create_private_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let dir = dir
            .canonicalize()
            .with_context(|| format!("cannot resolve {}", dir.display()))?;
        let data_dir = dir.join("data");
        let socket_dir = socket_dir_for(&dir);
        unix_user::private_dir(&socket_dir, owner)?;
        unix_user::chown(&dir, owner)?;

        let mut cluster = Self {
            child: None,
            socket_dir,
            bin_dir,
        };
        if cluster.accepts_connections() {
            tracing::info!(dir = %dir.display(), "attached to the running embedded PostgreSQL");
            return Ok(cluster);
        }
        if !data_dir.join("PG_VERSION").exists() {
            cluster.initdb(&data_dir, owner, options.ephemeral)?;
        }
        remove_stale_pid_file(&data_dir)?;
        let log_path = dir.join("postgres.log");
        cluster.spawn(&data_dir, &log_path, owner, options)?;
        cluster.wait_until_ready(&log_path)?;
        cluster.ensure_database("hopper")?;
        Ok(cluster)
    }

    /// A libpq URL for `database` over the cluster's unix socket, as the cluster's owner.
    pub fn database_url(&self, database: &str) -> String {
        self.database_url_as(database, SUPERUSER)
    }

    /// The same as `role` (the socket trusts local connections; the role decides rights).
    pub fn database_url_as(&self, database: &str, role: &str) -> String {
        let host = percent_encode_path(&self.socket_dir.to_string_lossy());
        format!("postgres://{role}@/{database}?host={host}&port={PORT}")
    }

    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The folder of the cluster's unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// Creates `database` unless it exists; `template` names the database to copy.
    pub fn create_database(&self, database: &str, template: Option<&str>) -> anyhow::Result<()> {
        let mut conn = PgConnection::establish(&self.database_url("postgres"))?;
        let sql = match template {
            Some(t) => format!("CREATE DATABASE \"{database}\" TEMPLATE \"{t}\""),
            None => format!("CREATE DATABASE \"{database}\""),
        };
        diesel::sql_query(sql)
            .execute(&mut conn)
            .with_context(|| format!("cannot create database {database}"))?;
        Ok(())
    }

    fn ensure_database(&self, database: &str) -> anyhow::Result<()> {
        let mut conn = PgConnection::establish(&self.database_url("postgres"))?;
        let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{database}')"
        )))
        .get_result(&mut conn)?;
        if !exists {
            drop(conn);
            self.create_database(database, None)?;
        }
        Ok(())
    }

    fn accepts_connections(&self) -> bool {
        self.socket_dir.join(format!(".s.PGSQL.{PORT}")).exists()
            && PgConnection::establish(&self.database_url("postgres")).is_ok()
    }

    fn initdb(
        &self,
        data_dir: &Path,
        owner: Option<UnixUser>,
        ephemeral: bool,
    ) -> anyhow::Result<()> {
        tracing::info!(dir = %data_dir.display(), "initialising the embedded PostgreSQL cluster");
        let mut cmd = Command::new(self.bin_dir.join("initdb"));
        cmd.arg("-D")
            .arg(data_dir)
            .args([
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-instructions",
            ])
            .stdin(Stdio::null());
        if ephemeral {
            cmd.arg("--no-sync");
        }
        as_user(&mut cmd, owner);
        let output = cmd.output().context("cannot run initdb")?;
        if !output.status.success() {
            bail!(
                "initdb failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }

    fn spawn(
        &mut self,
        data_dir: &Path,
        log_path: &Path,
        owner: Option<UnixUser>,
        options: &PostgresOptions,
    ) -> anyhow::Result<()> {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(log_path)
            .with_context(|| format!("cannot open {}", log_path.display()))?;
        let mut cmd = Command::new(self.bin_dir.join("postgres"));
        cmd.arg("-D")
            .arg(data_dir)
            .arg("-k")
            .arg(&self.socket_dir)
            .args(["-p", &PORT.to_string()])
            .args(["-c", "listen_addresses="])
            .args(["-c", "unix_socket_permissions=0700"])
            .args(["-c", "max_connections=200"]);
        if options.ephemeral {
            cmd.args([
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]);
        }
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        as_user(&mut cmd, owner);
        // SAFETY: the closure only calls async-signal-safe functions (prctl, getppid, _exit).
        let parent = std::process::id() as libc::pid_t;
        unsafe {
            cmd.pre_exec(move || {
                // Runs after the uid change, which would otherwise clear the setting.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
        self.child = Some(spawn_from_keeper_thread(cmd)?);
        Ok(())
    }

    fn wait_until_ready(&mut self, log_path: &Path) -> anyhow::Result<()> {
        let log_start = fs::metadata(log_path).map(|m| m.len()).unwrap_or(0);
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if self.accepts_connections() {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    self.child = None;
                    bail!(
                        "PostgreSQL exited during start-up ({status}): {}",
                        log_tail(log_path, log_start)
                    );
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "PostgreSQL did not accept connections within {}s: {}",
                    STARTUP_TIMEOUT.as_secs(),
                    log_tail(log_path, log_start)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Fast shutdown: open transactions roll back, the cluster stops cleanly.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGINT);
        }
        let deadline = Instant::now() + SHUTDOWN_TIMEOUT;
        while Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(_) => break,
            }
        }
        tracing::warn!("PostgreSQL did not stop in time; killing it");
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The parent-death signal fires when the *thread* that forked the child ends, so the
/// child is forked from a thread that lives as long as the process.
fn spawn_from_keeper_thread(mut cmd: Command) -> anyhow::Result<Child> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("postgres-keeper".into())
        .spawn(move || {
            let _ = tx.send(cmd.spawn());
            loop {
                std::thread::park();
            }
        })
        .context("cannot start the postgres keeper thread")?;
    rx.recv()
        .map_err(|_| anyhow!("postgres keeper thread ended"))?
        .context("cannot start postgres")
}

fn as_user(cmd: &mut Command, owner: Option<UnixUser>) {
    if let Some(user) = owner {
        cmd.uid(user.uid).gid(user.gid);
    }
}

/// Where the cluster of `dir` puts its socket: `<dir>/run`, or a folder in the temp dir
/// named after `dir` when that path would be too long for a socket.
pub fn socket_dir_for(dir: &Path) -> PathBuf {
    let local = dir.join("run");
    if local.as_os_str().len() <= MAX_SOCKET_DIR_LEN {
        return local;
    }
    // A deep data dir would overflow sun_path: use a short, stable path derived from it.
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(dir.as_os_str().as_encoded_bytes());
    std::env::temp_dir().join(format!("hopper-pg-{}", &hex::encode(digest)[..16]))
}

/// postmaster.pid left by a killed cluster: postgres removes it itself when the pid is
/// gone, but refuses when the pid was reused by an unrelated process.
fn remove_stale_pid_file(data_dir: &Path) -> anyhow::Result<()> {
    let pid_file = data_dir.join("postmaster.pid");
    let Ok(contents) = fs::read_to_string(&pid_file) else {
        return Ok(());
    };
    let pid = contents
        .lines()
        .next()
        .and_then(|l| l.trim().parse::<u32>().ok());
    let alive_postgres = pid
        .and_then(|pid| fs::read_to_string(format!("/proc/{pid}/comm")).ok())
        .is_some_and(|comm| comm.trim().starts_with("postgres"));
    if alive_postgres {
        bail!(
            "another PostgreSQL (pid {}) is using {} but does not accept connections; stop it first",
            pid.unwrap_or_default(),
            data_dir.display()
        );
    }
    tracing::warn!("removing stale {}", pid_file.display());
    fs::remove_file(&pid_file)?;
    Ok(())
}

fn log_tail(path: &Path, from: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = fs::File::open(path) {
        let _ = file.seek(SeekFrom::Start(from));
        let _ = file.read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().rev().take(8).collect();
    let tail: Vec<&str> = lines.into_iter().rev().collect();
    if tail.is_empty() {
        format!("see {}", path.display())
    } else {
        tail.join(" | ")
    }
}

fn percent_encode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
