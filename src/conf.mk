# Configuration files, profiles and the other subcommands (issue 6).
CONF_SOURCES =
