//! The company's branding (`/admin/branding`): the name outsiders know it by, its accent
//! colour, its logo and the language its upload links speak when they chose none. A refused logo shows the page again with the refusal's sentence
//! and its status (413 too large, 415 not a PNG, JPEG or WebP).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};
use askama::Template;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use serde::Deserialize;

use crate::auth::csrf::CheckedMultipart;
use crate::auth::CompanyAdmin;
use crate::db::ids::StorageLocationId;
use crate::db::models::storage_location::StorageLocation;
use crate::domain::accent_colour::AccentColour;
use crate::domain::fields;
use crate::domain::logo_image::{MAX_LOGO_BYTES, MAX_LOGO_SIDE};
use crate::domain::refusal::{BrandRefused, InputRefused};
use crate::domain::sizes::human_size;
use crate::domain::Language;
use crate::error::AppError;
use crate::services::branding::{self, BrandInput, BrandSettings, LogoUpload};
use crate::web::{done, form_status, html, Ctx, FieldErrors, PageContext};

const PAGE: &str = "/admin/branding";

/// What a refused logo's body may still send before Hopper stops reading it (a browser
/// that is cut off mid-body shows a network error instead of the sentence).
const MAX_DRAINED: usize = 8 * 1024 * 1024;

#[derive(Template)]
#[template(path = "admin/branding.html")]
struct BrandingPage {
    page: PageContext,
    settings: BrandSettings,
    display_name: String,
    accent_colour: String,
    /// The chosen default language's code; empty: the visitor's browser's.
    language: String,
    errors: FieldErrors,
}

/// What the admin typed, shown again when a form is refused (None: what is stored).
#[derive(Default)]
struct Typed {
    look: Option<(String, String)>,
    language: Option<String>,
}

impl BrandingPage {
    fn name_hint(&self) -> String {
        format!(
            "Blank: the company's name, {}.",
            self.settings.row.company_name
        )
    }

    fn keeps_logo(&self, location: &StorageLocation) -> bool {
        self.settings.row.logo_location_id == Some(location.id)
    }

    /// The languages a company's links can default to, for the select.
    fn languages(&self) -> &'static [Language] {
        Language::ALL
    }

    fn logo_limits(&self) -> String {
        format!(
            "PNG, JPEG or WebP, at most {} and {MAX_LOGO_SIDE} pixels on each side. SVG is never taken.",
            human_size(MAX_LOGO_BYTES as u64)
        )
    }
}

fn branding_page(
    admin: &CompanyAdmin,
    ctx: &Ctx,
    settings: BrandSettings,
    typed: Typed,
    (errors, status): (FieldErrors, StatusCode),
) -> Result<HttpResponse, AppError> {
    let (display_name, accent_colour) = typed.look.unwrap_or_else(|| {
        (
            settings.row.display_name.clone().unwrap_or_default(),
            settings.row.accent_colour.clone().unwrap_or_default(),
        )
    });
    let language = typed.language.unwrap_or_else(|| {
        settings
            .row
            .default_language
            .map(|l| l.as_str().to_owned())
            .unwrap_or_default()
    });
    html(
        status,
        &BrandingPage {
            page: PageContext::admin(admin, &ctx.session),
            settings,
            display_name,
            accent_colour,
            language,
            errors,
        },
    )
}

pub async fn page(admin: CompanyAdmin, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let settings = branding::settings(ctx.services(), &admin.actor).await?;
    branding_page(
        &admin,
        &ctx,
        settings,
        Typed::default(),
        (FieldErrors::default(), StatusCode::OK),
    )
}

#[derive(Debug, Deserialize)]
pub struct LookForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    accent_colour: String,
}

pub async fn update(
    admin: CompanyAdmin,
    ctx: Ctx,
    form: web::Form<LookForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let display_name = errors.check(
        "display_name",
        fields::optional_name(&form.display_name, "display name", 255),
    );
    let accent = match form.accent_colour.trim() {
        "" => Some(None),
        typed => errors.check("accent_colour", AccentColour::parse(typed).map(Some)),
    };
    let (Some(display_name), Some(accent), true) = (display_name, accent, errors.is_empty()) else {
        let settings = branding::settings(ctx.services(), &admin.actor).await?;
        let status = form_status(&errors);
        let typed = Typed {
            look: Some((form.display_name, form.accent_colour)),
            language: None,
        };
        return branding_page(&admin, &ctx, settings, typed, (errors, status));
    };
    let input = BrandInput {
        display_name,
        accent,
    };
    branding::update(ctx.services(), &admin.actor, input).await?;
    Ok(done(&ctx.req, &ctx.session, "Branding saved.", PAGE))
}

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    /// Empty: each visitor's browser's language.
    #[serde(default)]
    default_language: String,
}

