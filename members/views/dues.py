"""Placeholder: built by the dues work."""

urls = []
