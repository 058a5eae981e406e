"""The playground's control API (JSON under /_playground): what tests and the web chat drive."""
