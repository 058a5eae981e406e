"""Typed async client for the Digiwatt API."""
