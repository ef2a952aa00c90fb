crate::text_enum! {
    /// A user's role, as stored in `users.role`.
    pub enum Role {
        /// The operator: runs the installation, sees every company.
        Superadmin = "superadmin", "Operator";
        /// Manages one company's users, projects, cycles and access.
        Admin = "admin", "Company admin";
        /// Uploads into the projects granted to them.
        User = "user", "Uploader";
        /// Reads dashboards only.
        Viewer = "viewer", "Viewer";
    }
}

impl Role {
    /// Administers a company: its admin, or the operator.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Admin | Role::Superadmin)
    }
}
