"""Placeholder: built by the transfers work."""

urls = []
