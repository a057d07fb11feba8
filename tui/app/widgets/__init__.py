"""The dashboard's widgets, one job each; they render snapshots and never touch the engine."""
