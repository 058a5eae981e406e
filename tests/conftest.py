"""Shared fixtures live in tests/fixtures/, one module per stand-in, so each room owns its own."""

pytest_plugins = [
    "tests.fixtures.simulator",
    "tests.fixtures.database",
    "tests.fixtures.botapi",
    "tests.fixtures.app",
]
