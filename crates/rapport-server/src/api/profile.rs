//! The ideal client profile: its criteria (everyone reads, admins change), fit scores with
//! their reasons, and an organization's profile and custom fields (anyone who writes).
//! The parsers here (`criterion_of`, `custom_fields`, `organization_patch`) also read the
//! web forms, so a page and the API refuse the same values with the same words.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_core::fit::{
    Criterion, FieldChanges, FieldKey, Test, Weight, employee_count, field_value,
};
use rapport_core::model::{ContactId, OrganizationId, non_blank};
use rapport_store::OrganizationPatch;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ApiResult, Body, Fields, Moment, Page, created, if_match, one_line_name, path_id};
use crate::AppState;
use crate::auth::{Actor, Writer};
use crate::problem::Problem;
use crate::views::{CriterionView, FitView, OrganizationView};

/// A new criterion of the ideal client profile.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionBody {
    /// `industry`, `size`, `region`, `tag` or `field:KEY` (a custom field).
    field: String,
    /// A comma-separated list (`Software, Logistics`), a tag, or a size range: `50..500`,
    /// `50..` or `..500` (employees, both ends included).
    value: String,
    /// 1 to 10.
    weight: i64,
}

/// A criterion from what a form or a body sent, every bad part named.
pub(crate) fn criterion_of(
    fields: &mut Fields,
    field: &str,
    value: &str,
    weight: &str,
) -> Option<Criterion> {
    let weight = fields.check("weight", weight.parse::<Weight>());
    let test = match Test::parse(field, value) {
        Ok(test) => Some(test),
        Err(err @ rapport_core::fit::FitError::UnknownField(_)) => {
            fields.error("field", err.to_string());
            None
        }
        Err(err) => {
            fields.error("value", err.to_string());
            None
        }
    };
    Some(Criterion {
        test: test?,
        weight: weight?,
    })
}

/// Custom fields to set and remove from `key → value` (null or blank removes), each bad key or
/// value named as `NAME.KEY`.
pub(crate) fn custom_fields(
    fields: &mut Fields,
    name: &str,
    map: BTreeMap<String, Option<String>>,
) -> FieldChanges {
    let mut set = Vec::new();
    let mut remove = Vec::new();
    for (key, value) in map {
        let Some(parsed) = fields.check(&format!("{name}.{key}"), key.parse::<FieldKey>()) else {
            continue;
        };
        match non_blank(value) {
            None => remove.push(parsed),
            Some(text) => {
                if let Some(value) = fields.check(&format!("{name}.{key}"), field_value(&text)) {
                    set.push((parsed, value));
                }
            }
        }
    }
    (set, remove)
}

/// Custom fields as a form's text area sends them — one `key: value` per line — against the
/// record's current ones: a line sets its field, a field with no line any more is removed.
pub(crate) fn fields_from_lines(
    fields: &mut Fields,
    text: &str,
    current: &BTreeMap<FieldKey, String>,
) -> BTreeMap<String, Option<String>> {
    let mut wanted: BTreeMap<String, Option<String>> =
        current.keys().map(|k| (k.to_string(), None)).collect();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match line.split_once(':') {
            Some((key, value)) if !value.trim().is_empty() => {
                wanted.insert(key.trim().to_lowercase(), Some(value.trim().to_owned()));
            }
            _ => fields.error(
                "fields",
                format!(
                    "line {}: expected KEY: VALUE, got '{}'",
                    number + 1,
                    line.trim()
                ),
            ),
        }
    }
    wanted
}

/// The ideal client profile's criteria, in the order they were added.
#[utoipa::path(get, path = "/api/v1/icp/criteria", responses(
    (status = 200, body = Page<CriterionView>),
))]
pub(super) async fn list(
    State(state): State<AppState>,
    Actor(_): Actor,
) -> ApiResult<Json<Page<CriterionView>>> {
    let all = state.store.icp_criteria().await?;
    Ok(Json(Page {
        items: all.iter().map(CriterionView::from).collect(),
        next_cursor: None,
    }))
}

