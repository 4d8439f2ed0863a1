"""Cohort (Markov transition) model on person-level records: read, fit, simulate, scenarios."""
