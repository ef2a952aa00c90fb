//! Refusals about a company's branding: its logo, and where the logo could be kept.

refusals! {
    /// A logo (or its removal) is refused.
    pub enum BrandRefused {
        #[error("Choose a logo file (PNG, JPEG or WebP).")]
        LogoMissing => "brand.logo_missing", BadInput;
        #[error("The logo is larger than the limit of {}; make it smaller and send it again.", crate::domain::sizes::human_size(*limit))]
        LogoTooLarge { limit: u64 } => "brand.logo_too_large", OverLimit;
        #[error("SVG logos are not accepted, whatever the file is called: an SVG can carry script. Send the logo as PNG, JPEG or WebP.")]
        LogoSvg => "brand.logo_svg", TypeNotTaken;
        #[error("This file is not a PNG, JPEG or WebP picture, whatever its name says. Send the logo in one of those formats.")]
        LogoNotAnImage => "brand.logo_not_an_image", TypeNotTaken;
        #[error("This file starts like a {format} picture, but its header cannot be read; it may be damaged.")]
        LogoUnreadable { format: String } => "brand.logo_unreadable", TypeNotTaken;
        #[error("The logo is {width} × {height} pixels; a logo may be at most {max} pixels on each side.")]
        LogoDimensions { width: u32, height: u32, max: u32 } => "brand.logo_dimensions", OverLimit;
        #[error("Your company has no storage location to keep a logo in yet; the operator assigns one.")]
        NoStorage => "brand.no_storage", StateForbids;
        #[error("There is no logo to remove.")]
        NoLogo => "brand.no_logo", StateForbids;
    }
}
