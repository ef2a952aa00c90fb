//! Parts streamed to S3 as they arrive (the default where a location allows it): no part
//! is held in memory, so slow senders cost no buffers; a part cut short is lost whole and
//! sent again from the last whole part, and the file is still the bytes sent.

use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::fault_proxy::{spawn_with_faults, Hold};
use crate::helpers::TestApp;
use crate::tus::{
    as_tus_patch, bucket_of, create, cut_patch, fed_body, file_of, head, location_of, patch, setup,
    try_patch, until_released,
};
use crate::tus_parts::recorded_parts;
use crate::uploads::{content, s3_object, sha256};

const PART: usize = 5 * 1024 * 1024;

fn file(length: usize, seed: u8) -> Vec<u8> {
    [b"%PDF-1.7\n".as_slice(), &content(length - 9, seed)].concat()
}

/// The upload completed, its checksum is the bytes', and S3 holds exactly them.
async fn assert_stored(app: &TestApp, bucket: &str, location: &str, bytes: &[u8]) {
    let (status, checksum, size, key) = file_of(app, location);
    assert_eq!(status, "completed");
    assert_eq!(checksum.as_deref(), Some(sha256(bytes).as_str()));
    assert_eq!(size, Some(bytes.len() as i64));
    let stored = s3_object(app, bucket, &key).await.expect("the object");
    assert!(stored == bytes, "S3 holds other bytes than were sent");
}

#[actix_web::test]
async fn a_part_cut_short_is_sent_again_from_the_last_whole_part() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let bucket = bucket_of(&app, &s);
    let bytes = file(3 * PART + 1000, 31);
    let created = create(&app.address, &s.token, s.cycle, "cut.pdf", bytes.len(), "").await;
    assert_eq!(created.status(), 201);
    let location = location_of(&created);

    // The connection breaks halfway through part 2.
    cut_patch(
        &app.address,
        &location,
        &s.token,
        0,
        &bytes,
        PART + PART / 2,
    )
    .await;
    until_released(&app, &location).await;
    assert_eq!(
        head(&app.address, &location, &s.token).await,
        (200, Some(PART as i64)),
        "nothing of the cut part is kept; the client is told to send it again"
    );
    assert_eq!(recorded_parts(&app), vec![1]);

    let rest = patch(&app.address, &location, &s.token, PART, &bytes[PART..]).await;
    assert_eq!(rest.status(), 204);
    assert_eq!(recorded_parts(&app), vec![1, 2, 3]);
    assert_stored(&app, &bucket, &location, &bytes).await;
}

#[actix_web::test]
async fn a_streamed_part_s3_refuses_costs_that_part_only() {
    let (app, faults) = spawn_with_faults(|_| {}).await;
    let s = setup(&app).await;
    let bucket = bucket_of(&app, &s);
    let bytes = file(3 * PART + 1000, 32);
    let created = create(&app.address, &s.token, s.cycle, "shed.pdf", bytes.len(), "").await;
    let location = location_of(&created);
    // S3 sheds part 2 once; a streamed body cannot be sent again by the SDK.
    faults.s3.hold("partNumber=2&", Hold::SlowDown, 1);

    let answer = try_patch(&app.address, &location, &s.token, 0, &bytes).await;
    // The answer may come before the whole body was read: the client may see the
    // connection close instead.
    if let Ok(answer) = answer {
        assert_eq!(answer.status(), 503);
    }
    assert_eq!(faults.s3.slow_downs_answered(), 1);
    until_released(&app, &location).await;
    assert_eq!(
        head(&app.address, &location, &s.token).await,
        (200, Some(PART as i64))
    );

    let rest = patch(&app.address, &location, &s.token, PART, &bytes[PART..]).await;
    assert_eq!(rest.status(), 204);
    assert_stored(&app, &bucket, &location, &bytes).await;
}

/// A PATCH whose body the test feeds piece by piece.
struct Feeder {
    pieces: mpsc::Sender<Result<Bytes, std::io::Error>>,
    answer: tokio::task::JoinHandle<Result<reqwest::Response, reqwest::Error>>,
}

impl Feeder {
    fn start(app: &TestApp, location: &str, token: &str, length: usize) -> Feeder {
        let (pieces, body) = fed_body();
        let request = reqwest::Client::new()
            .patch(format!("{}{location}", app.address))
            .bearer_auth(token);
        let request = as_tus_patch(request, 0)
            .header("Content-Length", length.to_string())
            .body(body)
            .send();
        Feeder {
            pieces,
            answer: tokio::spawn(request),
        }
    }
}

#[actix_web::test]
async fn more_slow_senders_than_part_buffers_all_get_through() {
    // Three part buffers, and a starved request would wait one second for one.
    let app = TestApp::spawn_with(|c| {
        c.uploads.max_part_buffers = 3;
        c.uploads.buffer_wait = Duration::from_secs(1);
        c.uploads.min_rate = 0;
        c.uploads.company_share_percent = 100;
    })
    .await;
    let s = setup(&app).await;
    let bucket = bucket_of(&app, &s);
    let files: Vec<Vec<u8>> = (0..8).map(|n| file(2 * PART + 777, 40 + n)).collect();
    let mut uploads = Vec::new();
    for (n, bytes) in files.iter().enumerate() {
        let name = format!("slow-{n}.pdf");
        let created = create(&app.address, &s.token, s.cycle, &name, bytes.len(), "").await;
        assert_eq!(created.status(), 201);
        let location = location_of(&created);
        let feeder = Feeder::start(&app, &location, &s.token, bytes.len());
        uploads.push((location, feeder));
    }
    // Round by round, a piece to each: all eight are in the middle of a part together,
    // for longer than a starved request would wait for a buffer.
    const PIECE: usize = 256 * 1024;
    let mut sent = 0;
    let length = files[0].len();
    while sent < length {
        let end = (sent + PIECE).min(length);
        for ((_, feeder), bytes) in uploads.iter().zip(&files) {
            let piece = Bytes::copy_from_slice(&bytes[sent..end]);
            feeder
                .pieces
                .send(Ok(piece))
                .await
                .expect("the request takes more");
        }
        sent = end;
        // No part is held in memory: the node's buffers stay free throughout.
        assert_eq!(app.state.services.part_buffers_free(), 3, "at {sent} bytes");
    }
    for ((location, feeder), bytes) in uploads.into_iter().zip(&files) {
        drop(feeder.pieces);
        let answer = feeder.answer.await.expect("the task").expect("an answer");
        assert_eq!(answer.status(), 204, "{location}");
        assert_stored(&app, &bucket, &location, bytes).await;
    }
}
