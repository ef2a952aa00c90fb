//! Who acts without a signed-in session: a link, or a program with a token.

use crate::db::ids::{ApiTokenId, ShareLinkId, UploadLinkId};

/// A link or a token, acting without a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    ShareLink(ShareLinkId),
    UploadLink(UploadLinkId),
    ApiToken(ApiTokenId),
}

impl Via {
    /// The details key and id an audit row names it by.
    pub fn key(self) -> (&'static str, i32) {
        match self {
            Via::ShareLink(id) => ("share_link", id.0),
            Via::UploadLink(id) => ("upload_link", id.0),
            Via::ApiToken(id) => ("api_token", id.0),
        }
    }
}
