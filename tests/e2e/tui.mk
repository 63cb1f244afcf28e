# tests/e2e (tui.mk)
