//! The S3 key of an uploaded file: `{cycle prefix}/{relative path}`. Names are checked,
//! not mangled: a path S3 or a later download could misread is refused with a reason.

use unicode_normalization::UnicodeNormalization;

pub const MAX_SEGMENT_BYTES: usize = 255;
pub const MAX_KEY_BYTES: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectKey {
    /// The relative path as the user sent it, NFC-normalised.
    pub relative_path: String,
    pub key: String,
}

/// Bidirectional overrides and isolates can make `evil\u{202E}fdp.exe` read as `evil.exe.pdf`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

impl ObjectKey {
    pub fn parse(prefix: &str, sent: &str) -> Result<ObjectKey, String> {
        if sent.is_empty() {
            return Err("the file has no name".into());
        }
        if sent.contains('\0') {
            return Err("the name contains a NUL character".into());
        }
        if sent.chars().any(char::is_control) {
            return Err("the name contains control characters".into());
        }
        if sent.chars().any(is_bidi_control) {
            return Err("the name contains text-direction override characters".into());
        }
        // Browsers on Windows may send `\`; it is a separator there, not part of a name.
        let path: String = sent.replace('\\', "/").nfc().collect();
        if path.starts_with('/') || path.as_bytes().get(1) == Some(&b':') {
            return Err("absolute paths are not accepted".into());
        }
        let mut segments = Vec::new();
        for segment in path.split('/') {
            match segment {
                "" => return Err("the path has an empty segment (//)".into()),
                "." | ".." => return Err("the path contains . or .. segments".into()),
                s if s.len() > MAX_SEGMENT_BYTES => {
                    return Err(format!(
                        "a path segment is longer than {MAX_SEGMENT_BYTES} bytes"
                    ))
                }
                s if s.trim() != s && s.trim().is_empty() => {
                    return Err("a path segment is only spaces".into())
                }
                s => segments.push(s),
            }
        }
        let relative_path = segments.join("/");
        let key = format!("{}/{}", prefix.trim_end_matches('/'), relative_path);
        if key.len() > MAX_KEY_BYTES {
            return Err(format!(
                "the resulting S3 key is longer than {MAX_KEY_BYTES} bytes"
            ));
        }
        Ok(ObjectKey { relative_path, key })
    }

    /// The key of a later version of this file, when an earlier one owns the plain key:
    /// `dir/report.pdf` → `dir/report.v{n}.pdf`. `None` if that would be too long for S3.
    pub fn version_key(&self, n: &str) -> Option<String> {
        let (dir, name) = match self.key.rsplit_once('/') {
            Some((dir, name)) => (format!("{dir}/"), name),
            None => (String::new(), self.key.as_str()),
        };
        let versioned = match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => format!("{dir}{stem}.v{n}.{ext}"),
            _ => format!("{dir}{name}.v{n}"),
        };
        (versioned.len() <= MAX_KEY_BYTES).then_some(versioned)
    }

    /// The last segment: the file's own name.
    pub fn file_name(&self) -> &str {
        self.relative_path
            .rsplit('/')
            .next()
            .unwrap_or(&self.relative_path)
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectKey;

    #[test]
    fn a_later_version_gets_its_number_before_the_extension() {
        let key = ObjectKey::parse("acme/C1", "docs/report.pdf").unwrap();
        assert_eq!(
            key.version_key("57").unwrap(),
            "acme/C1/docs/report.v57.pdf"
        );
        let bare = ObjectKey::parse("acme/C1", ".env").unwrap();
        assert_eq!(bare.version_key("3").unwrap(), "acme/C1/.env.v3");
        let readme = ObjectKey::parse("acme/C1", "README").unwrap();
        assert_eq!(readme.version_key("3").unwrap(), "acme/C1/README.v3");
    }

    #[test]
    fn relative_paths_become_keys_under_the_prefix() {
        let k = ObjectKey::parse("acme/C1", "reports/2026/q1.pdf").unwrap();
        assert_eq!(k.key, "acme/C1/reports/2026/q1.pdf");
        assert_eq!(k.file_name(), "q1.pdf");
        let w = ObjectKey::parse("acme/C1", "dir\\file.txt").unwrap();
        assert_eq!(w.key, "acme/C1/dir/file.txt");
    }

    #[test]
    fn unicode_is_kept_and_normalised() {
        // "é" as e + combining acute becomes the single code point.
        let k = ObjectKey::parse("p", "re\u{301}sume\u{301}.pdf").unwrap();
        assert_eq!(k.relative_path, "r\u{e9}sum\u{e9}.pdf");
        assert!(ObjectKey::parse("p", "日本語/ファイル.txt").is_ok());
    }

    #[test]
    fn bad_names_are_refused() {
        for bad in [
            "../etc/passwd",
            "a/../../b",
            "./a",
            "/etc/passwd",
            "C:/Windows/x",
            "a//b",
            "nul\0byte",
            "line\nbreak",
            "evil\u{202E}fdp.exe",
            "iso\u{2066}late",
            "",
        ] {
            assert!(
                ObjectKey::parse("p", bad).is_err(),
                "{bad:?} should be refused"
            );
        }
        assert!(ObjectKey::parse("p", &"x".repeat(256)).is_err());
        assert!(ObjectKey::parse("p", &"x".repeat(255)).is_ok());
        let deep = vec!["d".repeat(200); 6].join("/");
        assert!(ObjectKey::parse("p", &deep).is_err(), "key over 1024 bytes");
    }
}
