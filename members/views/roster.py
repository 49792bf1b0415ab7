"""Roster pages: placeholder until the roster work lands."""

urls = []
