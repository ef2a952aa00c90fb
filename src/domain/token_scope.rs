crate::text_enum! {
    /// What an API token may do (`api_tokens.scopes`): send files, or read what is there.
    pub enum TokenScope {
        Upload = "upload", "Upload";
        Read = "read", "Read";
    }
}
