"""flowtail: a terminal monitor for AWS VPC Flow Logs."""

__version__ = "0.1.0"

# The launcher (flowtail/__main__.py) checks this to tell flowtail's ``tui`` from another
# distribution's package of the same name.
__flowtail__ = True
