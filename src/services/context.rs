//! What every use case runs with: the pool, S3, the part-buffer budget, the password
//! hasher, the upload limits and the clock. Routes hold one [`ServiceContext`] and pass it
//! to service functions; only services can turn it into a database transaction.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::PgConnection;

use crate::config::{MailConfig, SignInPolicy, UploadConfig, WebhookConfig};
use crate::db::{self, PgPool};
use crate::error::{AppError, Denial};
use crate::scanner::Scanner;
use crate::services::actor::Actor;
use crate::services::audit::{actions, AuditEvent};
use crate::services::audit_digests::AuditSigner;
use crate::services::password_hasher::PasswordHasher;
use crate::services::scanning::HeldScans;
use crate::services::sealing::SealingKey;
use crate::services::uploads::tus::liveness::LiveClaims;
use crate::services::uploads::{BatchSlots, Counted, SlotLimits};
use crate::storage::multipart::PARTS_IN_FLIGHT;
use crate::storage::{PartBudget, Storage};

/// The time use cases see: the wall clock, plus an offset only tests move (`advance`), so
/// that a test can let time pass (a throttle's spacing) without sleeping.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every copy of it) forward; for tests.
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

/// Which process runs an upload: the node's name and this start of it.
#[derive(Debug, Clone)]
pub struct NodeIdentity {
    pub node_id: String,
    pub boot_id: uuid::Uuid,
}

#[derive(Clone)]
pub struct ServiceContext {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    storage: Storage,
    part_budget: PartBudget,
    batch_slots: BatchSlots,
    /// Requests sending a resumable upload's bytes.
    writer_slots: BatchSlots,
    hasher: PasswordHasher,
    uploads: UploadConfig,
    sign_in: SignInPolicy,
    node: NodeIdentity,
    clock: Clock,
    mail: MailConfig,
    /// Where people reach Hopper, for links in messages; known once the server listens.
    public_url: std::sync::OnceLock<String>,
    audit_signer: Arc<AuditSigner>,
    scanner: Option<Scanner>,
    /// Resumable uploads' scans between their requests.
    held_scans: HeldScans,
    /// The tus claims this node's requests hold, renewed while they live.
    live_claims: LiveClaims,
    webhooks: WebhookConfig,
    /// The installation's sealing key (authenticators' and webhooks' secrets); set by the
    /// server at start, from its secret key.
    sealing: std::sync::OnceLock<SealingKey>,
}

/// What a [`ServiceContext`] is made of, besides what it derives from them.
pub struct ServiceParts {
    pub pool: PgPool,
    pub storage: Storage,
    pub hasher: PasswordHasher,
    pub uploads: UploadConfig,
    pub sign_in: SignInPolicy,
    pub node_id: String,
    pub mail: MailConfig,
    /// Signs the audit chains' digests.
    pub audit_signer: AuditSigner,
    /// clamd, when files are scanned before they are accepted.
    pub scanner: Option<Scanner>,
    pub webhooks: WebhookConfig,
}

impl ServiceContext {
    pub fn new(parts: ServiceParts) -> Self {
        let ServiceParts {
            pool,
            storage,
            hasher,
            uploads,
            sign_in,
            node_id,
            mail,
            audit_signer,
            scanner,
            webhooks,
        } = parts;
        // A company's share of the buffers lets at least one upload run at full speed.
        let buffers = uploads.max_part_buffers;
        let company_buffers = uploads.company_share(buffers, PARTS_IN_FLIGHT + 1);
        let part_budget = PartBudget::new(buffers, uploads.part_size, company_buffers);
        let limits = |per_user: usize, per_node: usize| SlotLimits {
            per_user,
            per_company: uploads.company_share(per_node, per_user),
            per_node,
        };
        let batch_slots = BatchSlots::new(
            limits(uploads.max_batches_per_user, uploads.max_batches_per_node),
            Counted::Batches,
        );
        let writer_slots = BatchSlots::new(
            limits(uploads.max_writers_per_user, uploads.max_writers_per_node),
            Counted::Writers,
        );
        Self {
            inner: Arc::new(Inner {
                pool,
                storage,
                part_budget,
                batch_slots,
                writer_slots,
                hasher,
                uploads,
                sign_in,
                node: NodeIdentity {
                    node_id,
                    boot_id: uuid::Uuid::new_v4(),
                },
                clock: Clock::default(),
                mail,
                public_url: std::sync::OnceLock::new(),
                audit_signer: Arc::new(audit_signer),
                scanner,
                held_scans: HeldScans::default(),
                live_claims: LiveClaims::default(),
                sealing: std::sync::OnceLock::new(),
                webhooks,
            }),
        }
    }

    pub fn uploads(&self) -> &UploadConfig {
        &self.inner.uploads
    }

    pub fn node(&self) -> &NodeIdentity {
        &self.inner.node
    }

