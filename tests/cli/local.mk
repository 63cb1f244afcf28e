# tests/cli (local.mk)
