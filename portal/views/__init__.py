"""HTML views of the portal: the home page."""
