//! A company's accent colour: `#rrggbb`, used as the background of the header bar and the
//! primary buttons on the pages outsiders see. Text is drawn on it, so a colour is taken
//! only when white or the page's own text colour reaches WCAG AA's 4.5:1 on it (WCAG 2.x
//! relative luminance and contrast ratio); that text colour is the one used.

/// WCAG 2.x AA: normal-size text needs this contrast ratio against its background.
pub const MIN_TEXT_CONTRAST: f64 = 4.5;

/// A colour in sRGB, 8 bits per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// White text on the colour.
pub const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
/// The page's text colour (the stylesheet's `--ink`), for a light accent.
pub const PAGE_TEXT: Rgb = Rgb(0x1d, 0x23, 0x30);
/// Hopper's own accent (the stylesheet's `--accent`), for a company that chose none.
pub const HOPPER_ACCENT: Rgb = Rgb(0x23, 0x57, 0xc6);

impl Rgb {
    /// `#rrggbb` or `#rgb`, with or without the `#`, in either case.
    pub fn parse_hex(value: &str) -> Option<Rgb> {
        let digits = value.trim().strip_prefix('#').unwrap_or(value.trim());
        if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |s: &str| u8::from_str_radix(s, 16).ok();
        match digits.len() {
            6 => Some(Rgb(
                channel(&digits[0..2])?,
                channel(&digits[2..4])?,
                channel(&digits[4..6])?,
            )),
            3 => {
                let twice = |i: usize| channel(&digits[i..=i].repeat(2));
                Some(Rgb(twice(0)?, twice(1)?, twice(2)?))
            }
            _ => None,
        }
    }

    /// `#rrggbb`, lower case: the stored form.
    pub fn hex(&self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG 2.x relative luminance: 0 for black, 1 for white.
    pub fn relative_luminance(&self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.0) + 0.7152 * linear(self.1) + 0.0722 * linear(self.2)
    }

    /// WCAG 2.x contrast ratio of two colours, from 1 (none) to 21 (black on white).
    pub fn contrast_with(&self, other: Rgb) -> f64 {
        let (a, b) = (self.relative_luminance(), other.relative_luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }
}

/// A ratio as people read it, never rounded up past a limit it misses (4.499 is "4.49").
fn ratio_words(ratio: f64) -> String {
    format!("{:.2}:1", (ratio * 100.0).floor() / 100.0)
}

/// An accent colour that text can be read on, with the text colour to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccentColour {
    colour: Rgb,
    text: Rgb,
}

impl AccentColour {
    /// A colour as typed in the branding form; refused with a sentence when it is not a
    /// colour, or when neither white nor the page's text reaches 4.5:1 on it.
    pub fn parse(value: &str) -> Result<AccentColour, String> {
        let colour = Rgb::parse_hex(value)
            .ok_or_else(|| "Enter the colour as a hex code, like #1f6feb.".to_owned())?;
        AccentColour::checked(colour)
    }

    pub fn checked(colour: Rgb) -> Result<AccentColour, String> {
        let on_white = colour.contrast_with(WHITE);
        let on_text = colour.contrast_with(PAGE_TEXT);
        let (text, best) = if on_white >= on_text {
            (WHITE, on_white)
        } else {
            (PAGE_TEXT, on_text)
        };
        if best < MIN_TEXT_CONTRAST {
            return Err(format!(
                "{} leaves too little contrast for the text on buttons and the header bar: \
                 {} with white text and {} with the page's dark text ({}); WCAG AA needs at \
                 least 4.5:1. Choose a darker or a lighter colour.",
                colour.hex(),
                ratio_words(on_white),
                ratio_words(on_text),
                PAGE_TEXT.hex()
            ));
        }
        Ok(AccentColour { colour, text })
    }

    /// A colour read back from the database (checked when it was stored). `None` for a
    /// value that is not a colour, or that no text colour can be read on.
    pub fn from_stored(value: &str) -> Option<AccentColour> {
        Rgb::parse_hex(value).and_then(|c| AccentColour::checked(c).ok())
    }

