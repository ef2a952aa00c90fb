//! How a session signed in, kept with the session (`auth_sessions.sign_in_method`) and in
//! the audit row of the sign-in. Stored as text: `password`, `password+totp`,
//! `password+recovery_code`, `password+passkey`, `passkey`, `sso:<issuer>` (the database's CHECK says the same).

use std::fmt;

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

#[derive(Debug, Clone, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum SignInMethod {
    Password,
    PasswordTotp,
    PasswordRecoveryCode,
    /// A password, then a passkey as the second factor.
    PasswordPasskey,
    Passkey,
    /// Through a company's OpenID Connect provider, named by its issuer URL.
    Sso(String),
}

const SSO_PREFIX: &str = "sso:";

impl SignInMethod {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "password" => SignInMethod::Password,
            "password+totp" => SignInMethod::PasswordTotp,
            "password+recovery_code" => SignInMethod::PasswordRecoveryCode,
            "password+passkey" => SignInMethod::PasswordPasskey,
            "passkey" => SignInMethod::Passkey,
            other => {
                let issuer = other.strip_prefix(SSO_PREFIX)?;
                if issuer.is_empty() {
                    return None;
                }
                SignInMethod::Sso(issuer.to_owned())
            }
        })
    }

    /// The text stored in the database and the audit trail.
    pub fn as_text(&self) -> String {
        match self {
            SignInMethod::Password => "password".into(),
            SignInMethod::PasswordTotp => "password+totp".into(),
            SignInMethod::PasswordRecoveryCode => "password+recovery_code".into(),
            SignInMethod::PasswordPasskey => "password+passkey".into(),
            SignInMethod::Passkey => "passkey".into(),
            SignInMethod::Sso(issuer) => format!("{SSO_PREFIX}{issuer}"),
        }
    }

    /// What the sessions page says.
    pub fn label(&self) -> String {
        match self {
            SignInMethod::Password => "Password".into(),
            SignInMethod::PasswordTotp => "Password and authenticator app".into(),
            SignInMethod::PasswordRecoveryCode => "Password and recovery code".into(),
            SignInMethod::PasswordPasskey => "Password and passkey".into(),
            SignInMethod::Passkey => "Passkey".into(),
            SignInMethod::Sso(issuer) => format!("Single sign-on ({issuer})"),
        }
    }

    /// Whether two factors were shown (a passkey is possession plus the device's own
    /// check; a company's identity provider answers for its own policy).
    pub fn has_second_factor(&self) -> bool {
        !matches!(self, SignInMethod::Password)
    }
}

impl fmt::Display for SignInMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_text())
    }
}

impl ToSql<Text, Pg> for SignInMethod {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        use std::io::Write;
        out.write_all(self.as_text().as_bytes())?;
        Ok(serialize::IsNull::No)
    }
}

impl FromSql<Text, Pg> for SignInMethod {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        SignInMethod::parse(&text).ok_or_else(|| format!("unknown sign-in method {text:?}").into())
    }
}

#[cfg(test)]
mod tests {
    use super::SignInMethod;

    #[test]
    fn every_method_reads_back_from_its_text() {
        for method in [
            SignInMethod::Password,
            SignInMethod::PasswordTotp,
            SignInMethod::PasswordRecoveryCode,
            SignInMethod::PasswordPasskey,
            SignInMethod::Passkey,
            SignInMethod::Sso("https://id.example.com/realms/a".into()),
        ] {
            assert_eq!(SignInMethod::parse(&method.as_text()), Some(method));
        }
        assert_eq!(SignInMethod::parse("sso:"), None);
        assert_eq!(SignInMethod::parse("pin"), None);
    }
}
