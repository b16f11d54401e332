"""Persistence: tables, repositories, unit of work, migrations."""
