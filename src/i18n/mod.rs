//! What outsiders read, in their language: the message catalogue (Project Fluent files
//! under `locales/`, compiled into the binary), refusals said by their code, and numbers,
//! sizes and times in the locale's format. Below the services (emails use it) and above
//! the domain; it knows nothing of HTTP or the database.

mod catalogue;
pub mod format;
mod refusal;
mod scripts;

pub use catalogue::{has, say, Msg};
pub use refusal::{refusal, stored_refusal};
pub use scripts::script_messages;
