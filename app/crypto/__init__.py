"""Primitives and envelopes. Pure functions over bytes; no I/O, no Qt."""
