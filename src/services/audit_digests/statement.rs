//! What a digest says and how it travels. A [`Statement`] is serialised once, signed as
//! those exact bytes, and kept as that text (in the database and in each copy): a checker
//! verifies the signature over the text it holds, then reads the statement out of it, so
//! no re-serialisation ever has to produce the same bytes twice.

use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The statement's format; a checker refuses formats it does not know.
pub const FORMAT: &str = "hopper-audit-digest/1";

/// "Chain `chain` ended at `head_seq` with `head_hash` at `digested_at`."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub format: String,
    /// `coalesce(company_id, 0)`: a company's chain, or 0 for the rows of no company.
    pub chain: i32,
    /// The company's code when it was digested, for people reading the file.
    pub company_code: Option<String>,
    pub head_seq: i64,
    /// The head row's `row_hash`, hex.
    pub head_hash: String,
    pub digested_at: DateTime<Utc>,
    /// The chain's previous digest's signature (base64), so the digests chain too.
    pub previous_signature: Option<String>,
    /// The key that signed it (hex), to pick the trusted key to check it with.
    pub public_key: String,
}

impl Statement {
    /// Who the chain belongs to, for people.
    pub fn chain_name(&self) -> String {
        match (&self.company_code, self.chain) {
            (_, 0) => "rows of no company".to_owned(),
            (Some(code), _) => format!("company {code}"),
            (None, chain) => format!("company {chain}"),
        }
    }
}

/// One line of a digests file: the statement exactly as signed, and its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestLine {
    pub statement: String,
    /// base64
    pub signature: String,
}

/// Why a line of a digests file cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestProblem {
    #[error("it is not a digest line (JSON with \"statement\" and \"signature\")")]
    Malformed,
    #[error("its statement is not one Hopper writes ({0})")]
    UnknownStatement(String),
    #[error("it is signed by key {0}, which is not trusted here (pass --public-key)")]
    UntrustedKey(String),
    #[error("its signature does not match its statement: the line was altered")]
    BadSignature,
}

impl DigestLine {
    pub fn new(statement: String, signature: &Signature) -> Self {
        Self {
            statement,
            signature: base64::engine::general_purpose::STANDARD.encode(signature.to_bytes()),
        }
    }

    pub fn parse(line: &str) -> Result<Self, DigestProblem> {
        serde_json::from_str(line).map_err(|_| DigestProblem::Malformed)
    }

    /// The line as a file holds it (no newline).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The statement, once its signature holds under one of the `trusted` keys.
    pub fn open(&self, trusted: &[VerifyingKey]) -> Result<Statement, DigestProblem> {
        let statement: Statement = serde_json::from_str(&self.statement)
            .map_err(|e| DigestProblem::UnknownStatement(e.to_string()))?;
        if statement.format != FORMAT {
            return Err(DigestProblem::UnknownStatement(statement.format));
        }
        let key = trusted
            .iter()
            .find(|key| hex::encode(key.to_bytes()) == statement.public_key)
            .ok_or_else(|| DigestProblem::UntrustedKey(statement.public_key.clone()))?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(&self.signature)
            .ok()
            .and_then(|bytes| Signature::from_slice(&bytes).ok())
            .ok_or(DigestProblem::BadSignature)?;
        key.verify_strict(self.statement.as_bytes(), &signature)
            .map_err(|_| DigestProblem::BadSignature)?;
        Ok(statement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::audit_digests::AuditSigner;

    fn signed(signer: &AuditSigner) -> DigestLine {
        let statement = Statement {
            format: FORMAT.to_owned(),
            chain: 4,
            company_code: Some("ACME".into()),
            head_seq: 12,
            head_hash: "ab".repeat(32),
            digested_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            previous_signature: None,
            public_key: signer.public_key_hex(),
        };
        let text = serde_json::to_string(&statement).unwrap();
        DigestLine::new(text.clone(), &signer.sign(text.as_bytes()))
    }

    fn signer() -> AuditSigner {
        let dir = tempfile::tempdir().unwrap();
        AuditSigner::load(None, dir.path()).unwrap()
    }

    #[test]
    fn a_line_opens_under_its_key_only() {
        let (signer, other) = (signer(), signer());
        let line = DigestLine::parse(&signed(&signer).to_json()).unwrap();
        assert_eq!(line.open(&[signer.public_key()]).unwrap().head_seq, 12);
        assert!(matches!(
            line.open(&[other.public_key()]),
            Err(DigestProblem::UntrustedKey(_))
        ));
    }

    #[test]
    fn an_altered_statement_is_caught() {
        let signer = signer();
        let mut line = signed(&signer);
        line.statement = line.statement.replace("\"head_seq\":12", "\"head_seq\":13");
        assert_eq!(
            line.open(&[signer.public_key()]),
            Err(DigestProblem::BadSignature)
        );
        assert_eq!(DigestLine::parse("{}"), Err(DigestProblem::Malformed));
    }
}
