"""Assisted grading: an explainable rules engine (see `engine.py`)."""

from cad.grading.engine import Assessment, assess

__all__ = ["Assessment", "assess"]
