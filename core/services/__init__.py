"""Project-wide operations that belong to no single app, one module per capability."""
