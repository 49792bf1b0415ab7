"""Every write of the members app, one module a responsibility."""
