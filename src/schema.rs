// @generated automatically by Diesel CLI.

diesel::table! {
    api_tokens (id) {
        id -> Int4,
        company_id -> Int4,
        user_id -> Nullable<Int4>,
        #[max_length = 100]
        name -> Varchar,
        token_hash -> Bytea,
        #[max_length = 16]
        token_prefix -> Varchar,
        scopes -> Array<Nullable<Text>>,
        project_ids -> Array<Nullable<Int4>>,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        #[max_length = 64]
        last_used_ip -> Nullable<Varchar>,
        created_by -> Nullable<Int4>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_chain_tails (chain) {
        chain -> Int4,
        last_seq -> Int8,
        last_hash -> Nullable<Bytea>,
    }
}

diesel::table! {
    audit_digests (id) {
        id -> Int8,
        chain -> Int4,
        head_seq -> Int8,
        head_hash -> Bytea,
        digested_at -> Timestamptz,
        previous_id -> Nullable<Int8>,
        statement -> Text,
        signature -> Bytea,
        public_key -> Bytea,
    }
}

diesel::table! {
    audit_log (id, created_at) {
        id -> Int8,
        created_at -> Timestamptz,
        actor_user_id -> Nullable<Int4>,
        #[max_length = 100]
        actor_username -> Nullable<Varchar>,
        company_id -> Nullable<Int4>,
        project_id -> Nullable<Int4>,
        #[max_length = 100]
        action -> Varchar,
        #[max_length = 100]
        resource_type -> Nullable<Varchar>,
        #[max_length = 100]
        resource_id -> Nullable<Varchar>,
        details -> Jsonb,
        #[max_length = 64]
        ip_address -> Nullable<Varchar>,
        #[max_length = 512]
        user_agent -> Nullable<Varchar>,
        chain_seq -> Nullable<Int8>,
        prev_hash -> Nullable<Bytea>,
        row_hash -> Nullable<Bytea>,
    }
}

diesel::table! {
    audit_salts (audit_id) {
        audit_id -> Int8,
        salts -> Jsonb,
    }
}

diesel::table! {
    audit_v1_erasures (audit_id) {
        audit_id -> Int8,
        row_hash -> Nullable<Bytea>,
        erased_at -> Timestamptz,
    }
}

diesel::table! {
    audit_verifications (id) {
        id -> Int4,
        company_id -> Nullable<Int4>,
        verified_at -> Timestamptz,
        rows_checked -> Int8,
        first_bad_row -> Nullable<Int8>,
        #[max_length = 500]
        problem -> Nullable<Varchar>,
    }
}

diesel::table! {
    auth_sessions (id) {
        id -> Uuid,
        user_id -> Int4,
        key_hash -> Bytea,
        state -> Jsonb,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        last_active_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        #[max_length = 64]
        ip_address -> Nullable<Varchar>,
        #[max_length = 512]
        user_agent -> Nullable<Varchar>,
        #[max_length = 300]
        sign_in_method -> Nullable<Varchar>,
    }
}

diesel::table! {
    companies (id) {
        id -> Int4,
        #[max_length = 255]
        company_name -> Varchar,
        #[max_length = 50]
        company_code -> Varchar,
        #[max_length = 255]
        contact_email -> Nullable<Varchar>,
        is_active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        default_language -> Nullable<Text>,
        #[max_length = 255]
        display_name -> Nullable<Varchar>,
        #[max_length = 7]
        accent_colour -> Nullable<Varchar>,
        logo_location_id -> Nullable<Int4>,
        #[max_length = 1024]
        logo_key -> Nullable<Varchar>,
        #[max_length = 20]
        logo_content_type -> Nullable<Varchar>,
        logo_size -> Nullable<Int4>,
        #[max_length = 64]
        logo_sha256 -> Nullable<Varchar>,
        require_two_factor -> Bool,
    }
}

diesel::table! {
    company_links (id) {
        id -> Int4,
        company_id -> Int4,
        #[max_length = 20]
        platform -> Varchar,
        #[max_length = 500]
        url -> Varchar,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    company_sso (company_id) {
        company_id -> Int4,
        #[max_length = 500]
        issuer_url -> Varchar,
        #[max_length = 255]
        client_id -> Varchar,
        #[max_length = 100]
        client_secret_env -> Nullable<Varchar>,
        jit_enabled -> Bool,
        #[max_length = 50]
        jit_role -> Varchar,
        sso_only -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    cycle_request_counts (cycle_id) {
        cycle_id -> Int4,
        required -> Int4,
        submitted -> Int4,
        accepted -> Int4,
        rejected -> Int4,
        not_applicable -> Int4,
        missing -> Int4,
    }
}

diesel::table! {
    cycle_requests (id) {
        id -> Int4,
        company_id -> Int4,
        cycle_id -> Int4,
        template_id -> Nullable<Int4>,
        #[max_length = 200]
        name -> Varchar,
        instructions -> Nullable<Text>,
        required -> Bool,
        accepted_types -> Array<Nullable<Text>>,
        #[max_length = 200]
        pattern -> Nullable<Varchar>,
        multiple_files -> Bool,
        position -> Int4,
        #[max_length = 20]
        status -> Varchar,
        due_at -> Nullable<Timestamptz>,
        #[max_length = 500]
        note -> Nullable<Varchar>,
        submitted_at -> Nullable<Timestamptz>,
        reviewed_by -> Nullable<Int4>,
        reviewed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        #[max_length = 20]
        kind -> Varchar,
        choices -> Array<Nullable<Text>>,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamptz>,
        answered_by -> Nullable<Int4>,
        answer_visit_id -> Nullable<Int4>,
    }
}

diesel::table! {
    cycles (id) {
        id -> Int4,
        project_id -> Int4,
        #[max_length = 50]
        cycle_name -> Varchar,
        cycle_number -> Int4,
        #[max_length = 100]
        s3_prefix -> Varchar,
        #[max_length = 50]
        status -> Varchar,
        description -> Nullable<Text>,
        metadata -> Nullable<Jsonb>,
        started_at -> Nullable<Timestamptz>,
        completed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        due_at -> Nullable<Timestamptz>,
        status_set_by_hand -> Bool,
        #[max_length = 500]
        status_note -> Nullable<Varchar>,
        closed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    document_requests (id) {
        id -> Int4,
        company_id -> Int4,
        project_id -> Int4,
        #[max_length = 200]
        name -> Varchar,
        instructions -> Nullable<Text>,
        required -> Bool,
        accepted_types -> Array<Nullable<Text>>,
        #[max_length = 200]
        pattern -> Nullable<Varchar>,
        multiple_files -> Bool,
        position -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        #[max_length = 20]
        kind -> Varchar,
        choices -> Array<Nullable<Text>>,
    }
}

diesel::table! {
    file_uploads (id) {
        id -> Int4,
        session_id -> Int4,
        #[max_length = 1024]
        file_path -> Varchar,
        #[max_length = 1024]
        s3_key -> Varchar,
        file_size -> Nullable<Int8>,
        #[max_length = 64]
        checksum -> Nullable<Varchar>,
        #[max_length = 50]
        status -> Varchar,
        #[max_length = 500]
        error_message -> Nullable<Varchar>,
        uploaded_at -> Nullable<Timestamptz>,
        is_duplicate -> Nullable<Bool>,
        created_at -> Timestamptz,
        company_id -> Int4,
        deleted_at -> Nullable<Timestamptz>,
        cycle_id -> Nullable<Int4>,
        #[max_length = 1024]
        s3_upload_id -> Nullable<Varchar>,
        duplicate_of -> Nullable<Int4>,
        replaced_by -> Nullable<Int4>,
        #[max_length = 255]
        content_type -> Nullable<Varchar>,
        updated_at -> Timestamptz,
        storage_location_id -> Int4,
        #[max_length = 100]
        node_id -> Nullable<Varchar>,
        boot_id -> Nullable<Uuid>,
        completing_since -> Nullable<Timestamptz>,
        owns_key -> Bool,
        request_id -> Nullable<Int4>,
        refusal -> Nullable<Jsonb>,
        retired_at -> Nullable<Timestamptz>,
        #[max_length = 500]
        retired_reason -> Nullable<Varchar>,
        bytes_deleted_at -> Nullable<Timestamptz>,
        #[max_length = 20]
        scan_result -> Nullable<Varchar>,
        #[max_length = 200]
        virus_name -> Nullable<Varchar>,
        #[max_length = 1024]
        quarantine_key -> Nullable<Varchar>,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> Int8,
        company_id -> Int4,
        api_token_id -> Int4,
        #[max_length = 255]
        idempotency_key -> Varchar,
        request_hash -> Bytea,
        response_status -> Nullable<Int2>,
        #[max_length = 100]
        response_content_type -> Nullable<Varchar>,
        response_body -> Nullable<Bytea>,
        locked_until -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    legal_holds (id) {
        id -> Int4,
        company_id -> Int4,
        project_id -> Nullable<Int4>,
        cycle_id -> Nullable<Int4>,
        #[max_length = 1000]
        reason -> Varchar,
        placed_by -> Int4,
        #[max_length = 100]
        placed_by_name -> Varchar,
        placed_at -> Timestamptz,
        lifted_by -> Nullable<Int4>,
        #[max_length = 100]
        lifted_by_name -> Nullable<Varchar>,
        lifted_at -> Nullable<Timestamptz>,
        #[max_length = 1000]
        lift_reason -> Nullable<Varchar>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Int8,
        company_id -> Nullable<Int4>,
        user_id -> Nullable<Int4>,
        #[max_length = 255]
        recipient -> Varchar,
        #[max_length = 30]
        kind -> Varchar,
        #[max_length = 300]
        subject -> Varchar,
        body -> Text,
        #[max_length = 200]
        dedupe_key -> Nullable<Varchar>,
        #[max_length = 20]
        status -> Varchar,
        attempts -> Int4,
        claimed_at -> Nullable<Timestamptz>,
        #[max_length = 500]
        last_error -> Nullable<Varchar>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    passkeys (id) {
        id -> Int4,
        user_id -> Int4,
        company_id -> Int4,
        #[max_length = 100]
        name -> Varchar,
        credential_id -> Bytea,
        credential -> Jsonb,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    project_access (id) {
        id -> Int4,
        company_id -> Int4,
        project_id -> Int4,
        user_id -> Int4,
        #[max_length = 20]
        access_role -> Varchar,
        granted_by -> Nullable<Int4>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    project_completeness (project_id) {
        project_id -> Int4,
        latest_percent -> Int2,
        latest_open_due -> Array<Nullable<Timestamptz>>,
    }
}

diesel::table! {
    project_session_figures (project_id) {
        project_id -> Int4,
        sessions -> Int8,
        total_files -> Int8,
        files_uploaded -> Int8,
        files_failed -> Int8,
        files_skipped -> Int8,
        total_bytes -> Int8,
        uploaded_bytes -> Int8,
    }
}

diesel::table! {
    project_tags (project_id, tag_id) {
        project_id -> Int4,
        tag_id -> Int4,
        company_id -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    projects (id) {
        id -> Int4,
        company_id -> Int4,
        #[max_length = 255]
        project_name -> Varchar,
        #[max_length = 255]
        bucket_name -> Varchar,
        #[max_length = 50]
        aws_region -> Varchar,
        description -> Nullable<Text>,
        is_active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        review_uploads -> Bool,
        allowed_file_types -> Array<Nullable<Text>>,
        storage_location_id -> Int4,
        reminder_days -> Array<Nullable<Int4>>,
        overdue_every_days -> Int4,
        retention_days -> Nullable<Int4>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Int4,
        user_id -> Int4,
        company_id -> Int4,
        code_sha256 -> Bytea,
        created_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    share_links (id) {
        id -> Int4,
        company_id -> Int4,
        project_id -> Nullable<Int4>,
        #[max_length = 100]
        label -> Varchar,
        token_hash -> Bytea,
        created_by -> Nullable<Int4>,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sso_email_domains (domain) {
        #[max_length = 253]
        domain -> Varchar,
        company_id -> Int4,
    }
}

diesel::table! {
    sso_links (id) {
        id -> Int4,
        company_id -> Int4,
        user_id -> Int4,
        #[max_length = 500]
        issuer_url -> Varchar,
        #[max_length = 255]
        subject -> Varchar,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
    }
}

diesel::table! {
    sso_sign_ins (state_hash) {
        state_hash -> Bytea,
        company_id -> Int4,
        browser_hash -> Bytea,
        #[max_length = 128]
        nonce -> Varchar,
        #[max_length = 128]
        pkce_verifier -> Varchar,
        #[max_length = 1000]
        next_path -> Varchar,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    storage_locations (id) {
        id -> Int4,
        company_id -> Int4,
        #[max_length = 100]
        label -> Varchar,
        #[max_length = 63]
        bucket_name -> Varchar,
        #[max_length = 50]
        aws_region -> Varchar,
        #[max_length = 500]
        endpoint_url -> Nullable<Varchar>,
        force_path_style -> Bool,
        #[max_length = 63]
        key_root -> Varchar,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        #[max_length = 20]
        object_lock_mode -> Nullable<Varchar>,
        object_lock_days -> Nullable<Int4>,
    }
}

diesel::table! {
    sync_sessions (id) {
        id -> Int4,
        project_id -> Int4,
        cycle_id -> Nullable<Int4>,
        user_id -> Nullable<Int4>,
        #[max_length = 100]
        s3_prefix -> Nullable<Varchar>,
        #[max_length = 50]
        status -> Varchar,
        total_files -> Nullable<Int4>,
        files_uploaded -> Nullable<Int4>,
        files_failed -> Nullable<Int4>,
        files_skipped -> Nullable<Int4>,
        total_size_bytes -> Nullable<Int8>,
        uploaded_size_bytes -> Nullable<Int8>,
        started_at -> Nullable<Timestamptz>,
        completed_at -> Nullable<Timestamptz>,
        #[max_length = 500]
        error_message -> Nullable<Varchar>,
        created_at -> Timestamptz,
        upload_link_id -> Nullable<Int4>,
        #[max_length = 100]
        uploader_name -> Nullable<Varchar>,
        #[max_length = 255]
        uploader_email -> Nullable<Varchar>,
        api_token_id -> Nullable<Int4>,
        link_visit_id -> Nullable<Int4>,
    }
}

diesel::table! {
    tags (id) {
        id -> Int4,
        company_id -> Int4,
        #[max_length = 100]
        tag_name -> Varchar,
        #[max_length = 100]
        category -> Nullable<Varchar>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    tus_uploads (id) {
        id -> Uuid,
        company_id -> Int4,
        project_id -> Int4,
        cycle_id -> Int4,
        session_id -> Int4,
        file_id -> Int4,
        user_id -> Nullable<Int4>,
        api_token_id -> Nullable<Int4>,
        upload_length -> Int8,
        landed -> Int8,
        parts -> Jsonb,
        hash_state -> Bytea,
        tail_size -> Int8,
        #[max_length = 100]
        content_type -> Nullable<Varchar>,
        #[max_length = 64]
        client_sha256 -> Nullable<Varchar>,
        metadata -> Jsonb,
        expires_at -> Timestamptz,
        writer -> Nullable<Uuid>,
        writer_seen_at -> Nullable<Timestamptz>,
        #[max_length = 20]
        outcome -> Nullable<Varchar>,
        finishes_session -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        #[max_length = 100]
        writer_node -> Nullable<Varchar>,
        writer_boot -> Nullable<Uuid>,
        link_visit_id -> Nullable<Int4>,
    }
}

diesel::table! {
    two_factor_policy (id) {
        id -> Bool,
        all_companies -> Bool,
        operators -> Bool,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    upload_link_visits (id) {
        id -> Int4,
        company_id -> Int4,
        link_id -> Int4,
        secret_hash -> Bytea,
        #[max_length = 100]
        uploader_name -> Varchar,
        #[max_length = 255]
        uploader_email -> Varchar,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    upload_links (id) {
        id -> Int4,
        company_id -> Int4,
        project_id -> Int4,
        cycle_id -> Int4,
        #[max_length = 100]
        label -> Varchar,
        token_hash -> Bytea,
        request_ids -> Array<Nullable<Int4>>,
        #[max_length = 255]
        pin_hash -> Nullable<Varchar>,
        max_files -> Int4,
        max_bytes -> Int8,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Int4>,
        created_at -> Timestamptz,
        language -> Nullable<Text>,
    }
}

diesel::table! {
    user_profiles (user_id) {
        user_id -> Int4,
        #[max_length = 64]
        timezone -> Varchar,
        #[max_length = 16]
        language -> Varchar,
        #[max_length = 50]
        phone -> Nullable<Varchar>,
        must_change_password -> Bool,
        password_changed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        notify_rejections -> Bool,
        notify_reminders -> Bool,
        notify_digests -> Bool,
    }
}

diesel::table! {
    user_totp (user_id) {
        user_id -> Int4,
        company_id -> Int4,
        secret -> Bytea,
        last_used_step -> Int8,
        confirmed_at -> Timestamptz,
        sealed -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> Int4,
        company_id -> Int4,
        #[max_length = 100]
        username -> Varchar,
        #[max_length = 255]
        email -> Varchar,
        #[max_length = 255]
        password_hash -> Varchar,
        #[max_length = 255]
        full_name -> Nullable<Varchar>,
        #[max_length = 50]
        role -> Varchar,
        is_active -> Bool,
        last_login -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        webauthn_handle -> Uuid,
    }
}

diesel::table! {
    webauthn_ceremonies (id) {
        id -> Uuid,
        #[max_length = 20]
        purpose -> Varchar,
        user_id -> Nullable<Int4>,
        state -> Jsonb,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Int8,
        company_id -> Int4,
        delivery_id -> Int8,
        endpoint_id -> Int4,
        attempted_at -> Timestamptz,
        succeeded -> Bool,
        status_code -> Nullable<Int4>,
        latency_ms -> Int4,
        #[max_length = 500]
        response_excerpt -> Nullable<Varchar>,
        #[max_length = 500]
        error -> Nullable<Varchar>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Int8,
        company_id -> Int4,
        event_id -> Int8,
        endpoint_id -> Int4,
        #[max_length = 20]
        status -> Varchar,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        retry_until -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        last_attempt_at -> Nullable<Timestamptz>,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Int4,
        company_id -> Int4,
        #[max_length = 2000]
        url -> Varchar,
        #[max_length = 200]
        description -> Varchar,
        events -> Array<Nullable<Text>>,
        #[max_length = 200]
        secret -> Varchar,
        enabled -> Bool,
        #[max_length = 500]
        disabled_reason -> Nullable<Varchar>,
        failing_since -> Nullable<Timestamptz>,
        created_by -> Nullable<Int4>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Int8,
        company_id -> Int4,
        #[max_length = 40]
        msg_id -> Varchar,
        #[max_length = 40]
        event_type -> Varchar,
        cycle_id -> Nullable<Int4>,
        payload -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(api_tokens -> companies (company_id));
diesel::joinable!(audit_verifications -> companies (company_id));
diesel::joinable!(auth_sessions -> users (user_id));
diesel::joinable!(company_links -> companies (company_id));
diesel::joinable!(company_sso -> companies (company_id));
diesel::joinable!(cycle_request_counts -> cycles (cycle_id));
diesel::joinable!(cycle_requests -> companies (company_id));
diesel::joinable!(cycle_requests -> cycles (cycle_id));
diesel::joinable!(cycle_requests -> document_requests (template_id));
diesel::joinable!(cycle_requests -> upload_link_visits (answer_visit_id));
diesel::joinable!(cycles -> projects (project_id));
diesel::joinable!(document_requests -> companies (company_id));
diesel::joinable!(document_requests -> projects (project_id));
diesel::joinable!(file_uploads -> companies (company_id));
diesel::joinable!(file_uploads -> cycle_requests (request_id));
diesel::joinable!(file_uploads -> cycles (cycle_id));
diesel::joinable!(file_uploads -> storage_locations (storage_location_id));
diesel::joinable!(file_uploads -> sync_sessions (session_id));
diesel::joinable!(idempotency_keys -> api_tokens (api_token_id));
diesel::joinable!(idempotency_keys -> companies (company_id));
diesel::joinable!(legal_holds -> companies (company_id));
diesel::joinable!(legal_holds -> cycles (cycle_id));
diesel::joinable!(legal_holds -> projects (project_id));
diesel::joinable!(notifications -> companies (company_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(passkeys -> companies (company_id));
diesel::joinable!(passkeys -> users (user_id));
diesel::joinable!(project_access -> companies (company_id));
diesel::joinable!(project_access -> projects (project_id));
diesel::joinable!(project_completeness -> projects (project_id));
diesel::joinable!(project_session_figures -> projects (project_id));
diesel::joinable!(project_tags -> companies (company_id));
diesel::joinable!(project_tags -> projects (project_id));
diesel::joinable!(project_tags -> tags (tag_id));
diesel::joinable!(projects -> companies (company_id));
diesel::joinable!(projects -> storage_locations (storage_location_id));
diesel::joinable!(recovery_codes -> companies (company_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(share_links -> companies (company_id));
diesel::joinable!(share_links -> projects (project_id));
diesel::joinable!(share_links -> users (created_by));
diesel::joinable!(sso_email_domains -> companies (company_id));
diesel::joinable!(sso_links -> companies (company_id));
diesel::joinable!(sso_links -> users (user_id));
diesel::joinable!(sso_sign_ins -> companies (company_id));
diesel::joinable!(sync_sessions -> api_tokens (api_token_id));
diesel::joinable!(sync_sessions -> cycles (cycle_id));
diesel::joinable!(sync_sessions -> projects (project_id));
diesel::joinable!(sync_sessions -> upload_link_visits (link_visit_id));
diesel::joinable!(sync_sessions -> upload_links (upload_link_id));
diesel::joinable!(sync_sessions -> users (user_id));
diesel::joinable!(tags -> companies (company_id));
diesel::joinable!(tus_uploads -> api_tokens (api_token_id));
diesel::joinable!(tus_uploads -> companies (company_id));
diesel::joinable!(tus_uploads -> cycles (cycle_id));
diesel::joinable!(tus_uploads -> file_uploads (file_id));
diesel::joinable!(tus_uploads -> projects (project_id));
diesel::joinable!(tus_uploads -> sync_sessions (session_id));
diesel::joinable!(tus_uploads -> upload_link_visits (link_visit_id));
diesel::joinable!(tus_uploads -> users (user_id));
diesel::joinable!(upload_link_visits -> companies (company_id));
diesel::joinable!(upload_link_visits -> upload_links (link_id));
diesel::joinable!(upload_links -> companies (company_id));
diesel::joinable!(upload_links -> cycles (cycle_id));
diesel::joinable!(upload_links -> projects (project_id));
diesel::joinable!(upload_links -> users (created_by));
diesel::joinable!(user_profiles -> users (user_id));
diesel::joinable!(user_totp -> companies (company_id));
diesel::joinable!(user_totp -> users (user_id));
diesel::joinable!(users -> companies (company_id));
diesel::joinable!(webauthn_ceremonies -> users (user_id));
diesel::joinable!(webhook_attempts -> companies (company_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_attempts -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> companies (company_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::joinable!(webhook_endpoints -> companies (company_id));
diesel::joinable!(webhook_endpoints -> users (created_by));
diesel::joinable!(webhook_events -> companies (company_id));
diesel::joinable!(webhook_events -> cycles (cycle_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    audit_chain_tails,
    audit_digests,
    audit_log,
    audit_salts,
    audit_v1_erasures,
    audit_verifications,
    auth_sessions,
    companies,
    company_links,
    company_sso,
    cycle_request_counts,
    cycle_requests,
    cycles,
    document_requests,
    file_uploads,
    idempotency_keys,
    legal_holds,
    notifications,
    passkeys,
    project_access,
    project_completeness,
    project_session_figures,
    project_tags,
    projects,
    recovery_codes,
    share_links,
    sso_email_domains,
    sso_links,
    sso_sign_ins,
    storage_locations,
    sync_sessions,
    tags,
    tus_uploads,
    two_factor_policy,
    upload_link_visits,
    upload_links,
    user_profiles,
    user_totp,
    users,
    webauthn_ceremonies,
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
    webhook_events,
);
