//! A cycle as evidence: one streamed zip holding its stored files under `files/<path>`,
//! `manifest.csv` (each file's size, SHA-256, request, sender, review, and whether the
//! bytes read back from storage still hash to what was recorded), `answers.csv` (the
//! cycle's questions with their answers, when it asks any), `audit.jsonl` (the
//! cycle's audit rows) and `chain.json` (each row's hash, its predecessor's, and the exact
//! text the hash is made of, plus the chain's latest signed digest), so a reader can check
//! every row without the database and `hopper audit verify` can check them in it.
//!
//! Memory stays flat whatever the size: the archive is written on a blocking thread into a
//! channel of a few chunks (see `archive`); the audit rows are read a batch at a time.

mod answers;
mod archive;
mod gather;
mod manifest;

use diesel::prelude::*;
use futures_util::Stream;
use serde_json::json;
use tokio::sync::mpsc;

use crate::db::ids::{CompanyId, CycleId};
use crate::db::models::cycle::Cycle;
use crate::db::models::project::Project;
use crate::domain::refusal::AccessRefused;
use crate::domain::TokenScope;
use crate::error::AppError;
use crate::schema::companies;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::files::Download;
use crate::services::{project_access, projects, storage_locations, ServiceContext};

use archive::{add_file, add_whole, zip_error, ChannelSink, Chunk, Copied};
use gather::ExportedFile;

const AUDIT_BATCH: i64 = 1000;

/// What the export covers, decided (and audited) before the first byte.
struct Scope {
    company: CompanyId,
    company_code: String,
    project: Project,
    cycle: Cycle,
    files: Vec<ExportedFile>,
    answers: Vec<answers::ExportedAnswer>,
}

/// The evidence of a cycle the actor may read (a token needs the `read` scope); another
/// company's cycle, or one of a project the actor cannot see, is a 404.
pub async fn cycle(ctx: &ServiceContext, actor: &Actor, id: CycleId) -> Result<Download, AppError> {
    if !actor.may(TokenScope::Read) {
        return Err(AppError::from(AccessRefused::ReadScopeMissing));
    }
    let scope = ctx
        .run(actor, move |conn, actor| {
            let cycle = Cycle::find(conn, id)?.ok_or_else(|| actor.not_found("cycle", id))?;
            let project = projects::find_live(conn, actor, cycle.project_id)
                .map_err(|_| actor.not_found("cycle", id))?;
            if project_access::right_in(conn, actor, project.id)?.is_none() {
                return Err(actor.not_found("cycle", id));
            }
            let company = project.company_id;
            let files = gather::files(conn, company, cycle.id)?;
            let answers = answers::of_cycle(conn, company, cycle.id)?;
            let company_code: String = companies::table
                .find(company)
                .select(companies::company_code)
                .first(conn)?;
            actor
                .audit(actions::CYCLE_EXPORTED)
                .project(project.id)
                .resource("cycle", cycle.id)
                .details(json!({
                    "cycle_name": cycle.cycle_name,
                    "files": files.len(),
                    "answers": answers.len(),
                    "bytes": files.iter().map(|f| f.size).sum::<i64>(),
                }))
                .record(conn)?;
            Ok(Scope {
                company,
                company_code,
                project,
                cycle,
                files,
                answers,
            })
        })
        .await?;
    let file_name = format!(
        "{}-{}-evidence.zip",
        safe_name(&scope.project.project_name),
        safe_name(&scope.cycle.cycle_name)
    );
    let (tx, rx) = mpsc::channel::<Chunk>(4);
    let (ctx, handle) = (ctx.clone(), tokio::runtime::Handle::current());
    tokio::task::spawn_blocking(move || {
        let archive = rawzip::ZipArchiveWriter::new(ChannelSink::new(tx.clone()));
        if let Err(e) = write_all(archive, &ctx, &handle, &scope) {
            tracing::warn!(cycle = %scope.cycle.id, error = %e, "an evidence export ended early");
            ChannelSink::new(tx).fail(e);
        }
    });
    Ok(Download {
        file_name,
        length: None,
        body: Box::pin(tokio_stream_of(rx)),
    })
}

