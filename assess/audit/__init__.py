"""The audit trail: an append-only record of security-relevant events (who, when, from
where, what, on what). Its core (`models`, `events`, `trail`) sits just above the helpers,
so that every feature records into it with one line; its pages and retention sit above the
features (docs/architecture.md)."""
