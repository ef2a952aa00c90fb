//! Hopper as a WebAuthn relying party: its id is the host of the public address. Browsers
//! take no IP address as a relying party id, so a Hopper on a loopback address (the
//! embedded defaults) is the relying party `localhost` — open it as http://localhost:PORT
//! to use passkeys; any other bare IP address cannot have them.

use url::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::domain::refusal::PasskeyRefused;
use crate::error::AppError;

/// The relying party for Hopper at `public_url`.
pub(super) fn relying_party(public_url: &str) -> Result<Webauthn, AppError> {
    let refused = || {
        AppError::from(PasskeyRefused::NoDomain {
            address: public_url.to_owned(),
        })
    };
    let mut origin = Url::parse(public_url).map_err(|_| refused())?;
    let loopback = match origin.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(_)) => false,
        None => return Err(refused()),
    };
    if loopback {
        origin.set_host(Some("localhost")).map_err(|_| refused())?;
    }
    let Some(url::Host::Domain(id)) = origin.host().map(|h| h.to_owned()) else {
        return Err(refused());
    };
    WebauthnBuilder::new(&id, &origin)
        .and_then(|builder| builder.rp_name("Hopper").build())
        .map_err(|_| refused())
}

#[cfg(test)]
mod tests {
    use super::relying_party;

    #[test]
    fn a_domain_or_loopback_is_a_relying_party_and_another_ip_is_not() {
        assert!(relying_party("https://hopper.example.com").is_ok());
        assert!(relying_party("http://127.0.0.1:8080").is_ok());
        assert!(relying_party("http://localhost:8080").is_ok());
        assert!(relying_party("http://10.1.2.3:8080").is_err());
        assert!(relying_party("not a url").is_err());
    }
}
