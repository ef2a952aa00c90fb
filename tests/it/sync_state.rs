//! `hopper sync` on a folder someone else can write to: its state file may be forged. An
//! upload address on another origin (another host, `@host`, `//host`) receives nothing,
//! not even a connection; a file outside the folder is never read into an upload; a state
//! file of another server or project is ignored with a warning and rebuilt; a symbolic
//! link leading out of the folder is skipped and reported; the state file is 0600.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use diesel::prelude::*;
use hopper::schema::file_uploads;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::sync::{setup, sync_now, write};
use crate::uploads::sha256;

/// Another host: a listener on 127.0.0.1 that records every connection (the request's
/// head) and answers 404, until the test stops it.
struct Trap {
    port: u16,
    thread: JoinHandle<Vec<String>>,
}

fn request_head(stream: &mut TcpStream) -> String {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

impl Trap {
    fn start() -> Trap {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let thread = std::thread::spawn(move || {
            let mut received = Vec::new();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let head = request_head(&mut stream);
                if head.starts_with("STOP") {
                    break;
                }
                received.push(head);
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            }
            received
        });
        Trap { port, thread }
    }

    /// Every request it received (connections are taken in order, so all of a finished
    /// process's come before the stop).
    fn received(self) -> Vec<String> {
        let mut stop = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stop.write_all(b"STOP\r\n\r\n").expect("stop");
        self.thread.join().expect("trap")
    }
}

fn state_of(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(".hopper-sync.json")).expect("state"))
        .expect("JSON")
}

fn forge(dir: &Path, state: &Value) {
    std::fs::write(
        dir.join(".hopper-sync.json"),
        serde_json::to_vec(state).expect("JSON"),
    )
    .expect("forge");
}

fn stored(app: &TestApp, path: &str) -> i64 {
    file_uploads::table
        .filter(file_uploads::file_path.eq(path))
        .filter(file_uploads::status.eq("completed"))
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

#[actix_web::test]
async fn a_forged_state_file_sends_nothing_elsewhere_and_nothing_from_outside_the_folder() {
    let app = TestApp::spawn().await;
    let (project, cycle, token) = setup(&app).await;
    let outer = tempfile::tempdir().expect("outer");
    let dir = outer.path().join("folder");
    write(&dir, "inside.csv", b"a,b\n");
    let secret = outer.path().join("secret.txt");
    std::fs::write(&secret, b"the neighbour's secret\n").expect("secret");
    let secret_len = std::fs::metadata(&secret).expect("size").len();
    let trap = Trap::start();
    let port = trap.port;
    // A real upload on the right server, waiting for exactly the secret's bytes.
    let created = crate::tus::create(
        &app.address,
        &token,
        cycle,
        "secret.txt",
        secret_len as usize,
        "",
    )
    .await;
    assert_eq!(created.status(), 201);
    let location = crate::tus::location_of(&created);

    let pending = |path: &str, upload_url: String| json!({ "path": path, "upload_url": upload_url, "size": secret_len });
    let outside = secret.display().to_string();
    forge(
        &dir,
        &json!({
            "server": app.address, "project": project, "seen": {}, "session": 999_999,
            "pending": [
                pending(&outside, format!("@127.0.0.1:{port}/x")),
                pending("inside.csv", format!("@127.0.0.1:{port}/uploads/tus/abc")),
                pending("inside.csv", format!("//127.0.0.1:{port}/uploads/tus/abc")),
                pending("inside.csv", format!("http://127.0.0.1:{port}/uploads/tus/abc")),
                pending("inside.csv", format!("/uploads/tus/..%2F..%2F@127.0.0.1:{port}")),
                pending(&outside, location.clone()),
                pending("../secret.txt", location.clone()),
            ],
        }),
    );

    let (ok, stdout, stderr) = sync_now(&app, &token, &dir, project).await;
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(
        trap.received(),
        Vec::<String>::new(),
        "another origin got a connection: {stderr}"
    );
    let (status, offset) = crate::tus::head(&app.address, &location, &token).await;
    assert_eq!(
        (status, offset),
        (200, Some(0)),
        "no byte of the outside file"
    );
    assert_eq!(stored(&app, "secret.txt"), 0);
    assert!(
        stderr.contains("not resuming") && stderr.contains("leads out of the folder"),
        "each refused entry is reported: {stderr}"
    );
    assert_eq!(
        stored(&app, "inside.csv"),
        1,
        "the folder itself still syncs"
    );
}

#[actix_web::test]
async fn a_state_file_of_another_server_or_project_is_ignored_with_a_warning_and_rebuilt() {
    let app = TestApp::spawn().await;
    let (project, _, token) = setup(&app).await;
    let dir = tempfile::tempdir().expect("folder");
    write(dir.path(), "a.csv", b"a,1\n");
    write(dir.path(), "b.csv", b"b,2\n");
    let trap = Trap::start();
    let modified_ns = |path: &str| {
        std::fs::metadata(dir.path().join(path))
            .and_then(|m| m.modified())
            .expect("mtime")
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_nanos()
    };
    // What another server's state would say: a wrong checksum that must not be trusted,
    // and an interrupted upload that must not be resumed.
    let other = json!({
        "server": format!("http://127.0.0.1:{}", trap.port), "project": project,
        "seen": { "a.csv": { "size": 4, "modified_ns": modified_ns("a.csv"), "sha256": "0".repeat(64) } },
        "session": 999_999,
        "pending": [{ "path": "b.csv", "upload_url": "/uploads/tus/0b0c2a8e-1d2b-4c3d-9e8f-001122334455", "size": 4 }],
    });
    forge(dir.path(), &other);
    let (ok, stdout, stderr) = sync_now(&app, &token, dir.path(), project).await;
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("warning: ignoring") && stderr.contains("rebuilt"),
        "{stderr}"
    );
    assert!(
        stdout.contains("2 read") && stdout.contains("2 sent"),
        "{stdout}"
    );
    let state = state_of(dir.path());
    assert_eq!(state["server"], json!(app.address));
    assert_eq!(state["project"], json!(project));
    assert_eq!(state["seen"]["a.csv"]["sha256"], json!(sha256(b"a,1\n")));
    assert_eq!(state["pending"], json!([]));

    // Another project on this server: the same.
    let mut other_project = state.clone();
    other_project["project"] = json!(project + 1000);
    other_project["seen"]["a.csv"]["sha256"] = json!("0".repeat(64));
    forge(dir.path(), &other_project);
    let (ok, stdout, stderr) = sync_now(&app, &token, dir.path(), project).await;
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stderr.contains("warning: ignoring"), "{stderr}");
    assert!(
        stdout.contains("2 read") && stdout.contains("0 sent"),
        "{stdout}"
    );
    assert_eq!(
        state_of(dir.path())["seen"]["a.csv"]["sha256"],
        json!(sha256(b"a,1\n"))
    );
    assert!(trap.received().is_empty());
}

