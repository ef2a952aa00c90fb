//! The client's address and user agent, as recorded in sessions and audit rows.

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
