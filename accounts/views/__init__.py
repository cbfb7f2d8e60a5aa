"""HTML views of people and their time, one module per capability."""
