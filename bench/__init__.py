"""Benchmarks: each `python -m bench.<name>` prints one JSON object of figures and never fails on time."""
