//! Secrets: API tokens and passwords. Tokens are 32 random bytes from the operating system,
//! shown once as `rap_` + hex; the store keeps only their SHA-256. Passwords are hashed with
//! argon2id (the crate's defaults, a fresh random salt each time).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use rapport_store::{Account, Authenticated};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::problem::Problem;
use crate::session;

/// Every token starts with this, so a leaked one is easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "rap_";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// A new token: what to show the user once, and what to store.
#[derive(Debug)]
pub struct NewToken {
    pub secret: String,
    pub hash: String,
}

pub fn new_token() -> Result<NewToken, SecretError> {
    let secret = format!("{TOKEN_PREFIX}{}", random_secret()?);
    let hash = token_hash(&secret);
    Ok(NewToken { secret, hash })
}

/// 32 random bytes from the operating system, as 64 hex characters: the secret part of API
/// tokens, session cookies and CSRF tokens.
pub fn random_secret() -> Result<String, SecretError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// The hex SHA-256 of a token, as stored.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// An argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| SecretError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| SecretError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| SecretError::Hash(e.to_string()))
}

/// Whether `password` matches a stored PHC string (false for a malformed one).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The data version read with the request's credential ([`rapport_store::Store::data_version`]),
/// left in the request's extensions for handlers that can reuse an answer computed at that
/// version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeenVersion(pub i64);

/// The user a request acts as: from its `Authorization: Bearer` token, else from its session
/// cookie — and then an unsafe method (POST, PUT, PATCH, DELETE) must carry the session's CSRF
/// token in `X-CSRF-Token`, else 403. Bearer requests need no CSRF token: a browser never adds
/// that header on its own.
#[derive(Debug, Clone)]
pub struct Actor(pub Account);

impl FromRequestParts<AppState> for Actor {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let account = match parts.headers.get(AUTHORIZATION) {
            Some(header) => {
                let found = bearer_account(header, state).await?;
                parts.extensions.insert(SeenVersion(found.data_version));
                found.account
            }
            None => {
                let session = session::current(state, &parts.headers)
                    .await?
                    .ok_or_else(|| {
                        Problem::unauthorized(
                            "send an API token (Authorization: Bearer <token>) or log in \
                             (POST /api/v1/session)",
                        )
                    })?;
                session::check_csrf_header(&parts.method, &parts.headers, &session)?;
                session.account
            }
        };
        tracing::Span::current().record("user_id", account.user.id.0);
        Ok(Actor(account))
    }
}

async fn bearer_account(header: &HeaderValue, state: &AppState) -> Result<Authenticated, Problem> {
    let token = header
        .to_str()
        .ok()
        .and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|token| !token.is_empty())
        .ok_or_else(|| Problem::unauthorized("the Authorization header must be: Bearer <token>"))?;
    state
        .store
        .account_by_token(&token_hash(token), state.clock.now())
        .await?
        .ok_or_else(|| {
            Problem::unauthorized("the API token is unknown or revoked, or its user is disabled")
        })
}

/// An actor whose role may change records; a viewer gets 403.
#[derive(Debug, Clone)]
pub struct Writer(pub Account);

impl FromRequestParts<AppState> for Writer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let Actor(account) = Actor::from_request_parts(parts, state).await?;
        account.acting().may_add()?;
        Ok(Writer(account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with(TOKEN_PREFIX));
        assert_eq!(a.secret.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(a.hash, token_hash(&a.secret));
        assert!(!a.hash.contains(&a.secret[TOKEN_PREFIX.len()..]));
    }

    #[test]
    fn passwords_verify_against_their_argon2id_hash() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong", &phc));
        assert!(!verify_password("x", "not a hash"));
    }
}
