-- The W3C traceparent of the span that planned an outbox action (a grain turn serving a member request, a scanner tick
-- or a watcher round), or NULL when nothing was traced. The executor that signs and broadcasts the action starts its
-- span as a child of it, so an operator follows one trace from the request to the chain transaction.
ALTER TABLE outbox_action ADD COLUMN trace_parent TEXT NULL;
