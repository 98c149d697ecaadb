//! What every operation of the API shares, added to the generated document in one place rather
//! than repeated on each handler: the errors any request can meet before its handler decides
//! anything, and the shape of record ids in paths.

use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

/// Errors that can answer any operation, whatever its handler: a malformed path id or query
/// (400), no or a bad credential (401), an unknown route or record (404), a database busy with
/// other writes (503), too large a body (413), and for operations with a body, one that is not
/// JSON (400) or not sent as JSON (415).
/// Handlers list only the statuses their own rules give (403, 409, 412, 422…); a handler's
/// own description of a common status is kept.
#[derive(Debug)]
pub struct CommonResponses;

const ALWAYS: &[(&str, &str)] = &[
    (
        "400",
        "a path id or query parameter is malformed; `errors` names it",
    ),
    (
        "401",
        "no credential, or one that is unknown, revoked or a disabled user's",
    ),
    ("404", "no such route or record"),
    (
        "500",
        "an unexpected error (logged with the request id; no details are sent)",
    ),
    (
        "503",
        "the database was busy with other writes: nothing was saved; retry after `Retry-After`",
    ),
];
const WITH_BODY: &[(&str, &str)] = &[
    ("400", "the body is not valid JSON"),
    ("413", "the body is larger than the server accepts"),
    ("415", "the body is not sent as application/json"),
];

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                let has_body = operation.request_body.is_some();
                let extra = if has_body { WITH_BODY } else { &[] };
                for (status, description) in ALWAYS.iter().chain(extra) {
                    operation
                        .responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| problem_response(description));
                }
                positive_ids(operation);
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            crate::problem::CONTENT_TYPE,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

/// Record ids in paths are positive 64-bit integers; saying so lets clients (and contract
/// tests) know that `0`, `-3` or a number past 2⁶³ is a 400 before it reaches a handler.
fn positive_ids(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        if parameter.parameter_in == ParameterIn::Path && parameter.name == "id" {
            parameter.schema = Some(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(1))
                    .maximum(Some(i64::MAX))
                    .into(),
            );
        }
    }
}
