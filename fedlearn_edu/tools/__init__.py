"""Instructor and author commands, run through ``kit.py``; lessons never import these."""
