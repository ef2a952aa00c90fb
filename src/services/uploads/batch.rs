//! One upload batch: a sync session whose files stream from the browser into S3, hashed
//! on the way, each file's outcome and the session's counters changed in one transaction.

use std::fmt::Display;

use bytes::{Bytes, BytesMut};
use diesel::prelude::*;
use futures_util::Stream;
use sha2::{Digest, Sha256};

use crate::db::ids::{CycleId, CycleRequestId, ProjectId, SyncSessionId};
use crate::db::models::sync_session::SyncSession;
use crate::domain::file_kind::{self, SNIFF_BYTES};
use crate::domain::refusal::UploadRefused;
use crate::domain::ObjectLockRule;
use crate::domain::{FailReason, ObjectKey};
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::file_life;
use crate::services::scanning;
use crate::services::uploads::file_end::{store_arrived, Arrived};
use crate::services::uploads::file_guard::{Failure, FileGuard};
use crate::services::uploads::limited::Limited;
use crate::services::uploads::matching::request_for;
use crate::services::uploads::session::{finish_session, link_room, start_session};
use crate::services::uploads::slots::BatchSlot;
use crate::services::uploads::{internal, spawn_cleanup, BatchPlan, Stop};
use crate::services::{legal_hold_objects, storage_locations, ServiceContext};
use crate::storage::part_budget::{PartBuffer, Tenant};
use crate::storage::ObjectTarget;

/// A file's first bytes wait in a buffer of this size before a part buffer is taken.
const STAGE: usize = 64 * 1024;

/// How often a file that sends no whole part still records its progress.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

pub struct Batch {
    ctx: ServiceContext,
    client: aws_sdk_s3::Client,
    bucket: String,
    /// The location's Object Lock rule, if it declares one.
    lock: Option<ObjectLockRule>,
    /// A legal hold covers the cycle (only asked in a location with Object Lock).
    held: bool,
    actor: Actor,
    plan: BatchPlan,
    files_seen: usize,
    /// The request the uploader chose for the files that follow (dropped onto an item).
    chosen: Option<CycleRequestId>,
    /// This batch's place among the node's and the user's running batches.
    _slot: BatchSlot,
    /// Set until `finish`: a batch dropped half-way (client gone) is failed in the background.
    open: bool,
}

impl Batch {
    pub async fn start(
        ctx: &ServiceContext,
        actor: &Actor,
        project: ProjectId,
        cycle: CycleId,
    ) -> Result<Batch, AppError> {
        let slot = ctx.batch_slots().take(actor)?;
        let base_url = ctx.public_url().to_owned();
        let now = ctx.clock().now();
        let (location, plan) = ctx
            .run(actor, move |conn, actor| {
                start_session(conn, actor, project, cycle, base_url, now)
            })
            .await?;
        let client = ctx
            .storage()
            .client_for(&storage_locations::place(&location));
        let scope = (plan.company, plan.project, plan.cycle);
        let held = legal_hold_objects::held_for(ctx, actor, &location, scope).await?;
        let batch = Batch {
            ctx: ctx.clone(),
            client: client.clone(),
            bucket: location.bucket_name.clone(),
            lock: location.object_lock(),
            held,
            actor: actor.clone(),
            plan,
            files_seen: 0,
            chosen: None,
            _slot: slot,
            open: true,
        };
        // Hopper's own endpoint creates the bucket on first use; elsewhere it must exist.
        if let Err(e) = ctx
            .storage()
            .ensure_bucket_with(&client, &location.bucket_name)
            .await
        {
            tracing::warn!(bucket = %location.bucket_name, error = %e, "the project's bucket cannot be used");
            let message = format!(
                "The project's storage ({}) cannot be used right now; the details are in Hopper's log.",
                location.label
            );
            batch.finish(Some(&message)).await?;
            return Err(UploadRefused::StorageUnusable(message).into());
        }
        Ok(batch)
    }

    pub fn session_id(&self) -> SyncSessionId {
        self.plan.session
    }

