"""Every write of organisational life goes through these services (one function per use case)."""
