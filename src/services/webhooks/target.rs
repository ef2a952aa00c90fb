//! Where a webhook may go: a target whose host resolves to a loopback, private or
//! link-local address is refused — when it is registered, and again when each delivery
//! connects (the client's own resolver drops such addresses, so a name that resolves
//! elsewhere later cannot lead a delivery inside) — unless the operator allows them
//! (`HOPPER_WEBHOOK_ALLOW_PRIVATE`). Redirects are never followed, no proxy is used.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::refusal::WebhookRefused;
use crate::domain::webhook::is_private;
use crate::domain::WebhookUrl;

/// The longest one attempt may take, connection included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Checks that `url`'s host resolves, and only to addresses webhooks may reach.
pub async fn check(url: &WebhookUrl, allow_private: bool) -> Result<(), WebhookRefused> {
    let host = url.url().host_str().unwrap_or_default().to_owned();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<IpAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => {
            let port = url.url().port_or_known_default().unwrap_or(443);
            tokio::net::lookup_host((bare, port))
                .await
                .map(|found| found.map(|a| a.ip()).collect())
                .unwrap_or_default()
        }
    };
    if addresses.is_empty() {
        return Err(WebhookRefused::TargetUnresolved { host });
    }
    if !allow_private && addresses.iter().any(|ip| is_private(*ip)) {
        return Err(WebhookRefused::TargetPrivate { host });
    }
    Ok(())
}

/// Resolves names as the system does, then keeps only the addresses webhooks may reach.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| !is_private(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// The client deliveries are sent with: a timeout, no redirects, no proxy, and (unless
/// private targets are allowed) the resolver that keeps to public addresses.
pub fn client(allow_private: bool) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(ATTEMPT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("Hopper-Webhooks/", env!("CARGO_PKG_VERSION")));
    let builder = if allow_private {
        builder
    } else {
        builder.dns_resolver(Arc::new(PublicOnly))
    };
    builder.build()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[tokio::test]
    async fn private_targets_are_refused_before_and_while_connecting() {
        for url in [
            "http://127.0.0.1:9/",
            "http://localhost/",
            "http://[fe80::1]/",
            "http://10.0.0.1/",
        ] {
            let url = WebhookUrl::parse(url).expect("a URL");
            assert!(
                matches!(
                    check(&url, false).await,
                    Err(WebhookRefused::TargetPrivate { .. })
                ),
                "{url:?}"
            );
            assert!(check(&url, true).await.is_ok(), "{url:?}");
        }
        // The delivery client's own resolver keeps nothing private, whatever the check saw.
        let resolved = PublicOnly
            .resolve(Name::from_str("localhost").expect("a name"))
            .await;
        assert!(resolved.is_err());
    }
}
