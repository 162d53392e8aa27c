"""Benchmarks: rerunnable measurements, not tests."""
