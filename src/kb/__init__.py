"""kb: a knowledge base and document dissemination pipeline for learning alliances."""

__version__ = "0.1.0"
