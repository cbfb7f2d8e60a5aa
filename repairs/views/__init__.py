"""HTML views of repairs, one module per capability: tickets, stock, purchasing."""
