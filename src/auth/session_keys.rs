//! Names of the values Hopper keeps in a session's state.
//!
//! `UID`, `IP` and `UA` are written once at sign-in; the store moves them into columns of
//! `auth_sessions`. `SID` is added by the store on load (the row's id) and never saved.

pub const UID: &str = "uid";
pub const SID: &str = "sid";
pub const IP: &str = "ip";
pub const UA: &str = "ua";
pub const CSRF: &str = "csrf";
pub const FLASH: &str = "flash";
/// How the session signed in when not by password (`sso:<issuer>`), for its audit row.
pub const SIGN_IN_METHOD: &str = "sign_in_method";

/// Keys the store keeps in columns rather than in the `state` document.
pub const COLUMN_KEYS: [&str; 4] = [UID, SID, IP, UA];

/// The company the operator opened for administration (server-side state only).
pub const OPERATOR_COMPANY: &str = "operator_company";
