//! A company's logo, as its bytes say: PNG, JPEG or WebP only, found by their signatures
//! and headers, never by a file's name or declared type. SVG is never taken, whatever it
//! is called: it is a document that can carry script, not a picture. The header gives the
//! size in pixels, so a small file cannot unpack into a picture no browser can hold.

use crate::domain::refusal::BrandRefused;

/// The largest logo file taken.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;
/// The most pixels on either side of a logo.
pub const MAX_LOGO_SIDE: u32 = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoFormat {
    Png,
    Jpeg,
    Webp,
}

impl LogoFormat {
    pub fn content_type(&self) -> &'static str {
        match self {
            LogoFormat::Png => "image/png",
            LogoFormat::Jpeg => "image/jpeg",
            LogoFormat::Webp => "image/webp",
        }
    }

    pub fn extension(&self) -> &'static str {
        match self {
            LogoFormat::Png => "png",
            LogoFormat::Jpeg => "jpg",
            LogoFormat::Webp => "webp",
        }
    }

    /// The format of a stored content type (only the three above are ever stored).
    pub fn from_content_type(value: &str) -> Option<LogoFormat> {
        [LogoFormat::Png, LogoFormat::Jpeg, LogoFormat::Webp]
            .into_iter()
            .find(|f| f.content_type() == value)
    }
}

/// A logo whose bytes were looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogoImage {
    pub format: LogoFormat,
    pub width: u32,
    pub height: u32,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        0,
    ]))
}

fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    // The first chunk is IHDR: length, type, then width and height (big-endian).
    if b.get(12..16)? != b"IHDR" {
        return None;
    }
    let word = |at: usize| Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?));
    Some((word(16)?, word(20)?))
}

/// The size in a JPEG's start-of-frame segment, walking the segments before it.
fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        while *b.get(at)? != 0xff {
            at += 1;
        }
        while *b.get(at)? == 0xff {
            at += 1;
        }
        let marker = *b.get(at)?;
        at += 1;
        match marker {
            // Markers without a length.
            0x01 | 0xd0..=0xd7 => continue,
            // Start of scan (or end of image) before any frame: no size to be had.
            0xd9 | 0xda => return None,
            // SOF0-SOF15, except DHT (c4), JPG (c8) and DAC (cc).
            0xc0..=0xcf if !matches!(marker, 0xc4 | 0xc8 | 0xcc) => {
                return Some((be16(b, at + 5)?, be16(b, at + 3)?));
            }
            _ => at += usize::try_from(be16(b, at)?).ok()?,
        }
    }
}

