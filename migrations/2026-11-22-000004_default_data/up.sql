-- The seed's default company and administrator. The password is the seed's well-known
-- `admin123`, so the profile forces a change at first sign-in.
INSERT INTO companies (company_name, company_code, contact_email)
VALUES ('Default Company', 'DEFAULT', 'admin@example.com');

INSERT INTO users (company_id, username, email, password_hash, full_name, role)
SELECT id, 'admin', 'admin@example.com',
       '$argon2id$v=19$m=19456,t=2,p=1$sjZfT+/86Ta8pNEV7OCWQw$RcuSgiE39koD5GT0ChuldQS9rDhs8q8c7ilHQU3fhyY',
       'System Administrator', 'superadmin'
FROM companies WHERE company_code = 'DEFAULT';

INSERT INTO user_profiles (user_id, must_change_password)
SELECT id, TRUE FROM users WHERE username = 'admin';
