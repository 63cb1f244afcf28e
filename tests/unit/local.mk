# tests/unit (local.mk)
