//! Why a use case refuses what it was asked, in the words of its area: one enum per area,
//! each refusal with its sentence for a person, a stable code for a program, and a kind
//! the web edge turns into a status. Nothing here knows about HTTP.

/// Declares an area's refusals: each variant with its sentence (`#[error]`), its stable
/// code and its kind; the list of codes ([`Self::CODES`]) is complete by construction.
macro_rules! refusals {
    (
        $(#[$enum_meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$meta:meta])*
                $variant:ident $( ( $($tuple:ty),* $(,)? ) )? $( { $($field:ident : $fty:ty),* $(,)? } )?
                    => $code:literal, $kind:ident;
            )*
        }
    ) => {
        $(#[$enum_meta])*
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        pub enum $name {
            $(
                $(#[$meta])*
                $variant $( ( $($tuple),* ) )? $( { $($field : $fty),* } )?,
            )*
        }

        impl $name {
            /// Every code of this area.
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// Stable: programs match on it, the OpenAPI document lists it.
            pub fn code(&self) -> &'static str {
                match self {
                    $( Self::$variant { .. } => $code, )*
                }
            }

            pub fn kind(&self) -> $crate::domain::refusal::RefusalKind {
                match self {
                    $( Self::$variant { .. } => $crate::domain::refusal::RefusalKind::$kind, )*
                }
            }

            /// The named fields, as text: a message catalogue says the refusal with them
            /// (a tuple variant has none; its sentence is its own text).
            pub fn args(&self) -> Vec<(&'static str, String)> {
                match self {
                    $( Self::$variant { $($($field,)*)? .. } => vec![$($( (stringify!($field), $field.to_string()), )*)?], )*
                }
            }
        }
    };
}

/// The umbrella over every area's refusals, with a `From` for each area (into
/// [`Refusal`] and into [`AppError`](crate::error::AppError)).
macro_rules! areas {
    ($($area:ident($ty:ty)),* $(,)?) => {
        /// A refusal of some area; `AppError::Refused` carries it.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        pub enum Refusal {
            $( #[error(transparent)] $area($ty), )*
        }

        impl Refusal {
            pub fn code(&self) -> &'static str {
                match self {
                    $( Refusal::$area(r) => r.code(), )*
                }
            }

            pub fn kind(&self) -> RefusalKind {
                match self {
                    $( Refusal::$area(r) => r.kind(), )*
                }
            }

            /// The refusal's named fields, as text (see each area's `args`).
            pub fn args(&self) -> Vec<(&'static str, String)> {
                match self {
                    $( Refusal::$area(r) => r.args(), )*
                }
            }

            /// Every code a refusal can carry, area by area.
            pub fn all_codes() -> impl Iterator<Item = &'static str> {
                [$(<$ty>::CODES),*].into_iter().flatten().copied()
            }
        }

        $(
            impl From<$ty> for Refusal {
                fn from(r: $ty) -> Self {
                    Refusal::$area(r)
                }
            }

            impl From<$ty> for crate::error::AppError {
                fn from(r: $ty) -> Self {
                    crate::error::AppError::Refused(Refusal::$area(r))
                }
            }
        )*
    };
}

mod access;
mod account;
mod answer;
mod automation;
mod brand;
mod concurrency;
mod cycle;
mod file;
mod hold;
mod idempotency;
mod input;
mod kind;
mod link;
mod passkey;
mod project;
mod request;
mod scan;
mod sso;
mod storage;
mod tus;
mod upload;
mod webhook;

pub use access::AccessRefused;
pub use account::AccountRefused;
pub use answer::AnswerRefused;
pub use automation::AutomationRefused;
pub use brand::BrandRefused;
pub use concurrency::ConcurrencyRefused;
pub use cycle::CycleRefused;
pub use file::FileRefused;
pub use hold::HoldRefused;
pub use idempotency::IdempotencyRefused;
pub use input::InputRefused;
pub use kind::KindRefused;
pub use link::LinkRefused;
pub use passkey::PasskeyRefused;
pub use project::ProjectRefused;
pub use request::RequestRefused;
pub use scan::ScanRefused;
pub use sso::SsoRefused;
pub use storage::StorageRefused;
pub use tus::TusRefused;
pub use upload::UploadRefused;
pub use webhook::WebhookRefused;

impl Refusal {
    /// The refusal as a sender through an upload link hears it, where the staff's words
    /// differ: a cycle that closed meanwhile is "this collection is closed" (a sender never
    /// sees the firm's cycle codes, such as "C1").
    pub fn for_outsider(self) -> Refusal {
        match self {
            Refusal::Upload(UploadRefused::CycleClosed { .. }) => {
                LinkRefused::CollectionClosed.into()
            }
            other => other,
        }
    }
}

/// What sort of refusal it is; the web edge picks the status from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The thing's current state does not allow it (a closed cycle, a revoked link).
    StateForbids,
    /// What was sent is not usable (a missing field, a body that broke off).
    BadInput,
    /// The asker lacks the right.
    NoRight,
    /// More than a limit allows.
    OverLimit,
    /// Content of a kind that is not taken.
    TypeNotTaken,
    /// Another request holds the thing right now.
    InUse,
    /// Well-formed, but contradicting what was sent before (a reused idempotency key).
    Unprocessable,
}

areas! {
    Access(AccessRefused),
    Account(AccountRefused),
    Answer(AnswerRefused),
    Automation(AutomationRefused),
    Brand(BrandRefused),
    Concurrency(ConcurrencyRefused),
    Cycle(CycleRefused),
    File(FileRefused),
    Hold(HoldRefused),
    Idempotency(IdempotencyRefused),
    Input(InputRefused),
    Kind(KindRefused),
    Link(LinkRefused),
    Passkey(PasskeyRefused),
    Project(ProjectRefused),
    Request(RequestRefused),
    Scan(ScanRefused),
    Sso(SsoRefused),
    Storage(StorageRefused),
    Tus(TusRefused),
    Upload(UploadRefused),
    Webhook(WebhookRefused),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_unique_and_names_its_area() {
        let codes: Vec<&str> = Refusal::all_codes().collect();
        let mut seen = std::collections::HashSet::new();
        for code in &codes {
            assert!(seen.insert(*code), "{code} is used twice");
            let (area, name) = code.split_once('.').unwrap_or_default();
            assert!(
                !area.is_empty() && !name.is_empty(),
                "{code} is not area.name"
            );
            assert!(
                code.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'),
                "{code} is not snake_case"
            );
        }
    }

    #[test]
    fn a_refusal_keeps_its_sentence_code_and_kind() {
        let closed = Refusal::from(UploadRefused::CycleClosed {
            cycle: "Q3 2026".into(),
            status: "closed".into(),
        });
        assert_eq!(
            closed.to_string(),
            "Q3 2026 is closed; it accepts no more uploads."
        );
        assert_eq!(closed.code(), "upload.cycle_closed");
        assert_eq!(closed.kind(), RefusalKind::StateForbids);
        let large = Refusal::from(UploadRefused::TooLarge {
            path: "a.pdf".into(),
            limit: 2048,
        });
        assert_eq!(
            large.to_string(),
            "a.pdf is larger than the limit of 2.0 KiB."
        );
        assert_eq!(large.kind(), RefusalKind::OverLimit);
    }
}
