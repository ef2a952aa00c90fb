DELETE FROM companies WHERE company_code = 'DEFAULT';