    pub fn sign_in_policy(&self) -> &SignInPolicy {
        &self.inner.sign_in
    }

    pub fn clock(&self) -> Clock {
        self.inner.clock.clone()
    }

    /// Where webhooks may go.
    pub fn webhooks(&self) -> WebhookConfig {
        self.inner.webhooks
    }

    pub fn mail(&self) -> &MailConfig {
        &self.inner.mail
    }

    /// The key signing the audit chains' digests (its public half is on the audit page).
    pub fn audit_signer(&self) -> Arc<AuditSigner> {
        self.inner.audit_signer.clone()
    }

    /// clamd, when files are scanned (`None`: they are not).
    pub fn scanner(&self) -> Option<&Scanner> {
        self.inner.scanner.as_ref()
    }

    pub(in crate::services) fn held_scans(&self) -> &HeldScans {
        &self.inner.held_scans
    }

    /// Gives the installation's sealing key (once; later calls are ignored).
    pub fn set_sealing_key(&self, key: SealingKey) {
        let _ = self.inner.sealing.set(key);
    }

    /// The key that seals the secrets of one use (`label`).
    pub(in crate::services) fn sealing_key(&self, label: &str) -> Result<SealingKey, AppError> {
        let root = self.inner.sealing.get().ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!(
                "no key to seal secrets with (only a server has one)"
            ))
        })?;
        Ok(root.for_use(label))
    }

    pub(in crate::services) fn live_claims(&self) -> &LiveClaims {
        &self.inner.live_claims
    }

    /// Part buffers no upload holds on this node at the moment (a test waits for uploads
    /// to hold theirs instead of sleeping).
    pub fn part_buffers_free(&self) -> usize {
        self.inner.part_budget.free()
    }

    /// Sets the address links in messages start with (once; later calls are ignored).
    pub fn set_public_url(&self, url: &str) {
        let _ = self
            .inner
            .public_url
            .set(url.trim_end_matches('/').to_owned());
    }

    /// The address links in messages start with (empty before the server listens).
    pub fn public_url(&self) -> &str {
        self.inner.public_url.get().map_or("", String::as_str)
    }

    pub(in crate::services) fn storage(&self) -> &Storage {
        &self.inner.storage
    }

    pub(in crate::services) fn part_budget(&self) -> &PartBudget {
        &self.inner.part_budget
    }

    pub(in crate::services) fn batch_slots(&self) -> &BatchSlots {
        &self.inner.batch_slots
    }

    pub(in crate::services) fn writer_slots(&self) -> &BatchSlots {
        &self.inner.writer_slots
    }

    pub(in crate::services) fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    /// Runs one use case as `actor` in one transaction. A use case that ends in
    /// [`AppError::Denied`] is rolled back like any failure; its `access_denied` audit row
    /// is then written in a transaction of its own, so it survives the rollback, and the
    /// caller sees a plain 404.
    pub(in crate::services) async fn run<T, F>(
        &self,
        actor: &Actor,
        use_case: F,
    ) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection, &Actor) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let actor = actor.clone();
        self.run_unscoped(move |conn| use_case(conn, &actor)).await
    }

    /// Runs one read that has no actor yet outside a transaction: one statement is
    /// consistent on its own, and BEGIN and COMMIT would triple its round trips.
    pub(in crate::services) async fn read_unscoped<T, F>(&self, read: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> diesel::QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        db::with_connection(&self.inner.pool, move |conn| Ok(read(conn)?)).await
    }

    /// Runs work that has no actor yet (sign-in, a wall link being resolved, the reaper).
    pub(in crate::services) async fn run_unscoped<T, F>(&self, use_case: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        db::with_connection(&self.inner.pool, move |conn| {
            use diesel::Connection;
            match conn.transaction(use_case) {
                Err(AppError::Denied(denial)) => {
                    conn.transaction(|conn| record_denial(conn, &denial))?;
                    Err(AppError::NotFound)
                }
                other => other,
            }
        })
        .await
    }
}

fn record_denial(conn: &mut PgConnection, denial: &Denial) -> Result<(), AppError> {
    tracing::warn!(
        actor = %denial.name,
        resource_type = denial.resource_type,
        resource_id = %denial.resource_id,
        "access denied: not in the actor's company"
    );
    let event = AuditEvent::new(actions::ACCESS_DENIED)
        .company(denial.company)
        .client(&denial.client);
    let event = match (denial.user, denial.via) {
        (Some(user), _) => event.actor(user, &denial.name),
        (None, Some(via)) => event.via(via, denial.name.as_str()),
        (None, None) => event,
    };
    event
        .resource(denial.resource_type, &denial.resource_id)
        .details(serde_json::json!({ "reason": "not found in the actor's company" }))
        .record(conn)?;
    Ok(())
}
