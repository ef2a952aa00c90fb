//! The finder of one company's row by id, written once for every table that has one.
//! It takes the company explicitly and answers `None` for a missing id and for another
//! company's row alike, so that the caller's 404 cannot tell the two apart.

/// Declares, inside a model's `impl`, a finder of one row of `$table` by `id` within a
/// company (and within each further scope column given, in that order):
/// `fn $name(conn, company, scope…, id) -> QueryResult<Option<Self>>`.
///
/// A finder that locks the row ends with its lock, as in SQL, and is named `lock_…`:
/// `for no key update` (rows that refer to it can still be inserted meanwhile, see
/// [`crate::db::models::cycle::Cycle::lock_in_project`]) or `for update`.
///
/// ```ignore
/// tenant_finder!(pub fn find_in_company(projects, id: ProjectId));
/// tenant_finder!(
///     pub fn lock_in_cycle(cycle_requests, id: CycleRequestId, cycle_id: CycleId)
///         for no key update
/// );
/// ```
macro_rules! tenant_finder {
    (
        $(#[$doc:meta])*
        $vis:vis fn $name:ident($table:ident, id: $id:ty $(, $scope:ident: $scope_ty:ty)*)
        $(for $($lock:ident)+)?
    ) => {
        $(#[$doc])*
        #[doc = ""]
        #[doc = "`None` for a missing id and for another company's row alike."]
        $vis fn $name(
            conn: &mut diesel::PgConnection,
            company: $crate::db::ids::CompanyId,
            $($scope: $scope_ty,)*
            id: $id,
        ) -> diesel::QueryResult<Option<Self>> {
            let query = $table::table
                .filter($table::id.eq(id))
                .filter($table::company_id.eq(company))
                $(.filter($table::$scope.eq($scope)))*
                .select(Self::as_select());
            $crate::db::models::tenant_finder::tenant_finder!(@lock query $($($lock)+)?)
                .first(conn)
                .optional()
        }
    };
    (@lock $query:ident) => { $query };
    (@lock $query:ident no key update) => { $query.for_no_key_update() };
    (@lock $query:ident update) => { $query.for_update() };
}

pub(crate) use tenant_finder;
