//! The operator assigns storage locations to a company, on the company's page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::Operator;
use crate::db::ids::CompanyId;
use crate::domain::{fields, BucketName, KeyRoot, ObjectLockRule};
use crate::error::AppError;
use crate::routes::operator::company_form::{CompanyForm, FormPage};
use crate::services::companies;
use crate::services::storage_locations::{self, LocationInput};
use crate::web::{done, submit, validated, Ctx, FieldErrors, PageContext};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LocationForm {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub bucket_name: String,
    #[serde(default)]
    pub aws_region: String,
    #[serde(default)]
    pub endpoint_url: String,
    /// Checkbox: present when ticked.
    #[serde(default)]
    pub force_path_style: Option<String>,
    #[serde(default)]
    pub key_root: String,
    /// "", "governance" or "compliance".
    #[serde(default)]
    pub object_lock_mode: String,
    #[serde(default)]
    pub object_lock_days: String,
}

impl LocationForm {
    /// `node_endpoint`: this node's configured S3 (used when the form names no other
    /// one); none when it serves its own embedded store.
    fn parse(
        &self,
        errors: &mut FieldErrors,
        node_endpoint: Option<&str>,
    ) -> Option<LocationInput> {
        let label = errors.check("label", fields::required_name(&self.label, "label", 100));
        let bucket = errors.check("bucket_name", BucketName::parse(&self.bucket_name));
        let endpoint_named = Some(self.endpoint_url.trim()).filter(|e| !e.is_empty());
        // No endpoint at all: the node's own embedded store, which is not AWS.
        let on_aws = endpoint_named
            .or(node_endpoint)
            .is_some_and(|e| fields::is_aws_endpoint(Some(e)));
        let region = errors.check("aws_region", fields::region(&self.aws_region, on_aws));
        let endpoint = errors.check("endpoint_url", fields::optional_url(&self.endpoint_url));
        let lock = errors.check(
            "object_lock_days",
            ObjectLockRule::parse(&self.object_lock_mode, &self.object_lock_days)
                .map_err(str::to_owned),
        );
        let root = match self.key_root.trim() {
            "" => Some(None),
            root => errors.check("key_root", KeyRoot::parse(root).map(Some)),
        };
        Some(LocationInput {
            label: label?,
            bucket: bucket?,
            region: region?,
            endpoint: endpoint?,
            force_path_style: self.force_path_style.is_some(),
            key_root: root?,
            object_lock: lock?,
        })
    }
}

pub async fn create(
    operator: Operator,
    ctx: Ctx,
    path: web::Path<CompanyId>,
    form: web::Form<LocationForm>,
) -> Result<HttpResponse, AppError> {
    let company = path.into_inner();
    let form = form.into_inner();
    let node_endpoint = ctx.state.config.s3.endpoint.as_deref();
    let input = validated(|errors| form.parse(errors, node_endpoint));
    let created = submit(input, |input| {
        storage_locations::create(ctx.services(), &operator.actor, company, input)
    })
    .await?;
    match created {
        Ok(location) => Ok(done(
            &ctx.req,
            &ctx.session,
            format!(
                "{} can now store files in s3://{}/{}/.",
                location.label, location.bucket_name, location.key_root
            ),
            &format!("/operator/companies/{company}#storage"),
        )),
        Err(errors) => {
            let view = companies::find(ctx.services(), &operator.actor, company).await?;
            let form_values = CompanyForm::from_company(&view.company, &view.links);
            let mut page = FormPage::new(
                PageContext::signed_in(&operator.user, &ctx.session),
                Some(view.company),
                form_values,
            );
            page.locations = view.locations;
            page.location_form = form;
            page.location_errors = errors;
            crate::web::html(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
