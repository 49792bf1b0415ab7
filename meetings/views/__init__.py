"""Views of organisational life, one module per area, each ending with its ``urls`` list."""
