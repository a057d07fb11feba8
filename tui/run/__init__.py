"""Run modes: a Session (engine plus the thread that feeds it), live following (watch, demo) and file
replay, with or without the TUI."""
