"""The legacy upload API (what twine and `uv publish` speak) and its pipeline."""
