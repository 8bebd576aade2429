"""Crackerjack: quality tracking (example tree for ulid-codemod)."""
