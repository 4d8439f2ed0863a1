"""Casework: the person-level schema, synthetic casework and statutory performance measures."""
