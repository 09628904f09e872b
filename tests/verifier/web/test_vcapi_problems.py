"""ProblemDetails of POST /credentials/verify for status lists and related resources, with
the types the specifications define: Bitstring Status List §3.5 (STATUS_RETRIEVAL_ERROR,
STATUS_VERIFICATION_ERROR, STATUS_LIST_LENGTH_ERROR under status-list#) and the VC Data
Model 2.0 §7.2 types its §3 algorithms raise (MALFORMED_VALUE_ERROR, RANGE_ERROR); a
relatedResource digest mismatch is a CRYPTOGRAPHIC_SECURITY_ERROR."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from flask.testing import FlaskClient

from credentials.results import Check, Outcome
from credentials.statuslist import status_list_entry
from tests.credentials import factories
from tests.verifier.web.conftest import SUSPENDED_INDEX, ForeignIssuer
from verifier.web.vcapi_problems import problem_for

URL = "/credentials/verify"
STATUS_LIST = "https://www.w3.org/ns/credentials/status-list#"
VC_DM = "https://www.w3.org/TR/vc-data-model#"


def failed(name: str, code: str, **details: Any) -> Check:
    return Check(name, Outcome.FAILED, "why", code=code, details=details)


@pytest.mark.parametrize(
    ("error", "base"),
    [
        ("STATUS_RETRIEVAL_ERROR", STATUS_LIST),
        ("STATUS_VERIFICATION_ERROR", STATUS_LIST),
        ("STATUS_LIST_LENGTH_ERROR", STATUS_LIST),
        ("MALFORMED_VALUE_ERROR", VC_DM),
        ("RANGE_ERROR", VC_DM),
    ],
)
def test_each_status_processing_error_has_the_specifications_type(error: str, base: str) -> None:
    problem = problem_for(failed("status", "status_unverifiable", error=error))

    assert (problem.type, problem.title, problem.detail) == (base + error, error, "why")


def test_a_status_failure_without_a_named_error_is_a_verification_error() -> None:
    problem = problem_for(failed("status", "status_unverifiable", error="SOMETHING_ELSE"))
    assert problem.type == STATUS_LIST + "STATUS_VERIFICATION_ERROR"


def test_related_resource_problems() -> None:
    mismatch = problem_for(failed("relatedResource", "digest_mismatch"))
    unavailable = problem_for(failed("relatedResource", "resource_unavailable"))

    assert mismatch.type == VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR"
    assert unavailable.type.endswith("#integrity-of-related-resources")


# --- end to end ------------------------------------------------------------------------------


def problems(client: FlaskClient, credential: dict[str, Any]) -> list[tuple[str, str]]:
    response = client.post(URL, json={"verifiableCredential": credential})
    assert response.status_code == 400, response.get_data(as_text=True)
    return [(p["type"], p["title"]) for p in response.get_json()["problemDetails"]]


def test_an_unreachable_list_is_a_retrieval_error_and_a_forged_one_a_verification_error(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    foreign.server.routes.pop("/status/1")  # 404
    other = factories.status_list(foreign.status_url(2), purpose="suspension")  # not theirs
    foreign.server.route("/status/2", other)

    found = problems(dev_client, foreign.credential())

    assert found == [
        (STATUS_LIST + "STATUS_RETRIEVAL_ERROR", "STATUS_RETRIEVAL_ERROR"),
        (STATUS_LIST + "STATUS_VERIFICATION_ERROR", "STATUS_VERIFICATION_ERROR"),
    ]


def test_an_index_outside_the_list_is_a_range_error(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = foreign.credential(
        credentialStatus=[
            status_list_entry(
                list_url=foreign.status_url(1), index=131_072 + 1, purpose="revocation"
            ),
            status_list_entry(
                list_url=foreign.status_url(2), index=SUSPENDED_INDEX, purpose="suspension"
            ),
        ]
    )

    assert problems(dev_client, credential) == [(VC_DM + "RANGE_ERROR", "RANGE_ERROR")]


def test_a_wrong_related_resource_digest_is_refused(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    foreign.server.route("/syllabus.pdf", b"%PDF syllabus, revised")
    original = base64.b64encode(hashlib.sha256(b"%PDF syllabus").digest()).decode()
    related = [
        # the W3C VC 2.0 test suite's wrong digest of the base context
        {
            "id": "https://www.w3.org/ns/credentials/v2",
            "digestMultibase": "uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0",
        },
        {"id": foreign.server.url("/syllabus.pdf"), "digestSRI": "sha256-" + original},
    ]
    credential = foreign.credential(relatedResource=related)

    response = dev_client.post(URL, json={"verifiableCredential": credential})

    body = response.get_json()
    assert response.status_code == 400
    assert [p["title"] for p in body["problemDetails"]] == ["CRYPTOGRAPHIC_SECURITY_ERROR"] * 2
    assert body["problemDetails"][0]["detail"].startswith("relatedResource[0].digestMultibase:")
    assert body["problemDetails"][1]["detail"].startswith("relatedResource[1].digestSRI:")
    assert body["results"]["relatedResource"] == [
        {"verified": False, "input": related[0]},
        {"verified": False, "input": related[1]},
    ]
    # the status lists themselves are fine
    assert [r["verified"] for r in body["results"]["credentialStatus"]] == [True, True]
