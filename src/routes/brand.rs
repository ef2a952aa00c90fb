//! What outsiders' pages load of a firm's branding: its logo, named by its digest, and the
//! stylesheet of its colour. Both are public (an upload link's sender has no account) and
//! serve nothing else: the logo route only the current logo of an active company, the
//! stylesheet only a colour text can be read on. Both never change at their address, so
//! browsers keep them.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::domain::accent_colour::{AccentColour, Rgb};
use crate::domain::logo_image::LogoFormat;
use crate::error::AppError;
use crate::services::branding;
use crate::web::Ctx;

const FOREVER: &str = "public, max-age=31536000, immutable";

pub async fn logo(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let logo = branding::logo(ctx.services(), path.into_inner()).await?;
    let extension =
        LogoFormat::from_content_type(logo.content_type).map_or("img", |f| f.extension());
    Ok(HttpResponse::Ok()
        .content_type(logo.content_type)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, FOREVER))
        .insert_header((
            header::CONTENT_DISPOSITION,
            ContentDisposition {
                disposition: DispositionType::Inline,
                parameters: vec![DispositionParam::Filename(format!("logo.{extension}"))],
            },
        ))
        .body(logo.bytes))
}

#[derive(Template)]
#[template(path = "brand/style.css", escape = "none")]
struct BrandStyle {
    accent: String,
    on_accent: String,
}

/// `/brand/style/0b3d91.css`: six lower-case hex digits, as `Brand::style_url` writes them.
pub async fn style(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let colour = path.into_inner();
    let well_formed = colour.len() == 6
        && colour
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    let accent = Rgb::parse_hex(&colour)
        .filter(|_| well_formed)
        .and_then(|rgb| AccentColour::checked(rgb).ok())
        .ok_or(AppError::NotFound)?;
    let css = BrandStyle {
        accent: accent.hex(),
        on_accent: accent.text_hex(),
    }
    .render()?;
    Ok(HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, FOREVER))
        .body(css))
}