    /// The files that follow fulfil this request of the cycle (blank: match by pattern).
    /// An id that is not one of this cycle's requests stops the batch.
    pub fn choose_request(&mut self, value: &str) -> Result<(), Stop> {
        let value = value.trim();
        if value.is_empty() {
            self.chosen = None;
            return Ok(());
        }
        let id = value
            .parse::<i32>()
            .ok()
            .map(CycleRequestId)
            .filter(|id| self.plan.requests.iter().any(|r| r.id == *id))
            .ok_or_else(|| {
                Stop::Malformed("the chosen request is not one of this cycle's requests".into())
            })?;
        self.chosen = Some(id);
        Ok(())
    }

    async fn transaction<T, F>(&self, use_case: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection, &Actor, &BatchPlan) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let plan = self.plan.clone();
        self.ctx
            .run(&self.actor, move |conn, actor| use_case(conn, actor, &plan))
            .await
    }

    /// Records a file refused before any byte was stored. The name is kept as sent, with
    /// control characters escaped (PostgreSQL refuses NUL; CR/LF could forge log lines).
    async fn refuse(&self, path: &str, reason: FailReason) -> Result<(), AppError> {
        let path = path.to_owned();
        self.transaction(move |conn, actor, plan| {
            plan.refuse_file(conn, actor, &path, &reason, None)?;
            file_life::started(conn, plan.session, 1)
        })
        .await
    }

    /// Streams one file into S3. A problem with this file fails it and the batch goes on
    /// (`Ok`); a problem with the request stops the batch (`Err`).
    pub async fn file<S, E>(&mut self, sent_name: &str, body: S) -> Result<(), Stop>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        self.files_seen += 1;
        if self.files_seen > self.ctx.uploads().max_files_per_batch {
            return Err(Stop::TooManyFiles(self.ctx.uploads().max_files_per_batch));
        }
        let mut body = Limited::new(body, self.ctx.uploads(), sent_name);
        let key = match ObjectKey::parse(&self.plan.prefix, sent_name) {
            Ok(key) => key,
            Err(reason) => {
                self.refuse(sent_name, UploadRefused::NotAccepted(reason).into())
                    .await
                    .map_err(internal)?;
                return body.drain().await;
            }
        };
        let request = match request_for(
            &self.plan.requests,
            self.chosen,
            &key.relative_path,
            key.file_name(),
        ) {
            Ok(request) => request,
            Err(reason) => {
                self.refuse(sent_name, reason.into())
                    .await
                    .map_err(internal)?;
                return body.drain().await;
            }
        };
        let runner = (self.ctx.node().node_id.clone(), self.ctx.node().boot_id);
        let natural = key.clone();
        let now = self.ctx.clock().now();
        let started = self
            .transaction(move |conn, actor, plan| {
                // Through an upload link, every file start checks what the link still
                // takes, under its lock, so parallel batches cannot pass its limits.
                let room = match plan.link {
                    Some(link) => Some(link_room(conn, actor, link, now)?),
                    None => None,
                };
                let row =
                    plan.file_row(&natural.relative_path, Some((&runner.0, runner.1)), request);
                let (id, s3_key) = file_life::start(conn, &row, &natural)?;
                file_life::started(conn, plan.session, 1)?;
                Ok((id, s3_key, room))
            })
            .await;
        let (file, s3_key, room) = started.map_err(Stop::starting_file)?;
        if let Some(room) = room {
            body.cap_link(room.bytes_left(), room.max_bytes);
        }
        let target = ObjectTarget {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: s3_key,
            content_type: "application/octet-stream".into(),
            lock: storage_locations::lock_from(self.lock, self.ctx.clock().now(), self.held),
        };
        let mut guard = FileGuard {
            ctx: self.ctx.clone(),
            actor: self.actor.clone(),
            plan: self.plan.clone(),
            target,
            file,
            multipart: None,
            armed: true,
            in_doubt: false,
            scanned: scanning::unscanned(&self.ctx),
        };
        let outcome = self.stream(&key, &mut body, &mut guard).await;
        match outcome {
            Ok(()) => Ok(()),
            Err(Failure::File(reason)) => {
                guard.fail(body.size(), &reason).await;
                body.drain().await
            }
            Err(Failure::Batch(stop)) => {
                guard.fail(body.size(), &stop.message()).await;
                Err(stop)
            }
        }
    }

    async fn stream<S, E>(
        &self,
        key: &ObjectKey,
        body: &mut Limited<'_, S>,
        guard: &mut FileGuard,
    ) -> Result<(), Failure>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        let budget = self.ctx.part_budget();
        let part_size = budget.part_size();
        let mut hasher = Sha256::new();
        let wait = self.ctx.uploads().buffer_wait;
        // A file's first bytes wait in a small staging buffer; a part buffer from the
        // node's budget is taken only once STAGE bytes have arrived. A client that
        // trickles (or a small file) never holds a part buffer, so slow clients cannot
        // take the budget from the others.
        let mut staged = Some(BytesMut::new());
        let mut buffer: Option<PartBuffer> = None;
        let mut content_type: Option<String> = None;
        let mut last_progress = std::time::Instant::now();
        // The virus scan reads the same bytes as they pass (see `services::scanning`).
        let mut scan = scanning::start(&self.ctx, None).await;
        while let Some(mut chunk) = body.next().await? {
            hasher.update(&chunk);
            if let Some(scan) = scan.as_mut() {
                scan.feed(&chunk).await;
            }
            // A slow file shows it is alive (and how much arrived) between parts too.
            if last_progress.elapsed() >= PROGRESS_EVERY {
                guard.progress(body.size()).await;
                last_progress = std::time::Instant::now();
            }
            if let Some(first) = staged.as_mut() {
                first.extend_from_slice(&chunk);
                if first.len() < STAGE.min(part_size) {
                    continue;
                }
                chunk = first.split().freeze();
                staged = None;
            }
            while !chunk.is_empty() {
                let filling = match buffer.as_mut() {
                    Some(b) => b,
                    None => buffer.insert(
                        budget
                            .buffer_within(wait, Tenant(self.actor.company_id().0))
                            .await
                            .ok_or(Failure::Batch(Stop::Busy))?,
                    ),
                };
                let take = (part_size - filling.data.len()).min(chunk.len());
                filling.data.extend_from_slice(&chunk.split_to(take));
                if filling.data.len() < part_size {
                    continue;
                }
                let full = buffer
                    .take()
                    .ok_or_else(|| Failure::File("lost a part buffer".into()))?;
                if guard.multipart.is_none() {
                    let head = &full.data[..full.data.len().min(SNIFF_BYTES)];
                    let kind = file_kind::check(key.file_name(), head, &self.plan.allowed)
                        .map_err(|r| Failure::File(r.into()))?;
                    guard.target.content_type = kind.clone();
                    content_type = Some(kind);
                    let started = guard.target.start_multipart().await.map_err(|e| {
                        Failure::File(FailReason::Happened(format!("S3 refused the upload: {e}")))
                    })?;
                    guard.record_upload_id(started).await?;
                }
                if let Some(upload) = guard.multipart.as_mut() {
                    if let Err(e) = upload.send_part(full).await {
                        return Err(Failure::File(FailReason::Happened(format!(
                            "S3 refused a part: {e}"
                        ))));
                    }
                    guard.progress(body.size()).await;
                }
            }
        }
        let arrived = Arrived {
            size: body.size(),
            checksum: hex::encode(hasher.finalize()),
            staged,
            buffer,
            content_type,
            scan,
        };
        store_arrived(
            &self.ctx,
            guard,
            arrived,
            key.file_name(),
            &self.plan.allowed,
        )
        .await
    }

    /// Ends the session: completed, or failed with `error`.
    pub async fn finish(mut self, error: Option<&str>) -> Result<SyncSession, AppError> {
        self.open = false;
        let error = error.map(str::to_owned);
        self.transaction(move |conn, actor, plan| {
            finish_session(conn, actor, plan, error.as_deref())
        })
        .await
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        let (ctx, actor, plan) = (self.ctx.clone(), self.actor.clone(), self.plan.clone());
        spawn_cleanup(async move {
            let result = ctx
                .run(&actor, move |conn, actor| {
                    finish_session(conn, actor, &plan, Some("The upload was interrupted."))
                })
                .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "could not close an interrupted upload session");
            }
        });
    }
}
