"""Placeholder: filled by its owner."""

urls = []
public_urls = []
