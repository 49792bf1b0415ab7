"""Placeholder: built by the pipeline work."""
