"""Project-level views: the health check."""
