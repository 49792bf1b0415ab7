"""Placeholder: built by the imports work."""

urls = []
