"""Bansos: digital distribution of social assistance tied to the civil registry."""

__version__ = "0.1.0"
