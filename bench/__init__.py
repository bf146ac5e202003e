"""Benchmarks at city scale, run by `make bench`."""
