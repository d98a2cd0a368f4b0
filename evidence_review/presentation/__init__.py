"""The presentation layer: charts (Altair, rendered offline), tables, traced glued numbers, the
claims ledger and the helpers chapters call. Uses the data and analysis layers."""