pub async fn set_language(
    admin: CompanyAdmin,
    ctx: Ctx,
    form: web::Form<LanguageForm>,
) -> Result<HttpResponse, AppError> {
    let typed = form.into_inner().default_language;
    let language = match typed.trim() {
        "" => Some(None),
        code => Language::parse(code).map(Some),
    };
    let Some(language) = language else {
        let mut errors = FieldErrors::default();
        errors.add("default_language", "Choose a language from the list.");
        let settings = branding::settings(ctx.services(), &admin.actor).await?;
        let status = form_status(&errors);
        let typed = Typed {
            look: None,
            language: Some(typed),
        };
        return branding_page(&admin, &ctx, settings, typed, (errors, status));
    };
    branding::set_language(ctx.services(), &admin.actor, language).await?;
    Ok(done(&ctx.req, &ctx.session, "Language saved.", PAGE))
}

/// The logo form's parts: the chosen location and the file, read up to the limit.
struct LogoForm {
    location: Option<StorageLocationId>,
    file_name: String,
    bytes: Option<Bytes>,
    too_large: bool,
}

async fn read_logo_form(body: CheckedMultipart) -> Result<LogoForm, AppError> {
    let unreadable =
        |e: actix_multipart::MultipartError| InputRefused::FormUnreadable(e.to_string());
    let mut multipart = body.open().await?;
    let mut form = LogoForm {
        location: None,
        file_name: String::new(),
        bytes: None,
        too_large: false,
    };
    let mut drained = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(unreadable)?;
        let is_logo = field.name() == Some("logo");
        if is_logo {
            form.file_name = field
                .content_disposition()
                .and_then(|d| d.get_filename().map(str::to_owned))
                .unwrap_or_default();
        }
        let mut value = BytesMut::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            let room = if is_logo { MAX_LOGO_BYTES } else { 64 };
            if (is_logo && form.too_large) || value.len() + chunk.len() > room {
                form.too_large |= is_logo;
                drained += chunk.len();
                if drained > MAX_DRAINED {
                    return Ok(form);
                }
                continue;
            }
            value.extend_from_slice(&chunk);
        }
        match field.name() {
            Some("logo") => form.bytes = Some(value.freeze()),
            Some("location") => {
                form.location = std::str::from_utf8(&value)
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                    .map(StorageLocationId)
            }
            _ => {}
        }
    }
    Ok(form)
}

/// The page again with a refused logo's sentence, as the refusal's status.
async fn logo_refused(
    admin: &CompanyAdmin,
    ctx: &Ctx,
    refused: AppError,
) -> Result<HttpResponse, AppError> {
    let AppError::Refused(refusal) = &refused else {
        return Err(refused);
    };
    let mut errors = FieldErrors::default();
    errors.add("logo", refusal.to_string());
    let settings = branding::settings(ctx.services(), &admin.actor).await?;
    let typed = Typed::default();
    branding_page(admin, ctx, settings, typed, (errors, refused.status_code()))
}

pub async fn upload_logo(
    admin: CompanyAdmin,
    ctx: Ctx,
    body: CheckedMultipart,
) -> Result<HttpResponse, AppError> {
    let form = read_logo_form(body).await?;
    let sent = match (form.too_large, form.bytes) {
        (true, _) => Err(AppError::from(BrandRefused::LogoTooLarge {
            limit: MAX_LOGO_BYTES as u64,
        })),
        (false, Some(bytes)) if !bytes.is_empty() => {
            let upload = LogoUpload {
                bytes,
                file_name: form.file_name,
                location: form.location,
            };
            branding::set_logo(ctx.services(), &admin.actor, upload).await
        }
        (false, _) => Err(AppError::from(BrandRefused::LogoMissing)),
    };
    match sent {
        Ok(_) => Ok(done(&ctx.req, &ctx.session, "Logo saved.", PAGE)),
        Err(refused) => logo_refused(&admin, &ctx, refused).await,
    }
}

pub async fn remove_logo(admin: CompanyAdmin, ctx: Ctx) -> Result<HttpResponse, AppError> {
    branding::remove_logo(ctx.services(), &admin.actor).await?;
    Ok(done(&ctx.req, &ctx.session, "Logo removed.", PAGE))
}
