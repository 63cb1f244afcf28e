# The ncurses form (issue 4): sources added to the core library.
TUI_SOURCES =
