"""content tests."""
