crate::text_enum! {
    /// A language Hopper speaks to people outside the company (`upload_links.language`,
    /// `companies.default_language`): each has a complete message catalogue.
    #[derive(Default)]
    pub enum Language {
        #[default]
        En = "en", "English";
        De = "de", "Deutsch";
    }
}

impl Language {
    /// The language of a page an outsider reads: the link's, else its company's, else the
    /// first one the browser asks for that Hopper speaks, else English.
    pub fn choose(
        link: Option<Language>,
        company: Option<Language>,
        accept_language: Option<&str>,
    ) -> Language {
        link.or(company)
            .or_else(|| accept_language.and_then(Language::from_accept_language))
            .unwrap_or_default()
    }

    /// The first language of an `Accept-Language` header (by its q-values; `q=0` means
    /// "not this one") that Hopper speaks, matched by its primary subtag (`de-AT` is `de`).
    pub fn from_accept_language(header: &str) -> Option<Language> {
        accept_language::parse_with_quality(header)
            .into_iter()
            .filter(|(_, quality)| *quality > 0.0)
            .find_map(|(tag, _)| {
                let primary = tag.split(['-', '_']).next().unwrap_or_default();
                Language::parse(&primary.to_ascii_lowercase())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_is_read_by_its_q_values() {
        let from = Language::from_accept_language;
        assert_eq!(from("de-DE,de;q=0.9,en;q=0.8"), Some(Language::De));
        assert_eq!(from("fr-FR, en;q=0.5, de;q=0.7"), Some(Language::De));
        assert_eq!(from("en-GB;q=0.3, de-AT;q=0.6"), Some(Language::De));
        assert_eq!(from("de;q=0, en"), Some(Language::En));
        assert_eq!(from("DE-ch"), Some(Language::De));
        assert_eq!(from("fr, it;q=0.5"), None);
        assert_eq!(from(""), None);
        assert_eq!(from("*"), None);
    }

    #[test]
    fn the_link_goes_before_the_company_before_the_browser() {
        let de = Some(Language::De);
        let en = Some(Language::En);
        assert_eq!(Language::choose(de, en, Some("en")), Language::De);
        assert_eq!(Language::choose(None, de, Some("en")), Language::De);
        assert_eq!(Language::choose(None, en, Some("de")), Language::En);
        assert_eq!(Language::choose(None, None, Some("de")), Language::De);
        assert_eq!(Language::choose(None, None, Some("fr")), Language::En);
        assert_eq!(Language::choose(None, None, None), Language::En);
    }
}
