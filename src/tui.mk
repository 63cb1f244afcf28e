# The ncurses form (issue 4): sources added to the core library.
TUI_SOURCES = \
	src/clock.c src/clock.h \
	src/form.c src/form.h \
	src/field.c src/field.h \
	src/tui.c src/tui.h \
	src/loop.c src/loop.h \
	src/tui_app.h \
	src/view_form.c \
	src/view_picker.c src/view_picker.h \
	src/view_result.c \
	src/view_help.c \
	src/view_history.c \
	src/cmd_form.c
