"""One module per sub-command; each defines ``register(parser)`` and sets ``run`` as a default."""
