"""Outcome analyses and tabular exports: pure functions over domain models."""