/// Adds a criterion to the ideal client profile. Admins only; audited.
#[utoipa::path(post, path = "/api/v1/icp/criteria", request_body = CriterionBody, responses(
    (status = 201, body = CriterionView, headers(("Location" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn add(
    State(state): State<AppState>,
    Writer(account): Writer,
    Body(body): Body<CriterionBody>,
) -> ApiResult<Response> {
    let mut fields = Fields::default();
    let criterion = criterion_of(
        &mut fields,
        &body.field,
        &body.value,
        &body.weight.to_string(),
    );
    fields.finish()?;
    let Some(criterion) = criterion else {
        return Err(Problem::internal());
    };
    let now = Moment::of(&state, &account).now;
    let id = state
        .store
        .add_icp_criterion(account.user.id, &criterion, now)
        .await?;
    let view = CriterionView::from(&rapport_store::StoredCriterion { id, criterion });
    Ok(created(format!("/api/v1/icp/criteria/{id}"), view))
}

/// Removes a criterion from the ideal client profile. Admins only; audited.
#[utoipa::path(delete, path = "/api/v1/icp/criteria/{id}", params(("id" = i64, Path)), responses(
    (status = 204),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn remove(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = path_id("id", &id)?;
    let now = Moment::of(&state, &account).now;
    state
        .store
        .remove_icp_criterion(account.user.id, id, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A contact's fit against the ideal client profile: its organization's facts and its own
/// tags and custom fields, with a reason per criterion.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/fit", params(("id" = i64, Path)), responses(
    (status = 200, body = FitView),
))]
pub(super) async fn contact_fit(
    State(state): State<AppState>,
    Actor(_): Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<FitView>> {
    let id = ContactId(path_id("id", &id)?);
    let fit = state.store.contact_fit(id).await?;
    Ok(Json(FitView::new(fit.as_ref())))
}

/// An organization's fit against the ideal client profile, with a reason per criterion.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/fit", params(("id" = i64, Path)), responses(
    (status = 200, body = FitView),
))]
pub(super) async fn organization_fit(
    State(state): State<AppState>,
    Actor(_): Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<FitView>> {
    let id = OrganizationId(path_id("id", &id)?);
    let fit = state.store.organization_fit(id).await?;
    Ok(Json(FitView::new(fit.as_ref())))
}

/// A change to an organization. Absent leaves a value alone; null clears it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OrganizationPatchBody {
    /// A new name: one line, unique ignoring case (409 if another organization has it).
    name: Option<String>,
    /// Its web domain (stored in lowercase), or null to clear.
    #[serde(deserialize_with = "super::clearable")]
    #[schema(value_type = Option<String>)]
    domain: Option<Option<String>>,
    /// A, B, C or D, or null to clear.
    #[serde(deserialize_with = "super::clearable")]
    #[schema(value_type = Option<String>)]
    tier: Option<Option<String>>,
    /// What it does ("Software"), or null to clear.
    #[serde(deserialize_with = "super::clearable")]
    #[schema(value_type = Option<String>)]
    industry: Option<Option<String>>,
    /// How many people it employs (at least 0), or null to clear.
    #[serde(deserialize_with = "super::clearable")]
    #[schema(value_type = Option<i64>)]
    size: Option<Option<i64>>,
    /// Where it is ("EU", "Nordics"), or null to clear.
    #[serde(deserialize_with = "super::clearable")]
    #[schema(value_type = Option<String>)]
    region: Option<Option<String>>,
    /// Custom fields to set (`key → value`) or remove (`key → null`). Keys are letters,
    /// digits, `-` and `_` (stored in lowercase).
    fields: BTreeMap<String, Option<String>>,
}

/// Text that is one line of at most 200 characters, or nothing.
fn profile_text(fields: &mut Fields, field: &str, value: Option<String>) -> Option<String> {
    let text = non_blank(value)?;
    if text.chars().count() > 200 || text.contains(['\n', '\r']) {
        fields.error(field, "one line of at most 200 characters");
    }
    Some(text)
}

/// What a body or a form asks to change in an organization, as sent (`size` and `tier` as
/// text). `None` leaves a value alone; `Some(None)` or blank clears it.
#[derive(Debug, Default)]
pub(crate) struct OrganizationEdit {
    pub name: Option<String>,
    pub domain: Option<Option<String>>,
    pub tier: Option<Option<String>>,
    pub industry: Option<Option<String>>,
    pub size: Option<Option<String>>,
    pub region: Option<Option<String>>,
    pub custom: BTreeMap<String, Option<String>>,
}

/// An organization patch from what a body or a form sent, each bad value noted in `fields`.
pub(crate) fn organization_patch(fields: &mut Fields, edit: OrganizationEdit) -> OrganizationPatch {
    let size = edit
        .size
        .map(|text| non_blank(text).and_then(|t| fields.check("size", employee_count(&t))));
    let tier = edit
        .tier
        .map(|text| non_blank(text).and_then(|t| fields.parse("tier", Some(&t))));
    let (set_fields, remove_fields) = custom_fields(fields, "fields", edit.custom);
    OrganizationPatch {
        name: edit.name.map(|name| one_line_name(fields, "name", &name)),
        domain: edit.domain.map(|v| profile_text(fields, "domain", v)),
        tier,
        industry: edit.industry.map(|v| profile_text(fields, "industry", v)),
        size,
        region: edit.region.map(|v| profile_text(fields, "region", v)),
        set_fields,
        remove_fields,
        expected_version: None,
    }
}

/// Changes an organization — its name, domain, tier, profile and custom fields — if it is
/// still at the version `If-Match` names (else 412). Anyone who may write.
#[utoipa::path(patch, path = "/api/v1/organizations/{id}", params(
    ("id" = i64, Path),
    ("If-Match" = String, Header, description = "the ETag from GET: the organization's version"),
), request_body = OrganizationPatchBody, responses(
    (status = 200, body = OrganizationView, headers(("ETag" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 428, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn edit_organization(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<OrganizationPatchBody>,
) -> ApiResult<Response> {
    let id = OrganizationId(path_id("id", &id)?);
    let expected = if_match(&headers)?;
    let mut fields = Fields::default();
    let edit = OrganizationEdit {
        name: body.name,
        domain: body.domain,
        tier: body.tier,
        industry: body.industry,
        size: body.size.map(|s| s.map(|n| n.to_string())),
        region: body.region,
        custom: body.fields,
    };
    let patch = OrganizationPatch {
        expected_version: Some(expected),
        ..organization_patch(&mut fields, edit)
    };
    fields.finish()?;
    let now = Moment::of(&state, &account).now;
    state
        .store
        .edit_organization(account.user.id, id, patch, now)
        .await?;
    Ok(organization_with_etag(OrganizationView::from(
        &state.store.organization(id).await?,
    )))
}

/// An organization with its version as a strong ETag, for `If-Match` on the next edit.
pub(super) fn organization_with_etag(view: OrganizationView) -> Response {
    let etag = format!("\"{}\"", view.version);
    let mut response = Json(view).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}
