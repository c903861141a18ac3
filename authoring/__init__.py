"""Building the course, for instructors and authors: not part of the ``fedlearn_edu`` package a lesson imports.

Run from the repository root through ``kit.py`` (which calls ``python -m authoring.<module>``):

- ``exercises`` -- generate ``exercises/`` (and ``fedlearn_edu/questions/solutions.json``) from ``solutions/``
- ``execute``   -- re-run notebooks and store their outputs
- ``slides``    -- reveal.js lecture slides of every lesson (offline)
- ``site``      -- the self-study website (lessons, exercises, slides)
- ``assets/``, ``templates/`` -- vendored reveal.js, require.js and MathJax, and the nbconvert templates

This folder is not installed with the package (``pip install`` ships ``fedlearn_edu`` only); it imports
from the repository root. ``fedlearn_edu`` never imports from here (``tests/test_layers.py`` checks).
"""
