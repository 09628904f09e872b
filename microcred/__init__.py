"""Two floors live here for now (docs/ARCHITECTURE.md):

- the platform every feature uses: ``config``, ``db``, ``errors``, ``extensions`` and the
  Alembic ``migrations``;
- the composition root, which alone imports the features and wires them: ``app``
  (``create_app``), ``cli`` (the ``microcred`` command) and ``wsgi``.

``credentials/`` stays framework-free; this package wires it to Flask and the database.
"""
