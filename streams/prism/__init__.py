"""Prism computed fields: expression engine, windows, alignment, agents, backfill."""
