"""Helpers shared by test modules: real Celery workers, the broker swap, an HTTP receiver.
Tests import them from here, never from another test module."""
