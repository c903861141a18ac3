"""Interactive widgets for the lessons, one module per widget. They sit on top of everything else:
nothing in the package imports them. Each widget's observers call plain functions that tests can
drive without a browser (set ``slider.value`` and assert on the state it computed)."""
