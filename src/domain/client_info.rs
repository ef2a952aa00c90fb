//! The client's address and user agent, as recorded in sessions and audit rows.

use std::net::IpAddr;

use ipnet::IpNet;

const MAX_USER_AGENT: usize = 512;

#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Escapes control characters (CR/LF could forge log lines) and bounds the length.
pub fn sanitize(value: &str) -> String {
    value
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .take(MAX_USER_AGENT)
        .collect()
}

/// The client's address: the peer's, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` address that is not itself a trusted proxy. Addresses
/// further left were written by the client and prove nothing; an untrusted peer's
/// `X-Forwarded-For` is ignored altogether.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: &[&str],
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let mut client = peer;
    let hops = forwarded_for
        .iter()
        .flat_map(|header| header.split(','))
        .map(str::trim)
        .rev();
    for hop in hops {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => client = ip,
            Ok(ip) => return Some(ip),
            Err(_) => break,
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // Direct client: its own address, whatever it claims.
        assert_eq!(
            client_address(Some(ip("203.0.113.9")), &["1.2.3.4"], &trusted),
            Some(ip("203.0.113.9"))
        );
        // Behind the proxy: the right-most address the proxy saw.
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), &["1.2.3.4, 198.51.100.7"], &trusted),
            Some(ip("198.51.100.7"))
        );
        // Through two trusted hops.
        assert_eq!(
            client_address(
                Some(ip("10.0.0.2")),
                &["198.51.100.7", "10.0.0.3"],
                &trusted
            ),
            Some(ip("198.51.100.7"))
        );
        // A proxy that sent no header, or garbage.
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), &[], &trusted),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), &["not an address"], &trusted),
            Some(ip("10.0.0.2"))
        );
        // Nothing trusted: the peer.
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), &["198.51.100.7"], &[]),
            Some(ip("10.0.0.2"))
        );
    }
}
