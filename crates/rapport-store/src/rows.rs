//! Reading typed values out of rows. Everything stored as text is parsed back through the
//! domain's own parsers, so a malformed value surfaces as `StoreError::Corrupt`, never a panic.

use std::fmt::Display;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::model::{ContactId, Touch, TouchId, User, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};

pub(crate) fn text(row: &AnyRow, col: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(col)?)
}

pub(crate) fn opt_text(row: &AnyRow, col: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

pub(crate) fn int(row: &AnyRow, col: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}

pub(crate) fn opt_int(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(col)?)
}

/// A 0/1 integer flag.
pub(crate) fn flag(row: &AnyRow, col: &str) -> Result<bool> {
    match int(row, col)? {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(StoreError::Corrupt(format!("{col} = {other}"))),
    }
}

pub(crate) fn parse<T>(col: &str, value: &str) -> Result<T>
where
    T: FromStr,
    T::Err: Display,
{
    value
        .parse()
        .map_err(|e| StoreError::Corrupt(format!("{col} = '{value}': {e}")))
}

pub(crate) fn parsed<T>(row: &AnyRow, col: &str) -> Result<T>
where
    T: FromStr,
    T::Err: Display,
{
    parse(col, &text(row, col)?)
}

pub(crate) fn opt_parsed<T>(row: &AnyRow, col: &str) -> Result<Option<T>>
where
    T: FromStr,
    T::Err: Display,
{
    opt_text(row, col)?.map(|v| parse(col, &v)).transpose()
}

pub(crate) fn date(row: &AnyRow, col: &str) -> Result<Date> {
    parsed(row, col)
}

pub(crate) fn opt_date(row: &AnyRow, col: &str) -> Result<Option<Date>> {
    opt_parsed(row, col)
}

pub(crate) fn instant(row: &AnyRow, col: &str) -> Result<Timestamp> {
    parsed(row, col)
}

pub(crate) fn opt_instant(row: &AnyRow, col: &str) -> Result<Option<Timestamp>> {
    opt_parsed(row, col)
}

pub(crate) fn user(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: UserId(int(row, "id")?),
        email: text(row, "email")?,
        name: text(row, "name")?,
        time_zone: opt_text(row, "time_zone")?,
    })
}

/// The touch columns, in the order [`touch`] reads them.
pub(crate) const TOUCH_COLUMNS: &str = "id, contact_id, author_id, kind, direction, occurred_at, \
     occurred_on, summary, needs, next_approach, private";

pub(crate) fn touch(row: &AnyRow) -> Result<Touch> {
    Ok(Touch {
        id: TouchId(int(row, "id")?),
        contact: ContactId(int(row, "contact_id")?),
        author: UserId(int(row, "author_id")?),
        kind: parsed(row, "kind")?,
        direction: parsed(row, "direction")?,
        at: instant(row, "occurred_at")?,
        on: date(row, "occurred_on")?,
        summary: opt_text(row, "summary")?,
        needs: opt_text(row, "needs")?,
        next_approach: opt_text(row, "next_approach")?,
        private: flag(row, "private")?,
    })
}

/// `$first, $first+1, …` for an `IN (…)` list of `count` values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `LIKE … ESCAPE '\\'` pattern matching `fragment` anywhere, with its wildcards escaped.
pub(crate) fn like_pattern(fragment: &str) -> String {
    let escaped = fragment
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
