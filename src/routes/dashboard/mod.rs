//! Dashboards: the project summary, a project's cycles, a cycle's sessions. A page and its
//! htmx partial render from one template; tables refresh themselves without losing the
//! filters (they are in the URL) or the scroll position (only the table is swapped).
//! Imports as every route does: services, auth, web, domain, ids.

pub mod cycle;
pub mod project;
pub mod summary;

pub use cycle::cycle;
pub use project::project;
pub use summary::projects;

pub const PAGE_ROWS: i64 = 25;
pub const CHART_DAYS: i64 = 30;
