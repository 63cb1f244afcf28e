# Configuration files, profiles and the other subcommands (issue 6).
CONF_SOURCES = \
	src/resolve.c src/resolve.h \
	src/table.c src/table.h \
	src/cmdutil.c src/cmdutil.h \
	src/cmd_lists.c src/cmd_config.c src/cmd_import.c \
	src/csv.c src/csv.h \
	src/sha256.c src/sha256.h \
	src/lineprompt.c src/lineprompt.h
