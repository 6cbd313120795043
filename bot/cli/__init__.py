"""Command-line doors to the pipeline."""
