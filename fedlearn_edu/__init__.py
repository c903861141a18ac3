"""fedlearn-edu: a teaching kit for federated learning.

The package is small on purpose; each module holds one idea and is named after it:

- ``aggregate``  -- the averaging formulas (the article's mean, McMahan's weighted FedAvg)
- ``checker``    -- the exercise checker behind ``q1.check()``, ``q1.hint()``, ``q1.solution()``
- ``questions``  -- the exercises of each lesson, one module per lesson
- ``envcheck``   -- "is my environment complete?" for lesson 00
- ``plots``      -- figures: the shared style, then one module per topic
- ``widgets``    -- interactive widgets for the lessons (one module per widget)
- ``tools``      -- instructor commands: generate exercises, re-execute notebooks

Importing the package imports nothing heavy: ``import fedlearn_edu.aggregate`` needs numpy only.
"""

__version__ = "0.1.0"
