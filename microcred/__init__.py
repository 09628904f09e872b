"""Composition root: configuration, the Flask app factory, the CLI and the WSGI entry point.

``credentials/`` stays framework-free; this package wires it to Flask and the database.
"""
