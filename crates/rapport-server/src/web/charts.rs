//! SVG geometry for the pictures: the numbers are the domain's; this module only places them.
//! Templates draw the shapes these structs describe, so every chart is plain SVG in the page
//! (no script, no outside request) with a `<title>` on each mark for screen readers and hover.

use jiff::civil::Date;
use rapport_core::punctuality::Punctuality;

use super::short_date;

/// One bar, already placed.
#[derive(Debug, Clone)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Under the bar.
    pub label: String,
    /// Above the bar.
    pub value: String,
    /// The mark's `<title>`.
    pub title: String,
}

/// A bar chart in a `WIDTH` × `HEIGHT` view box, with room for labels.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub bars: Vec<Bar>,
    pub baseline: f64,
}

pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 220.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 28.0;
const SIDE: f64 = 8.0;

impl BarChart {
    /// Bars of `values` (label, value, value as shown, title), scaled to the largest value or
    /// to `max` when given (shares: 1.0).
    pub fn new(values: Vec<(String, f64, String, String)>, max: Option<f64>) -> BarChart {
        let top_value = max
            .unwrap_or_else(|| values.iter().map(|v| v.1).fold(0.0, f64::max))
            .max(f64::MIN_POSITIVE);
        let slot = (WIDTH - 2.0 * SIDE) / values.len().max(1) as f64;
        let baseline = HEIGHT - BOTTOM;
        let bars = values
            .into_iter()
            .enumerate()
            .map(|(i, (label, value, shown, title))| {
                let height = (value / top_value).clamp(0.0, 1.0) * (baseline - TOP);
                Bar {
                    x: SIDE + slot * i as f64 + slot * 0.15,
                    y: baseline - height,
                    width: slot * 0.7,
                    height,
                    label,
                    value: shown,
                    title,
                }
            })
            .collect();
        BarChart { bars, baseline }
    }
}

/// One touch on the contact timeline: when it happened (x) against how late it was (y).
#[derive(Debug, Clone)]
pub struct TimelineDot {
    pub x: f64,
    pub y: f64,
    pub on_time: bool,
    pub title: String,
}

/// A contact's touches against their cycle: x is when each touch happened, the middle line is
/// "on the due day", dots above it were late and below it early, by how many days.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub dots: Vec<TimelineDot>,
    /// The "on time" line.
    pub zero_y: f64,
    /// Date labels along the bottom.
    pub ticks: Vec<(f64, String)>,
    /// The next touch, on the due line: where, and its `<title>`.
    pub next: (f64, String),
    /// How many days the top edge stands for.
    pub span_days: i64,
}

impl Timeline {
    pub fn new(history: &[Punctuality], next_due: Date) -> Timeline {
        let first = history.first().map_or(next_due, |p| p.on.min(p.due));
        let last = next_due.max(history.last().map_or(next_due, |p| p.on));
        let days = |from: Date, to: Date| f64::from((to - from).get_days());
        let total: f64 = days(first, last).max(1.0);
        let x_of = |day: Date| SIDE + 24.0 + days(first, day) / total * (WIDTH - 2.0 * SIDE - 48.0);
        let span_days = history
            .iter()
            .map(|p| p.days_late().abs())
            .max()
            .unwrap_or(0)
            .max(7);
        let zero_y = TOP + (HEIGHT - TOP - BOTTOM) / 2.0;
        let half = (HEIGHT - TOP - BOTTOM) / 2.0;
        let dots = history
            .iter()
            .map(|p| {
                let late = p.days_late();
                let lateness = match late {
                    0 => "on its due day".to_owned(),
                    d if d > 0 => format!("{d} days late"),
                    d => format!("{} days early", -d),
                };
                TimelineDot {
                    x: x_of(p.on),
                    y: zero_y - late as f64 / span_days as f64 * half,
                    on_time: p.on_time(),
                    title: format!(
                        "{}: {lateness} (due {})",
                        short_date(p.on),
                        short_date(p.due)
                    ),
                }
            })
            .collect();
        let ticks = (0..=4)
            .map(|i| {
                let offset = (total * f64::from(i) / 4.0).round() as i64;
                let day = first
                    .checked_add(jiff::Span::new().days(offset))
                    .unwrap_or(first);
                (x_of(day), short_date(day))
            })
            .collect();
        Timeline {
            dots,
            zero_y,
            ticks,
            next: (
                x_of(next_due),
                format!("next touch due {}", short_date(next_due)),
            ),
            span_days,
        }
    }
}
