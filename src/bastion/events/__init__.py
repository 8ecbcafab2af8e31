"""The audit trail: append-only security events about users, projects and files."""
