use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};

use crate::auth::CompanyAdmin;
use crate::db::ids::ProjectId;
use crate::db::models::project::{Project, ProjectState};
use crate::db::models::storage_location::StorageLocation;
use crate::error::AppError;
use crate::routes::admin::project_form::{LocationChoice, ProjectForm};
use crate::services::project_detail::{self, ProjectDetail};
use crate::services::projects;
use crate::services::storage_locations;
use crate::state::AppState;
use crate::web::{
    done, filters, render, submit, validated, Ctx, FieldErrors, ListQuery, PageContext, Paged,
};

#[derive(Template)]
#[template(path = "admin/projects/list.html", blocks = ["table"])]
struct ListPage {
    page: PageContext,
    query: ListQuery,
    projects: Paged<Project>,
}

pub async fn list(
    admin: CompanyAdmin,
    ctx: Ctx,
    web::Query(query): web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let rows = projects::list_for_admin(
        ctx.services(),
        &admin.actor,
        query.window(),
        ProjectState::parse(&query.show),
    )
    .await?;
    let page = ListPage {
        page: PageContext::admin(&admin, &ctx.session),
        projects: Paged::from_rows(rows, &query),
        query,
    };
    crate::page_or_partial!(&ctx.req, StatusCode::OK, page, as_table)
}

#[derive(Template)]
#[template(path = "admin/projects/new.html", blocks = ["form"])]
struct NewPage {
    page: PageContext,
    form: ProjectForm,
    errors: FieldErrors,
    locations: LocationChoice,
}

pub async fn new(admin: CompanyAdmin, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let locations = storage_locations::available(ctx.services(), &admin.actor).await?;
    render(&NewPage {
        page: PageContext::admin(&admin, &ctx.session),
        form: ProjectForm::default(),
        errors: FieldErrors::default(),
        locations: LocationChoice { locations },
    })
}

pub async fn create(
    admin: CompanyAdmin,
    ctx: Ctx,
    form: web::Form<ProjectForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let input = validated(|errors| form.parse(errors));
    match submit(input, |input| {
        projects::create(ctx.services(), &admin.actor, input)
    })
    .await?
    {
        Ok(project) => Ok(done(
            &ctx.req,
            &ctx.session,
            format!(
                "Created {}. Check its bucket, then start its first cycle.",
                project.project_name
            ),
            &format!("/admin/projects/{}", project.id),
        )),
        Err(errors) => {
            let locations = storage_locations::available(ctx.services(), &admin.actor).await?;
            let page = NewPage {
                page: PageContext::admin(&admin, &ctx.session),
                form,
                errors,
                locations: LocationChoice { locations },
            };
            crate::page_or_partial!(&ctx.req, StatusCode::UNPROCESSABLE_ENTITY, page, as_form)
        }
    }
}

#[derive(Template)]
#[template(path = "admin/projects/edit.html", blocks = ["form", "bucket_check"])]
struct EditPage {
    page: PageContext,
    detail: ProjectDetail,
    form: ProjectForm,
    errors: FieldErrors,
    /// The result of "check bucket", when just run.
    bucket_check: Option<(bool, String)>,
    locations: LocationChoice,
}

impl EditPage {
    fn new(page: PageContext, detail: ProjectDetail, form: ProjectForm) -> Self {
        let locations = LocationChoice {
            locations: detail.locations.clone(),
        };
        EditPage {
            page,
            detail,
            form,
            errors: FieldErrors::default(),
            bucket_check: None,
            locations,
        }
    }

    /// The project's current storage location.
    fn location(&self) -> Option<&StorageLocation> {
        self.detail
            .locations
            .iter()
            .find(|l| l.id == self.detail.project.storage_location_id)
    }
}

async fn load_detail(
    admin: &CompanyAdmin,
    state: &AppState,
    id: ProjectId,
) -> Result<ProjectDetail, AppError> {
    project_detail::detail(&state.services, &admin.actor, id).await
}

pub async fn edit(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
) -> Result<HttpResponse, AppError> {
    let detail = load_detail(&admin, &ctx.state, path.into_inner()).await?;
    let page = PageContext::admin(&admin, &ctx.session);
    if let Some(deleted_at) = detail.project.deleted_at {
        return render(&DeletedPage {
            page,
            detail,
            deleted_at,
        });
    }
    let form = ProjectForm::from_detail(&detail);
    render(&EditPage::new(page, detail, form))
}

/// A deleted project: what it was, the way back, and its history.
#[derive(Template)]
#[template(path = "admin/projects/deleted.html")]
struct DeletedPage {
    page: PageContext,
    detail: ProjectDetail,
    deleted_at: DateTime<Utc>,
}

pub async fn update(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
    form: web::Form<ProjectForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let form = form.into_inner();
    let input = validated(|errors| form.parse(errors));
    match submit(input, |input| {
        projects::update(ctx.services(), &admin.actor, id, input)
    })
    .await?
    {
        Ok(project) => Ok(done(
            &ctx.req,
            &ctx.session,
            format!("Saved {}.", project.project_name),
            &format!("/admin/projects/{id}"),
        )),
        Err(errors) => {
            let detail = load_detail(&admin, &ctx.state, id).await?;
            let mut page = EditPage::new(PageContext::admin(&admin, &ctx.session), detail, form);
            page.errors = errors;
            crate::page_or_partial!(&ctx.req, StatusCode::UNPROCESSABLE_ENTITY, page, as_form)
        }
    }
}

pub async fn delete(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let project = projects::delete(ctx.services(), &admin.actor, id).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!(
            "Deleted {}. It is hidden, and can be restored from the deleted projects.",
            project.project_name
        ),
        "/admin/projects",
    ))
}

pub async fn restore(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let project = projects::restore(ctx.services(), &admin.actor, id).await?;
    Ok(done(
        &ctx.req,
        &ctx.session,
        format!("Restored {}.", project.project_name),
        &format!("/admin/projects/{id}"),
    ))
}

/// HeadBucket plus a probe write; the answer is a sentence in place (htmx) or on the page.
pub async fn check_bucket(
    admin: CompanyAdmin,
    ctx: Ctx,
    path: web::Path<ProjectId>,
) -> Result<HttpResponse, AppError> {
    let (detail, message, ok) =
        project_detail::check_bucket(ctx.services(), &admin.actor, path.into_inner()).await?;
    let form = ProjectForm::from_detail(&detail);
    let mut page = EditPage::new(PageContext::admin(&admin, &ctx.session), detail, form);
    page.bucket_check = Some((ok, message));
    crate::page_or_partial!(&ctx.req, StatusCode::OK, page, as_bucket_check)
}
