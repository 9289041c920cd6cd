"""The numbers behind the reports, one module per report (and `timeline` for QA review).

Queries only read. They return rows (plain dicts keyed by column) and counts; how a report
lays them out as a summary, charts and tables is in `reports.presentation`. Aggregates are
computed in the database, one query per aggregate where possible. Row lists are paged with
`limit` and `offset`; `limit=None` returns every row (the CSV export).
"""
