//! A cycle's upload links: created (the address is shown once), listed with what each
//! has received, revoked.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Duration;

use crate::auth::CompanyAdmin;
use crate::config::Secret;
use crate::db::ids::{CycleId, CycleRequestId, ProjectId, UploadLinkId};
use crate::domain::refusal::{LinkRefused, Refusal};
use crate::domain::sizes::human_size;
use crate::domain::{fields, Language};
use crate::error::AppError;
use crate::services::upload_links::{
    self, CycleLinks, InvitationRequest, LinkRequest, LinkUsage, UploadLink,
};
use crate::web::{done, filters, form_status, html, Ctx, FieldErrors, PageContext};

#[derive(Template)]
#[template(path = "admin/upload_links.html")]
struct LinksPage {
    page: PageContext,
    view: CycleLinks,
    /// A link just created, shown once.
    created: Option<Created>,
    form: LinkForm,
    errors: FieldErrors,
}

impl LinksPage {
    fn base(&self) -> String {
        location(self.view.project.id, self.view.cycle.id)
    }

    /// What a link is for, in words.
    fn scope_of(&self, link: &UploadLink) -> String {
        let chosen = link.requests();
        if chosen.is_empty() {
            return format!("All of {}", self.view.cycle.cycle_name);
        }
        self.view
            .requests
            .iter()
            .filter(|r| chosen.contains(&r.id))
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn received(&self, link: &UploadLink, usage: &LinkUsage) -> String {
        format!(
            "{} of {} files, {} of {}",
            usage.files,
            link.max_files,
            human_size(u64::try_from(usage.bytes).unwrap_or(0)),
            human_size(u64::try_from(link.max_bytes).unwrap_or(0))
        )
    }

    /// The languages a link can be in, for the form's select.
    fn languages(&self) -> &'static [Language] {
        Language::ALL
    }

    fn checked(&self, id: &CycleRequestId) -> bool {
        self.form.requests.contains(&id.0.to_string())
    }
}

/// A new link's full address (shown once) and whom it was emailed to.
struct Created {
    url: String,
    invited: Option<String>,
}

fn location(project: ProjectId, cycle: CycleId) -> String {
    format!("/admin/projects/{project}/cycles/{cycle}/links")
}

/// The form as sent (repeated `request` fields: a plain struct cannot take them).
#[derive(Debug, Clone)]
pub(crate) struct LinkForm {
    label: String,
    days: String,
    pin: String,
    max_files: String,
    max_mib: String,
    requests: Vec<String>,
    invite_email: String,
    invite_message: String,
    /// Empty: the company's default language.
    language: String,
}

impl Default for LinkForm {
    fn default() -> Self {
        Self {
            label: String::new(),
            days: "14".into(),
            pin: String::new(),
            max_files: "50".into(),
            max_mib: "500".into(),
            requests: Vec::new(),
            invite_email: String::new(),
            invite_message: String::new(),
            language: String::new(),
        }
    }
}

impl LinkForm {
    pub(crate) fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = LinkForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "label" => form.label = value,
                "days" => form.days = value,
                "pin" => form.pin = value,
                "max_files" => form.max_files = value,
                "max_mib" => form.max_mib = value,
                "request" => form.requests.push(value),
                "invite_email" => form.invite_email = value,
                "invite_message" => form.invite_message = value,
                "language" => form.language = value,
                _ => {}
            }
        }
        form
    }

    pub(crate) fn parse(&self) -> Result<LinkRequest, FieldErrors> {
        let mut errors = FieldErrors::default();
        let label = errors.check("label", fields::required_name(&self.label, "label", 100));
        let days = errors.check(
            "days",
            number_in(&self.days, 1, 90).ok_or_else(|| "A link lasts 1 to 90 days.".into()),
        );
        let pin = self.pin.trim();
        let digits = (4..=12).contains(&pin.len()) && pin.chars().all(|c| c.is_ascii_digit());
        if !pin.is_empty() && !digits {
            errors.add("pin", "A PIN is 4 to 12 digits, or leave it empty.");
        }
        let max_files = errors.check(
            "max_files",
            number_in(&self.max_files, 1, 10_000).ok_or_else(|| "Allow 1 to 10,000 files.".into()),
        );
        let max_mib = errors.check(
            "max_mib",
            number_in(&self.max_mib, 1, 1_048_576)
                .ok_or_else(|| "Allow 1 MiB to 1 TiB (1,048,576 MiB).".into()),
        );
        let requests = errors.check(
            "request",
            self.requests
                .iter()
                .map(|r| r.trim().parse().ok().map(CycleRequestId))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| "Choose requests from the list.".into()),
        );
        let language = self.language.trim();
        let language = errors.check(
            "language",
            match language {
                "" => Ok(None),
                code => Language::parse(code)
                    .map(Some)
                    .ok_or_else(|| "Choose a language from the list.".into()),
            },
        );
        let invitation = self.invitation(&mut errors);
        match (label, days, max_files, max_mib, requests, language) {
            (
                Some(label),
                Some(days),
                Some(max_files),
                Some(max_mib),
                Some(requests),
                Some(language),
            ) if errors.is_empty() => Ok(LinkRequest {
                label,
                requests,
                pin: (!pin.is_empty()).then(|| Secret::new(pin)),
                max_files: i32::try_from(max_files).unwrap_or(i32::MAX),
                max_bytes: max_mib * 1024 * 1024,
                valid_for: Duration::days(days),
                language,
                invitation,
            }),
            _ => Err(errors),
        }
    }
}

