"""Benchmarking an LA against England, its region, its statistical neighbours and named groups,
and the claims check that recomputes every figure a report quotes.

- :mod:`send_analysis.benchmark.metrics`: indicator definitions (one per benchmark measure);
- :mod:`send_analysis.benchmark.ranking`: rank, percentile and quartile band (polarity-aware);
- :mod:`send_analysis.benchmark.compare`: the LA against comparators, trends, national table;
- :mod:`send_analysis.benchmark.similar`: k most similar LAs on public indicators;
- :mod:`send_analysis.benchmark.charts`: strip and trend charts with the LA highlighted;
- :mod:`send_analysis.benchmark.claims`: the claims check.
"""
