"""A small chat service: the bundled example for endpoint-advisor."""
