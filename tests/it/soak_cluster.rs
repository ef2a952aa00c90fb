//! The cluster soak's one-minute version: `scripts/soak-cluster.sh` runs three `hopper
//! serve` nodes of this build behind HAProxy on one PostgreSQL and one S3 endpoint, under
//! browsers, tus, `hopper sync` and upload-link senders, killing a node (SIGKILL) every
//! 20 s; it exits 0 only when every invariant holds (nothing stuck or lost, counters equal
//! rows, S3 holds exactly the completed files, no 500, the audit chains verify). About
//! 80 s; the ten-minute run and its figures are in BENCHMARKS.md.

use std::process::Command;

#[test]
fn three_nodes_behind_haproxy_lose_nothing_while_one_at_a_time_is_killed() {
    let out = tempfile::tempdir().expect("output dir");
    let run = Command::new("scripts/soak-cluster.sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--seconds", "60", "--kill-every", "20", "--down", "25"])
        .arg("--hopper")
        .arg(env!("CARGO_BIN_EXE_hopper"))
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("run scripts/soak-cluster.sh");
    let summary = std::fs::read_to_string(out.path().join("summary.md")).unwrap_or_default();
    assert!(
        run.status.success(),
        "the soak failed ({}):\n{summary}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    let figures: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("summary.json")).expect("summary.json"),
    )
    .expect("summary.json is JSON");
    assert!(figures["kills"].as_u64() >= Some(1), "{summary}");
    assert!(
        figures["resumed_on_another_node"].as_u64() >= Some(1),
        "a tus upload cut by a kill resumed on another node:\n{summary}"
    );
}
