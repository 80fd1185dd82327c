"""healthequity: software for a city's health equity system as a Marmot Place."""

__version__ = "0.1.0"

__all__ = ["__version__"]
