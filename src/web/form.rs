//! The shape of every form post: parse what was typed (collecting a message per field),
//! run the use case, then either go on or show the form again with its messages. A use
//! case may refuse with field messages of its own (`AppError::Invalid`), e.g. a name
//! already taken; those come back the same way.

use std::future::Future;

use crate::error::AppError;
use crate::web::FieldErrors;

/// The parsed input, or the messages of every field that did not parse.
pub fn validated<I>(parse: impl FnOnce(&mut FieldErrors) -> Option<I>) -> Result<I, FieldErrors> {
    let mut errors = FieldErrors::default();
    match parse(&mut errors) {
        Some(input) if errors.is_empty() => Ok(input),
        _ => Err(errors),
    }
}

/// Runs `use_case` on valid input. `Ok(Err(messages))`: show the form again;
/// `Err`: anything else went wrong (a 404, a conflict, an outage).
pub async fn submit<I, T, F, Fut>(
    input: Result<I, FieldErrors>,
    use_case: F,
) -> Result<Result<T, FieldErrors>, AppError>
where
    F: FnOnce(I) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let input = match input {
        Ok(input) => input,
        Err(errors) => return Ok(Err(errors)),
    };
    match use_case(input).await {
        Ok(done) => Ok(Ok(done)),
        Err(AppError::Invalid(errors)) => Ok(Err(errors)),
        Err(other) => Err(other),
    }
}
