"""The engine room: lines in, alert transitions and dashboard statistics out; no I/O, no Textual.

``kernel`` tokenises and evaluates every rule and statistic per batch, ``batch`` carries its result,
``stats`` keeps the rolling aggregates, ``parallel`` splits a file replay across processes,
``view_filter`` filters the flows view, and ``engine`` ties them to the rules.
"""
