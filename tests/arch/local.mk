# tests/arch (local.mk): the layer rules of src/ (doc/architecture.md), checked on the source.
TESTS += tests/arch/check-layers.sh
EXTRA_DIST += tests/arch/check-layers.sh
