"""Detectors over OpenAPI / Swagger documents."""
