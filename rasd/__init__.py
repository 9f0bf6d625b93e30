"""Rasd (رصد): Arabic security-incident reports about Syria into an ACLED-style event dataset."""

__version__ = "0.1.0"
