//! Lifecycle playbooks: every stage's (anyone reads, admins change), and each contact's
//! checklist progress (anyone who logs activity ticks a step). A stage's cadence is its
//! default cycle: changed through `/cadence-defaults`, shown here.

use axum::Json;
use axum::extract::{Path, State};
use rapport_core::Stage;
use rapport_core::model::ContactId;
use rapport_core::playbook::Part;
use rapport_store::PlaybookPatch;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ApiResult, Body, Fields, Moment, Page, path_id};
use crate::AppState;
use crate::auth::{Actor, Writer};
use crate::problem::Problem;
use crate::views::{ChecklistView, PlaybookView};

/// Every lifecycle stage's playbook, in the stages' order.
#[utoipa::path(get, path = "/api/v1/playbooks", responses(
    (status = 200, body = Page<PlaybookView>),
))]
pub(super) async fn list(
    State(state): State<AppState>,
    Actor(_): Actor,
) -> ApiResult<Json<Page<PlaybookView>>> {
    let all = state.store.playbooks().await?;
    Ok(Json(Page {
        items: all.iter().map(PlaybookView::from).collect(),
        next_cursor: None,
    }))
}

/// A change to a stage's playbook; absent parts stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PlaybookBody {
    looks_like: Option<String>,
    /// The steps, in order (at most 12).
    checklist: Option<Vec<String>>,
    approach_new: Option<String>,
    approach_seasoned: Option<String>,
}

/// The stage a path names, or a 400 naming it.
fn stage_of(text: &str) -> ApiResult<Stage> {
    text.parse::<Stage>()
        .map_err(|e| Problem::bad_parameter("stage", e.to_string()))
}

/// Changes a stage's playbook (admins only: it is the team's).
#[utoipa::path(patch, path = "/api/v1/playbooks/{stage}", params(("stage" = String, Path)), request_body = PlaybookBody, responses(
    (status = 200, body = PlaybookView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn change(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(stage): Path<String>,
    Body(body): Body<PlaybookBody>,
) -> ApiResult<Json<PlaybookView>> {
    let stage = stage_of(&stage)?;
    let mut fields = Fields::default();
    if let Some(steps) = &body.checklist
        && steps.iter().any(|s| s.contains('\n'))
    {
        fields.error("checklist", "one step per item, each on one line");
    }
    let checklist = body.checklist.map(|steps| steps.join("\n"));
    for (part, text) in [
        (Part::LooksLike, &body.looks_like),
        (Part::Checklist, &checklist),
        (Part::ApproachNew, &body.approach_new),
        (Part::ApproachSeasoned, &body.approach_seasoned),
    ] {
        if let Some(text) = text {
            fields.check(part.as_str(), part.canonical(text));
        }
    }
    fields.finish()?;
    let patch = PlaybookPatch {
        looks_like: body.looks_like,
        checklist,
        approach_new: body.approach_new,
        approach_seasoned: body.approach_seasoned,
    };
    let now = Moment::of(&state, &account).now;
    let changed = state
        .store
        .set_playbook(account.user.id, stage, patch, now)
        .await?;
    Ok(Json(PlaybookView::from(&changed)))
}

/// A contact's stage playbook and their progress through its checklist, with the approach
/// for their prospect kind (set, else suggested). 409 when they have no stage.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/checklist", params(("id" = i64, Path)), responses(
    (status = 200, body = ChecklistView),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn checklist(
    State(state): State<AppState>,
    Actor(_): Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<ChecklistView>> {
    let id = ContactId(path_id("id", &id)?);
    match state.store.checklist(id).await? {
        Some(checklist) => Ok(Json(ChecklistView::from(&checklist))),
        None => Err(no_stage(id)),
    }
}

fn no_stage(id: ContactId) -> Problem {
    Problem::new(
        axum::http::StatusCode::CONFLICT,
        format!("contact #{id} has no lifecycle stage, so no checklist: set one first"),
    )
}

/// Ticking a step: its number (from 1) and whether it is done.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TickBody {
    step: u64,
    /// `false` unticks; default `true`.
    done: Option<bool>,
}

/// Ticks (or unticks) a step of the contact's stage checklist (anyone who logs activity;
/// audited). Staying in a stage is never penalised: progress only guides.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/checklist", params(("id" = i64, Path)), request_body = TickBody, responses(
    (status = 200, body = ChecklistView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn tick(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<TickBody>,
) -> ApiResult<Json<ChecklistView>> {
    let id = ContactId(path_id("id", &id)?);
    if state.store.checklist(id).await?.is_none() {
        return Err(no_stage(id));
    }
    let step = usize::try_from(body.step).unwrap_or(usize::MAX);
    let now = Moment::of(&state, &account).now;
    let ticked = state
        .store
        .tick_step(account.user.id, id, step, body.done.unwrap_or(true), now)
        .await?;
    Ok(Json(ChecklistView::from(&ticked)))
}
