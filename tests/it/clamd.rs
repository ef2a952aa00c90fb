//! A real ClamAV daemon for the scanning tests: Debian's `clamd`, started on a free
//! loopback port with a signature database of one line written here (this machine cannot
//! download ClamAV's own): the EICAR test file, found wherever it sits in a stream.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hopper::scanner::{ClamdAddress, QuarantinePolicy, Scanner, ScannerConfig, TooLargePolicy};

use crate::helpers::free_port;

/// The EICAR anti-virus test file: harmless, and every scanner's "virus".
pub const EICAR: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

pub struct Clamd {
    child: Option<Child>,
    config: PathBuf,
    pub port: u16,
    _dir: tempfile::TempDir,
}

fn clamd_binary() -> PathBuf {
    for candidate in ["/usr/sbin/clamd", "/usr/local/sbin/clamd"] {
        if std::path::Path::new(candidate).exists() {
            return candidate.into();
        }
    }
    // On PATH, or the test fails naming the package (scripts/install-deps.sh installs it).
    PathBuf::from("clamd")
}

impl Clamd {
    pub async fn start() -> Clamd {
        let dir = tempfile::tempdir().expect("clamd dir");
        let db = dir.path().join("db");
        std::fs::create_dir(&db).expect("db dir");
        std::fs::write(
            db.join("hopper-test.ndb"),
            format!("Eicar-Test-Signature:0:*:{}\n", hex::encode(EICAR)),
        )
        .expect("signature");
        let port = free_port();
        let config = dir.path().join("clamd.conf");
        std::fs::write(
            &config,
            format!(
                "Foreground yes\nDatabaseDirectory {}\nTCPSocket {port}\nTCPAddr 127.0.0.1\n\
                 StreamMaxLength 100M\nTemporaryDirectory {}\nLogFile {}\n",
                db.display(),
                dir.path().display(),
                dir.path().join("clamd.log").display(),
            ),
        )
        .expect("clamd.conf");
        let mut clamd = Clamd {
            child: None,
            config,
            port,
            _dir: dir,
        };
        clamd.run().await;
        clamd
    }

    async fn run(&mut self) {
        let child = Command::new(clamd_binary())
            .arg("-c")
            .arg(&self.config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("clamd (Debian package clamav-daemon; scripts/install-deps.sh --test)");
        self.child = Some(child);
        // Waits for a real process: clamd loads its database, then answers PING.
        let scanner = Scanner::new(self.config(TooLargePolicy::Refuse, 100 << 20));
        let deadline = Instant::now() + Duration::from_secs(60);
        while scanner.ping().await.is_err() {
            assert!(Instant::now() < deadline, "clamd did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub async fn restart(&mut self) {
        self.stop();
        self.run().await;
    }

    pub fn config(&self, too_large: TooLargePolicy, max: u64) -> ScannerConfig {
        ScannerConfig {
            address: ClamdAddress::Tcp(format!("127.0.0.1:{}", self.port)),
            timeout: Duration::from_secs(10),
            max_stream_bytes: max,
            too_large,
            quarantine: QuarantinePolicy::Delete,
        }
    }
}

impl Drop for Clamd {
    fn drop(&mut self) {
        self.stop();
    }
}
