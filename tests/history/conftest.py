"""Shared pieces for the history tests: flow-log lines, files and the brute-force reference answer."""
