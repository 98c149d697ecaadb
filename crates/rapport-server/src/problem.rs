//! RFC 9457 problem details: every error the API answers is `application/problem+json` with
//! `type`, `title`, `status`, `detail` and, for bad input, an `errors` array naming each field.
//! Internal failures are logged with their cause and answered with a generic 500: no SQL,
//! no driver message, no backtrace ever reaches a client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_core::access::Forbidden;
use rapport_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// One field that could not be taken, and why.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field as the client named it: `tier`, `emails[1]`, `days`.
    pub field: String,
    pub message: String,
}

/// An RFC 9457 problem details object.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip)]
    pub(crate) www_authenticate: bool,
    /// Answered with `Retry-After: 1`: the same request may well succeed in a moment.
    #[serde(skip)]
    pub(crate) retry_soon: bool,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            type_: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: vec![],
            www_authenticate: false,
            retry_soon: false,
        }
    }

    /// 422: the request was well-formed but these fields are not acceptable.
    pub fn invalid(errors: Vec<FieldError>) -> Problem {
        let fields = errors
            .iter()
            .map(|e| e.field.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Problem {
            type_: "urn:rapport:problem:validation".into(),
            errors,
            ..Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("invalid value for: {fields}"),
            )
        }
    }

    /// 422 for one field.
    pub fn field(field: &str, message: impl Into<String>) -> Problem {
        Problem::invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// 400 for a query or path parameter that is not even of the right shape.
    pub fn bad_parameter(field: &str, message: impl Into<String>) -> Problem {
        let message = message.into();
        Problem {
            type_: "urn:rapport:problem:bad-parameter".into(),
            errors: vec![FieldError {
                field: field.into(),
                message: message.clone(),
            }],
            ..Problem::new(StatusCode::BAD_REQUEST, format!("{field}: {message}"))
        }
    }

    /// 401, with the `WWW-Authenticate` challenge.
    pub fn unauthorized(detail: &str) -> Problem {
        Problem {
            www_authenticate: true,
            ..Problem::new(StatusCode::UNAUTHORIZED, detail)
        }
    }

    /// 403, saying which rule refused the request.
    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem {
            type_: "urn:rapport:problem:forbidden".into(),
            ..Problem::new(StatusCode::FORBIDDEN, detail)
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn internal() -> Problem {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server could not complete the request; it has been logged",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if self.www_authenticate {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"rapport\""),
            );
        }
        if self.retry_soon {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// 403, saying which rule refused the request.
impl From<Forbidden> for Problem {
    fn from(forbidden: Forbidden) -> Problem {
        Problem::forbidden(forbidden.to_string())
    }
}

impl From<StoreError> for Problem {
    fn from(err: StoreError) -> Problem {
        let conflict = |detail: String| Problem {
            type_: "urn:rapport:problem:conflict".into(),
            ..Problem::new(StatusCode::CONFLICT, detail)
        };
        match err {
            StoreError::ContactNotFound(_)
            | StoreError::OrganizationNotFound(_)
            | StoreError::FollowUpNotFound(_)
            | StoreError::OpportunityNotFound(_)
            | StoreError::ContentNotFound(_)
            | StoreError::CriterionNotFound(_)
            | StoreError::TokenNotFound(_)
            | StoreError::UserNotFound(_) => Problem::not_found(err.to_string()),
            StoreError::Forbidden(forbidden) => Problem::from(forbidden),
            StoreError::ViewerOwner { ownership, .. }
            | StoreError::DisabledOwner { ownership, .. }
            | StoreError::NoSuchOwner { ownership, .. } => {
                Problem::field(ownership.field(), err.to_string())
            }
            // The acting user was disabled after their request authenticated.
            StoreError::DisabledUser(_) => Problem::forbidden(err.to_string()),
            StoreError::DuplicateEmail { .. } => Problem {
                errors: vec![FieldError {
                    field: "emails".into(),
                    message: err.to_string(),
                }],
                ..conflict(err.to_string())
            },
            StoreError::AmbiguousContact { .. }
            | StoreError::DuplicateOrganization(_)
            | StoreError::DuplicateUser(_)
            | StoreError::NotEmpty
            | StoreError::Archived(_)
            | StoreError::Merged { .. }
            | StoreError::CapReached(_)
            | StoreError::UserChangeRefused(_)
            | StoreError::TokenForDisabledUser(_) => conflict(err.to_string()),
            StoreError::VersionMismatch { .. } | StoreError::StaleOrganization { .. } => Problem {
                type_: "urn:rapport:problem:stale-version".into(),
                ..Problem::new(StatusCode::PRECONDITION_FAILED, err.to_string())
            },
            StoreError::Invalid(message) => Problem {
                type_: "urn:rapport:problem:validation".into(),
                ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, message)
            },
            StoreError::Import { .. } | StoreError::Intake(_) => Problem {
                type_: "urn:rapport:problem:validation".into(),
                ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, err.to_string())
            },
            StoreError::Busy(ref cause) => {
                tracing::warn!(error = %cause, "database busy; the request was rolled back");
                Problem {
                    type_: "urn:rapport:problem:busy".into(),
                    retry_soon: true,
                    ..Problem::new(StatusCode::SERVICE_UNAVAILABLE, err.to_string())
                }
            }
            StoreError::BadUrl { .. }
            | StoreError::Unreachable { .. }
            | StoreError::NewerSchema { .. }
            | StoreError::Migration(_)
            | StoreError::Corrupt(_)
            | StoreError::Output(_)
            | StoreError::File { .. }
            | StoreError::FileExists { .. }
            | StoreError::NotRapportDatabase { .. }
            | StoreError::InUse
            | StoreError::Database(_) => {
                tracing::error!(error = %err, cause = ?std::error::Error::source(&err), "store failure");
                Problem::internal()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_say_nothing_about_the_database() {
        let problem = Problem::from(StoreError::Database(sqlx_like_error()));
        assert_eq!(problem.status, 500);
        assert!(
            !problem.detail.to_lowercase().contains("sql"),
            "{}",
            problem.detail
        );
    }

    #[test]
    fn a_busy_database_is_a_503_to_retry_after_a_second() {
        let response = Problem::from(StoreError::Busy(sqlx::Error::PoolTimedOut)).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        assert_eq!(response.headers()[header::CONTENT_TYPE], CONTENT_TYPE);
    }

    fn sqlx_like_error() -> sqlx::Error {
        sqlx::Error::Protocol("SELECT secret FROM users".into())
    }

    #[test]
    fn refusals_are_403_naming_the_rule() {
        let problem = Problem::from(StoreError::Forbidden(Forbidden::NotOwner));
        assert_eq!(problem.status, 403);
        assert_eq!(
            problem.detail,
            "only the owner or an admin may change this contact"
        );
        assert_eq!(problem.type_, "urn:rapport:problem:forbidden");
    }

    #[test]
    fn validation_problems_name_their_fields() {
        let problem = Problem::field("tier", "unknown tier 'Z'");
        let json = serde_json::to_value(&problem).unwrap_or_default();
        assert_eq!(json["status"], 422);
        assert_eq!(json["errors"][0]["field"], "tier");
        assert_eq!(json["type"], "urn:rapport:problem:validation");
    }
}
