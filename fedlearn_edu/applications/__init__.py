"""Lesson 08's applications: federated learning across hospitals and across banks.

- :mod:`.medical` -- breast-cancer data split across hospitals; federated standardisation;
- :mod:`.credit` -- synthetic credit data for several banks with a known default model;
- :mod:`.horizontal` -- the banks as clients of the simulation engine; pooled / alone baselines;
  per-bank scores;
- :mod:`.vertical` -- vertical federated learning: aligning shared customers (PSI), a logistic
  regression split between a bank and a retailer, and what each side can still infer;
- :mod:`.evaluate` -- AUC, average precision, Brier, calibration, bootstrap intervals, per-site tables.

Importing this package imports none of them (the numpy-only ones stay free of torch).
"""
