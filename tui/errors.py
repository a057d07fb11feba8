"""The one error type the command line turns into a one-line message and exit status 2."""


class FlowtailError(Exception):
    """A user-facing error: bad input, bad configuration, an unreadable file, an AWS refusal.

    ``str(error)`` is the whole message, on one line, without a traceback.
    """
