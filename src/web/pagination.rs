//! Offset pagination for the administration lists (tens to thousands of rows; the
//! dashboards over millions use keyset pagination instead).

use serde::Deserialize;

use crate::domain::ListWindow;

pub const PER_PAGE: i64 = 25;

/// The query string of a filtered, paginated list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: Option<i64>,
    /// A list-specific state filter (`active`, `inactive`, `deleted`, `all`).
    #[serde(default)]
    pub show: String,
}

impl ListQuery {
    pub fn page_number(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 100_000)
    }

    pub fn offset(&self) -> i64 {
        (self.page_number() - 1) * PER_PAGE
    }

    /// The search text and this page's rows (one more, to know whether a next exists).
    pub fn window(&self) -> ListWindow {
        ListWindow {
            text: self.text(),
            offset: self.offset(),
            limit: PER_PAGE + 1,
        }
    }

    /// `show=active` or `show=inactive`; anything else shows both.
    pub fn active(&self) -> Option<bool> {
        active_filter(&self.show)
    }

    /// The text filter, trimmed and bounded; `None` when blank.
    pub fn text(&self) -> Option<String> {
        search_text(&self.q)
    }
}

/// One page of a list, with what its navigation links need.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub has_next: bool,
    /// The filter part of the query string, URL-encoded, without `page`.
    pub filter_query: String,
}

impl<T> Paged<T> {
    /// `rows` was fetched with `LIMIT PER_PAGE + 1`: the extra row only says there is more.
    pub fn from_rows(mut rows: Vec<T>, query: &ListQuery) -> Paged<T> {
        let has_next = rows.len() as i64 > PER_PAGE;
        rows.truncate(PER_PAGE as usize);
        let filter_query =
            serde_urlencoded::to_string([("q", query.q.trim()), ("show", query.show.as_str())])
                .unwrap_or_default();
        Paged {
            items: rows,
            page: query.page_number(),
            has_next,
            filter_query,
        }
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn prev_page(&self) -> i64 {
        self.page - 1
    }

    pub fn next_page(&self) -> i64 {
        self.page + 1
    }
}

/// `active` or `inactive` from a filter; anything else means both.
pub fn active_filter(value: &str) -> Option<bool> {
    match value {
        "active" => Some(true),
        "inactive" => Some(false),
        _ => None,
    }
}

/// A search box's text, trimmed and bounded; `None` when empty.
pub fn search_text(value: &str) -> Option<String> {
    let text: String = value.trim().chars().take(100).collect();
    (!text.is_empty()).then_some(text)
}
