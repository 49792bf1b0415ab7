"""meetings: built by a later issue."""