    /// Hopper's own accent, for a company that chose none.
    pub fn hopper() -> AccentColour {
        AccentColour {
            colour: HOPPER_ACCENT,
            text: WHITE,
        }
    }

    /// `#rrggbb`.
    pub fn hex(&self) -> String {
        self.colour.hex()
    }

    /// The text colour on it, `#rrggbb`.
    pub fn text_hex(&self) -> String {
        self.text.hex()
    }

    /// The contrast of the text on it.
    pub fn contrast(&self) -> String {
        ratio_words(self.colour.contrast_with(self.text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 0.01
    }

    #[test]
    fn hex_codes_are_read_in_their_usual_forms() {
        assert_eq!(Rgb::parse_hex("#1F6FEB"), Some(Rgb(0x1f, 0x6f, 0xeb)));
        assert_eq!(Rgb::parse_hex("1f6feb"), Some(Rgb(0x1f, 0x6f, 0xeb)));
        assert_eq!(Rgb::parse_hex(" #abc "), Some(Rgb(0xaa, 0xbb, 0xcc)));
        assert_eq!(Rgb(0x1f, 0x6f, 0xeb).hex(), "#1f6feb");
        for bad in [
            "", "#", "#12345", "#1234567", "#gggggg", "red", "#12 456", "+1f6feb",
        ] {
            assert_eq!(Rgb::parse_hex(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn luminance_and_contrast_match_known_wcag_pairs() {
        assert!(close(WHITE.relative_luminance(), 1.0));
        assert!(close(Rgb(0, 0, 0).relative_luminance(), 0.0));
        assert!(close(Rgb(0, 0, 0).contrast_with(WHITE), 21.0));
        assert!(close(WHITE.contrast_with(WHITE), 1.0));
        // The classic pair: #777777 just misses AA on white, #767676 just makes it.
        assert!(close(Rgb(0x77, 0x77, 0x77).contrast_with(WHITE), 4.48));
        assert!(close(Rgb(0x76, 0x76, 0x76).contrast_with(WHITE), 4.54));
        // Symmetric.
        let (a, b) = (Rgb(0x1f, 0x6f, 0xeb), Rgb(0xff, 0xd7, 0x00));
        assert!(close(a.contrast_with(b), b.contrast_with(a)));
        // Pure red on white: 4.0:1; pure blue: 8.59:1.
        assert!(close(Rgb(0xff, 0, 0).contrast_with(WHITE), 4.0));
        assert!(close(Rgb(0, 0, 0xff).contrast_with(WHITE), 8.59));
    }

    #[test]
    fn a_dark_accent_gets_white_text_and_a_light_one_the_page_text() {
        let dark = AccentColour::parse("#0b3d91").expect("dark blue");
        assert_eq!(
            (dark.hex().as_str(), dark.text_hex().as_str()),
            ("#0b3d91", "#ffffff")
        );
        let light = AccentColour::parse("#ffd700").expect("gold");
        assert_eq!(light.text_hex(), PAGE_TEXT.hex());
        assert_eq!(
            AccentColour::parse("#767676").map(|a| a.text_hex()),
            Ok("#ffffff".into())
        );
        assert!(AccentColour::checked(HOPPER_ACCENT).is_ok());
        assert_eq!(AccentColour::hopper().hex(), HOPPER_ACCENT.hex());
    }

    #[test]
    fn a_mid_tone_is_refused_with_its_ratios_and_the_need() {
        let refused = AccentColour::parse("#808080").expect_err("grey in the middle");
        assert!(
            refused.starts_with("#808080 leaves too little contrast"),
            "{refused}"
        );
        assert!(refused.contains("3.94:1 with white text"), "{refused}");
        assert!(refused.contains("4.5:1"), "{refused}");
        // Red: 4.0:1 on white, 4.47:1 with the page text: neither is enough.
        let red = AccentColour::parse("#ff0000").expect_err("red");
        assert!(red.contains("3.99:1 with white text"), "{red}");
        assert!(AccentColour::parse("not a colour")
            .expect_err("text")
            .contains("hex code"));
        assert_eq!(AccentColour::from_stored("#808080"), None);
        assert!(AccentColour::from_stored("#0b3d91").is_some());
    }
}
