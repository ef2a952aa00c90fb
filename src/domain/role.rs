/// A user's role, as stored in `users.role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The operator: runs the installation, sees every company.
    Superadmin,
    /// Manages one company's users, projects, cycles and access.
    Admin,
    /// Uploads into the projects granted to them.
    User,
    /// Reads dashboards only.
    Viewer,
}

impl Role {
    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "superadmin" => Some(Role::Superadmin),
            "admin" => Some(Role::Admin),
            "user" => Some(Role::User),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Superadmin => "superadmin",
            Role::Admin => "admin",
            Role::User => "user",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Superadmin => "Operator",
            Role::Admin => "Company admin",
            Role::User => "Uploader",
            Role::Viewer => "Viewer",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}
