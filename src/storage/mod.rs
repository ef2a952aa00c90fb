//! S3 through aws-sdk-s3: the same code path for AWS, MinIO, Garage and the embedded endpoint.
//! May import `config` and `error`; called only by `services` (and the wiring).

pub mod bucket_check;
pub mod multipart;
pub mod object_lock;
pub mod open_uploads;
pub mod part_budget;
pub mod read_back;
pub mod streamed_part;

pub use bucket_check::BucketCheck;
pub use multipart::ObjectTarget;
pub use object_lock::{LockSupport, ObjectLock, Retained};
pub use part_budget::PartBudget;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_s3::config::{Credentials, Region, RequestChecksumCalculation};
use aws_sdk_s3::Client;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::config::S3Config;

#[derive(Clone)]
pub struct Storage {
    client: Client,
    /// Names this storage's clients in each thread's [`KEPT_CLIENTS`].
    id: u64,
    create_missing_buckets: bool,
}

/// A place's client settings (region, endpoint, path style), for one [`Storage`].
type PlaceKey = (u64, String, Option<String>, bool);

/// More distinct places than an installation has storage locations: past it, a thread's
/// kept clients are dropped and built again as used.
const MAX_KEPT_CLIENTS: usize = 64;

static NEXT_STORAGE_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// Clients already built for a place, reused by the thread that built them. Building
    /// one costs a TLS setup (root certificates parsed again) and a connection pool of its
    /// own, which made a fresh client per request the biggest cost of a small file's
    /// upload. Kept per thread because a pooled connection is driven by the runtime that
    /// opened it: each actix worker runs its own, and a worker busy hashing a part (or a
    /// blocked thread) must not stall the S3 requests of the others.
    static KEPT_CLIENTS: RefCell<HashMap<PlaceKey, Client>> = RefCell::new(HashMap::new());
}

/// Where a bucket is: its region and, optionally, the endpoint of another S3 service.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub region: &'a str,
    pub endpoint: Option<&'a str>,
    pub force_path_style: bool,
}

/// Whether the way to `endpoint` (None: AWS itself) already protects a request body:
/// TLS, or the loopback interface. There Hopper spends no CPU on the SDK's per-request
/// body checksum (CRC32) or on signing the payload (a second SHA-256 pass over every
/// byte): Hopper hashes each file itself and checks what it stored. Over plain HTTP to
/// another machine both stay on, so a damaged or altered part is refused by the store.
pub fn transport_protects_body(endpoint: Option<&str>) -> bool {
    let Some(endpoint) = endpoint else {
        return true;
    };
    url::Url::parse(endpoint).is_ok_and(|url| {
        url.scheme() == "https"
            || match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(name)) => name == "localhost",
                None => false,
            }
    })
}

fn checksums_for(endpoint: Option<&str>) -> RequestChecksumCalculation {
    if transport_protects_body(endpoint) {
        RequestChecksumCalculation::WhenRequired
    } else {
        RequestChecksumCalculation::WhenSupported
    }
}

/// Whether requests of `client` may send unsigned payloads: clients are built with
/// checksums only when required exactly when their transport protects the body (see
/// [`transport_protects_body`]), and the SDK's config has no getter for its endpoint.
pub fn sends_unsigned_payloads(client: &Client) -> bool {
    client.config().request_checksum_calculation()
        == Some(&RequestChecksumCalculation::WhenRequired)
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the bucket {0:?} does not exist or Hopper may not use it")]
    BucketUnavailable(String),
    #[error("S3 request failed: {0}")]
    Request(String),
}

