//! `hopper audit verify --export FILE.zip`: the audit rows an evidence export carries,
//! checked twice — each row's hash recomputed from the text `chain.json` gives for it (the
//! export is whole), and compared with the row the database holds now (neither was
//! changed since). The export's signed digest, if any, is checked like `--digests`.

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Nullable};
use sha2::{Digest, Sha256};

use crate::db::{self, PgPool};

/// chain.json is a few hundred bytes per row: this bounds a hostile file, not a real one.
const MAX_CHAIN_JSON: u64 = 512 * 1024 * 1024;

#[derive(Debug, serde::Deserialize)]
struct Link {
    id: i64,
    chain_seq: Option<i64>,
    content: String,
    prev_hash: Option<String>,
    row_hash: Option<String>,
    /// Written before salted hashes and erased since: the hash was recorded at the
    /// erasure, the content no longer makes it (the database comparison still holds).
    #[serde(default)]
    erased_v1: bool,
}

#[derive(Debug, serde::Deserialize)]
pub struct ExportChain {
    company: String,
    rows: Vec<Link>,
    /// The company chain's latest signed digest when the export was made.
    pub latest_digest: Option<crate::services::audit_digests::DigestLine>,
}

/// Reads `chain.json` out of an evidence export.
pub fn read(path: &Path) -> anyhow::Result<ExportChain> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut buffer = vec![0u8; rawzip::RECOMMENDED_BUFFER_SIZE];
    let archive = rawzip::ZipArchive::from_file(file, &mut buffer)
        .map_err(|e| anyhow::anyhow!("{} is not a zip archive: {e}", path.display()))?;
    let mut found = None;
    let mut entries = archive.entries(&mut buffer);
    while let Some(entry) = entries.next_entry().map_err(|e| anyhow::anyhow!("{e}"))? {
        if entry.file_path().as_bytes() == b"chain.json" {
            found = Some(entry.wayfinder());
            break;
        }
    }
    let wayfinder = found.with_context(|| {
        format!(
            "{} has no chain.json: not a Hopper evidence export",
            path.display()
        )
    })?;
    let entry = archive
        .get_entry(wayfinder)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut text = Vec::new();
    entry
        .verifying_reader(entry.reader())
        .take(MAX_CHAIN_JSON)
        .read_to_end(&mut text)
        .context("chain.json cannot be read (its CRC or size does not hold)")?;
    serde_json::from_slice(&text).context("chain.json is not what Hopper writes")
}

#[derive(QueryableByName)]
struct Held {
    #[diesel(sql_type = Nullable<BigInt>)]
    chain_seq: Option<i64>,
    #[diesel(sql_type = Nullable<Binary>)]
    row_hash: Option<Vec<u8>>,
}

/// Prints one line per problem and a summary; `true` when any row does not hold.
pub async fn check(pool: &PgPool, chain: ExportChain) -> anyhow::Result<bool> {
    let mut broken = false;
    for link in chain.rows.iter().filter(|l| !l.erased_v1) {
        let mut hasher = Sha256::new();
        hasher.update(link.content.as_bytes());
        if let Some(prev) = &link.prev_hash {
            hasher.update(hex::decode(prev).unwrap_or_default());
        }
        if link.row_hash.as_deref() != Some(hex::encode(hasher.finalize()).as_str()) {
            broken = true;
            println!(
                "ALTERED: the export's audit row {} does not hash to its row_hash: the export was edited",
                link.id
            );
        }
    }
    let ids: Vec<(i64, Option<i64>, Option<String>)> = chain
        .rows
        .iter()
        .map(|l| (l.id, l.chain_seq, l.row_hash.clone()))
        .collect();
    let company = chain.company.clone();
    let differing = db::transaction(pool, move |conn| {
        let mut differing = Vec::new();
        for (id, seq, hash) in ids {
            let held: Option<Held> = diesel::sql_query(
                "SELECT chain_seq, row_hash FROM audit_log WHERE id = $1 ORDER BY created_at LIMIT 1",
            )
            .bind::<BigInt, _>(id)
            .get_result(conn)
            .optional()?;
            let same = held.is_some_and(|h| {
                h.chain_seq == seq && h.row_hash.map(hex::encode) == hash
            });
            if !same {
                differing.push(id);
            }
        }
        Ok(differing)
    })
    .await?;
    for id in &differing {
        broken = true;
        println!(
            "ALTERED: company {company}: audit row {id} in the database is not the row the export holds"
        );
    }
    if !broken {
        println!(
            "ok: company {company}: the export's {} audit rows hash as they should and match the database",
            chain.rows.len()
        );
    }
    Ok(broken)
}
