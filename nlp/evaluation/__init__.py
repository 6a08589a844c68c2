"""Labelled sets and benchmarks that score the extraction and retrieval stages (figures, not
tests)."""
