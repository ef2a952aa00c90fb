//! Talking to a company's OpenID Connect provider through the `openidconnect` crate:
//! discovery, the authorization request (code flow, PKCE S256, state and nonce), and the
//! code exchange with every check of the ID token (signature against the provider's keys,
//! issuer, audience, expiry on the service clock, nonce).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, LoginHint, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

use crate::db::models::company_sso::CompanySso;
use crate::domain::refusal::SsoRefused;
use crate::services::context::Clock;

type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// One client for every provider. It never follows redirects: a provider that answers a
/// token or key request with one is not followed somewhere else (the crate's advice).
fn http_client() -> Result<&'static reqwest::Client, SsoRefused> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client);
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(|e| unavailable("building the HTTP client", &e))?;
    Ok(CLIENT.get_or_init(|| client))
}

fn unavailable(what: &str, error: &dyn std::fmt::Display) -> SsoRefused {
    tracing::warn!(%error, "single sign-on: {what} failed");
    SsoRefused::ProviderUnavailable
}

/// The client secret, read from its environment variable on this node (never stored,
/// never logged).
fn client_secret(settings: &CompanySso) -> Result<Option<ClientSecret>, SsoRefused> {
    let Some(name) = &settings.client_secret_env else {
        return Ok(None);
    };
    match std::env::var(name) {
        Ok(secret) if !secret.is_empty() => Ok(Some(ClientSecret::new(secret))),
        _ => {
            tracing::warn!(variable = %name, "single sign-on: the client secret's environment variable is not set on this node");
            Err(SsoRefused::ProviderUnavailable)
        }
    }
}

/// Reads the provider's discovery document (and its keys); checks that it names exactly
/// the configured issuer.
pub async fn discover(issuer: &str) -> Result<CoreProviderMetadata, SsoRefused> {
    let issuer =
        IssuerUrl::new(issuer.to_owned()).map_err(|e| unavailable("the issuer URL", &e))?;
    CoreProviderMetadata::discover_async(issuer, http_client()?)
        .await
        .map_err(|e| unavailable("discovery", &e))
}

/// How long a discovery document read for a sign-in's start is used again: a burst of
/// starts (or somebody pressing the button in a loop) reads the provider once, not once
/// each. The callback always reads it afresh, with the provider's current keys.
const DISCOVERY_KEPT: std::time::Duration = std::time::Duration::from_secs(300);

/// The discovery document, from this node's copy when it is younger than
/// [`DISCOVERY_KEPT`].
async fn discover_kept(issuer: &str) -> Result<CoreProviderMetadata, SsoRefused> {
    type Kept = HashMap<String, (Instant, CoreProviderMetadata)>;
    static KEPT: OnceLock<Mutex<Kept>> = OnceLock::new();
    let kept = KEPT.get_or_init(Mutex::default);
    let fresh = |kept: &Kept| {
        kept.get(issuer)
            .filter(|(at, _)| at.elapsed() < DISCOVERY_KEPT)
            .map(|(_, metadata)| metadata.clone())
    };
    if let Some(metadata) = kept.lock().ok().and_then(|k| fresh(&k)) {
        return Ok(metadata);
    }
    let metadata = discover(issuer).await?;
    if let Ok(mut kept) = kept.lock() {
        kept.insert(issuer.to_owned(), (Instant::now(), metadata.clone()));
    }
    Ok(metadata)
}

/// `Kept`: the start of a sign-in may use the node's recent copy of the discovery document;
/// `Fresh`: the callback reads it again (the keys that verify the ID token).
#[derive(Clone, Copy)]
enum Discovery {
    Kept,
    Fresh,
}

async fn client(
    settings: &CompanySso,
    redirect: &str,
    discovery: Discovery,
) -> Result<DiscoveredClient, SsoRefused> {
    let metadata = match discovery {
        Discovery::Kept => discover_kept(&settings.issuer_url).await?,
        Discovery::Fresh => discover(&settings.issuer_url).await?,
    };
    let redirect =
        RedirectUrl::new(redirect.to_owned()).map_err(|e| unavailable("the callback URL", &e))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(settings.client_id.clone()),
        client_secret(settings)?,
    )
    .set_redirect_uri(redirect))
}

/// Where to send the browser, and what to keep until the provider answers.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

pub async fn authorization(
    settings: &CompanySso,
    redirect: &str,
    login_hint: Option<&str>,
) -> Result<Authorization, SsoRefused> {
    let client = client(settings, redirect, Discovery::Kept).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    if let Some(hint) = login_hint {
        request = request.set_login_hint(LoginHint::new(hint.to_owned()));
    }
    let (url, state, nonce) = request.url();
    Ok(Authorization {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// Who the provider says signed in, after every check of its ID token.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    /// Only `email_verified: true` counts; a missing claim is not a verification.
    pub email_verified: bool,
    pub name: Option<String>,
}

/// Exchanges the code (with the PKCE verifier) and verifies the ID token.
pub async fn identity(
    settings: &CompanySso,
    redirect: &str,
    code: &str,
    pkce_verifier: &str,
    nonce: &str,
    clock: Clock,
) -> Result<Identity, SsoRefused> {
    let client = client(settings, redirect, Discovery::Fresh).await?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| unavailable("the token endpoint", &e))?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
        .request_async(http_client()?)
        .await
        .map_err(|e| unavailable("the code exchange", &e))?;
    let Some(id_token) = response.id_token() else {
        return Err(SsoRefused::InvalidToken(
            "the provider sent no ID token".into(),
        ));
    };
    let verifier = client.id_token_verifier().set_time_fn(move || clock.now());
    let claims = id_token
        .claims(&verifier, &Nonce::new(nonce.to_owned()))
        .map_err(refusal_of)?;
    Ok(identity_of(claims))
}

fn identity_of(claims: &CoreIdTokenClaims) -> Identity {
    Identity {
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified() == Some(true),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
    }
}

fn refusal_of(error: ClaimsVerificationError) -> SsoRefused {
    tracing::info!(%error, "single sign-on: ID token refused");
    match error {
        ClaimsVerificationError::InvalidAudience(_) => SsoRefused::WrongAudience,
        ClaimsVerificationError::InvalidNonce(_) => SsoRefused::WrongNonce,
        ClaimsVerificationError::Expired(_) => SsoRefused::TokenExpired,
        ClaimsVerificationError::InvalidIssuer(_) => SsoRefused::WrongIssuer,
        ClaimsVerificationError::SignatureVerification(_) => SsoRefused::BadSignature,
        other => SsoRefused::InvalidToken(other.to_string()),
    }
}
