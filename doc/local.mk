# doc (local.mk)
