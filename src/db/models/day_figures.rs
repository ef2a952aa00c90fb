//! A day's figures for the dashboards' charts.

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Date};
use diesel::QueryableByName;

/// Files and bytes that arrived per day, in the viewer's timezone.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct DayFigures {
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub files: i64,
    #[diesel(sql_type = BigInt)]
    pub bytes: i64,
}
