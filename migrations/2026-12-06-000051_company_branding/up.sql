-- A company's branding, shown to people outside it (upload link pages, their error pages,
-- mails to link senders): the name they know it by, an accent colour, a logo. The name
-- defaults to the company's name (NULL: that name, so a renamed company is not stuck with
-- the old one). The colour's contrast is checked by Hopper before it is stored; here only
-- its form. The logo lies in one of the company's storage locations, under a key of its
-- own; only a sniffed PNG, JPEG or WebP is ever recorded.
ALTER TABLE companies
    ADD COLUMN display_name VARCHAR(255),
    ADD COLUMN accent_colour VARCHAR(7),
    ADD COLUMN logo_location_id INTEGER REFERENCES storage_locations (id) ON DELETE RESTRICT,
    ADD COLUMN logo_key VARCHAR(1024),
    ADD COLUMN logo_content_type VARCHAR(20),
    ADD COLUMN logo_size INTEGER,
    ADD COLUMN logo_sha256 VARCHAR(64),
    ADD CONSTRAINT companies_display_name_not_blank CHECK (display_name IS NULL OR btrim(display_name) <> ''),
    ADD CONSTRAINT companies_accent_colour_hex CHECK (accent_colour IS NULL OR accent_colour ~ '^#[0-9a-f]{6}$'),
    -- A logo is all of its parts or none of them.
    ADD CONSTRAINT companies_logo_whole CHECK (
        (logo_location_id IS NULL AND logo_key IS NULL AND logo_content_type IS NULL
         AND logo_size IS NULL AND logo_sha256 IS NULL)
        OR (logo_location_id IS NOT NULL AND logo_key IS NOT NULL AND logo_content_type IS NOT NULL
            AND logo_size IS NOT NULL AND logo_sha256 IS NOT NULL)),
    ADD CONSTRAINT companies_logo_type CHECK (logo_content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    ADD CONSTRAINT companies_logo_size CHECK (logo_size > 0 AND logo_size <= 524288),
    ADD CONSTRAINT companies_logo_sha256_hex CHECK (logo_sha256 ~ '^[0-9a-f]{64}$');

-- The public logo address names the logo by its digest.
CREATE INDEX idx_companies_logo_sha256 ON companies (logo_sha256) WHERE logo_sha256 IS NOT NULL;
CREATE INDEX idx_companies_logo_location ON companies (logo_location_id) WHERE logo_location_id IS NOT NULL;