#[actix_web::test]
async fn a_symbolic_link_leading_out_of_the_folder_is_skipped_and_reported() {
    let app = TestApp::spawn().await;
    let (project, _, token) = setup(&app).await;
    let outer = tempfile::tempdir().expect("outer");
    let dir = outer.path().join("folder");
    write(&dir, "sub/real.csv", b"real,1\n");
    std::fs::write(outer.path().join("secret.txt"), b"secret\n").expect("secret");
    std::os::unix::fs::symlink("../secret.txt", dir.join("leak.txt")).expect("link");
    std::os::unix::fs::symlink(outer.path(), dir.join("up")).expect("link");
    // A link that stays inside is a file of the folder like any other.
    std::os::unix::fs::symlink("sub/real.csv", dir.join("alias.csv")).expect("link");

    let (ok, stdout, stderr) = sync_now(&app, &token, &dir, project).await;
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("skipped leak.txt: it leads out of the folder"),
        "{stderr}"
    );
    assert!(
        stderr.contains("skipped up: it leads out of the folder"),
        "{stderr}"
    );
    assert!(stdout.starts_with("2 files in"), "{stdout}");
    assert_eq!(stored(&app, "leak.txt"), 0);
    assert_eq!(stored(&app, "up/secret.txt"), 0);
    // The link inside and its target are one content: stored once, the other a duplicate.
    assert_eq!(stored(&app, "alias.csv") + stored(&app, "sub/real.csv"), 1);
    let seen = state_of(&dir)["seen"].clone();
    assert!(seen.get("leak.txt").is_none(), "{seen}");
}

#[actix_web::test]
async fn the_state_file_is_readable_by_its_owner_only() {
    let app = TestApp::spawn().await;
    let (project, _, token) = setup(&app).await;
    let dir = tempfile::tempdir().expect("folder");
    write(dir.path(), "a.csv", b"a,1\n");
    let mode = || {
        std::fs::metadata(dir.path().join(".hopper-sync.json"))
            .expect("state")
            .permissions()
            .mode()
            & 0o777
    };
    let (ok, stdout, stderr) = sync_now(&app, &token, dir.path(), project).await;
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(mode(), 0o600);

    // One an older version left readable by all is replaced by an owner-only one.
    std::fs::set_permissions(
        dir.path().join(".hopper-sync.json"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    write(dir.path(), "b.csv", b"b,2\n");
    let (ok, stdout, stderr) = sync_now(&app, &token, dir.path(), project).await;
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(mode(), 0o600);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.ends_with(".partial")),
        "no temporary file is left: {names:?}"
    );
}
