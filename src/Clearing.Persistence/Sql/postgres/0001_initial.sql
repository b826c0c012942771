-- Clearing schema version 1 (PostgreSQL).
-- Times are Unix milliseconds supplied by the application: business logic never reads the database clock.
-- Token amounts are signed integers in the token's base units; NUMERIC(78,0) holds every uint256 (< 10^78).

CREATE TABLE grain_state (
    grain_type   TEXT   NOT NULL,
    grain_key    TEXT   NOT NULL,
    state_name   TEXT   NOT NULL,
    -- NULL once cleared: the row stays so the version keeps counting up and a stale writer cannot resurrect it.
    state_json   TEXT   NULL,
    version      BIGINT NOT NULL CHECK (version > 0),
    writer_epoch BIGINT NOT NULL,
    PRIMARY KEY (grain_type, grain_key, state_name)
);

CREATE TABLE reminder (
    grain_type    TEXT   NOT NULL,
    grain_key     TEXT   NOT NULL,
    reminder_name TEXT   NOT NULL,
    start_at_ms    BIGINT NOT NULL,
    period_ms     BIGINT NOT NULL CHECK (period_ms > 0),
    writer_epoch  BIGINT NOT NULL,
    PRIMARY KEY (grain_type, grain_key, reminder_name)
);

CREATE TABLE ledger_transaction (
    transaction_id TEXT   PRIMARY KEY,
    created_at_ms  BIGINT NOT NULL
);

CREATE TABLE ledger_entry (
    entry_id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id TEXT          NOT NULL REFERENCES ledger_transaction (transaction_id),
    account        TEXT          NOT NULL,
    chain          TEXT          NOT NULL,
    asset          TEXT          NOT NULL,
    amount         NUMERIC(78,0) NOT NULL CHECK (amount <> 0),
    kind           TEXT          NOT NULL,
    created_at_ms  BIGINT        NOT NULL
);

CREATE INDEX ledger_entry_by_account ON ledger_entry (account, chain, asset);
CREATE INDEX ledger_entry_by_transaction ON ledger_entry (transaction_id);

-- The journal is append-only: corrections are new, balancing transactions.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger journal is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END
$$;

CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_entry
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transaction_append_only BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transaction_no_truncate BEFORE TRUNCATE ON ledger_transaction
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

CREATE TABLE idempotency_key (
    idempotency_key TEXT   PRIMARY KEY,
    result_json     TEXT   NOT NULL,
    created_at_ms   BIGINT NOT NULL
);

CREATE TABLE outbox_action (
    action_id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    decision_id             TEXT    NOT NULL UNIQUE,
    chain                   TEXT    NOT NULL,
    kind                    TEXT    NOT NULL,
    payload_json            TEXT    NOT NULL,
    state                   TEXT    NOT NULL CHECK (state IN ('planned', 'signed', 'broadcast', 'confirmed', 'failed')),
    attempts                INTEGER NOT NULL CHECK (attempts >= 0),
    -- The one nonce (EVM) or last valid block height (Solana) the decision is bound to; set once, at signing.
    nonce                   BIGINT  NULL,
    last_valid_block_height BIGINT  NULL,
    signed_transaction      TEXT    NULL,
    tx_id                   TEXT    NULL,
    failure_reason          TEXT    NULL,
    created_at_ms           BIGINT  NOT NULL,
    updated_at_ms           BIGINT  NOT NULL
);

CREATE INDEX outbox_action_open ON outbox_action (chain, created_at_ms) WHERE state NOT IN ('confirmed', 'failed');

-- Second line of defence behind OutboxStore: only the legal state machine moves reach the table.
CREATE FUNCTION outbox_check_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ((OLD.state = 'planned'   AND NEW.state IN ('signed', 'failed'))
         OR (OLD.state = 'signed'    AND NEW.state IN ('broadcast', 'failed'))
         OR (OLD.state = 'broadcast' AND NEW.state IN ('broadcast', 'confirmed', 'failed'))) THEN
        RAISE EXCEPTION 'illegal outbox transition % -> % for action %', OLD.state, NEW.state, OLD.action_id;
    END IF;
    IF OLD.nonce IS NOT NULL AND NEW.nonce IS DISTINCT FROM OLD.nonce
       OR OLD.last_valid_block_height IS NOT NULL AND NEW.last_valid_block_height IS DISTINCT FROM OLD.last_valid_block_height
       OR OLD.decision_id <> NEW.decision_id THEN
        RAISE EXCEPTION 'outbox action % is bound to its decision, nonce and last valid height', OLD.action_id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER outbox_action_transition BEFORE UPDATE ON outbox_action
    FOR EACH ROW EXECUTE FUNCTION outbox_check_transition();

CREATE TABLE chain_cursor (
    chain         TEXT   PRIMARY KEY,
    position      BIGINT NOT NULL CHECK (position >= 0),
    block_hash    TEXT   NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

-- One row: the single active host. Epoch 0 means no host has ever held the lease.
CREATE TABLE host_lease (
    lease_id      INTEGER PRIMARY KEY CHECK (lease_id = 1),
    holder        TEXT    NOT NULL,
    epoch         BIGINT  NOT NULL CHECK (epoch >= 0),
    expires_at_ms BIGINT  NOT NULL
);

INSERT INTO host_lease (lease_id, holder, epoch, expires_at_ms) VALUES (1, '', 0, 0);
