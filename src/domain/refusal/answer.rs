//! Refusals of an answer to a question (a request of any kind but a file).

refusals! {
    /// An answer that does not fit its question.
    pub enum AnswerRefused {
        #[error("Type an answer first.")]
        Empty => "answer.empty", BadInput;
        #[error("An answer is at most {max} characters.")]
        TooLong { max: usize } => "answer.too_long", OverLimit;
        #[error("“{value}” is not a number; type digits, with a point or a comma for decimals.")]
        NotANumber { value: String } => "answer.not_a_number", BadInput;
        #[error("“{value}” is not a date; give it as YYYY-MM-DD.")]
        NotADate { value: String } => "answer.not_a_date", BadInput;
        #[error("Answer yes or no.")]
        NotYesOrNo => "answer.not_yes_or_no", BadInput;
        #[error("Choose one of: {choices}.")]
        NotAChoice { choices: String } => "answer.not_a_choice", BadInput;
        #[error("This request asks for a file, not an answer.")]
        NotAQuestion => "answer.not_a_question", BadInput;
    }
}
