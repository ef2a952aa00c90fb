//! Charts drawn on the server as SVG: no chart JavaScript, a title and a text
//! alternative for screen readers, the same figures as the tables beside them.

use chrono::{Duration, NaiveDate};

use crate::db::models::day_figures::DayFigures;
use crate::domain::sizes::human_size;

pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub label: String,
    /// The value as a sentence part, for the bar's tooltip.
    pub text: String,
}

pub struct BarChart {
    pub id: String,
    pub title: String,
    /// The whole chart as one sentence (the text alternative).
    pub summary: String,
    pub width: i64,
    pub height: i64,
    pub bars: Vec<Bar>,
    pub max_label: String,
    /// Dates under the bars: the first day, the middle one and today.
    pub x_labels: Vec<String>,
}

const WIDTH: i64 = 600;
const HEIGHT: i64 = 120;

/// One bar per day over `days` days ending `today`, missing days as zero.
pub fn per_day(
    id: &str,
    title: &str,
    figures: &[DayFigures],
    today: NaiveDate,
    days: i64,
    bytes: bool,
) -> BarChart {
    let series: Vec<(NaiveDate, i64)> = (0..days)
        .map(|back| today - Duration::days(days - 1 - back))
        .map(|day| {
            let f = figures.iter().find(|f| f.day == day);
            (day, f.map_or(0, |f| if bytes { f.bytes } else { f.files }))
        })
        .collect();
    let show = |v: i64| {
        if bytes {
            human_size(v.max(0) as u64)
        } else {
            format!("{v} files")
        }
    };
    let max = series.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let slot = WIDTH / days.max(1);
    let bars = series
        .iter()
        .enumerate()
        .map(|(i, (day, value))| {
            let height = value * (HEIGHT - 10) / max;
            Bar {
                x: i as i64 * slot + 1,
                y: HEIGHT - height,
                width: (slot - 2).max(1),
                height,
                label: day.format("%Y-%m-%d").to_string(),
                text: show(*value),
            }
        })
        .collect();
    let total: i64 = series.iter().map(|(_, v)| v).sum();
    let busiest = series.iter().max_by_key(|(_, v)| *v);
    let summary = match busiest {
        Some((day, value)) if *value > 0 => format!(
            "{title}: {} over the last {days} days; the busiest day was {} with {}.",
            show(total),
            day.format("%Y-%m-%d"),
            show(*value)
        ),
        _ => format!("{title}: nothing arrived in the last {days} days."),
    };
    let label = |back: i64| (today - Duration::days(back)).format("%-d %b").to_string();
    BarChart {
        id: id.to_owned(),
        title: title.to_owned(),
        summary,
        width: WIDTH,
        height: HEIGHT,
        bars,
        max_label: show(max),
        x_labels: vec![label(days - 1), label(days / 2), "today".to_owned()],
    }
}

pub struct Segment {
    pub x: i64,
    pub width: i64,
    pub class: &'static str,
    pub text: String,
}

pub struct StatusChart {
    pub title: String,
    pub summary: String,
    pub segments: Vec<Segment>,
    /// Every outcome with its count, for the legend (shown even at zero).
    pub legend: Vec<(&'static str, String)>,
}

/// A cycle's files by outcome as one stacked bar.
pub fn status_breakdown(title: &str, uploaded: i64, skipped: i64, failed: i64) -> StatusChart {
    let total = (uploaded + skipped + failed).max(1);
    let mut x = 0;
    let mut segments = Vec::new();
    for (count, class, name) in [
        (uploaded, "uploaded", "uploaded"),
        (skipped, "skipped", "skipped as duplicates"),
        (failed, "failed", "failed"),
    ] {
        let width = count * WIDTH / total;
        if width > 0 {
            segments.push(Segment {
                x,
                width,
                class,
                text: format!("{count} {name}"),
            });
        }
        x += width;
    }
    StatusChart {
        title: title.to_owned(),
        legend: vec![
            ("uploaded", format!("{uploaded} uploaded")),
            ("skipped", format!("{skipped} skipped as duplicates")),
            ("failed", format!("{failed} failed")),
        ],
        summary: format!(
            "{title}: {uploaded} uploaded, {skipped} skipped as duplicates, {failed} failed."
        ),
        segments,
    }
}