fn webp_size(b: &[u8]) -> Option<(u32, u32)> {
    match b.get(12..16)? {
        // Lossy: a key frame's start code, then 14-bit width and height.
        b"VP8 " => {
            if b.get(23..26)? != [0x9d, 0x01, 0x2a] {
                return None;
            }
            Some((le16(b, 26)? & 0x3fff, le16(b, 28)? & 0x3fff))
        }
        // Lossless: a signature byte, then width - 1 and height - 1 in 14 bits each.
        b"VP8L" => {
            if *b.get(20)? != 0x2f {
                return None;
            }
            let bits = u32::from_le_bytes(b.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
        }
        // Extended: canvas width - 1 and height - 1, 24 bits each.
        b"VP8X" => Some((le24(b, 24)? + 1, le24(b, 27)? + 1)),
        _ => None,
    }
}

/// Whether the bytes look like an SVG (or any XML) document.
fn looks_like_svg(b: &[u8]) -> bool {
    let head = &b[..b.len().min(4096)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let text = text.trim_start_matches('\u{feff}').trim_start();
    text.starts_with('<') && (text.contains("<svg") || text.starts_with("<?xml"))
}

impl LogoImage {
    /// What the bytes are, or why they are not taken as a logo.
    pub fn sniff(bytes: &[u8]) -> Result<LogoImage, BrandRefused> {
        if bytes.is_empty() {
            return Err(BrandRefused::LogoMissing);
        }
        if bytes.len() > MAX_LOGO_BYTES {
            return Err(BrandRefused::LogoTooLarge {
                limit: MAX_LOGO_BYTES as u64,
            });
        }
        let (format, size) = if bytes.starts_with(PNG_SIGNATURE) {
            (LogoFormat::Png, png_size(bytes))
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            (LogoFormat::Jpeg, jpeg_size(bytes))
        } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
            (LogoFormat::Webp, webp_size(bytes))
        } else if looks_like_svg(bytes) {
            return Err(BrandRefused::LogoSvg);
        } else {
            return Err(BrandRefused::LogoNotAnImage);
        };
        let (width, height) = size.ok_or(BrandRefused::LogoUnreadable {
            format: format.extension().to_ascii_uppercase(),
        })?;
        if width == 0 || height == 0 || width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE {
            return Err(BrandRefused::LogoDimensions {
                width,
                height,
                max: MAX_LOGO_SIDE,
            });
        }
        Ok(LogoImage {
            format,
            width,
            height,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG's signature and IHDR chunk (what the sniffer reads) for `w` × `h`.
    pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = PNG_SIGNATURE.to_vec();
        b.extend_from_slice(&13u32.to_be_bytes());
        b.extend_from_slice(b"IHDR");
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    fn jpeg(w: u16, h: u16) -> Vec<u8> {
        let mut b = vec![0xff, 0xd8];
        // An APP0 (JFIF) segment to walk past, then a baseline frame.
        b.extend_from_slice(&[0xff, 0xe0, 0x00, 0x10]);
        b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        b.extend_from_slice(&[0xff, 0xc0, 0x00, 0x11, 0x08]);
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        b
    }

    fn riff(chunk: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = b"RIFF\0\0\0\0WEBP".to_vec();
        b.extend_from_slice(chunk);
        b.extend_from_slice(&(body.len() as u32).to_le_bytes());
        b.extend_from_slice(body);
        b
    }

    #[test]
    fn png_jpeg_and_webp_are_known_by_their_bytes_with_their_size() {
        let sniffed = |b: &[u8]| LogoImage::sniff(b).map(|i| (i.format, i.width, i.height));
        assert_eq!(sniffed(&png(120, 40)), Ok((LogoFormat::Png, 120, 40)));
        assert_eq!(sniffed(&jpeg(640, 480)), Ok((LogoFormat::Jpeg, 640, 480)));
        let lossy = riff(b"VP8 ", &[0, 0, 0, 0x9d, 0x01, 0x2a, 200, 0, 100, 0]);
        assert_eq!(sniffed(&lossy), Ok((LogoFormat::Webp, 200, 100)));
        // Lossless: width - 1 = 299 and height - 1 = 99 packed in 14 bits each.
        let packed: u32 = 299 | (99 << 14);
        let mut body = vec![0x2f];
        body.extend_from_slice(&packed.to_le_bytes());
        assert_eq!(
            sniffed(&riff(b"VP8L", &body)),
            Ok((LogoFormat::Webp, 300, 100))
        );
        let mut extended = vec![0, 0, 0, 0];
        extended.extend_from_slice(&[0x1f, 0x03, 0x00, 0xc7, 0x00, 0x00]);
        assert_eq!(
            sniffed(&riff(b"VP8X", &extended)),
            Ok((LogoFormat::Webp, 800, 200))
        );
        assert_eq!(
            LogoFormat::from_content_type("image/webp"),
            Some(LogoFormat::Webp)
        );
        assert_eq!(LogoFormat::from_content_type("image/svg+xml"), None);
    }

    #[test]
    fn svg_and_everything_else_are_refused_whatever_they_claim() {
        let svg = b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
        assert_eq!(LogoImage::sniff(svg), Err(BrandRefused::LogoSvg));
        let bare = "\u{feff}  <SVG onload=\"x()\"></SVG>".as_bytes();
        assert_eq!(LogoImage::sniff(bare), Err(BrandRefused::LogoSvg));
        for other in [
            &b"GIF89a\x01\x00\x01\x00"[..],
            b"%PDF-1.7\n",
            b"<html><body>hi</body></html>",
            b"MZ\x90\x00",
            b"just text",
        ] {
            assert_eq!(LogoImage::sniff(other), Err(BrandRefused::LogoNotAnImage));
        }
        assert_eq!(LogoImage::sniff(b""), Err(BrandRefused::LogoMissing));
    }

    #[test]
    fn a_broken_header_too_many_pixels_or_too_many_bytes_are_refused() {
        assert!(matches!(
            LogoImage::sniff(PNG_SIGNATURE),
            Err(BrandRefused::LogoUnreadable { .. })
        ));
        assert!(matches!(
            LogoImage::sniff(&[0xff, 0xd8, 0xff, 0xda, 0, 2]),
            Err(BrandRefused::LogoUnreadable { .. })
        ));
        assert_eq!(
            LogoImage::sniff(&png(20000, 20000)),
            Err(BrandRefused::LogoDimensions {
                width: 20000,
                height: 20000,
                max: MAX_LOGO_SIDE
            })
        );
        assert!(matches!(
            LogoImage::sniff(&png(0, 10)),
            Err(BrandRefused::LogoDimensions { .. })
        ));
        let mut big = png(10, 10);
        big.resize(MAX_LOGO_BYTES + 1, 0);
        assert!(matches!(
            LogoImage::sniff(&big),
            Err(BrandRefused::LogoTooLarge { .. })
        ));
    }
}
