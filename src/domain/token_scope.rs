crate::text_enum! {
    /// What an API token may do (`api_tokens.scopes`): send files, read what is there,
    /// or manage the company.
    pub enum TokenScope {
        Upload = "upload", "Upload";
        Read = "read", "Read";
        /// Manage the company (webhooks); only a company admin's token can use it.
        Admin = "admin", "Admin";
    }
}
