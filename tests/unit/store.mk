# tests/unit (store.mk)
