//! A webhook's signing secret is kept sealed (`services::sealing`): `sealed:v1:` and the
//! base64 of the nonce and ciphertext, bound to the endpoint's row. A secret stored bare by
//! an earlier version (`whsec_…`) still signs, and is sealed at the next start.

use base64::Engine;

use crate::db::ids::WebhookEndpointId;
use crate::db::models::webhook::WebhookEndpoint;
use crate::error::AppError;
use crate::services::sealing::SealingKey;
use crate::services::ServiceContext;

/// The use the installation's sealing key is derived for here.
pub(super) const SEALING: &str = "webhook secret v1";
const PREFIX: &str = "sealed:v1:";

fn row_of(id: WebhookEndpointId) -> Vec<u8> {
    format!("webhook_endpoint:{}", id.0).into_bytes()
}

pub(super) fn seal(
    key: &SealingKey,
    id: WebhookEndpointId,
    secret: &str,
) -> Result<String, AppError> {
    let sealed = key.seal(&row_of(id), secret.as_bytes())?;
    Ok(format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(sealed)
    ))
}

/// The secret as stored: opened when sealed, as it is when bare.
pub(super) fn open(
    key: &SealingKey,
    id: WebhookEndpointId,
    stored: &str,
) -> Result<String, AppError> {
    let Some(sealed) = stored.strip_prefix(PREFIX) else {
        return Ok(stored.to_owned());
    };
    let unreadable = || AppError::Unexpected(anyhow::anyhow!("a sealed webhook secret is damaged"));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .map_err(|_| unreadable())?;
    String::from_utf8(key.open(&row_of(id), &bytes)?).map_err(|_| unreadable())
}

/// Seals the secrets stored bare before (at a server's start); the number sealed.
pub async fn seal_stored(ctx: &ServiceContext) -> Result<usize, AppError> {
    let key = ctx.sealing_key(SEALING)?;
    ctx.run_unscoped(move |conn| {
        let bare = WebhookEndpoint::bare_secrets_for_update(conn)?;
        for (id, secret) in &bare {
            WebhookEndpoint::set_sealed_secret(conn, *id, &seal(&key, *id, secret)?)?;
        }
        Ok(bare.len())
    })
    .await
}
