//! A company's single sign-on settings as the operator gives them (the company page or
//! `hopper sso set`), each field parsed into what is stored or the sentence to show.

use crate::domain::Role;

/// Validated settings of a company's OpenID Connect provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSettings {
    pub issuer_url: String,
    pub client_id: String,
    /// The name of the environment variable holding the client secret on every node;
    /// `None`: a public client (PKCE only).
    pub client_secret_env: Option<String>,
    /// Lower case; each names this company on the sign-in page.
    pub email_domains: Vec<String>,
    pub jit_enabled: bool,
    pub jit_role: Role,
    pub sso_only: bool,
}

/// The provider's issuer: HTTPS, or plain HTTP on loopback only (a provider on this
/// machine); without query or fragment, as discovery appends its well-known path to it.
pub fn issuer_url(value: &str) -> Result<String, String> {
    let value = value.trim();
    let Ok(url) = url::Url::parse(value) else {
        return Err("Enter the issuer URL, e.g. https://login.example.com/realms/acme.".into());
    };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err("The issuer URL starts with https:// (http:// only on loopback).".into()),
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("The issuer URL has no query, fragment or user name.".into());
    }
    if value.len() > 500 {
        return Err("The issuer URL has at most 500 characters.".into());
    }
    // Stored as typed: the provider's discovery document must name exactly this issuer.
    Ok(value.to_owned())
}

pub fn client_id(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() || value.len() > 255 || value.chars().any(char::is_control) {
        return Err(
            "Enter the client id the provider gave Hopper (at most 255 characters).".into(),
        );
    }
    Ok(value.to_owned())
}

/// The name of an environment variable (never its value): blank is a public client.
pub fn secret_env(value: &str) -> Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let mut chars = value.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !starts_well || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') || value.len() > 100 {
        return Err("The name of an environment variable, e.g. HOPPER_SSO_ACME_SECRET (not the secret itself).".into());
    }
    Ok(Some(value.to_owned()))
}

/// Email domains, separated by commas, spaces or lines; `@` in front is dropped.
pub fn email_domains(value: &str) -> Result<Vec<String>, String> {
    let mut domains: Vec<String> = Vec::new();
    for raw in value.split(|c: char| c == ',' || c.is_whitespace()) {
        let domain = raw.trim().trim_start_matches('@').to_ascii_lowercase();
        if domain.is_empty() {
            continue;
        }
        let labels_ok = domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        let tld_ok = domain
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if !labels_ok || !tld_ok || !domain.contains('.') || domain.len() > 253 {
            return Err(format!(
                "{raw:?} is not an email domain (like example.com)."
            ));
        }
        if !domains.contains(&domain) {
            domains.push(domain);
        }
    }
    if domains.len() > 50 {
        return Err("At most 50 domains.".into());
    }
    Ok(domains)
}

/// The role of members created at their first sign-in: never an admin.
pub fn jit_role(value: &str) -> Result<Role, String> {
    match Role::parse(value.trim()) {
        Some(role @ (Role::User | Role::Viewer)) => Ok(role),
        _ => Err("New members are uploaders or viewers.".into()),
    }
}

/// The domain of an email address, lower case.
pub fn domain_of(email: &str) -> Option<String> {
    email
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_or_loopback() {
        assert!(issuer_url("https://login.example.com/realms/acme").is_ok());
        assert!(issuer_url("http://127.0.0.1:8080").is_ok());
        assert!(issuer_url("http://localhost:8080/x").is_ok());
        assert!(issuer_url("http://login.example.com").is_err());
        assert!(issuer_url("https://login.example.com/?a=b").is_err());
        assert!(issuer_url("login.example.com").is_err());
    }

    #[test]
    fn secrets_are_named_never_given() {
        assert_eq!(secret_env(" ").unwrap_or_default(), None);
        assert_eq!(
            secret_env("HOPPER_SSO_SECRET").unwrap_or_default(),
            Some("HOPPER_SSO_SECRET".into())
        );
        assert!(secret_env("s3cr3t-value!").is_err());
        assert!(secret_env("1ABC").is_err());
    }

    #[test]
    fn domains_are_lower_case_and_unique() {
        assert_eq!(
            email_domains("Example.com, @acme.co.uk\nexample.com").unwrap_or_default(),
            vec!["example.com".to_owned(), "acme.co.uk".to_owned()]
        );
        assert!(email_domains("not a domain").is_err());
        assert!(email_domains("").is_ok_and(|d| d.is_empty()));
    }

    #[test]
    fn people_created_at_sign_in_are_never_admins() {
        assert_eq!(jit_role("user"), Ok(Role::User));
        assert!(jit_role("admin").is_err());
        assert!(jit_role("superadmin").is_err());
    }
}
