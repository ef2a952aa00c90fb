//! What a notification is about, and where it stands.

crate::text_enum! {
    pub enum NotificationKind {
        RequestRejected = "request_rejected", "A request needs a new file";
        DueSoon = "due_soon", "Requests due soon";
        Overdue = "overdue", "Requests overdue";
        UploadDigest = "upload_digest", "Upload digest";
        UploadReceipt = "upload_receipt", "Receipt to a link's sender";
        /// An upload link sent by an admin to whoever is to use it (never with its PIN).
        UploadInvitation = "upload_invitation", "Upload link invitation";
        /// A file with a virus was refused (to the company's admins, always).
        VirusFound = "virus_found", "A virus was found";
        /// An endpoint Hopper turned off after three days of failed deliveries (to admins).
        WebhookDisabled = "webhook_disabled", "Webhook endpoint turned off";
    }
}

crate::text_enum! {
    pub enum NotificationStatus {
        Pending = "pending", "Waiting to be sent";
        Sent = "sent", "Sent";
        /// No SMTP server is configured: kept in the outbox (table and maildir).
        Stored = "stored", "Kept in the outbox";
        Failed = "failed", "Failed";
    }
}
