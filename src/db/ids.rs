//! Typed ids, so that a project id cannot be passed where a cycle id is expected.

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

macro_rules! typed_id {
    ($($name:ident),* $(,)?) => {$(
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            DieselNewType, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i32);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

typed_id!(
    CompanyId,
    UserId,
    ProjectId,
    CycleId,
    SyncSessionId,
    FileUploadId,
    ShareLinkId,
    StorageLocationId,
    DocumentRequestId,
    CycleRequestId,
    UploadLinkId,
    UploadLinkVisitId,
    ApiTokenId,
    PasskeyId,
    LegalHoldId,
    WebhookEndpointId,
);
