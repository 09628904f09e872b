"""The composition root, and the platform beneath the features (docs/ARCHITECTURE.md).

- ``microcred.platform``: what every feature stands on (config, database, errors,
  extensions, migrations). It imports no feature.
- The composition root, which alone imports the features and wires them together:
  ``app`` (``create_app``), ``cli`` (the ``microcred`` command), ``wsgi`` and
  ``gunicorn_conf``.

``credentials/`` stays framework-free; this package wires it to Flask and the database.
"""
