"""The service's own tests; `uv run pytest` runs them."""
