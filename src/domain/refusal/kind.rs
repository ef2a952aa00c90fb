//! Refusals of a file by what it is: its name's type, or its content under that name. A
//! sender meets these most often, so each is its own variant with its facts as fields: a
//! catalogue says it in the sender's language, and a failed file keeps it to be said again
//! on a receipt.

use crate::domain::file_content::Content;

refusals! {
    /// A file of a kind that is not taken where it was sent.
    pub enum KindRefused {
        #[error("this project accepts only {allowed} files")]
        ProjectTakesOnly { allowed: String } => "kind.project_takes_only", TypeNotTaken;
        #[error("“{request}” accepts only {allowed} files")]
        RequestTakesOnly { request: String, allowed: String } => "kind.request_takes_only", TypeNotTaken;
        #[error("the name says {ext} but the file is a program; programs are not accepted")]
        ProgramNamedOtherwise { ext: String } => "kind.program_named_otherwise", TypeNotTaken;
        #[error("the file is a program; programs are not accepted")]
        Program => "kind.program", TypeNotTaken;
        #[error("the name says {ext} but the file is {}; rename it or send the right file", .actual.in_english())]
        NotWhatItsNameSays { ext: String, actual: Content } => "kind.not_what_its_name_says", TypeNotTaken;
        #[error("the name says {ext} but the file is not one (it may be damaged or renamed)")]
        NotOfItsType { ext: String } => "kind.not_of_its_type", TypeNotTaken;
    }
}
