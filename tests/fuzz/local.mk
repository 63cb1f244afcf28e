# tests/fuzz (local.mk): libFuzzer targets (issue 8)
