//! Webhooks (Standard Webhooks, <https://www.standardwebhooks.com>): the events Hopper
//! tells, a delivery's status, an endpoint's address, the secret and the signature.

use std::net::IpAddr;

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::domain::refusal::WebhookRefused;

crate::text_enum! {
    /// What happened, as an endpoint subscribes to it and a body's `type` names it.
    pub enum WebhookEvent {
        FileStored = "file.stored", "A file was stored";
        FileRefused = "file.refused", "A file was refused";
        FileQuarantined = "file.quarantined", "A file with a virus was refused";
        RequestSubmitted = "request.submitted", "A request was submitted";
        RequestAccepted = "request.accepted", "A request was accepted";
        RequestRejected = "request.rejected", "A request was rejected";
        RequestAnswered = "request.answered", "A question was answered";
        CycleCompleted = "cycle.completed", "A cycle completed";
        CycleOverdue = "cycle.overdue", "A cycle's due date passed with requests open";
        UploadLinkUsed = "upload_link.used", "Files were sent through an upload link";
    }
}

crate::text_enum! {
    /// Where one event's delivery to one endpoint stands.
    pub enum DeliveryStatus {
        Pending = "pending", "Pending";
        Delivered = "delivered", "Delivered";
        Failed = "failed", "Failed";
    }
}

/// The prefix of a signing secret, as the specification writes it.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and the standard base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// `v1,<base64 HMAC-SHA256(key, id.timestamp.body)>`, the key being the secret's bytes;
/// `None` for a secret that is not `whsec_` + base64.
pub fn signature(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX)?)
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{msg_id}.{timestamp}.").as_bytes());
    mac.update(body);
    Some(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// An endpoint's address: http(s), a host, no credentials, at most 2000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    pub fn parse(value: &str) -> Result<WebhookUrl, WebhookRefused> {
        let value = value.trim();
        let invalid = || WebhookRefused::UrlInvalid {
            url: value.chars().take(100).collect(),
        };
        if value.len() > 2000 {
            return Err(invalid());
        }
        let url = url::Url::parse(value).map_err(|_| invalid())?;
        let plain = matches!(url.scheme(), "http" | "https")
            && url.host().is_some()
            && url.username().is_empty()
            && url.password().is_none()
            && url.fragment().is_none();
        if !plain {
            return Err(invalid());
        }
        Ok(WebhookUrl(url))
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The events an endpoint wants: at least one, each known, each once, in their order.
pub fn parse_events<S: AsRef<str>>(
    names: impl IntoIterator<Item = S>,
) -> Result<Vec<WebhookEvent>, WebhookRefused> {
    let mut wanted = Vec::new();
    for name in names {
        let name = name.as_ref().trim();
        let event = WebhookEvent::parse(name).ok_or_else(|| WebhookRefused::EventUnknown {
            event: name.chars().take(50).collect(),
        })?;
        if !wanted.contains(&event) {
            wanted.push(event);
        }
    }
    if wanted.is_empty() {
        return Err(WebhookRefused::NoEvents);
    }
    wanted.sort_by_key(|e| WebhookEvent::ALL.iter().position(|a| a == e));
    Ok(wanted)
}

/// Whether an address is one a webhook may not reach unless the operator allows it:
/// loopback, private, link-local, unique-local, carrier-grade NAT, unspecified, multicast
/// or broadcast (and their IPv4-mapped IPv6 forms).
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0)
                || a >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x64 && v6.segments()[1] == 0xff9b)
                || first == 0x2001 && v6.segments()[1] == 0x0db8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specification_example_signs_alike() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert!(signature("nope", "id", 1, b"").is_none());
        let fresh = new_secret();
        assert!(signature(&fresh, "id", 1, b"").is_some());
    }

    #[test]
    fn private_addresses_are_known() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "8.8.8.8"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_and_events_parse() {
        assert!(WebhookUrl::parse("https://example.com/hook").is_ok());
        assert!(WebhookUrl::parse("ftp://example.com/").is_err());
        assert!(WebhookUrl::parse("https://user:pw@example.com/").is_err());
        assert!(WebhookUrl::parse("not a url").is_err());
        assert_eq!(
            parse_events(["request.accepted", "file.stored", "file.stored"]),
            Ok(vec![
                WebhookEvent::FileStored,
                WebhookEvent::RequestAccepted
            ])
        );
        assert_eq!(
            parse_events(Vec::<String>::new()),
            Err(WebhookRefused::NoEvents)
        );
        assert!(parse_events(["file.eaten"]).is_err());
    }
}
