"""The kit's models, data and algorithms on other federated-learning frameworks.

- :mod:`.flower` -- a Flower App (``ClientApp`` + ``ServerApp``) built from the kit's parts;
- :mod:`.flower_scaffold` -- SCAFFOLD, which Flower does not ship, written on Flower's strategy interface;
- :mod:`.deploy` -- Flower's deployment engine on this machine: a SuperLink, one SuperNode per
  client, ``flwr run``, and every process stopped afterwards (``kit.py flower``, lesson 09).

Both need the ``flwr`` package (in the classroom environment since lesson 09).
"""
