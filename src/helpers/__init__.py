"""Helpers of the OAS 2013 survey report pipeline (parsing, cleaning, statistics, report)."""
