# Core library shared by the program and the tests, and the program itself.
noinst_LIBRARIES += src/libamplecall.a
CORE_SOURCES = \
	src/util.c src/util.h \
	src/buf.c src/buf.h \
	src/jsonx.c src/jsonx.h \
	src/sanitize.c src/sanitize.h \
	src/safepath.c src/safepath.h \
	src/call.c src/call.h \
	src/validate.c src/validate.h \
	src/baseurl.c src/baseurl.h \
	src/apierr.c src/apierr.h \
	src/redact.c src/redact.h \
	src/http.c src/http.h \
	src/curl_dl.c src/curl_dl.h \
	src/api.c src/api.h \
	src/keycmd.c src/keycmd.h \
	src/settings.c src/settings.h \
	src/connect.c src/connect.h \
	src/cli_log.c src/commands.h
src_libamplecall_a_SOURCES = $(CORE_SOURCES) $(TUI_SOURCES) $(STORE_SOURCES) $(CONF_SOURCES)
src_libamplecall_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS) \
	$(NCURSES_CFLAGS) $(READLINE_CFLAGS)

# Every program that links the core library links the same dependencies.
AMPLECALL_DEP_LIBS = $(NCURSES_LIBS) $(READLINE_LIBS) $(CURL_LIBS) $(JSONC_LIBS) $(SQLITE_LIBS) \
	$(UNISTRING_LIBS)

bin_PROGRAMS += src/amplecall
src_amplecall_SOURCES = src/main.c
src_amplecall_CFLAGS = $(src_libamplecall_a_CFLAGS)
# No $(CURL_LIBS): the program loads libcurl after its first paint (src/curl_dl.c).
# PROGRAM_DEP_LIBS: SQLite, ncursesw and readline static unless --disable-static-deps.
src_amplecall_LDADD = src/libamplecall.a $(PROGRAM_DEP_LIBS)
