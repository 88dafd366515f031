"""The library's version, in one place (the package, model files and assessments read it)."""

__version__ = "0.1.0"