impl LinkForm {
    /// The optional invitation: an address the mailer can take, and a short note.
    fn invitation(&self, errors: &mut FieldErrors) -> Option<InvitationRequest> {
        let email = errors.check(
            "invite_email",
            fields::optional_email(&self.invite_email).and_then(|email| match email {
                Some(e) if e.parse::<lettre::Address>().is_err() => {
                    Err("Enter an email address like name@example.com.".into())
                }
                other => Ok(other),
            }),
        );
        let message = errors.check(
            "invite_message",
            fields::optional_text(&self.invite_message, MAX_INVITATION_MESSAGE),
        );
        match (email, message) {
            (Some(Some(email)), Some(message)) => Some(InvitationRequest { email, message }),
            (Some(None), Some(Some(_))) => {
                errors.add("invite_email", "Enter the address the message is for.");
                None
            }
            _ => None,
        }
    }
}

/// A note to a client, not a letter: the link is the message.
const MAX_INVITATION_MESSAGE: usize = 1000;

fn number_in(value: &str, min: i64, max: i64) -> Option<i64> {
    value
        .trim()
        .replace([',', '_'], "")
        .parse()
        .ok()
        .filter(|n| (min..=max).contains(n))
}

async fn links_page(
    admin: &CompanyAdmin,
    ctx: &Ctx,
    (project, cycle): (ProjectId, CycleId),
    created: Option<Created>,
    form: LinkForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let view = upload_links::list(ctx.services(), &admin.actor, project, cycle).await?;
    html(
        form_status(&errors),
        &LinksPage {
            page: PageContext::admin(admin, &ctx.session),
            view,
            created,
            form,
            errors,
        },
    )
}

pub async fn list(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    links_page(
        &admin,
        &ctx,
        ids,
        None,
        LinkForm::default(),
        FieldErrors::default(),
    )
    .await
}

pub async fn create(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle) = path.into_inner();
    let form = LinkForm::from_pairs(form.into_inner());
    let wanted = match form.parse() {
        Ok(wanted) => wanted,
        Err(errors) => return links_page(&admin, &ctx, (project, cycle), None, form, errors).await,
    };
    let invited = wanted.invitation.as_ref().map(|i| i.email.clone());
    let token = match upload_links::create(ctx.services(), &admin.actor, project, cycle, wanted)
        .await
    {
        Ok((_, token)) => token,
        // Over the hour's allowance: the form again, as typed, with the reason beside it.
        Err(AppError::Refused(Refusal::Link(refusal @ LinkRefused::TooManyInvitations { .. }))) => {
            let mut errors = FieldErrors::default();
            errors.add("invite_email", refusal.to_string());
            let mut page = links_page(&admin, &ctx, (project, cycle), None, form, errors).await?;
            *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            return Ok(page);
        }
        Err(e) => return Err(e),
    };
    // From the configured public URL, never from the request's (forgeable) Host.
    let url = format!("{}/u/{token}", ctx.state.public_url);
    links_page(
        &admin,
        &ctx,
        (project, cycle),
        Some(Created { url, invited }),
        LinkForm::default(),
        FieldErrors::default(),
    )
    .await
}

pub async fn revoke(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<(ProjectId, CycleId, UploadLinkId)>,
) -> Result<HttpResponse, AppError> {
    let (project, cycle, id) = path.into_inner();
    let link = upload_links::revoke(ctx.services(), &admin.actor, project, cycle, id).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!("Revoked “{}”; its page stops working at once.", link.label),
        &location(project, cycle),
    ))
}
