"""Privacy in federated learning: what a shared update reveals, and the defences (lesson 06).

Keeping the data at home is not the same as keeping it private: what travels -- a gradient or a
model update -- is computed from the data, and can give it away. One module per idea:

- ``leakage``     -- gradient inversion: rebuild a client's image from its gradient (DLG, iDLG)
- ``dp``          -- differentially private FedAvg: clip each update, add Gaussian noise to the sum
- ``accountant``  -- how much privacy a DP run spent, as (epsilon, delta), by Renyi DP
- ``secagg``      -- secure aggregation: pairwise masks, so the server sees only the sum

Importing this package imports nothing heavy; ``leakage`` needs torch (and scipy, which comes with
scikit-learn, to pair up a batch's reconstructions), the others numpy only.
"""
