"""The only place that knows SQL: tables, the unit of work and the queries."""
