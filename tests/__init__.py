"""The generator's tests."""
