//! The operator's company form: name, code, contact and one link per platform, and the
//! form that creates the company's first admin.

use std::collections::HashMap;

use askama::Template;
use serde::Deserialize;

use crate::db::models::company::Company;
use crate::db::models::company_link::CompanyLink;
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::user::User;
use crate::domain::{fields, LinkPlatform, Role};
use crate::routes::operator::locations::LocationForm;
use crate::services::companies::CompanyInput;
use crate::services::users::UserInput;
use crate::web::{FieldErrors, PageContext};

/// The company form; links arrive as `link_<platform>` fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CompanyForm {
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    company_code: String,
    #[serde(default)]
    contact_email: String,
    #[serde(flatten)]
    links: HashMap<String, String>,
}

/// The form field of a platform's link.
pub fn link_field(platform: &LinkPlatform) -> String {
    format!("link_{}", platform.as_str())
}

impl CompanyForm {
    pub fn link(&self, platform: &LinkPlatform) -> &str {
        self.links
            .get(&link_field(platform))
            .map_or("", String::as_str)
    }

    pub fn from_company(company: &Company, links: &[CompanyLink]) -> Self {
        Self {
            company_name: company.company_name.clone(),
            company_code: company.company_code.clone(),
            contact_email: company.contact_email.clone().unwrap_or_default(),
            links: links
                .iter()
                .map(|l| (link_field(&l.platform), l.url.clone()))
                .collect(),
        }
    }

    pub fn parse(&self, errors: &mut FieldErrors) -> Option<CompanyInput> {
        let name = errors.check(
            "company_name",
            fields::required_name(&self.company_name, "company name", 255),
        );
        let code = errors.check("company_code", fields::company_code(&self.company_code));
        let email = errors.check("contact_email", fields::optional_email(&self.contact_email));
        let mut links = Vec::new();
        for &platform in LinkPlatform::ALL {
            let field = link_field(&platform);
            if let Some(Some(url)) = errors.check(field, fields::optional_url(self.link(&platform)))
            {
                links.push(CompanyLink { platform, url });
            }
        }
        Some(CompanyInput {
            name: name?,
            code: code?,
            contact_email: email?,
            links,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FirstAdminForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub full_name: String,
}

impl FirstAdminForm {
    pub fn parse(&self, errors: &mut FieldErrors) -> Option<UserInput> {
        let username = errors.check("username", fields::username(&self.username));
        let email = errors.check("email", fields::email(&self.email));
        let full_name = errors.check(
            "full_name",
            fields::optional_name(&self.full_name, "name", 255),
        );
        Some(UserInput {
            username: username?,
            email: email?,
            full_name: full_name?,
            role: Role::Admin,
        })
    }
}

#[derive(Template)]
#[template(path = "operator/companies/form.html", blocks = ["form"])]
pub struct FormPage {
    pub page: PageContext,
    pub company: Option<Company>,
    pub form: CompanyForm,
    pub errors: FieldErrors,
    pub admin_form: FirstAdminForm,
    pub admin_errors: FieldErrors,
    pub locations: Vec<StorageLocation>,
    pub admins: Vec<User>,
    pub location_form: LocationForm,
    pub location_errors: FieldErrors,
}

impl FormPage {
    pub fn new(page: PageContext, company: Option<Company>, form: CompanyForm) -> Self {
        Self {
            page,
            company,
            form,
            errors: FieldErrors::default(),
            admin_form: FirstAdminForm::default(),
            admin_errors: FieldErrors::default(),
            locations: Vec::new(),
            admins: Vec::new(),
            location_form: LocationForm::default(),
            location_errors: FieldErrors::default(),
        }
    }

    fn platforms(&self) -> &'static [LinkPlatform] {
        LinkPlatform::ALL
    }

    fn link_value(&self, platform: &LinkPlatform) -> &str {
        self.form.link(platform)
    }
}
