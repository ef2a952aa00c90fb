-- Signed digests of the audit chains' heads (issue 30, the CloudTrail model). The hash
-- chain proves rows were not changed *unless* someone able to rewrite every row also
-- recomputes every hash (a database superuser can). A digest is a statement "chain C
-- ended at position N with hash H at time T", signed with an ed25519 key the database does
-- not hold; copies kept elsewhere (downloaded from the audit page) catch such a rewrite:
-- the row at position N no longer has hash H.
--
-- `statement` is the exact JSON text that was signed (kept byte for byte, so a copy can be
-- checked without re-serialising); `previous_id` links a chain's digests, and the statement
-- names the previous signature, so a digest removed from a copy is noticed too.
CREATE TABLE audit_digests (
    id BIGSERIAL PRIMARY KEY,
    -- coalesce(company_id, 0), as in idx_audit_log_chain.
    chain INTEGER NOT NULL,
    head_seq BIGINT NOT NULL,
    head_hash BYTEA NOT NULL,
    digested_at TIMESTAMPTZ NOT NULL,
    previous_id BIGINT REFERENCES audit_digests (id),
    statement TEXT NOT NULL,
    signature BYTEA NOT NULL,
    public_key BYTEA NOT NULL
);

CREATE INDEX idx_audit_digests_chain ON audit_digests (chain, id DESC);
