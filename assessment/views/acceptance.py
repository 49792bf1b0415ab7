"""Placeholder: filled by its owner."""

urls = []
