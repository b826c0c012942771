-- A signed action may be re-bound to a new transaction when the old one can no longer land (IChainActionJournal.RebindAsync):
-- on EVM a replacement with the SAME nonce and higher fees; on Solana a new blockhash once the old last valid block
-- height has passed. So: signed/broadcast -> signed is legal, the nonce still never changes once set, and the last
-- valid block height may only move up, and only in such a re-bind.
DROP TRIGGER outbox_action_transition;

CREATE TRIGGER outbox_action_transition BEFORE UPDATE ON outbox_action
WHEN NOT ((OLD.state = 'planned'   AND NEW.state IN ('signed', 'failed'))
       OR (OLD.state = 'signed'    AND NEW.state IN ('signed', 'broadcast', 'failed'))
       OR (OLD.state = 'broadcast' AND NEW.state IN ('signed', 'broadcast', 'confirmed', 'failed')))
BEGIN SELECT RAISE(ABORT, 'illegal outbox transition'); END;

DROP TRIGGER outbox_action_binding;

CREATE TRIGGER outbox_action_binding BEFORE UPDATE ON outbox_action
WHEN (OLD.nonce IS NOT NULL AND NEW.nonce IS NOT OLD.nonce)
  OR OLD.decision_id <> NEW.decision_id
  OR (OLD.last_valid_block_height IS NOT NULL AND NEW.last_valid_block_height IS NOT OLD.last_valid_block_height
      AND NOT (NEW.state = 'signed' AND OLD.state IN ('signed', 'broadcast') AND NEW.last_valid_block_height > OLD.last_valid_block_height))
BEGIN SELECT RAISE(ABORT, 'outbox action is bound to its decision and nonce; its last valid height only rises on a re-bind'); END;

-- One EVM nonce per chain is bound to at most one action that has not failed: two executors racing can never put
-- two decisions on one nonce (the second bind is refused as a unique violation).
CREATE UNIQUE INDEX outbox_action_nonce ON outbox_action (chain, nonce) WHERE nonce IS NOT NULL AND state <> 'failed';
