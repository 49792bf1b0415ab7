"""Placeholder: built by the pipeline work."""

urls = []