impl Storage {
    pub async fn connect(config: &S3Config) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()));
        if let Some(creds) = &config.credentials {
            loader = loader.credentials_provider(Credentials::new(
                creds.access_key_id.clone(),
                creds.secret_access_key.expose().to_owned(),
                None,
                None,
                "hopper",
            ));
        }
        if let Some(endpoint) = &config.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        loader = loader
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(config.retry.max_attempts)
                    .with_initial_backoff(std::time::Duration::from_millis(200)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(config.retry.connect_timeout)
                    .operation_attempt_timeout(config.retry.attempt_timeout)
                    .build(),
            );
        let shared = loader.load().await;
        let s3_config = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(config.force_path_style)
            .request_checksum_calculation(checksums_for(config.endpoint.as_deref()))
            .build();
        Self {
            client: Client::from_conf(s3_config),
            id: NEXT_STORAGE_ID.fetch_add(1, Ordering::Relaxed),
            create_missing_buckets: config.create_missing_buckets,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A client for a storage location: its region, its endpoint when it names one (an
    /// installation with several S3 services), the node's credentials either way.
    pub fn client_for(&self, place: &Place<'_>) -> Client {
        let key = (
            self.id,
            place.region.to_owned(),
            place.endpoint.map(str::to_owned),
            place.endpoint.is_some() && place.force_path_style,
        );
        KEPT_CLIENTS.with(|kept| {
            let mut kept = kept.borrow_mut();
            if let Some(client) = kept.get(&key) {
                return client.clone();
            }
            if kept.len() >= MAX_KEPT_CLIENTS {
                kept.clear();
            }
            let client = self.build_client(place);
            kept.insert(key, client.clone());
            client
        })
    }

    fn build_client(&self, place: &Place<'_>) -> Client {
        let mut config = self
            .client
            .config()
            .to_builder()
            .region(Region::new(place.region.to_owned()));
        if let Some(endpoint) = place.endpoint {
            config = config
                .endpoint_url(endpoint)
                .force_path_style(place.force_path_style)
                .request_checksum_calculation(checksums_for(Some(endpoint)));
        }
        Client::from_conf(config.build())
    }

    /// Whether this is Hopper's own endpoint, where missing buckets are created on demand.
    pub fn creates_missing_buckets(&self) -> bool {
        self.create_missing_buckets
    }

    /// The endpoint answers signed requests (used by `/readyz`).
    pub async fn check_ready(&self) -> Result<(), StorageError> {
        self.client
            .list_buckets()
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string())
            })
    }

    /// Makes sure `bucket` can be used. Against Hopper's own endpoint a missing bucket is
    /// created; against a real one it is a clear error.
    pub async fn ensure_bucket(&self, bucket: &str) -> Result<(), StorageError> {
        self.ensure_bucket_with(&self.client, bucket).await
    }

    /// [`Storage::ensure_bucket`] through a location's own client.
    pub async fn ensure_bucket_with(
        &self,
        client: &Client,
        bucket: &str,
    ) -> Result<(), StorageError> {
        match client.head_bucket().bucket(bucket).send().await {
            Ok(_) => Ok(()),
            Err(_) if self.create_missing_buckets => {
                match client.create_bucket().bucket(bucket).send().await {
                    Ok(_) => Ok(()),
                    // Another upload created it a moment ago: that is what we wanted.
                    Err(e)
                        if e.as_service_error().is_some_and(|e| {
                            e.is_bucket_already_exists() || e.is_bucket_already_owned_by_you()
                        }) =>
                    {
                        Ok(())
                    }
                    Err(e) => Err(StorageError::Request(
                        aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
                    )),
                }
            }
            Err(_) => Err(StorageError::BucketUnavailable(bucket.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::transport_protects_body;

    #[test]
    fn only_tls_and_the_loopback_count_as_protecting_a_body() {
        assert!(transport_protects_body(None), "AWS itself: https");
        assert!(transport_protects_body(Some("https://s3.example.com")));
        assert!(transport_protects_body(Some("http://127.0.0.1:9000")));
        assert!(transport_protects_body(Some("http://[::1]:9000")));
        assert!(transport_protects_body(Some("http://localhost:9000")));
        assert!(!transport_protects_body(Some("http://minio:9000")));
        assert!(!transport_protects_body(Some("http://192.0.2.7:9000")));
        assert!(!transport_protects_body(Some("not a url")));
    }
}