fn tokio_stream_of(mut rx: mpsc::Receiver<Chunk>) -> impl Stream<Item = Chunk> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

fn write_all(
    mut archive: rawzip::ZipArchiveWriter<ChannelSink>,
    ctx: &ServiceContext,
    handle: &tokio::runtime::Handle,
    scope: &Scope,
) -> std::io::Result<()> {
    let mut copied = Vec::with_capacity(scope.files.len());
    let mut clients = std::collections::HashMap::new();
    for file in &scope.files {
        if let Some((at, why)) = &file.retired {
            copied.push(Copied::Retired(format!(
                "at {}: {why}",
                at.format("%Y-%m-%dT%H:%M:%SZ")
            )));
            continue;
        }
        let client = clients
            .entry(file.location.id)
            .or_insert_with(|| {
                ctx.storage()
                    .client_for(&storage_locations::place(&file.location))
            })
            .clone();
        copied.push(add_file(&mut archive, handle, &client, file)?);
    }
    let manifest = manifest::csv(&scope.files, &copied).map_err(std::io::Error::other)?;
    add_whole(&mut archive, "manifest.csv", &manifest)?;
    if !scope.answers.is_empty() {
        let answers = answers::csv(&scope.answers).map_err(std::io::Error::other)?;
        add_whole(&mut archive, "answers.csv", &answers)?;
    }
    let chain = audit_entries(&mut archive, ctx, handle, scope)?;
    add_whole(&mut archive, "chain.json", &chain)?;
    // `finish` hands back the sink: its last chunk still has to go out.
    let mut sink = archive.finish().map_err(zip_error)?;
    std::io::Write::flush(&mut sink)
}

/// `audit.jsonl`, a batch of rows at a time; returns `chain.json` for the same rows.
fn audit_entries(
    archive: &mut rawzip::ZipArchiveWriter<ChannelSink>,
    ctx: &ServiceContext,
    handle: &tokio::runtime::Handle,
    scope: &Scope,
) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let key = (scope.company, scope.project.id, scope.cycle.id);
    let (mut entry, config) = archive.new_file("audit.jsonl").start().map_err(zip_error)?;
    let mut writer = config.wrap(&mut entry);
    let mut links = Vec::new();
    let mut after = 0;
    loop {
        let rows =
            handle
                .block_on(ctx.run_unscoped(move |conn| {
                    Ok(gather::audit_rows(conn, key, after, AUDIT_BATCH)?)
                }))
                .map_err(|e| std::io::Error::other(e.to_string()))?;
        for row in &rows {
            serde_json::to_writer(&mut writer, row)?;
            writer.write_all(b"\n")?;
            links.push(json!({
                "id": row.id,
                "chain_seq": row.chain_seq,
                "content": row.content,
                "prev_hash": row.prev_hash,
                "row_hash": row.row_hash,
                "erased_v1": row.erased_v1,
            }));
        }
        match rows.last().and_then(|r| r.chain_seq) {
            Some(last) if rows.len() as i64 == AUDIT_BATCH => after = last,
            _ => break,
        }
    }
    let (_, descriptor) = writer.finish().map_err(zip_error)?;
    entry.finish(descriptor).map_err(zip_error)?;
    let chain = scope.company.0;
    let digest = handle
        .block_on(
            ctx.run_unscoped(move |conn| Ok(crate::services::audit_digests::latest(conn, chain)?)),
        )
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let document = json!({
        "format": "hopper-evidence-chain/1",
        "company": scope.company_code,
        "chain": chain,
        "hash": "row_hash = SHA-256(UTF-8 bytes of content || prev_hash bytes); content is \
                 the comma-joined, SQL-quoted fields of the row (migration 10), or from 'v2' \
                 on, its personal fields as salted SHA-256 digests (migration 120); a row \
                 with erased_v1 was written before and erased since: its hash is the one \
                 recorded at its erasure",
        "rows": links,
        "latest_digest": digest,
    });
    serde_json::to_vec_pretty(&document).map_err(std::io::Error::other)
}

/// A project or cycle name as part of a file name.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches('-');
    if trimmed.is_empty() {
        "cycle".to_owned()
    } else {
        trimmed.chars().take(60).collect()
    }
}
