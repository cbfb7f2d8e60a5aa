"""The demo district generator behind ``manage.py seed_demo``.

:func:`demo.services.builder.build_demo` fills an empty database with a deterministic demo district:
reference data, schools and staff, devices, tickets with their history, a stock ledger and
overtime records. Rows are generated as NumPy columns and written in bulk (COPY on PostgreSQL).
"""
