//! What a file's content is, as a person names it: "a PNG image", not `image/png`. The
//! variant's name is what a message catalogue selects on, so another language names it too.

use std::fmt;

/// A sniffed content type, in the few families people know by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Tiff,
    Webp,
    Zip,
    Gzip,
    Text,
    Office,
    OpenDocument,
    Sound,
    Video,
    /// Any other type, by its media type.
    Other(String),
}

impl Content {
    pub fn of(mime: &str) -> Content {
        match mime {
            "application/pdf" => Content::Pdf,
            "image/png" => Content::Png,
            "image/jpeg" => Content::Jpeg,
            "image/gif" => Content::Gif,
            "image/tiff" => Content::Tiff,
            "image/webp" => Content::Webp,
            "application/zip" => Content::Zip,
            "application/gzip" => Content::Gzip,
            "text/plain" => Content::Text,
            m if m.starts_with("application/vnd.openxmlformats-officedocument") => Content::Office,
            m if m.starts_with("application/vnd.oasis.opendocument") => Content::OpenDocument,
            m if m.starts_with("audio/") => Content::Sound,
            m if m.starts_with("video/") => Content::Video,
            other => Content::Other(other.to_owned()),
        }
    }

    pub fn in_english(&self) -> String {
        let known = match self {
            Content::Pdf => "a PDF document",
            Content::Png => "a PNG image",
            Content::Jpeg => "a JPEG image",
            Content::Gif => "a GIF image",
            Content::Tiff => "a TIFF image",
            Content::Webp => "a WebP image",
            Content::Zip => "a ZIP archive",
            Content::Gzip => "a gzip archive",
            Content::Text => "plain text",
            Content::Office => "an Office document",
            Content::OpenDocument => "an OpenDocument file",
            Content::Sound => "a sound file",
            Content::Video => "a video",
            Content::Other(mime) => return format!("of type {mime}"),
        };
        known.to_owned()
    }
}

/// The catalogue's selector: `pdf`, `zip`, … and the media type itself for any other.
impl fmt::Display for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = match self {
            Content::Pdf => "pdf",
            Content::Png => "png",
            Content::Jpeg => "jpeg",
            Content::Gif => "gif",
            Content::Tiff => "tiff",
            Content::Webp => "webp",
            Content::Zip => "zip",
            Content::Gzip => "gzip",
            Content::Text => "text",
            Content::Office => "office",
            Content::OpenDocument => "opendocument",
            Content::Sound => "sound",
            Content::Video => "video",
            Content::Other(mime) => mime,
        };
        f.write_str(key)
    }
}
