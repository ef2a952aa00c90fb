use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::CompanyAdmin;
use crate::db::ids::ProjectId;
use crate::db::models::project::{Project, ProjectState};
use crate::domain::{fields, BucketName};
use crate::error::AppError;
use crate::services::project_detail::{self, ProjectDetail};
use crate::services::projects::{self, ProjectInput};
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
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
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

#[derive(Debug, Clone, Deserialize)]
pub struct ProjectForm {
    #[serde(default)]
    project_name: String,
    #[serde(default)]
    bucket_name: String,
    #[serde(default)]
    aws_region: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    allowed_file_types: String,
    /// Checkboxes: present when ticked.
    #[serde(default)]
    is_active: Option<String>,
    #[serde(default)]
    review_uploads: Option<String>,
}

impl Default for ProjectForm {
    fn default() -> Self {
        Self {
            project_name: String::new(),
            bucket_name: String::new(),
            aws_region: "us-east-1".into(),
            description: String::new(),
            tags: String::new(),
            allowed_file_types: String::new(),
            is_active: Some("on".into()),
            review_uploads: None,
        }
    }
}

impl ProjectForm {
    fn from_detail(detail: &ProjectDetail) -> Self {
        let p = &detail.project;
        Self {
            project_name: p.project_name.clone(),
            bucket_name: p.bucket_name.clone(),
            aws_region: p.aws_region.clone(),
            description: p.description.clone().unwrap_or_default(),
            tags: detail.tags.join(", "),
            allowed_file_types: p
                .allowed_file_types
                .iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            is_active: p.is_active.then(|| "on".into()),
            review_uploads: p.review_uploads.then(|| "on".into()),
        }
    }

    fn parse(&self, errors: &mut FieldErrors) -> Option<ProjectInput> {
        let name = errors.check(
            "project_name",
            fields::required_name(&self.project_name, "project name", 255),
        );
        let bucket = errors.check("bucket_name", BucketName::parse(&self.bucket_name));
        let region = errors.check("aws_region", fields::region(&self.aws_region));
        let description = errors.check(
            "description",
            fields::optional_text(&self.description, 5000),
        );
        let tags = errors.check("tags", fields::tags(&self.tags));
        let allowed = errors.check(
            "allowed_file_types",
            fields::file_types(&self.allowed_file_types),
        );
        Some(ProjectInput {
            name: name?,
            bucket: bucket?,
            region: region?,
            description: description?,
            tags: tags?,
            active: self.is_active.is_some(),
            review_uploads: self.review_uploads.is_some(),
            allowed_file_types: allowed?,
        })
    }
}

#[derive(Template)]
#[template(path = "admin/projects/new.html", blocks = ["form"])]
struct NewPage {
    page: PageContext,
    form: ProjectForm,
    errors: FieldErrors,
}

pub async fn new(admin: CompanyAdmin, session: Session) -> Result<HttpResponse, AppError> {
    render(&NewPage {
        page: PageContext::admin(&admin, &session),
        form: ProjectForm::default(),
        errors: FieldErrors::default(),
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
            let page = NewPage {
                page: PageContext::admin(&admin, &ctx.session),
                form,
                errors,
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
    render(&EditPage {
        page: PageContext::admin(&admin, &ctx.session),
        form: ProjectForm::from_detail(&detail),
        detail,
        errors: FieldErrors::default(),
        bucket_check: None,
    })
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
            let page = EditPage {
                page: PageContext::admin(&admin, &ctx.session),
                detail,
                form,
                errors,
                bucket_check: None,
            };
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
    let (detail, check) =
        project_detail::check_bucket(ctx.services(), &admin.actor, path.into_inner()).await?;
    let (bucket, region) = (&detail.project.bucket_name, &detail.project.aws_region);
    let message = check.message(bucket, region);
    let page = EditPage {
        page: PageContext::admin(&admin, &ctx.session),
        form: ProjectForm::from_detail(&detail),
        detail,
        errors: FieldErrors::default(),
        bucket_check: Some((check.is_ok(), message)),
    };
    crate::page_or_partial!(&ctx.req, StatusCode::OK, page, as_bucket_check)
}
