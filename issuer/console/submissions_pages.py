"""Self-submitted evidence in the console (issue 14, item 4): the list of gig projects
freelancers submitted that still wait for an assessment (/console/submissions), and what
the project page says about a submitted project (who submitted it, the competencies the
freelancer claimed, whether the client confirmed it). Assessing is the existing project
page's form (``issuer.console.projects``)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from issuer.console.blueprint import blp
from issuer.console.policy import requires, signed_in
from issuer.models import GigProject
from issuer.services import submissions


@blp.app_context_processor
def _submission_facts() -> dict[str, Any]:
    def submission_facts(project: GigProject) -> dict[str, Any] | None:
        if project.source != "freelancer":
            return None
        return {
            "claimed": submissions.claimed_competencies(project),
            "client": submissions.client_state(project),
        }

    return {"submission_facts": submission_facts}


@blp.route("/submissions")
@requires("viewer")
def submissions_page() -> str:
    me = signed_in()
    pending = submissions.pending_for(me.issuer)
    states = submissions.client_states([project for project, _ in pending])
    return render_template("console/submissions.html", pending=pending, states=states)
