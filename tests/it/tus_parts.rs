//! A PATCH keeps two parts on the wire at once. Parts may land in any order, but each is
//! recorded only after the one before it: the offset a HEAD reports never passes a part
//! that has not landed, and a part that lands after an earlier one failed stays
//! unrecorded (the client resends it from the offset).

use std::time::Duration;

use diesel::prelude::*;
use hopper::schema::tus_uploads;

use crate::fault_proxy::{spawn_with_faults, Hold};
use crate::tus::{bucket_of, create, file_of, head, location_of, patch, setup, try_patch};
use crate::uploads::{content, sha256};

const PART: usize = 5 * 1024 * 1024;

/// Four whole parts and a last one of 2 MiB.
fn file() -> Vec<u8> {
    [
        b"%PDF-1.7\n".as_slice(),
        &content(4 * PART + 2 * 1024 * 1024 - 9, 21),
    ]
    .concat()
}

pub(crate) fn recorded_parts(app: &crate::helpers::TestApp) -> Vec<i64> {
    let parts: serde_json::Value = tus_uploads::table
        .select(tus_uploads::parts)
        .first(&mut app.conn())
        .expect("tus row");
    parts
        .as_array()
        .expect("a list of parts")
        .iter()
        .map(|p| p["number"].as_i64().expect("a part number"))
        .collect()
}

#[actix_web::test]
async fn a_part_that_lands_before_the_one_ahead_of_it_waits_to_be_recorded() {
    // Parts held whole (the streamed path sends one part at a time: nothing to overtake).
    let (app, faults) = spawn_with_faults(|c| c.uploads.stream_parts = false).await;
    let s = setup(&app).await;
    let bytes = file();
    let response = create(&app.address, &s.token, s.cycle, "late.pdf", bytes.len(), "").await;
    assert_eq!(response.status(), 201);
    let location = location_of(&response);
    // Part 2 is held back; part 3 goes meanwhile and lands first. Part 2 goes on once
    // that happened and part 1 was seen recorded alone.
    faults.s3.hold("partNumber=2&", Hold::Gate, 1);

    let sending = {
        let (address, location, token, bytes) = (
            app.address.clone(),
            location.clone(),
            s.token.clone(),
            bytes.clone(),
        );
        tokio::spawn(async move { patch(&address, &location, &token, 0, &bytes).await.status() })
    };
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !sending.is_finished() {
        let (status, offset) = head(&app.address, &location, &s.token).await;
        assert_eq!(status, 200);
        seen.extend(offset);
        if offset == Some(PART as i64) && faults.s3.served("partNumber=3&") > 0 {
            faults.s3.open_gate();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "part 3 never landed while part 2 was held: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sending.await.expect("the PATCH"), 204);
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "the offset never goes back: {seen:?}"
    );
    assert!(
        seen.iter()
            .all(|o| *o as usize % PART == 0 || *o as usize == bytes.len()),
        "the offset moves by whole parts while the request runs: {seen:?}"
    );
    assert!(
        seen.contains(&(PART as i64)),
        "part 1 stood recorded alone while part 2 was held: {seen:?}"
    );
    let (status, checksum, size, _) = file_of(&app, &location);
    assert_eq!(status, "completed");
    assert_eq!(checksum.as_deref(), Some(sha256(&bytes).as_str()));
    assert_eq!(size, Some(bytes.len() as i64));
    // The last part goes with the completion; only the parts before it are recorded.
    assert_eq!(recorded_parts(&app), vec![1, 2, 3, 4]);
}

#[actix_web::test]
async fn a_part_that_lands_after_an_earlier_one_failed_is_not_recorded() {
    // Parts held whole: a streamed part is not retried by the SDK, and one at a time.
    let (app, faults) = spawn_with_faults(|c| {
        c.s3.retry.max_attempts = 2;
        c.uploads.stream_parts = false;
    })
    .await;
    let s = setup(&app).await;
    let bytes = file();
    let response = create(&app.address, &s.token, s.cycle, "shed.pdf", bytes.len(), "").await;
    assert_eq!(response.status(), 201);
    let location = location_of(&response);
    // Every attempt at part 2 is shed; part 3 is sent meanwhile and may land.
    faults.s3.hold("partNumber=2&", Hold::SlowDown, 2);

    let answer = try_patch(&app.address, &location, &s.token, 0, &bytes).await;
    // The server may answer before it read the whole body, and the client then see the
    // connection close instead: either way nothing past part 1 counts.
    if let Ok(answer) = answer {
        assert_eq!(answer.status(), 503);
    }
    // (The SDK may give up after the first: the answer comes before the part is sent.)
    assert!(faults.s3.slow_downs_answered() >= 1);
    crate::upload_failures::eventually("part 1 is recorded, and only it", || {
        recorded_parts(&app) == vec![1]
    })
    .await;
    assert_eq!(
        head(&app.address, &location, &s.token).await,
        (200, Some(PART as i64)),
        "only part 1 is stored as far as the client is told"
    );

    // The client resumes from there; part 2 and 3 go again under their numbers.
    let mut resumed = patch(&app.address, &location, &s.token, PART, &bytes[PART..]).await;
    for _ in 0..200 {
        if resumed.status() != 423 {
            break;
        }
        // The failed request's claim is still being given back.
        tokio::time::sleep(Duration::from_millis(50)).await;
        resumed = patch(&app.address, &location, &s.token, PART, &bytes[PART..]).await;
    }
    assert_eq!(resumed.status(), 204);
    let (status, checksum, size, key) = file_of(&app, &location);
    assert_eq!(status, "completed");
    assert_eq!(checksum.as_deref(), Some(sha256(&bytes).as_str()));
    assert_eq!(size, Some(bytes.len() as i64));
    assert_eq!(recorded_parts(&app), vec![1, 2, 3, 4]);
    let bucket = bucket_of(&app, &s);
    assert_eq!(
        crate::uploads::s3_object(&app, &bucket, &key)
            .await
            .as_deref(),
        Some(bytes.as_slice()),
        "the stored object is the file, part for part"
    );
}
