# SQLite store, drafts, outbox, history (issue 5).
STORE_SOURCES = \
	src/store.c src/store.h \
	src/outbox.c src/outbox.h \
	src/history.h src/cmd_history.c \
	src/cmd_outbox.c
