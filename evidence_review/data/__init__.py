"""The data layer: loading and validating the tables (schemas, cross-table provenance rules,
citekeys), the bibliography, the screening log, the Frictionless descriptor, the reader's words
for every code, and the record of which files a chapter read. Imports nothing from the layers above."""
