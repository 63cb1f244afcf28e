# tests/unit (conf.mk)
