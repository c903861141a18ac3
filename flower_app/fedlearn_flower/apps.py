"""The App's two halves, taken from the kit: read fedlearn_edu/frameworks/flower.py."""

from fedlearn_edu.frameworks.flower import client_app, server_app

__all__ = ["client_app", "server_app"]
