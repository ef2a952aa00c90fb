//! Who acts when nobody is signed in: a link.

use crate::db::ids::{ShareLinkId, UploadLinkId};

/// A link that acts without a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    ShareLink(ShareLinkId),
    UploadLink(UploadLinkId),
}

impl Via {
    /// The details key and id an audit row names it by.
    pub fn key(self) -> (&'static str, i32) {
        match self {
            Via::ShareLink(id) => ("share_link", id.0),
            Via::UploadLink(id) => ("upload_link", id.0),
        }
    }
}
