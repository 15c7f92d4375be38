"""Importing customers, split by responsibility. The generic parts (reading files, the preview's plan, the
fast bulk writer, validation with model fields) live in ``crm/imports``; here is only what customers know.

- ``rows``: what a row says — the plan of one row, and the lookups (dictionaries, owners, tags) read once a file;
- ``validation``: a row's cells checked with the Customer and Contact fields' own validators;
- ``duplicates``: matching rows against each other and against every live customer;
- the write is the bulk service ``crm.customers.services.imports.import_customers``;
- ``crm.customers.importers`` ties them together as the registered ``Importer``.
"""
