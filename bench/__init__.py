"""Benchmarks (not tests): each prints ops/s and ratios; docs/PERFORMANCE.md records results."""
