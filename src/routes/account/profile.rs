use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::Member;
use crate::domain::fields;
use crate::error::AppError;
use crate::services::profile::{self, Notify, Profile};
use crate::web::{done, render, Ctx, FieldErrors, PageContext};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    timezone: String,
    /// Checkboxes: present when ticked.
    notify_rejections: Option<String>,
    notify_reminders: Option<String>,
    notify_digests: Option<String>,
}

#[derive(Template)]
#[template(path = "account/profile.html", blocks = ["form"])]
struct ProfilePage {
    page: PageContext,
    form: ProfileForm,
    errors: FieldErrors,
}

impl ProfilePage {
    /// Every IANA timezone, for the select.
    fn timezones(&self) -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }
}

pub async fn get(member: Member, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let current = profile::load(ctx.services(), &member.actor).await?;
    render(&ProfilePage {
        page: PageContext::signed_in(&member.user, &ctx.session),
        form: ProfileForm {
            full_name: current.full_name.unwrap_or_default(),
            phone: current.phone.unwrap_or_default(),
            timezone: current.timezone.name().to_owned(),
            notify_rejections: current.notify.rejections.then(|| "on".into()),
            notify_reminders: current.notify.reminders.then(|| "on".into()),
            notify_digests: current.notify.digests.then(|| "on".into()),
        },
        errors: FieldErrors::default(),
    })
}

pub async fn post(
    member: Member,
    ctx: Ctx,
    form: web::Form<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let full_name = errors.check(
        "full_name",
        fields::optional_name(&form.full_name, "name", 255),
    );
    let phone = errors.check(
        "phone",
        fields::optional_name(&form.phone, "phone number", 50),
    );
    let timezone = errors.check("timezone", fields::timezone(&form.timezone));
    let (Some(full_name), Some(phone), Some(timezone)) = (full_name, phone, timezone) else {
        let page = ProfilePage {
            page: PageContext::signed_in(&member.user, &ctx.session),
            form,
            errors,
        };
        return crate::page_or_partial!(&ctx.req, StatusCode::UNPROCESSABLE_ENTITY, page, as_form);
    };
    let new = Profile {
        full_name,
        phone,
        timezone,
        notify: Notify {
            rejections: form.notify_rejections.is_some(),
            reminders: form.notify_reminders.is_some(),
            digests: form.notify_digests.is_some(),
        },
    };
    profile::update(ctx.services(), &member.actor, new).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        "Your profile is saved.",
        "/account/profile",
    ))
}
