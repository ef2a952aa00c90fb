//! A cycle as evidence: one streamed zip an independent reader (Python's zipfile) opens
//! and checks (CRCs), holding each stored file's bytes, a manifest with each SHA-256,
//! sender and review, the cycle's audit rows, and each row's hash recomputable from
//! chain.json without the database. Readers of the project may export; others get a 404;
//! a token needs the read scope.

use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::audit_digests::{rewrite_chain, run_hopper};
use crate::helpers::{create_company, grant_access, test_python, TestApp, UserFixture};
use crate::uploads::{content, form, sha256, target, PART};

/// The archive as Python's zipfile reads it: entry names, each entry's SHA-256, and
/// `testzip()`'s verdict on the CRCs (None: all good).
pub fn read_with_python(bytes: &[u8]) -> Value {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), bytes).expect("write the zip");
    let script = r#"
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    out = {"bad": z.testzip(), "entries": {}}
    for info in z.infolist():
        out["entries"][info.filename] = hashlib.sha256(z.read(info)).hexdigest()
    out["manifest"] = z.read("manifest.csv").decode()
    out["audit"] = z.read("audit.jsonl").decode()
    out["chain"] = json.loads(z.read("chain.json"))
    if "answers.csv" in z.namelist():
        out["answers"] = z.read("answers.csv").decode()
print(json.dumps(out))
"#;
    let output = Command::new(test_python())
        .arg("-c")
        .arg(script)
        .arg(file.path())
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("python's json")
}

pub async fn fetch(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
) -> (u16, String, Vec<u8>) {
    let mut request = http.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("GET");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, kind, response.bytes().await.expect("body").to_vec())
}

#[actix_web::test]
async fn a_cycle_exports_as_a_zip_that_an_independent_reader_checks() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let several_parts = content(2 * PART + 12_345, 9);
    let sent: Vec<(&str, Vec<u8>)> = vec![
        ("statement.pdf", b"%PDF-1.4 a statement".to_vec()),
        (
            "=HYPERLINK(x).txt",
            b"a name a spreadsheet would run".to_vec(),
        ),
        ("scans.bin", several_parts),
    ];
    let files: Vec<(&str, &[u8])> = sent.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let page = uma.upload(&t.path(), form(&files)).await;
    assert_eq!(page.status, 200, "{}", page.body);

    // A viewer of the project exports from the cycle's page.
    let vic = UserFixture::new("vic").create(&app).await;
    grant_access(&app, app.default_company(), t.project, vic.id, "viewer");
    let viewer = app.session_for(&vic).await;
    let cycle_page = viewer.get(&format!("/dashboard/cycles/{}", t.cycle)).await;
    assert!(cycle_page.body.contains("id=\"evidence-export\""));
    // A signed digest of the company's chain exists: the export carries the latest.
    hopper::services::audit_digests::digest_all(&app.state.services)
        .await
        .expect("digest");
    let url = app.url(&format!("/dashboard/cycles/{}/export.zip", t.cycle));
    let (status, kind, zip) = fetch(&viewer.http, &url, None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&zip));
    assert_eq!(kind, "application/zip");

    let read = read_with_python(&zip);
    assert_eq!(read["bad"], Value::Null, "every CRC holds");
    for (name, bytes) in &sent {
        assert_eq!(
            read["entries"][format!("files/{name}")].as_str(),
            Some(sha256(bytes).as_str()),
            "{name} is in the archive with its bytes"
        );
    }
    let manifest = read["manifest"].as_str().expect("manifest");
    let mut rows = csv::Reader::from_reader(manifest.as_bytes());
    let records: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("a row")).collect();
    assert_eq!(records.len(), sent.len(), "{manifest}");
    for record in &records {
        assert_eq!(&record[10], "verified", "read back and hashed: {record:?}");
        assert!(record[5].contains("uma"), "sent by uma: {record:?}");
    }
    assert!(
        manifest.contains("'=HYPERLINK(x).txt"),
        "a formula-like name is defused: {manifest}"
    );

    // The cycle's audit rows, each hash recomputable from chain.json alone.
    let audit = read["audit"].as_str().expect("audit");
    assert!(audit.contains("\"action\":\"cycle.exported\""), "{audit}");
    assert!(
        audit.contains("\"resource_type\":\"file\""),
        "the files' rows: {audit}"
    );
    let links = read["chain"]["rows"].as_array().expect("rows");
    assert_eq!(links.len(), audit.lines().count());
    for link in links {
        let mut hasher = Sha256::new();
        hasher.update(link["content"].as_str().expect("content").as_bytes());
        if let Some(prev) = link["prev_hash"].as_str() {
            hasher.update(hex::decode(prev).expect("hex"));
        }
        assert_eq!(
            Some(hex::encode(hasher.finalize()).as_str()),
            link["row_hash"].as_str(),
            "row {} hashes to its row_hash",
            link["id"]
        );
    }
    let exported = app.audit_rows("cycle.exported");
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].details["files"], 3);

    // `hopper audit verify --export` checks the rows against the database: they hold now;
    // after a superuser rewrote the company's chain (hashes recomputed), they do not.
    let copy = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(copy.path(), &zip).expect("keep the export");
    let path = copy.path().to_str().expect("utf-8 path");
    let (ok, stdout, stderr) = run_hopper(&app, &["audit", "verify", "--export", path]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("match the database"), "{stdout}");
    assert!(
        stdout.contains("matches the rows"),
        "the export's signed digest is checked too: {stdout}"
    );
    rewrite_chain(&app, app.default_company().0);
    let (ok, stdout, _) = run_hopper(&app, &["audit", "verify", "--export", path]);
    assert!(!ok, "{stdout}");
    assert!(
        stdout.contains("is not the row the export holds"),
        "{stdout}"
    );
}

#[actix_web::test]
async fn only_readers_of_the_cycle_may_export_it() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let page = uma.upload(&t.path(), form(&[("a.txt", b"a")])).await;
    assert_eq!(page.status, 200);
    let path = format!("/dashboard/cycles/{}/export.zip", t.cycle);

    // Someone of another company, and a member without access: as if it did not exist.
    let other = create_company(&app, "OTHER", true);
    let olaf = UserFixture::new("olaf")
        .role("admin")
        .company(other)
        .create(&app)
        .await;
    let stranger = app.session_for(&olaf).await;
    let (status, _, _) = fetch(&stranger.http, &app.url(&path), None).await;
    assert_eq!(status, 404);
    let nora = UserFixture::new("nora").create(&app).await;
    let outsider = app.session_for(&nora).await;
    let (status, _, _) = fetch(&outsider.http, &app.url(&path), None).await;
    assert_eq!(status, 404);

    // Through the API: the read scope exports, an upload-only token is refused.
    let api = format!("/api/v1/cycles/{}/export.zip", t.cycle);
    let read = crate::api::create_token(
        &uma,
        "/account/tokens",
        &[("name", "reader"), ("days", "30"), ("scope", "read")],
    )
    .await;
    let (status, kind, zip) = fetch(&app.client, &app.url(&api), Some(&read)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&zip));
    assert_eq!(kind, "application/zip");
    assert_eq!(read_with_python(&zip)["bad"], Value::Null);
    let upload_only = crate::api::create_token(
        &uma,
        "/account/tokens",
        &[("name", "sender"), ("days", "30"), ("scope", "upload")],
    )
    .await;
    let (status, _, body) = fetch(&app.client, &app.url(&api), Some(&upload_only)).await;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        app.audit_rows("cycle.exported").len(),
        1,
        "the export is audited; the refused token exported nothing"
    );
}
