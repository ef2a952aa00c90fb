-- The language outsiders read a link's pages and emails in: the link's own, else its
-- company's default, else what the browser asks for (Accept-Language), else English.
ALTER TABLE companies ADD COLUMN default_language text
    CONSTRAINT companies_default_language_check CHECK (default_language IN ('en', 'de'));
ALTER TABLE upload_links ADD COLUMN language text
    CONSTRAINT upload_links_language_check CHECK (language IN ('en', 'de'));
