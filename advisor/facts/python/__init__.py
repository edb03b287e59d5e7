"""Detectors over Python modules (stdlib `ast`)."""
