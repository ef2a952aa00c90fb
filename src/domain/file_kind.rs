//! What a file really is: the first bytes decide, not the declared content type. A file
//! whose name claims one type while its content is another (an executable named `.pdf`)
//! is refused, and a project may accept only some extensions.

use crate::domain::file_content::Content;
use crate::domain::refusal::KindRefused;

/// How many leading bytes the sniffer needs.
pub const SNIFF_BYTES: usize = 8192;

/// Extensions whose content always starts with a signature the sniffer knows.
const SIGNED_EXTENSIONS: [&str; 14] = [
    "pdf", "png", "jpg", "jpeg", "gif", "zip", "gz", "docx", "xlsx", "pptx", "odt", "ods", "tif",
    "tiff",
];

/// Content that must never travel under another type's name.
fn is_executable(mime: &str) -> bool {
    matches!(
        mime,
        "application/x-executable"
            | "application/x-elf"
            | "application/vnd.microsoft.portable-executable"
            | "application/x-msdownload"
            | "application/x-mach-binary"
            | "application/x-sharedlib"
            | "application/wasm"
    )
}

/// What the sniffer makes of `head`. Its Windows-program rule looks at two bytes ("MZ"),
/// which one text file in 65,536 starts with ("MZ Consulting — report"): such content
/// counts as a program only when its header names a PE header where a program has one.
fn sniff(head: &[u8]) -> Option<String> {
    let mime = infer::get(head)?.mime_type();
    if mime == "application/vnd.microsoft.portable-executable" && !has_pe_header(head) {
        return None;
    }
    Some(mime.to_owned())
}

/// The DOS header's `e_lfanew` (at 0x3C) points at "PE\0\0" within the sniffed bytes.
fn has_pe_header(head: &[u8]) -> bool {
    let Some(offset) = head
        .get(0x3c..0x40)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
        .and_then(|o| usize::try_from(o).ok())
    else {
        return false;
    };
    head.get(offset..offset.saturating_add(4)) == Some(b"PE\0\0".as_slice())
}

