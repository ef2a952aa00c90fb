crate::text_enum! {
    /// What a user may do in one project (`project_access.access_role`).
    pub enum AccessRole {
        Uploader = "uploader", "Uploader";
        Viewer = "viewer", "Viewer";
    }
}
