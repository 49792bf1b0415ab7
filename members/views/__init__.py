"""Members pages, one module a responsibility; each module ends with its ``urls`` list."""
