/// What a user may do in one project (`project_access.access_role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessRole {
    Uploader,
    Viewer,
}

impl AccessRole {
    pub fn parse(value: &str) -> Option<AccessRole> {
        match value {
            "uploader" => Some(AccessRole::Uploader),
            "viewer" => Some(AccessRole::Viewer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccessRole::Uploader => "uploader",
            AccessRole::Viewer => "viewer",
        }
    }
}
