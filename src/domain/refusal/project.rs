//! Refusals about a project and who may use it.

refusals! {
    /// A project cannot be changed this way now.
    pub enum ProjectRefused {
        #[error("This project is deleted; restore it before changing it.")]
        Deleted => "project.deleted", StateForbids;
        #[error("This project is not deleted.")]
        NotDeleted => "project.not_deleted", StateForbids;
        #[error("{username} has no access to this project.")]
        UserWithoutAccess { username: String } => "project.user_without_access", StateForbids;
    }
}