fn extension(name: &str) -> Option<String> {
    let (_, ext) = name.rsplit_once('.')?;
    (!ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// Zip-based formats are detected as zip or as their own type.
fn compatible(sniffed: &str, expected: &str) -> bool {
    if sniffed == expected {
        return true;
    }
    let zip_family = |m: &str| {
        m == "application/zip"
            || m.starts_with("application/vnd.openxmlformats-officedocument")
            || m.starts_with("application/vnd.oasis.opendocument")
            || m == "application/epub+zip"
            || m == "application/java-archive"
    };
    (zip_family(sniffed) && zip_family(expected))
        || (sniffed == "image/jpeg" && expected == "image/pjpeg")
        || (sniffed == "application/gzip" && expected == "application/x-gzip")
}

/// Why a file's name alone is refused by the project's accepted types, before any byte.
pub fn refused_by_name(name: &str, allowed: &[String]) -> Option<KindRefused> {
    if allowed.is_empty() {
        return None;
    }
    let ok = extension(name)
        .as_deref()
        .is_some_and(|e| allowed.iter().any(|a| a.eq_ignore_ascii_case(e)));
    (!ok).then(|| KindRefused::ProjectTakesOnly {
        allowed: allowed.join(", "),
    })
}

/// The content type to store for `name` whose content starts with `head`, or why it is
/// refused. `allowed` lists the project's accepted extensions (empty: any).
pub fn check(name: &str, head: &[u8], allowed: &[String]) -> Result<String, KindRefused> {
    if let Some(refused) = refused_by_name(name, allowed) {
        return Err(refused);
    }
    let ext = extension(name);
    let sniffed = sniff(head);
    let expected = ext
        .as_deref()
        .and_then(|e| mime_guess::from_ext(e).first())
        .map(|m| m.essence_str().to_owned());
    let named = || ext.clone().unwrap_or_else(|| "?".to_owned());
    match (&sniffed, &expected) {
        (Some(s), Some(_)) if is_executable(s) => {
            Err(KindRefused::ProgramNamedOtherwise { ext: named() })
        }
        (Some(s), Some(e)) if !compatible(s, e) => Err(KindRefused::NotWhatItsNameSays {
            ext: named(),
            actual: Content::of(s),
        }),
        (Some(s), None) if is_executable(s) && !head.is_empty() => Err(KindRefused::Program),
        (None, Some(_))
            if !head.is_empty()
                && ext
                    .as_deref()
                    .is_some_and(|e| SIGNED_EXTENSIONS.contains(&e)) =>
        {
            Err(KindRefused::NotOfItsType { ext: named() })
        }
        _ => Ok(sniffed
            .or(expected)
            .unwrap_or_else(|| "application/octet-stream".to_owned())),
    }
}

/// The file picker's `accept` attribute for a project's extensions (empty: anything),
/// so that a refusal comes before the bytes are sent rather than after.
pub fn accept_attribute<'a>(extensions: impl IntoIterator<Item = &'a str>) -> String {
    extensions
        .into_iter()
        .map(|e| format!(".{}", e.trim_start_matches('.')))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::check;

    fn elf() -> Vec<u8> {
        let mut bytes =
            b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00".to_vec();
        bytes.resize(128, 0);
        bytes
    }
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";

    #[test]
    fn truthful_files_pass_with_their_type() {
        assert_eq!(check("a.pdf", PDF, &[]).unwrap(), "application/pdf");
        assert_eq!(check("a.png", PNG, &[]).unwrap(), "image/png");
        assert_eq!(check("notes.txt", b"hello", &[]).unwrap(), "text/plain");
        assert_eq!(check("data.csv", b"a,b\n1,2", &[]).unwrap(), "text/csv");
        assert_eq!(check("empty.pdf", b"", &[]).unwrap(), "application/pdf");
    }

    #[test]
    fn liars_are_refused() {
        let refused = check("invoice.pdf", &elf(), &[]).unwrap_err().to_string();
        assert!(
            refused.contains("the name says pdf but the file is a program"),
            "{refused}"
        );
        let renamed = check("photo.png", PDF, &[]).unwrap_err().to_string();
        assert!(renamed.contains("the file is a PDF document"), "{renamed}");
        assert!(check("photo.png", PDF, &[]).is_err());
        assert!(check("report.pdf", b"just text", &[]).is_err());
        assert!(
            check("tool", &elf(), &[]).is_err(),
            "an executable without a type in its name"
        );
    }

    /// A real Windows program: "MZ", e_lfanew = 0x80, "PE\0\0" there.
    fn windows_program() -> Vec<u8> {
        let mut bytes = vec![0u8; 0x100];
        bytes[..2].copy_from_slice(b"MZ");
        bytes[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        bytes[0x80..0x84].copy_from_slice(b"PE\0\0");
        bytes
    }

    #[test]
    fn text_that_starts_with_mz_is_not_a_program() {
        let text = b"MZ Consulting: quarterly report, with enough words to fill a header.";
        assert_eq!(check("report.txt", text, &[]).unwrap(), "text/plain");
        assert_eq!(
            check("s615.txt", b"MZkq3v9XhT0+base64/random", &[]).unwrap(),
            "text/plain"
        );
        let refused = check("setup.txt", &windows_program(), &[])
            .unwrap_err()
            .to_string();
        assert!(refused.contains("the file is a program"), "{refused}");
        assert!(check("setup", &windows_program(), &[]).is_err());
    }

    #[test]
    fn a_project_may_restrict_extensions() {
        let only_pdf = vec!["pdf".to_owned()];
        assert!(check("a.pdf", PDF, &only_pdf).is_ok());
        assert!(check("a.PDF", PDF, &only_pdf).is_ok());
        assert!(check("a.png", PNG, &only_pdf)
            .unwrap_err()
            .to_string()
            .contains("accepts only pdf"));
    }
}
