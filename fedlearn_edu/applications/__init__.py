"""Lesson 08's applications: federated learning across hospitals and across banks.

- :mod:`.credit` -- synthetic credit data for several banks with a known default model;
- :mod:`.vertical` -- vertical federated learning: aligning shared customers, a logistic regression
  split between a bank and a retailer.
"""
