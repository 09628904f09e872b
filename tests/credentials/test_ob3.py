"""The OB 3.0 builder, the evidence-narrative convention, identifiers and summarize()."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials import canonical
from credentials.errors import CredentialValidationError
from credentials.ob3 import (
    Achievement,
    Alignment,
    Competency,
    GigEvidence,
    Image,
    Profile,
    Recipient,
    build_credential,
    evidence_competencies,
    evidence_narrative,
    format_datetime,
    hash_email,
    identifier_matches,
    identity_hash,
    new_salt,
    summarize,
)
from credentials.validation import validate_credential

# --- a realistic micro-certification: 3 competencies, 3 gig projects ------------------------
# O*NET codes are the real O*NET-SOC / content-model ones (15-1254.00 Web Developers,
# 2.B.3.e Programming, 2.A.1.d Speaking). ESCO URIs follow ESCO's scheme
# (http://data.europa.eu/esco/skill/<uuid>); the UUIDs here are illustrative.

ACHIEVEMENT_ID = "https://microcred.example/issuers/brightpath/achievements/accessible-front-end"
RESPONSIVE = "Responsive web layout"
AUDIT = "Accessibility audit (WCAG 2.2)"
CLIENTS = "Client communication"
SALT = "7f3c9a1e5b2d4c6f8a0b1c2d3e4f5a6b"
# sha256("ana.souza@example.com" + SALT), computed by hand with hashlib.
ANA_EMAIL_HASH = "sha256$c5234ff58e9c6a010f47ff5b6def0140057dbeb6d2c0c1de4a0a763d69a528a6"
ANA_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
STATUS = {
    "id": "https://microcred.example/status/brightpath/1#40213",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "40213",
    "statusListCredential": "https://microcred.example/status/brightpath/1",
}

ISSUER = Profile(
    id="did:web:microcred.example:issuers:brightpath",
    name="BrightPath Training",
    url="https://brightpath.example",
    email="certs@brightpath.example",
    description="Short courses for independent web professionals.",
    image=Image(id="https://brightpath.example/logo.png", caption="BrightPath Training logo"),
)
ACHIEVEMENT = Achievement(
    id=ACHIEVEMENT_ID,
    name="Accessible Front-End Development",
    description="Builds responsive, accessible web front ends for clients.",
    criteria_narrative="Each competency shown in at least one accepted gig project.",
    criteria_url=ACHIEVEMENT_ID + "/criteria",
    image=Image(id=ACHIEVEMENT_ID + "/badge.png", caption="Badge"),
    alignments=[
        Alignment(
            target_name="Web Developers",
            target_url="https://www.onetonline.org/link/summary/15-1254.00",
            target_framework="O*NET-SOC 2019",
            target_code="15-1254.00",
        )
    ],
    competencies=[
        Competency(
            name=RESPONSIVE,
            description="Layouts that adapt from phone to desktop.",
            alignments=[
                Alignment(
                    target_name="develop responsive web design",
                    target_url="http://data.europa.eu/esco/skill/3e2c6b2a-8f1d-4c1e-9a51-5b3f2d7c9e10",
                    target_framework="ESCO",
                ),
                Alignment(
                    target_name="Programming",
                    target_url="https://www.onetonline.org/find/descriptor/result/2.B.3.e",
                    target_framework="O*NET",
                    target_code="2.B.3.e",
                ),
            ],
        ),
        Competency(
            name=AUDIT,
            alignments=[
                Alignment(
                    target_name="web accessibility",
                    target_url="http://data.europa.eu/esco/skill/9b4e1f27-6c0a-4d5b-8e3f-1a2b3c4d5e6f",
                    target_framework="ESCO",
                    target_description="Evaluate web content against accessibility guidelines.",
                )
            ],
        ),
        Competency(
            name=CLIENTS,
            alignments=[
                Alignment(
                    target_name="Speaking",
                    target_url="https://www.onetonline.org/find/descriptor/result/2.A.1.d",
                    target_framework="O*NET",
                    target_code="2.A.1.d",
                )
            ],
        ),
    ],
)
RECIPIENT = Recipient(name="Ana Souza", did=ANA_DID, email="  Ana.Souza@Example.COM ", salt=SALT)
EVIDENCE = [
    GigEvidence(
        name="Storefront redesign for Lumen Coffee",
        description="Upwork · Lumen Coffee Roasters · 2025-03-03 to 2025-04-18 · rated 5.0/5",
        competencies=[RESPONSIVE, CLIENTS],
        url="https://www.upwork.com/freelancers/~01anasouza/portfolio/lumen",
        details="Rebuilt the product pages mobile-first; weekly demos with the owner.",
    ),
    GigEvidence(
        name="Accessibility audit of a booking site",
        description="Fiverr · Casa Alta Hostels · 2025-04-22 to 2025-05-02 · rated 4.9/5",
        competencies=[AUDIT],
    ),
    GigEvidence(
        name="Design-system migration",
        description="Toptal · Northwind Logistics · 2025-05-05 to 2025-05-30 · rated 5.0/5",
        competencies=[RESPONSIVE, AUDIT, CLIENTS],
        url="https://northwind.example/case-studies/design-system",
    ),
]
VALID_FROM = datetime(2025, 6, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))


def build(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "id": "urn:uuid:0b9f3c52-7d4e-4f6a-9c1b-2e8d5a7f3b10",
        "issuer": ISSUER,
        "achievement": ACHIEVEMENT,
        "recipient": RECIPIENT,
        "evidence": EVIDENCE,
        "valid_from": VALID_FROM,
        "valid_until": datetime(2027, 6, 1, tzinfo=UTC),
        "awarded_date": VALID_FROM,
        "credential_status": STATUS,
    }
    arguments.update(overrides)
    return build_credential(**arguments)


def _alignment(name: str, url: str, **optional: str) -> dict[str, Any]:
    return {"type": ["Alignment"], "targetName": name, "targetUrl": url, **optional}


EXPECTED: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:0b9f3c52-7d4e-4f6a-9c1b-2e8d5a7f3b10",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Accessible Front-End Development",
    "issuer": {
        "id": "did:web:microcred.example:issuers:brightpath",
        "type": ["Profile"],
        "name": "BrightPath Training",
        "url": "https://brightpath.example",
        "email": "certs@brightpath.example",
        "description": "Short courses for independent web professionals.",
        "image": {
            "id": "https://brightpath.example/logo.png",
            "type": "Image",
            "caption": "BrightPath Training logo",
        },
    },
    "validFrom": "2025-06-01T07:30:00Z",
    "validUntil": "2027-06-01T00:00:00Z",
    "awardedDate": "2025-06-01T07:30:00Z",
    "credentialSubject": {
        "id": ANA_DID,
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": "Ana Souza",
            },
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": ANA_EMAIL_HASH,
                "salt": SALT,
            },
        ],
        "achievement": {
            "id": ACHIEVEMENT_ID,
            "type": ["Achievement"],
            "achievementType": "MicroCredential",
            "name": "Accessible Front-End Development",
            "description": "Builds responsive, accessible web front ends for clients.",
            "criteria": {
                "id": ACHIEVEMENT_ID + "/criteria",
                "narrative": "Each competency shown in at least one accepted gig project.",
            },
            "image": {"id": ACHIEVEMENT_ID + "/badge.png", "type": "Image", "caption": "Badge"},
            "alignment": [
                _alignment(
                    "Web Developers",
                    "https://www.onetonline.org/link/summary/15-1254.00",
                    targetFramework="O*NET-SOC 2019",
                    targetCode="15-1254.00",
                )
            ],
            "resultDescription": [
                {
                    "id": ACHIEVEMENT_ID + "#competency-1",
                    "type": ["ResultDescription"],
                    "name": RESPONSIVE,
                    "description": "Layouts that adapt from phone to desktop.",
                    "resultType": "Status",
                    "alignment": [
                        _alignment(
                            "develop responsive web design",
                            "http://data.europa.eu/esco/skill/3e2c6b2a-8f1d-4c1e-9a51-5b3f2d7c9e10",
                            targetFramework="ESCO",
                        ),
                        _alignment(
                            "Programming",
                            "https://www.onetonline.org/find/descriptor/result/2.B.3.e",
                            targetFramework="O*NET",
                            targetCode="2.B.3.e",
                        ),
                    ],
                },
                {
                    "id": ACHIEVEMENT_ID + "#competency-2",
                    "type": ["ResultDescription"],
                    "name": AUDIT,
                    "resultType": "Status",
                    "alignment": [
                        _alignment(
                            "web accessibility",
                            "http://data.europa.eu/esco/skill/9b4e1f27-6c0a-4d5b-8e3f-1a2b3c4d5e6f",
                            targetFramework="ESCO",
                            targetDescription=(
                                "Evaluate web content against accessibility guidelines."
                            ),
                        )
                    ],
                },
                {
                    "id": ACHIEVEMENT_ID + "#competency-3",
                    "type": ["ResultDescription"],
                    "name": CLIENTS,
                    "resultType": "Status",
                    "alignment": [
                        _alignment(
                            "Speaking",
                            "https://www.onetonline.org/find/descriptor/result/2.A.1.d",
                            targetFramework="O*NET",
                            targetCode="2.A.1.d",
                        )
                    ],
                },
            ],
        },
        "result": [
            {
                "type": ["Result"],
                "resultDescription": ACHIEVEMENT_ID + f"#competency-{n}",
                "status": "Completed",
            }
            for n in (1, 2, 3)
        ],
    },
    "evidence": [
        {
            "id": "https://www.upwork.com/freelancers/~01anasouza/portfolio/lumen",
            "type": ["Evidence"],
            "name": "Storefront redesign for Lumen Coffee",
            "description": (
                "Upwork · Lumen Coffee Roasters · 2025-03-03 to 2025-04-18 · rated 5.0/5"
            ),
            "narrative": (
                "Demonstrates competencies:\n- Responsive web layout\n- Client communication\n\n"
                "Rebuilt the product pages mobile-first; weekly demos with the owner."
            ),
            "genre": "Gig project",
        },
        {
            "type": ["Evidence"],
            "name": "Accessibility audit of a booking site",
            "description": "Fiverr · Casa Alta Hostels · 2025-04-22 to 2025-05-02 · rated 4.9/5",
            "narrative": "Demonstrates competencies:\n- Accessibility audit (WCAG 2.2)",
            "genre": "Gig project",
        },
        {
            "id": "https://northwind.example/case-studies/design-system",
            "type": ["Evidence"],
            "name": "Design-system migration",
            "description": (
                "Toptal · Northwind Logistics · 2025-05-05 to 2025-05-30 · rated 5.0/5"
            ),
            "narrative": (
                "Demonstrates competencies:\n- Responsive web layout\n"
                "- Accessibility audit (WCAG 2.2)\n- Client communication"
            ),
            "genre": "Gig project",
        },
    ],
    "credentialStatus": STATUS,
}


# --- building ---------------------------------------------------------------------------------


def test_realistic_credential_has_exactly_the_profile_structure() -> None:
    credential = build()
    assert credential == EXPECTED
    # Key order is part of the contract: same input, same bytes.
    assert json.dumps(credential) == json.dumps(EXPECTED)
    assert json.dumps(build()) == json.dumps(credential)


def test_built_credential_is_structurally_valid() -> None:
    assert validate_credential(build()) == []


def test_built_credential_uses_only_terms_the_contexts_define() -> None:
    # The strict JSON-LD deserialiser raises UndefinedTermError on any dropped term,
    # so an unsigned-by-accident property (e.g. a description on ResultDescription)
    # would fail here rather than at signing time.
    nquads = canonical.canonical_nquads(build())
    assert '<https://schema.org/description> "Layouts that adapt' in nquads
    assert "#resultDescription>" in nquads


def _walk(value: object) -> list[type]:
    if isinstance(value, dict):
        return [dict] + [t for item in value.values() for t in _walk(item)]
    if isinstance(value, list):
        return [list] + [t for item in value for t in _walk(item)]
    return [type(value)]


def test_output_is_plain_json_data_without_tuples() -> None:
    status_as_tuple_list = (dict(STATUS),)
    credential = build(credential_status=status_as_tuple_list)
    assert set(_walk(credential)) <= {dict, list, str, bool}
    assert credential["credentialStatus"] == [STATUS]
    assert json.loads(json.dumps(credential)) == credential


def test_status_given_as_a_mapping_is_copied_not_shared() -> None:
    status = dict(STATUS)
    credential = build(credential_status=status)
    status["statusListIndex"] = "1"
    assert credential["credentialStatus"]["statusListIndex"] == "40213"


def test_demonstrated_subset_gets_results_only_for_those_competencies() -> None:
    credential = build(demonstrated=[CLIENTS, RESPONSIVE], evidence=EVIDENCE[:1])
    results = credential["credentialSubject"]["result"]
    assert [r["resultDescription"] for r in results] == [
        ACHIEVEMENT_ID + "#competency-3",
        ACHIEVEMENT_ID + "#competency-1",
    ]
    # The achievement still describes every competency.
    assert len(credential["credentialSubject"]["achievement"]["resultDescription"]) == 3
    assert validate_credential(credential) == []


def test_caller_given_competency_ids_are_used() -> None:
    competencies = [dataclasses.replace(ACHIEVEMENT.competencies[0], id="urn:uuid:c-1")]
    achievement = dataclasses.replace(ACHIEVEMENT, competencies=competencies)
    credential = build(achievement=achievement, evidence=EVIDENCE[:0])
    subject = credential["credentialSubject"]
    assert subject["achievement"]["resultDescription"][0]["id"] == "urn:uuid:c-1"
    assert subject["result"] == [
        {"type": ["Result"], "resultDescription": "urn:uuid:c-1", "status": "Completed"}
    ]


def test_achievement_without_competencies_has_no_results() -> None:
    achievement = dataclasses.replace(ACHIEVEMENT, competencies=())
    credential = build(achievement=achievement, evidence=())
    assert "resultDescription" not in credential["credentialSubject"]["achievement"]
    assert "result" not in credential["credentialSubject"]
    assert "evidence" not in credential
    assert validate_credential(credential) == []


def test_recipient_known_only_by_did_has_no_email_identifier() -> None:
    credential = build(recipient=Recipient(name="Ana Souza", did=ANA_DID))
    subject = credential["credentialSubject"]
    assert subject["id"] == ANA_DID
    assert [i["identityType"] for i in subject["identifier"]] == ["name"]


def test_recipient_known_only_by_email_has_no_subject_id() -> None:
    credential = build(recipient=Recipient(name="Ana Souza", email="ana.souza@example.com"))
    subject = credential["credentialSubject"]
    assert "id" not in subject
    email = subject["identifier"][1]
    # No salt given: a fresh one is drawn, and the hash matches it.
    assert len(email["salt"]) == 32
    assert email["identityHash"] == hash_email("ana.souza@example.com", email["salt"])
    assert validate_credential(credential) == []


def test_name_description_and_image_of_the_credential_can_be_set() -> None:
    credential = build(
        name="Ana's badge",
        description="For the 2025 cohort",
        image=Image(id="data:image/png;base64,iVBORw0KGgo="),
    )
    assert credential["name"] == "Ana's badge"
    assert credential["description"] == "For the 2025 cohort"
    assert credential["image"] == {"id": "data:image/png;base64,iVBORw0KGgo=", "type": "Image"}


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script> & <b>bold</b>",
        "مهارات التصميم المتجاوب",  # right-to-left Arabic
        "Diseño web 🚀✨ — niveau « avancé »",
        "\u202eevil\u202c override",  # bidi control characters stay as given
    ],
)
def test_user_strings_pass_through_unchanged(text: str) -> None:
    competency = Competency(name=text)
    achievement = dataclasses.replace(ACHIEVEMENT, name=text, competencies=[competency])
    credential = build(
        achievement=achievement,
        recipient=Recipient(name=text, did=ANA_DID),
        evidence=[GigEvidence(name=text, description=text, competencies=[text], details=text)],
    )
    assert validate_credential(credential) == []
    summary = summarize(credential)
    assert summary.name == summary.achievement.name == summary.recipient_name == text
    assert summary.competencies[0].name == text
    assert summary.evidence[0].competencies == (text,)
    assert summary.evidence[0].narrative_details == text
    assert summary.competencies[0].evidence == summary.evidence


# --- builder input errors ---------------------------------------------------------------------

_C0 = ACHIEVEMENT.competencies[0]
_BAD_ALIGNMENT = Alignment(target_name="x", target_url="not a url")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id": "not-a-url"}, "id"),
        ({"issuer": dataclasses.replace(ISSUER, id="brightpath")}, "issuer.id"),
        ({"issuer": dataclasses.replace(ISSUER, name="  ")}, "issuer.name"),
        ({"issuer": dataclasses.replace(ISSUER, url="brightpath.example")}, "issuer.url"),
        ({"issuer": dataclasses.replace(ISSUER, email="nobody")}, "issuer.email"),
        ({"issuer": dataclasses.replace(ISSUER, image=Image(id="logo"))}, "issuer.image.id"),
        ({"issuer": "did:web:example.org"}, "issuer"),
        ({"achievement": dataclasses.replace(ACHIEVEMENT, id="x")}, "achievement.id"),
        ({"achievement": dataclasses.replace(ACHIEVEMENT, name="")}, "achievement.name"),
        (
            {"achievement": dataclasses.replace(ACHIEVEMENT, description="")},
            "achievement.description",
        ),
        (
            {"achievement": dataclasses.replace(ACHIEVEMENT, criteria_narrative="")},
            "achievement.criteria.narrative",
        ),
        (
            {"achievement": dataclasses.replace(ACHIEVEMENT, achievement_type="Nanodegree")},
            "achievement.achievementType",
        ),
        (
            {"achievement": dataclasses.replace(ACHIEVEMENT, alignments=[_BAD_ALIGNMENT])},
            "achievement.alignment[0].targetUrl",
        ),
        (
            {
                "achievement": dataclasses.replace(
                    ACHIEVEMENT,
                    alignments=[Alignment(target_name="", target_url="https://x.example")],
                )
            },
            "achievement.alignment[0].targetName",
        ),
        (
            {
                "achievement": dataclasses.replace(
                    ACHIEVEMENT,
                    alignments=[
                        Alignment(target_name="x", target_url="https://x", target_type="ESCO")
                    ],
                )
            },
            "achievement.alignment[0].targetType",
        ),
        (
            {
                "achievement": dataclasses.replace(
                    ACHIEVEMENT,
                    competencies=[_C0, dataclasses.replace(_C0, alignments=[_BAD_ALIGNMENT])],
                ),
                "evidence": (),
            },
            "achievement.competencies[1].alignment[0].targetUrl",
        ),
        (
            {
                "achievement": dataclasses.replace(
                    ACHIEVEMENT, competencies=[Competency(name="Layout\nand design")]
                ),
                "evidence": (),
            },
            "achievement.competencies[0].name",
        ),
        (
            {
                "achievement": dataclasses.replace(
                    ACHIEVEMENT, competencies=[Competency(name="Layout\u2028design")]
                ),
                "evidence": (),
            },
            "achievement.competencies[0].name",
        ),
        (
            {
                "achievement": dataclasses.replace(ACHIEVEMENT, competencies=[_C0, _C0]),
                "evidence": (),
            },
            "achievement.competencies[1].name",
        ),
        (
            {
                "achievement": dataclasses.replace(
                    ACHIEVEMENT,
                    competencies=[
                        Competency(name="a", id="urn:x:1"),
                        Competency(name="b", id="urn:x:1"),
                    ],
                ),
                "evidence": (),
            },
            "achievement.competencies[1].id",
        ),
        (
            {
                "achievement": dataclasses.replace(
                    ACHIEVEMENT,
                    competencies=[Competency(name=["Layout"])],  # type: ignore[arg-type]
                ),
                "evidence": (),
            },
            "achievement.competencies[0].name",
        ),
        (
            {
                "achievement": dataclasses.replace(
                    ACHIEVEMENT,
                    competencies="Layout, Design",  # type: ignore[arg-type]
                )
            },
            "achievement.competencies",
        ),
        ({"achievement": None}, "achievement"),
        ({"recipient": Recipient(name="Ana")}, "recipient"),
        ({"recipient": Recipient(name="", did=ANA_DID)}, "recipient.name"),
        ({"recipient": Recipient(name="Ana", email="ana at example")}, "recipient.email"),
        ({"recipient": Recipient(name="Ana", did="ana")}, "recipient.did"),
        ({"recipient": Recipient(name="Ana", email="a@b.example", salt="")}, "recipient.salt"),
        ({"demonstrated": ["Cooking"]}, "demonstrated[0]"),
        ({"demonstrated": [AUDIT, AUDIT], "evidence": EVIDENCE[1:2]}, "demonstrated[1]"),
        ({"demonstrated": AUDIT}, "demonstrated"),
        ({"demonstrated": [AUDIT]}, "evidence[0].competencies[0]"),
        (
            {"evidence": [dataclasses.replace(EVIDENCE[0], competencies=["Cooking"])]},
            "evidence[0].competencies[0]",
        ),
        (
            {"evidence": [dataclasses.replace(EVIDENCE[0], competencies=[AUDIT, AUDIT])]},
            "evidence[0].competencies[1]",
        ),
        (
            {"evidence": [dataclasses.replace(EVIDENCE[0], competencies=[])]},
            "evidence[0].competencies",
        ),
        (
            {"evidence": [dataclasses.replace(EVIDENCE[0], competencies=AUDIT)]},
            "evidence[0].competencies",
        ),
        ({"evidence": [dataclasses.replace(EVIDENCE[0], name="")]}, "evidence[0].name"),
        (
            {"evidence": [dataclasses.replace(EVIDENCE[0], description="")]},
            "evidence[0].description",
        ),
        ({"evidence": [dataclasses.replace(EVIDENCE[0], url="upwork")]}, "evidence[0].id"),
        ({"evidence": [dataclasses.replace(EVIDENCE[0], details=" ")]}, "evidence[0].details"),
        ({"evidence": ["a project"]}, "evidence[0]"),
        ({"valid_from": datetime(2025, 6, 1)}, "validFrom"),
        ({"valid_from": "2025-06-01T00:00:00Z"}, "validFrom"),
        ({"valid_until": datetime(2024, 1, 1, tzinfo=UTC)}, "validUntil"),
        ({"awarded_date": datetime(2025, 6, 1)}, "awardedDate"),
        ({"credential_status": {"id": "https://s.example/1#2"}}, "credentialStatus"),
        ({"credential_status": [STATUS, "revoked"]}, "credentialStatus[1]"),
        ({"name": ""}, "name"),
        ({"image": Image(id="badge.png")}, "image.id"),
    ],
)
def test_bad_builder_input_names_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(CredentialValidationError) as caught:
        build(**overrides)
    assert field in [p.field for p in caught.value.problems]


def test_all_builder_problems_are_reported_at_once() -> None:
    with pytest.raises(CredentialValidationError) as caught:
        build(
            id="x",
            recipient=Recipient(name="Ana"),
            valid_from=datetime(2025, 1, 1),
        )
    assert [p.field for p in caught.value.problems] == ["id", "recipient", "validFrom"]
    assert caught.value.diagnostics()["details"]["problems"][0] == {
        "field": "id",
        "message": "must be an absolute URL, URN or DID",
    }


def test_extension_terms_are_accepted_for_extensible_enumerations() -> None:
    achievement = dataclasses.replace(
        ACHIEVEMENT,
        achievement_type="ext:GigSkillBadge",
        alignments=[Alignment(target_name="x", target_url="https://x.example", target_type="CTDL")],
    )
    credential = build(achievement=achievement)
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "ext:GigSkillBadge"
    assert validate_credential(credential) == []


# --- dates ------------------------------------------------------------------------------------


def test_format_datetime_writes_utc_whole_seconds() -> None:
    moment = datetime(2025, 6, 1, 9, 30, 15, 987654, tzinfo=timezone(timedelta(hours=-6)))
    assert format_datetime(moment) == "2025-06-01T15:30:15Z"
    assert format_datetime(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00Z"


def test_format_datetime_refuses_instants_outside_the_representable_years() -> None:
    east = timezone(timedelta(hours=14))
    with pytest.raises(CredentialValidationError) as caught:
        format_datetime(datetime(1, 1, 1, tzinfo=east), field="validFrom")
    assert caught.value.field == "validFrom"
    with pytest.raises(CredentialValidationError) as caught:
        build(valid_until=datetime(1, 1, 1, 1, tzinfo=east))
    assert [p.field for p in caught.value.problems] == ["validUntil"]


def test_format_datetime_refuses_naive_datetimes() -> None:
    with pytest.raises(CredentialValidationError) as caught:
        format_datetime(datetime(2025, 6, 1), field="validFrom")
    assert caught.value.field == "validFrom"


# --- identifiers ------------------------------------------------------------------------------


def test_identity_hash_matches_the_spec_example() -> None:
    # OB 3.0 Appendix B, derived type IdentityHash: "a@example.com" salted with "Kosher".
    assert (
        identity_hash("a@example.com", "Kosher")
        == "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )
    # md5 is allowed by the spec; value from hashlib.md5(b"a@example.comKosher").
    assert (
        identity_hash("a@example.com", "Kosher", algorithm="md5")
        == "md5$ddd142639a792e74751ee7e129237efa"
    )


def test_email_is_normalised_before_hashing() -> None:
    assert hash_email("  Ana.Souza@Example.COM ", SALT) == ANA_EMAIL_HASH
    assert hash_email("ana.souza@example.com", SALT) == ANA_EMAIL_HASH
    assert hash_email("ana.souza@example.com", "other salt") != ANA_EMAIL_HASH


def test_new_salt_is_random_hex() -> None:
    salts = {new_salt() for _ in range(20)}
    assert len(salts) == 20
    assert all(len(s) == 32 and int(s, 16) >= 0 for s in salts)


def test_identifier_matches_follows_the_spec_recipient_check() -> None:
    email_identifier = build()["credentialSubject"]["identifier"][1]
    assert identifier_matches(email_identifier, "ANA.SOUZA@example.com ")
    assert not identifier_matches(email_identifier, "ana@example.com")
    assert not identifier_matches(email_identifier, "Ana Souza", identity_type="name")
    name_identifier = build()["credentialSubject"]["identifier"][0]
    assert identifier_matches(name_identifier, "Ana Souza", identity_type="name")
    md5_identifier = {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": "md5$DDD142639A792E74751EE7E129237EFA",
        "salt": "Kosher",
    }
    assert identifier_matches(md5_identifier, "a@example.com")
    junk: list[object] = [None, [], {"identityType": "emailAddress", "hashed": True}, "x"]
    for value in junk:
        assert not identifier_matches(value, "a@example.com")
    odd = dict(md5_identifier, identityHash="sha256$ünïcode")
    assert not identifier_matches(odd, "a@example.com")


# --- evidence narrative -----------------------------------------------------------------------


def test_evidence_narrative_lists_competencies_then_details() -> None:
    assert evidence_narrative(["A", "B"]) == "Demonstrates competencies:\n- A\n- B"
    assert (
        evidence_narrative(["A"], "Shipped on time.\n\nSecond paragraph.")
        == "Demonstrates competencies:\n- A\n\nShipped on time.\n\nSecond paragraph."
    )


@pytest.mark.parametrize(
    "names",
    [
        ["Responsive web layout"],
        ["**Markdown** _name_", "- looks like a bullet", "<img src=x onerror=alert(1)>"],
        ["تصميم", "设计", "🎨 Design"],
    ],
)
@pytest.mark.parametrize("details", [None, 'Client said: "great"\n- not a competency'])
def test_evidence_competencies_inverts_evidence_narrative(
    names: list[str], details: str | None
) -> None:
    evidence = {"type": ["Evidence"], "narrative": evidence_narrative(names, details)}
    assert evidence_competencies(evidence) == names


@pytest.mark.parametrize(
    "evidence",
    [
        None,
        [],
        "Demonstrates competencies:\n- A",
        {"type": ["Evidence"], "name": "Final Project Report"},
        {"narrative": "# Final Project Report \n This project was ..."},
        {"narrative": ["Demonstrates competencies:\n- A"]},
        {"narrative": 42},
        {"narrative": "demonstrates competencies:\n- A"},
    ],
)
def test_evidence_competencies_is_empty_for_other_evidence(evidence: object) -> None:
    assert evidence_competencies(evidence) == []


@pytest.mark.parametrize("names", [[], "A", ["A\nB"], ["A\rB"], [""], ["  "], ["A", None]])
def test_evidence_narrative_refuses_bad_names(names: Any) -> None:
    with pytest.raises(CredentialValidationError):
        evidence_narrative(names)


# --- summarize ------------------------------------------------------------------------------


def test_summarize_round_trips_the_builder_output() -> None:
    summary = summarize(build(demonstrated=[RESPONSIVE, AUDIT], evidence=EVIDENCE[1:2]))
    assert summary.id == "urn:uuid:0b9f3c52-7d4e-4f6a-9c1b-2e8d5a7f3b10"
    assert summary.name == "Accessible Front-End Development"
    assert summary.recipient_name == "Ana Souza"
    assert summary.recipient_did == ANA_DID
    assert (summary.issuer_id, summary.issuer_name, summary.issuer_url) == (
        ISSUER.id,
        ISSUER.name,
        ISSUER.url,
    )
    assert summary.issuer_image_url == "https://brightpath.example/logo.png"
    assert summary.achievement.id == ACHIEVEMENT_ID
    assert summary.achievement.type == "MicroCredential"
    assert summary.achievement.criteria == ACHIEVEMENT.criteria_narrative
    assert summary.achievement.criteria_url == ACHIEVEMENT_ID + "/criteria"
    assert summary.achievement.image_url == ACHIEVEMENT_ID + "/badge.png"
    assert [a.code for a in summary.achievement.alignments] == ["15-1254.00"]
    assert summary.valid_from == datetime(2025, 6, 1, 7, 30, tzinfo=UTC)
    assert summary.valid_until == datetime(2027, 6, 1, tzinfo=UTC)
    assert summary.awarded_date == summary.valid_from
    assert summary.status == (STATUS,)

    responsive, audit, clients = summary.competencies
    assert (responsive.name, audit.name, clients.name) == (RESPONSIVE, AUDIT, CLIENTS)
    assert [c.demonstrated for c in summary.competencies] == [True, True, False]
    assert responsive.id == ACHIEVEMENT_ID + "#competency-1"
    assert responsive.description == "Layouts that adapt from phone to desktop."
    assert [(a.name, a.framework, a.code) for a in responsive.alignments] == [
        ("develop responsive web design", "ESCO", None),
        ("Programming", "O*NET", "2.B.3.e"),
    ]
    assert responsive.evidence == ()
    assert [e.name for e in audit.evidence] == ["Accessibility audit of a booking site"]
    (booking,) = summary.evidence
    assert booking.url is None
    assert booking.genre == "Gig project"
    assert booking.competencies == (AUDIT,)
    assert booking.narrative_details is None


def test_summarize_links_each_competency_to_the_projects_backing_it() -> None:
    summary = summarize(build())
    backing = {c.name: [e.name for e in c.evidence] for c in summary.competencies}
    assert backing == {
        RESPONSIVE: ["Storefront redesign for Lumen Coffee", "Design-system migration"],
        AUDIT: ["Accessibility audit of a booking site", "Design-system migration"],
        CLIENTS: ["Storefront redesign for Lumen Coffee", "Design-system migration"],
    }
    assert summary.evidence[0].narrative_details == EVIDENCE[0].details
    assert summary.evidence[0].url == EVIDENCE[0].url


def test_summarize_reads_a_foreign_credential_without_our_conventions() -> None:
    foreign = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "VerifiableCredential",
        "issuer": "did:example:issuer",
        "name": [{"@value": "Chien", "@language": "fr"}, {"@value": "Dog", "@language": "en"}],
        "validFrom": "2023-02-25T19:10:39-06:00",
        "validUntil": "not a date",
        "credentialSubject": [
            {
                "type": "AchievementSubject",
                "identifier": {
                    "type": "IdentityObject",
                    "identityType": "ext:name",
                    "hashed": False,
                    "identityHash": "Albert Exampleton",
                },
                "achievement": {
                    "name": "Teamwork",
                    "criteria": "https://example.com/criteria",
                    "resultDescription": [
                        {"id": "urn:rd:1", "name": "Final grade", "resultType": "LetterGrade"},
                        "junk",
                        {"id": "urn:rd:2", "name": "Status", "resultType": "Status"},
                    ],
                },
                "result": [
                    {"resultDescription": "urn:rd:1", "value": "A"},
                    {"resultDescription": "urn:rd:2", "status": "Failed"},
                ],
            }
        ],
        "evidence": {"id": "https://example.com/e/1", "narrative": "A report."},
        "credentialStatus": [{"type": "1EdTechRevocationList"}, "junk"],
    }
    summary = summarize(foreign)
    assert summary.issuer_id == "did:example:issuer"
    assert summary.issuer_name is None
    assert summary.name == "Chien"
    assert summary.recipient_name == "Albert Exampleton"
    assert summary.recipient_did is None
    assert summary.valid_from == datetime(2023, 2, 26, 1, 10, 39, tzinfo=UTC)
    assert summary.valid_until is None
    assert summary.achievement.criteria_url == "https://example.com/criteria"
    # A result without status counts as Completed (OB 3.0 ResultStatusType default).
    assert [(c.name, c.demonstrated) for c in summary.competencies] == [
        ("Final grade", True),
        ("Status", False),
    ]
    assert summary.evidence[0].competencies == ()
    assert summary.evidence[0].narrative_details == "A report."
    assert summary.status == ({"type": "1EdTechRevocationList"},)


_JUNK: list[object] = [
    None,
    [],
    [1, 2],
    "a string",
    42,
    {},
    {"credentialSubject": None, "issuer": None, "evidence": None},
    {"credentialSubject": "x", "issuer": ["a", "b"], "evidence": "x", "credentialStatus": 7},
    {"credentialSubject": {"achievement": [], "result": {}, "identifier": "x"}},
    {"credentialSubject": {"achievement": {"resultDescription": {"id": 5, "name": []}}}},
    {"credentialSubject": {"identifier": [{"identityType": "name", "identityHash": 7}]}},
    {"validFrom": 20250101, "awardedDate": "2025-02-30T00:00:00Z", "name": {"@value": 3}},
    {"evidence": [{"narrative": "Demonstrates competencies:\n"}], "image": {"id": None}},
]


@pytest.mark.parametrize("junk", _JUNK)
def test_summarize_survives_junk(junk: object) -> None:
    summary = summarize(junk)
    assert summary.recipient_name is None
    assert summary.valid_from is None


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "name",
                    "issuer",
                    "credentialSubject",
                    "achievement",
                    "identifier",
                    "identityType",
                    "identityHash",
                    "hashed",
                    "resultDescription",
                    "result",
                    "status",
                    "evidence",
                    "narrative",
                    "criteria",
                    "alignment",
                    "validFrom",
                    "credentialStatus",
                    "image",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_json_values)
def test_summarize_never_raises(document: object) -> None:
    summarize(document)


@settings(max_examples=100, deadline=None)
@given(_json_values)
def test_summarize_never_raises_on_a_mutated_real_credential(part: object) -> None:
    credential = build()
    credential["credentialSubject"]["achievement"]["resultDescription"][1] = part
    credential["evidence"][0]["narrative"] = part
    credential["credentialSubject"]["identifier"][0] = part
    summarize(credential)
