"""archives: built by a later issue."""
