# SQLite store, drafts, outbox, history (issue 5).
STORE_SOURCES =
