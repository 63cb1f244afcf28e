# tests/fake (local.mk)
