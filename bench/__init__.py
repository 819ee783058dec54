"""Benchmarks and load tests that print their figures (see the README: Performance, Reliability)."""
