"""Reliability suite: fuzzed conversations, injected faults, killed processes, forged input."""
