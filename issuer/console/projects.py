"""A freelancer's gig projects in the console (issue 13, item 4): add and edit one, and
assess it: per competency of the provider's certifications, accepted or rejected with a
note, or not assessed. Saving the assessments is ``projects.set_assessments``, as the
API's PUT /projects/<id>/assessments: the posted list replaces the project's assessments.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from credentials.errors import MicrocredError
from issuer.console.blueprint import attempt, blp, form_page
from issuer.console.forms import ConsoleForm
from issuer.console.freelancer_forms import ProjectForm, show_problems
from issuer.console.policy import client_ip, requires, signed_in
from issuer.models import Freelancer, GigProject, MicroCertification
from issuer.services import accounts, certifications, freelancers, projects

Page = Response | str | tuple[str, int]
NOTE_MAX = 5000


@blp.route("/freelancers/<freelancer_id>/projects/new", methods=["GET", "POST"])
@requires("issuer")
def project_new(freelancer_id: str) -> Page:
    me = signed_in()
    freelancer = freelancers.get_freelancer(me.issuer, freelancer_id)
    if request.method == "GET":
        return _form(ProjectForm(), freelancer, None)
    return _save(ProjectForm(), freelancer, None)


@blp.route("/projects/<project_id>/edit", methods=["GET", "POST"])
@requires("issuer")
def project_edit(project_id: str) -> Page:
    me = signed_in()
    project = projects.get_project(me.issuer, project_id)
    if request.method == "GET":
        form = ProjectForm(formdata=None)
        form.fill(project)
        return _form(form, project.freelancer, project)
    return _save(ProjectForm(), project.freelancer, project)


def _form(
    form: ProjectForm, freelancer: Freelancer, project: GigProject | None, status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "console/freelancer_project_form.html", form=form, freelancer=freelancer, project=project
    )
    return page, status


def _save(form: ProjectForm, freelancer: Freelancer, project: GigProject | None) -> Page:
    me = signed_in()
    if not form.validate():
        return _form(form, freelancer, project, 422)
    data = form.data_for_service()
    if not show_problems(form, projects.field_problems(data)):
        return _form(form, freelancer, project, 422)
    refusals: list[MicrocredError] = []
    saved: GigProject | None = None
    with attempt(form, refusals):
        actor = accounts.actor_of(me.user)
        if project is None:
            saved = projects.create_project(
                me.issuer, freelancer.id, data, actor=actor, ip=client_ip()
            )
        else:
            saved = projects.update_project(
                me.issuer, project.id, data, actor=actor, ip=client_ip()
            )
    if refusals or saved is None:
        return form_page(
            "console/freelancer_project_form.html",
            form,
            refusals,
            freelancer=freelancer,
            project=project,
        )
    flash(f"The project “{saved.title}” is saved. Assess it against your competencies below.")
    return redirect(url_for("console.project_detail", project_id=saved.id))


@blp.route("/projects/<project_id>")
@requires("viewer")
def project_detail(project_id: str) -> str:
    me = signed_in()
    project = projects.get_project(me.issuer, project_id)
    return _detail(project, {}, [])[0]


def _detail(
    project: GigProject, errors: dict[str, str], form_errors: list[str], status: int = 200
) -> tuple[str, int]:
    """The project's page: its facts, and per certification its competencies, each with
    its assessment (the posted values again when the form is refused)."""
    me = signed_in()
    current = {a.competency_id: a for a in project.assessments}
    posted = request.form if request.method == "POST" else None
    groups: list[tuple[MicroCertification, list[dict[str, Any]]]] = []
    for certification in certifications.all_certifications(me.issuer):
        rows = []
        for competency in certification.competencies:
            if certification.retired and competency.id not in current:
                continue  # an archived certification: only what was assessed
            assessment = current.get(competency.id)
            rows.append(
                {
                    "competency": competency,
                    "assessment": assessment,
                    "outcome": posted.get(f"outcome-{competency.id}", "")
                    if posted is not None
                    else (assessment.outcome if assessment else ""),
                    "note": posted.get(f"note-{competency.id}", "")
                    if posted is not None
                    else (assessment.note or "" if assessment else ""),
                    "error": errors.get(competency.id),
                }
            )
        if rows:
            groups.append((certification, rows))
    page = render_template(
        "console/freelancer_project.html",
        project=project,
        freelancer=project.freelancer,
        groups=groups,
        form_errors=form_errors,
    )
    return page, status


@blp.route("/projects/<project_id>/assessments", methods=["POST"])
@requires("issuer")
def project_assess(project_id: str) -> Page:
    """Accept or reject the project per competency, with a note (empty outcome: not
    assessed, which removes an earlier assessment)."""
    me = signed_in()
    project = projects.get_project(me.issuer, project_id)
    items: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for key, outcome in request.form.items():
        if not key.startswith("outcome-"):
            continue
        competency_id = key.removeprefix("outcome-")
        note = request.form.get(f"note-{competency_id}", "").strip()
        if outcome not in ("", "accepted", "rejected"):
            errors[competency_id] = "Choose accepted, rejected or not assessed."
        elif len(note) > NOTE_MAX:
            errors[competency_id] = f"A note has at most {NOTE_MAX:,} characters."
        elif outcome:
            items.append({"competency_id": competency_id, "outcome": outcome, "note": note or None})
        elif note:
            errors[competency_id] = "A note goes with an outcome: accepted or rejected."
    if errors:
        return _detail(project, errors, ["Please check the marked competencies."], 422)
    refusals: list[MicrocredError] = []
    form = ConsoleForm(formdata=None)
    with attempt(form, refusals):
        projects.set_assessments(
            me.issuer,
            project.id,
            items,
            reviewer=me.user.name or me.user.email,
            actor=accounts.actor_of(me.user),
            ip=client_ip(),
        )
    if refusals:
        return _detail(project, {}, [refusals[0].message], refusals[0].http_status)
    accepted = sum(1 for item in items if item["outcome"] == "accepted")
    flash(
        f"Assessments saved: {accepted} accepted, {len(items) - accepted} rejected. "
        "The progress below counts them."
    )
    return redirect(url_for("console.freelancer_detail", freelancer_id=project.freelancer_id))


@blp.route("/projects/<project_id>/delete", methods=["POST"])
@requires("issuer")
def project_delete(project_id: str) -> Page:
    """Delete a gig project and its assessments; refused (409) while it is evidence of an
    issued credential, as in the API."""
    me = signed_in()
    project = projects.get_project(me.issuer, project_id)
    freelancer_id, title = project.freelancer_id, project.title
    refusals: list[MicrocredError] = []
    with attempt(ConsoleForm(formdata=None), refusals):
        projects.delete_project(
            me.issuer, project.id, actor=accounts.actor_of(me.user), ip=client_ip()
        )
    if refusals:
        raise refusals[0]
    flash(f"The project “{title}” and its assessments are deleted.")
    return redirect(url_for("console.freelancer_detail", freelancer_id=freelancer_id))
