//! Which part of a filtered list to show: the search text and one page of rows.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListWindow {
    /// Trimmed and bounded; `None` shows everything.
    pub text: Option<String>,
    pub offset: i64,
    /// Rows to load: a page plus one, to know whether a next page exists.
    pub limit: i64,
}

impl ListWindow {
    /// The first `limit` rows, unfiltered (a form's choices).
    pub fn first(limit: i64) -> ListWindow {
        ListWindow {
            text: None,
            offset: 0,
            limit,
        }
    }
}
