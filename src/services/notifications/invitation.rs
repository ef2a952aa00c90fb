//! An upload link sent by email to the person who is to use it. The PIN never travels
//! with it: whoever reads the mailbox would then hold both, and the PIN would guard
//! nothing. A second email to the same inbox would not help either, so the message says
//! the PIN comes another way (by phone, by text), and the admin is told so on the page.

use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::db::ids::CompanyId;
use crate::db::models::notification::{NewNotification, Notification};
use crate::domain::refusal::LinkRefused;
use crate::domain::{Language, NotificationKind};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::schema::notifications;

/// Invitations a company may send in an hour: enough for a season's clients, too few for
/// a stolen admin session to turn Hopper into a mailer.
pub const INVITATIONS_PER_HOUR: i64 = 50;

/// What an invitation says, already checked by its form.
pub(in crate::services) struct Invitation<'a> {
    pub company: CompanyId,
    pub company_name: &'a str,
    /// The admin who sends it, by name.
    pub from: &'a str,
    pub to: &'a str,
    pub label: &'a str,
    pub url: &'a str,
    pub expires: &'a str,
    pub has_pin: bool,
    pub message: Option<&'a str>,
    /// The link's language (its own, else its company's): the invitation is the first
    /// thing its sender reads.
    pub language: Language,
}

impl Invitation<'_> {
    fn say(&self, key: &'static str) -> Msg {
        Msg::new(self.language, key)
            .arg("company", self.company_name)
            .arg("from", self.from)
    }

    fn subject(&self) -> String {
        self.say("email-invitation-subject").to_string()
    }

    fn body(&self) -> String {
        let mut text = format!(
            "{}\n\n{}\n\n",
            self.say("email-invitation-hello"),
            self.say("email-invitation-asks").arg("label", self.label)
        );
        if let Some(message) = self.message {
            for line in message.lines() {
                text.push_str(&format!("    {line}\n"));
            }
            text.push('\n');
        }
        text.push_str(&format!(
            "{}\n\n    {}\n\n",
            self.say("email-invitation-send-through")
                .arg("expires", self.expires),
            self.url
        ));
        if self.has_pin {
            text.push_str(&format!("{}\n\n", self.say("email-invitation-pin")));
        }
        text.push_str(&format!("{}\n", self.say("email-invitation-signature")));
        text
    }
}

/// Queues the invitation, within the company's hourly allowance.
pub(in crate::services) fn upload_invitation(
    conn: &mut PgConnection,
    invitation: &Invitation<'_>,
) -> Result<(), AppError> {
    let sent_last_hour: i64 = notifications::table
        .filter(notifications::company_id.eq(invitation.company))
        .filter(notifications::kind.eq(NotificationKind::UploadInvitation))
        // The row's own clock (its default), so the window is the database's hour.
        .filter(sql::<Bool>("created_at > now() - interval '1 hour'"))
        .select(count_star())
        .first(conn)?;
    if sent_last_hour >= INVITATIONS_PER_HOUR {
        return Err(LinkRefused::TooManyInvitations {
            per_hour: INVITATIONS_PER_HOUR,
        }
        .into());
    }
    Notification::queue(
        conn,
        &NewNotification {
            company: Some(invitation.company),
            user: None,
            recipient: invitation.to,
            kind: NotificationKind::UploadInvitation,
            subject: &invitation.subject(),
            body: &invitation.body(),
            dedupe_key: None,
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(has_pin: bool) -> Invitation<'static> {
        Invitation {
            company: CompanyId(1),
            company_name: "ACME Accounting",
            from: "Ada Admin",
            to: "client@example.com",
            label: "Year-end papers",
            url: "https://hopper.example/u/secret-token",
            expires: "20 December 2026",
            has_pin,
            message: Some("Hi Bob,\nthe usual papers, please."),
            language: Language::En,
        }
    }

    #[test]
    fn the_email_carries_the_link_and_says_the_pin_comes_another_way() {
        let body = invitation(true).body();
        assert!(body.contains("https://hopper.example/u/secret-token"));
        assert!(body.contains("    the usual papers, please."));
        assert!(body.contains("by phone or text message"));
        assert!(!invitation(false).body().contains("PIN"));
        assert_eq!(
            invitation(true).subject(),
            "ACME Accounting: please send your documents"
        );
    }

    #[test]
    fn a_german_link_is_announced_in_german() {
        let german = Invitation {
            language: Language::De,
            ..invitation(true)
        };
        let body = german.body();
        assert!(body.starts_with("Guten Tag,"), "{body}");
        assert!(body.contains("per Telefon oder SMS"), "{body}");
        assert!(german.subject().contains("Bitte senden Sie"));
    }
}
