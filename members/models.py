"""members: built by a later issue."""
