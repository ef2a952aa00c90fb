//! `hopper audit verify --digests FILE`: the digests a firm kept elsewhere, checked
//! against the rows. Each line's signature must hold under a trusted key (those given with
//! `--public-key`, or this installation's own); then each digested position must still hold
//! the hash that was signed.

use std::path::Path;

use crate::config::Config;
use crate::db::{self, PgPool};
use crate::services::audit_digests::{self, AuditSigner, DigestLine, Statement};
use anyhow::Context;

/// The file's digests, each opened under a trusted key; what fails is printed and counts
/// as tampering (the `bool`).
pub struct OpenedDigests {
    statements: Vec<Statement>,
    untrusted: bool,
}

pub fn read(config: &Config, path: &Path, public_keys: &[String]) -> anyhow::Result<OpenedDigests> {
    let trusted = trusted_keys(config, public_keys)?
        .context("no signing key here to check the digests with: pass --public-key (shown on the audit page)")?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let opened = open_lines(&path.display().to_string(), &text, &trusted);
    anyhow::ensure!(
        !opened.statements.is_empty() || opened.untrusted,
        "{} holds no digests",
        path.display()
    );
    Ok(opened)
}

/// The digest an evidence export carries, opened like a file's lines; `None` when no key
/// here can check it (said on stdout: the rows are still checked).
pub fn of_export(
    config: &Config,
    line: &DigestLine,
    public_keys: &[String],
) -> anyhow::Result<Option<OpenedDigests>> {
    let Some(trusted) = trusted_keys(config, public_keys)? else {
        println!("note: the export's signed digest was not checked: pass --public-key");
        return Ok(None);
    };
    Ok(Some(open_lines(
        "the export's chain.json",
        &line.to_json(),
        &trusted,
    )))
}

/// The keys given with --public-key, else this installation's own; `None`: neither.
fn trusted_keys(
    config: &Config,
    public_keys: &[String],
) -> anyhow::Result<Option<Vec<ed25519_dalek::VerifyingKey>>> {
    let mut trusted = Vec::new();
    for key in public_keys {
        trusted.push(audit_digests::public_key(key).with_context(|| {
            format!("--public-key {key:?} is not an ed25519 public key (64 hex digits)")
        })?);
    }
    if trusted.is_empty() {
        match AuditSigner::existing(config.audit_signing_key.as_ref(), &config.data_dir)? {
            Some(own) => trusted.push(own.public_key()),
            None => return Ok(None),
        }
    }
    Ok(Some(trusted))
}

/// Each non-empty line opened under the trusted keys; what fails is printed.
fn open_lines(source: &str, text: &str, trusted: &[ed25519_dalek::VerifyingKey]) -> OpenedDigests {
    let mut opened = OpenedDigests {
        statements: Vec::new(),
        untrusted: false,
    };
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match DigestLine::parse(line).and_then(|digest| digest.open(trusted)) {
            Ok(statement) => opened.statements.push(statement),
            Err(problem) => {
                opened.untrusted = true;
                println!("UNTRUSTED: {source}: line {}: {problem}", number + 1);
            }
        }
    }
    opened
}

/// Prints one line per digest; `true` when any does not hold.
pub async fn check(pool: &PgPool, digests: OpenedDigests) -> anyhow::Result<bool> {
    let OpenedDigests {
        statements,
        untrusted,
    } = digests;
    let checks = db::transaction(pool, move |conn| {
        Ok(audit_digests::check(conn, statements)?)
    })
    .await?;
    let mut broken = untrusted;
    for check in checks {
        let statement = &check.statement;
        let when = statement.digested_at.format("%Y-%m-%d %H:%M:%S UTC");
        match &check.problem {
            None => println!(
                "ok: {}: the digest of {when} (position {}) matches the rows",
                statement.chain_name(),
                statement.head_seq
            ),
            Some(problem) => {
                broken = true;
                println!("ALTERED: {}: {problem}", statement.chain_name());
            }
        }
    }
    Ok(broken)
}
