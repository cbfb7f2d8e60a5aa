"""HTML views of the fleet, one module per capability: devices, imports, scans, reports."""
