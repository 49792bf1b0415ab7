"""assessment: built by a later issue."""
