crate::text_enum! {
    /// Where a company's web and social links point (`company_links.platform`), in the
    /// order forms show them.
    pub enum LinkPlatform {
        Website = "website", "Web site";
        Linkedin = "linkedin", "LinkedIn";
        Twitter = "twitter", "X / Twitter";
        Facebook = "facebook", "Facebook";
        Instagram = "instagram", "Instagram";
        Youtube = "youtube", "YouTube";
    }
}
