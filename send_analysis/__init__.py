"""send-analysis: the evidence base for a SEND High Needs Block recovery plan.

The package computes; notebooks present. Sub-packages:

- :mod:`send_analysis.data`: source registry, fetch, readers, tidy tables, geography.
- :mod:`send_analysis.demand`: EHCP forecasts and backtests.
- :mod:`send_analysis.finance`: placement costs, High Needs Block, DSG balance, scenarios.
- :mod:`send_analysis.benchmark`: comparisons and the claims check.
- :mod:`send_analysis.cohort`: transition (Markov) model on person-level records.
- :mod:`send_analysis.casework`: synthetic casework and statutory performance.
- :mod:`send_analysis.report`: papermill runs and the HTML evidence pack.
"""

__version__ = "0.1.0"
