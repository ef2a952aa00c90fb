DROP TABLE sso_sign_ins;
DROP TABLE sso_links;
DROP TABLE sso_email_domains;
DROP TABLE company_sso;
