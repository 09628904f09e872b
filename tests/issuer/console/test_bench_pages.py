"""The console page bench finds every console GET page by itself (bench/console_pages.py):
a page added later is measured or named as skipped, never dropped silently."""

from __future__ import annotations

from flask import Flask

from bench.console_pages import Samples, pages


def test_every_console_get_page_is_measured_or_named_skipped(app: Flask) -> None:
    found = Samples(
        by_collection={"certifications": "cert_x", "members": "7"},
        by_arg={"prefix": "mc_abc", "fragment": "key-1"},
    )
    paths, skipped = pages(app, found)
    rules = [
        r.rule
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/console")
        and "GET" in (r.methods or ())
        and r.endpoint != "console.static"
    ]
    assert rules
    for rule in rules:
        if "<" not in rule:
            assert rule in paths
    assert "/console/certifications/cert_x" in paths
    assert "/console/certifications/cert_x/edit" in paths
    assert "/console/?days=90" in paths  # a page's other view
    assert "/console/password/reset/<token>: skipped (no sample id for <token>)" in skipped
    assert len(paths) - sum(1 for p in paths if "?" in p) + len(skipped) == len(rules)


def test_a_path_argument_is_filled_by_name_or_by_collection() -> None:
    found = Samples(by_collection={"freelancers": "frl_1"}, by_arg={"project_id": "prj_2"})
    assert found.fill("/console/freelancers/<id>", ["id"]) == ("/console/freelancers/frl_1", None)
    assert found.fill("/console/freelancers/<id>/projects/<project_id>", ["id", "project_id"]) == (
        "/console/freelancers/frl_1/projects/prj_2",
        None,
    )
    assert found.fill("/console/batches/<int:batch_id>", ["batch_id"]) == (None, "batch_id")
