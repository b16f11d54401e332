"""Use cases: one transaction each, appending their acts to the audit log."""
