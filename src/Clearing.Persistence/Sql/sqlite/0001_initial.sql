-- Clearing schema version 1 (SQLite).
-- Times are Unix milliseconds supplied by the application: business logic never reads the database clock.
-- Token amounts are signed integers in base units stored as canonical decimal TEXT ("-123", no leading zeros,
-- no "+"), because SQLite's INTEGER stops at 2^63. The bound is the one PostgreSQL's NUMERIC(78,0) has:
-- |amount| < 10^78 (every uint256), at most 78 digits, enforced by LedgerAmount before any insert.
-- Sums are taken in the application with BigInteger, never with SQLite's SUM (which would turn TEXT into REAL).

CREATE TABLE grain_state (
    grain_type   TEXT    NOT NULL,
    grain_key    TEXT    NOT NULL,
    state_name   TEXT    NOT NULL,
    -- NULL once cleared: the row stays so the version keeps counting up and a stale writer cannot resurrect it.
    state_json   TEXT    NULL,
    version      INTEGER NOT NULL CHECK (version > 0),
    writer_epoch INTEGER NOT NULL,
    PRIMARY KEY (grain_type, grain_key, state_name)
) STRICT;

CREATE TABLE reminder (
    grain_type    TEXT    NOT NULL,
    grain_key     TEXT    NOT NULL,
    reminder_name TEXT    NOT NULL,
    start_at_ms    INTEGER NOT NULL,
    period_ms     INTEGER NOT NULL CHECK (period_ms > 0),
    writer_epoch  INTEGER NOT NULL,
    PRIMARY KEY (grain_type, grain_key, reminder_name)
) STRICT;

CREATE TABLE ledger_transaction (
    transaction_id TEXT    PRIMARY KEY,
    created_at_ms  INTEGER NOT NULL
) STRICT;

CREATE TABLE ledger_entry (
    entry_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id TEXT    NOT NULL REFERENCES ledger_transaction (transaction_id),
    account        TEXT    NOT NULL,
    chain          TEXT    NOT NULL,
    asset          TEXT    NOT NULL,
    amount         TEXT    NOT NULL CHECK (length(amount) BETWEEN 1 AND 79 AND amount <> '0'
                                           AND ltrim(amount, '-') NOT GLOB '*[^0-9]*'),
    kind           TEXT    NOT NULL,
    created_at_ms  INTEGER NOT NULL
) STRICT;

CREATE INDEX ledger_entry_by_account ON ledger_entry (account, chain, asset);
CREATE INDEX ledger_entry_by_transaction ON ledger_entry (transaction_id);

-- The journal is append-only: corrections are new, balancing transactions.
CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
BEGIN SELECT RAISE(ABORT, 'the ledger journal is append-only: UPDATE on ledger_entry refused'); END;
CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry
BEGIN SELECT RAISE(ABORT, 'the ledger journal is append-only: DELETE on ledger_entry refused'); END;
CREATE TRIGGER ledger_transaction_no_update BEFORE UPDATE ON ledger_transaction
BEGIN SELECT RAISE(ABORT, 'the ledger journal is append-only: UPDATE on ledger_transaction refused'); END;
CREATE TRIGGER ledger_transaction_no_delete BEFORE DELETE ON ledger_transaction
BEGIN SELECT RAISE(ABORT, 'the ledger journal is append-only: DELETE on ledger_transaction refused'); END;

CREATE TABLE idempotency_key (
    idempotency_key TEXT    PRIMARY KEY,
    result_json     TEXT    NOT NULL,
    created_at_ms   INTEGER NOT NULL
) STRICT;

CREATE TABLE outbox_action (
    action_id               INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id             TEXT    NOT NULL UNIQUE,
    chain                   TEXT    NOT NULL,
    kind                    TEXT    NOT NULL,
    payload_json            TEXT    NOT NULL,
    state                   TEXT    NOT NULL CHECK (state IN ('planned', 'signed', 'broadcast', 'confirmed', 'failed')),
    attempts                INTEGER NOT NULL CHECK (attempts >= 0),
    -- The one nonce (EVM) or last valid block height (Solana) the decision is bound to; set once, at signing.
    nonce                   INTEGER NULL,
    last_valid_block_height INTEGER NULL,
    signed_transaction      TEXT    NULL,
    tx_id                   TEXT    NULL,
    failure_reason          TEXT    NULL,
    created_at_ms           INTEGER NOT NULL,
    updated_at_ms           INTEGER NOT NULL
) STRICT;

CREATE INDEX outbox_action_open ON outbox_action (chain, created_at_ms) WHERE state NOT IN ('confirmed', 'failed');

-- Second line of defence behind OutboxStore: only the legal state machine moves reach the table.
CREATE TRIGGER outbox_action_transition BEFORE UPDATE ON outbox_action
WHEN NOT ((OLD.state = 'planned'   AND NEW.state IN ('signed', 'failed'))
       OR (OLD.state = 'signed'    AND NEW.state IN ('broadcast', 'failed'))
       OR (OLD.state = 'broadcast' AND NEW.state IN ('broadcast', 'confirmed', 'failed')))
BEGIN SELECT RAISE(ABORT, 'illegal outbox transition'); END;

CREATE TRIGGER outbox_action_binding BEFORE UPDATE ON outbox_action
WHEN (OLD.nonce IS NOT NULL AND NEW.nonce IS NOT OLD.nonce)
  OR (OLD.last_valid_block_height IS NOT NULL AND NEW.last_valid_block_height IS NOT OLD.last_valid_block_height)
  OR OLD.decision_id <> NEW.decision_id
BEGIN SELECT RAISE(ABORT, 'outbox action is bound to its decision, nonce and last valid height'); END;

CREATE TABLE chain_cursor (
    chain         TEXT    PRIMARY KEY,
    position      INTEGER NOT NULL CHECK (position >= 0),
    block_hash    TEXT    NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;

-- One row: the single active host. Epoch 0 means no host has ever held the lease.
CREATE TABLE host_lease (
    lease_id      INTEGER PRIMARY KEY CHECK (lease_id = 1),
    holder        TEXT    NOT NULL,
    epoch         INTEGER NOT NULL CHECK (epoch >= 0),
    expires_at_ms INTEGER NOT NULL
) STRICT;

INSERT INTO host_lease (lease_id, holder, epoch, expires_at_ms) VALUES (1, '', 0, 0);
