# tests/security (local.mk): TLS, secrets, fault matrix (issue 8)
