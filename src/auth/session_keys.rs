//! Names of the values Hopper keeps in a session's state.
//!
//! `UID`, `IP`, `UA` and `METHOD` are written once at sign-in; the store moves them into
//! columns of `auth_sessions`. `SID` is added by the store on load (the row's id) and never
//! saved. Between the password and the second factor a session holds `PENDING_UID`
//! instead of `UID` (a row whose `sign_in_method` is NULL), which no guard accepts.

pub const UID: &str = "uid";
pub const SID: &str = "sid";
pub const IP: &str = "ip";
pub const UA: &str = "ua";
pub const CSRF: &str = "csrf";
pub const FLASH: &str = "flash";
/// How the session signed in (`SignInMethod`'s text).
pub const METHOD: &str = "sign_in_method";
/// The user whose password was right and whose second factor is still owed.
pub const PENDING_UID: &str = "pending_uid";
/// Where a pending sign-in goes once complete.
pub const PENDING_NEXT: &str = "pending_next";
/// The authenticator secret being enrolled (base32), until a code confirms it.
pub const TOTP_ENROLMENT: &str = "totp_enrolment";

/// Keys the store keeps in columns rather than in the `state` document.
pub const COLUMN_KEYS: [&str; 6] = [UID, SID, IP, UA, METHOD, PENDING_UID];

/// The company the operator opened for administration (server-side state only).
pub const OPERATOR_COMPANY: &str = "operator_company";
