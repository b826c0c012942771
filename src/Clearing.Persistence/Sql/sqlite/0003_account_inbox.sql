-- The deposit inbox: a finalized deposit credited by its chain's batch, waiting to be folded into its recipient
-- grain's state document. One chain batch writes, in ONE transaction, the cursor advance, each deposit's idempotency
-- key, its balanced journal transaction and its row here; the recipient grain later deletes its rows in the same
-- transaction as its state compare-and-set. So at every instant: ledger balance of the recipient = its state + its rows.
-- recipient is the ledger account credited: 'account:<id>' (a margin account) or 'suspense:<chain>'.
-- amount: canonical decimal TEXT like ledger_entry.amount, here strictly positive (no sign, no leading zero).
CREATE TABLE account_inbox (
    credit_key    TEXT    PRIMARY KEY
                          REFERENCES idempotency_key (idempotency_key)
                          REFERENCES ledger_transaction (transaction_id),
    recipient     TEXT    NOT NULL,
    chain         TEXT    NOT NULL,
    tx_id         TEXT    NOT NULL,
    log_index     INTEGER NOT NULL CHECK (log_index >= 0),
    asset         TEXT    NOT NULL,
    amount        TEXT    NOT NULL CHECK (length(amount) BETWEEN 1 AND 78 AND amount NOT GLOB '*[^0-9]*'
                                          AND substr(amount, 1, 1) <> '0'),
    height        INTEGER NOT NULL CHECK (height >= 0),
    block_hash    TEXT    NOT NULL,
    depositor     TEXT    NOT NULL,
    -- What a recipient needs besides the amount (suspense: token, reason, claimed account), as JSON; else NULL.
    detail_json   TEXT    NULL,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (chain, tx_id, log_index)
) STRICT;

CREATE INDEX account_inbox_by_recipient ON account_inbox (recipient);
CREATE INDEX account_inbox_by_chain ON account_inbox (chain, recipient);
