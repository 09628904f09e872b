"""Structural validation: VC 2.0 rules for every credential, OB 3.0 rules for badges."""

# The specification examples below are verbatim JSON whose long strings cannot be wrapped.
# ruff: noqa: E501

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials.errors import CredentialValidationError, Problem
from credentials.ob3 import (
    Achievement,
    Alignment,
    Competency,
    GigEvidence,
    Profile,
    Recipient,
    build_credential,
)
from credentials.validation import (
    _values,
    is_url,
    parse_datetime_stamp,
    validate_credential,
    validate_or_raise,
)

# --- Open Badges 3.0 examples, copied from the specification ----------------------------------
# 1EdTech Open Badges Specification 3.0, Appendix "Examples" (ob_v3p0/examples/*.html in
# 1EdTech/openbadges-specification), JSON re-indented, values unchanged.

# "Basic OpenBadgeCredential" (Sample OpenBadgeCredential)
SPEC_BASIC = json.loads(
    r"""
{
  "@context": [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
  ],
  "id": "http://example.com/credentials/3527",
  "type": [
    "VerifiableCredential",
    "OpenBadgeCredential"
  ],
  "issuer": {
    "id": "https://example.com/issuers/876543",
    "type": [
      "Profile"
    ],
    "name": "Example Corp"
  },
  "validFrom": "2010-01-01T00:00:00Z",
  "name": "Teamwork Badge",
  "credentialSubject": {
    "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
    "type": [
      "AchievementSubject"
    ],
    "achievement": {
      "id": "https://example.com/achievements/21st-century-skills/teamwork",
      "type": [
        "Achievement"
      ],
      "criteria": {
        "narrative": "Team members are nominated for this badge by their peers and recognized upon review by Example Corp management."
      },
      "description": "This badge recognizes the development of the capacity to collaborate within a group environment.",
      "name": "Teamwork"
    }
  }
}
"""
)


# "Achievement Alignment (CASE)"
SPEC_ALIGNMENT_CASE = json.loads(
    r"""
{
  "@context": [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
  ],
  "id": "http://example.edu/credentials/3732",
  "type": [
    "VerifiableCredential",
    "OpenBadgeCredential"
  ],
  "issuer": {
    "id": "https://example.edu/issuers/565049",
    "type": [
      "Profile"
    ],
    "name": "Example University"
  },
  "validFrom": "2010-01-01T00:00:00Z",
  "name": "Example University Degree",
  "credentialSubject": {
    "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
    "type": [
      "AchievementSubject"
    ],
    "achievement": {
      "id": "https://1edtech.edu/achievements/1",
      "type": [
        "Achievement"
      ],
      "criteria": {
        "narrative": "Cite strong and thorough textual evidence to support analysis of what the text says explicitly as well as inferences drawn from the text, including determining where the text leaves matters uncertain"
      },
      "description": "Analyze a sample text",
      "name": "Text analysis",
      "alignment": [
        {
          "type": [
            "Alignment"
          ],
          "targetCode": "74f5bb7d-d7cc-11e8-824f-0242ac160002",
          "targetFramework": "Alabama Course of Study: English Language Arts",
          "targetName": "Cite strong and thorough textual evidence to support analysis of what the text says explicitly as well as inferences drawn from the text, including determining where the text leaves matters uncertain",
          "targetType": "CFItem",
          "targetUrl": "https://caseregistry.imsglobal.org/uri/74f5bb7d-d7cc-11e8-824f-0242ac160002"
        }
      ]
    }
  }
}
"""
)


# "Skill Assertion (CASE)"
SPEC_SKILL_ASSERTION_CASE = json.loads(
    r"""
{
  "@context": [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
  ],
  "id": "http://1edtech.edu/credentials/3732",
  "type": [
    "VerifiableCredential",
    "OpenBadgeCredential"
  ],
  "name": "Robot Programming Skill Credential",
  "description": "A badge recognizing the development of skills in robot implementation, specifically the software",
  "credentialSubject": {
    "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
    "type": [
      "AchievementSubject"
    ],
    "achievement": {
      "id": "https://example.com/achievements/robotics/robot-programming",
      "type": [
        "Achievement"
      ],
      "alignment": [
        {
          "type": [
            "Alignment"
          ],
          "targetDescription": "Robot software is a set of commands and procedures robots use to respond to input and perform autonomous tasks.",
          "targetName": "Robot Programming",
          "targetFramework": "Example Robotics Framework",
          "targetType": "CFItem",
          "targetUrl": "https://robotics-competencies.example.com/competencies/robot-programming"
        }
      ],
      "achievementType": "Competency",
      "creator": {
        "id": "https://example.com/issuers/123767",
        "type": [
          "Profile"
        ],
        "name": "Example Industry Group",
        "url": "https://example.com",
        "description": "Example Industry Group is a consortium of luminaries who publish skills data for common usage.",
        "email": "info@exammple.com"
      },
      "criteria": {
        "narrative": "Learners must present source code showing the ability for a robot to accept manual or sensor input and perform conditional actions in response."
      },
      "description": "This achievement represents developing capability to develop software for robotic applications.",
      "image": {
        "id": "https://example.com/achievements/robotics/robot-programming/image",
        "type": "Image",
        "caption": "A robot filled with ones and zeroes representing its programming"
      },
      "name": "Robot Programming"
    }
  },
  "evidence": [
    {
      "id": "https://github.com/somebody/project",
      "type": [
        "Evidence"
      ],
      "name": "Final Project Code",
      "description": "The source code for the 'Beeper 1.0' robot project. It responds by saying 'beep' when the 'beep' button is pressed."
    }
  ],
  "issuer": {
    "id": "https://1edtech.edu/issuers/565049",
    "type": [
      "Profile"
    ],
    "name": "1EdTech University",
    "url": "https://1edtech.edu",
    "phone": "1-222-333-4444",
    "description": "1EdTech University provides online degree programs.",
    "image": {
      "id": "https://1edtech.edu/logo.png",
      "type": "Image",
      "caption": "1EdTech University logo"
    },
    "email": "registrar@1edtech.edu"
  },
  "validFrom": "2022-07-01T00:00:00Z",
  "credentialSchema": [
    {
      "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
      "type": "1EdTechJsonSchemaValidator2019"
    }
  ]
}
"""
)


# "Complete OpenBadgeCredential" (all required and optional properties populated)
SPEC_COMPLETE = json.loads(
    r"""
{
  "@context": [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
  ],
  "id": "http://1edtech.edu/credentials/3732",
  "type": [
    "VerifiableCredential",
    "OpenBadgeCredential"
  ],
  "name": "1EdTech University Degree for Example Student",
  "description": "1EdTech University Degree Description",
  "image": {
    "id": "https://1edtech.edu/credentials/3732/image",
    "type": "Image",
    "caption": "1EdTech University Degree for Example Student"
  },
  "credentialSubject": {
    "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
    "type": [
      "AchievementSubject"
    ],
    "activityEndDate": "2010-01-02T00:00:00Z",
    "activityStartDate": "2010-01-01T00:00:00Z",
    "creditsEarned": 42.0,
    "licenseNumber": "A-9320041",
    "role": "Major Domo",
    "source": {
      "id": "https://school.edu/issuers/201234",
      "type": [
        "Profile"
      ],
      "name": "1EdTech College of Arts"
    },
    "term": "Fall",
    "identifier": [
      {
        "type": "IdentityObject",
        "identityHash": "student@1edtech.edu",
        "identityType": "emailAddress",
        "hashed": false,
        "salt": "not-used"
      },
      {
        "type": "IdentityObject",
        "identityHash": "somebody@gmail.com",
        "identityType": "emailAddress",
        "hashed": false,
        "salt": "not-used"
      }
    ],
    "achievement": {
      "id": "https://1edtech.edu/achievements/degree",
      "type": [
        "Achievement"
      ],
      "alignment": [
        {
          "type": [
            "Alignment"
          ],
          "targetCode": "degree",
          "targetDescription": "1EdTech University Degree programs.",
          "targetName": "1EdTech University Degree",
          "targetFramework": "1EdTech University Program and Course Catalog",
          "targetType": "CFItem",
          "targetUrl": "https://1edtech.edu/catalog/degree"
        },
        {
          "type": [
            "Alignment"
          ],
          "targetCode": "degree",
          "targetDescription": "1EdTech University Degree programs.",
          "targetName": "1EdTech University Degree",
          "targetFramework": "1EdTech University Program and Course Catalog",
          "targetType": "CTDL",
          "targetUrl": "https://credentialengineregistry.org/resources/ce-98cb027b-95ef-4494-908d-6f7790ec6b6b"
        }
      ],
      "achievementType": "Degree",
      "creator": {
        "id": "https://1edtech.edu/issuers/565049",
        "type": [
          "Profile"
        ],
        "name": "1EdTech University",
        "url": "https://1edtech.edu",
        "phone": "1-222-333-4444",
        "description": "1EdTech University provides online degree programs.",
        "endorsement": [
          {
            "@context": [
              "https://www.w3.org/ns/credentials/v2",
              "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
            ],
            "id": "http://1edtech.edu/endorsementcredential/3732",
            "type": [
              "VerifiableCredential",
              "EndorsementCredential"
            ],
            "name": "SDE endorsement",
            "issuer": {
              "id": "https://accrediter.edu/issuers/565049",
              "type": [
                "Profile"
              ],
              "name": "Example Accrediting Agency"
            },
            "validFrom": "2010-01-01T00:00:00Z",
            "validUntil": "2020-01-01T00:00:00Z",
            "credentialSubject": {
              "id": "https://1edtech.edu/issuers/565049",
              "type": [
                "EndorsementSubject"
              ],
              "endorsementComment": "1EdTech University is in good standing"
            },
            "credentialSchema": [
              {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019"
              },
              {
                "id": "https://accrediter.edu/schema/endorsementcredential.json",
                "type": "1EdTechJsonSchemaValidator2019"
              }
            ],
            "credentialStatus": {
              "id": "https://1edtech.edu/credentials/3732/revocations",
              "type": "1EdTechRevocationList"
            },
            "refreshService": {
              "id": "http://1edtech.edu/credentials/3732",
              "type": "1EdTechCredentialRefresh"
            },
            "proof": [
              {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdf-2022",
                "created": "2022-05-26T18:17:08Z",
                "verificationMethod": "https://accrediter.edu/issuers/565049#zvPkQiUFfJrgnCRhyPkTSkgrGXbnLR15pHH5HZVYNdM4TCAwQHqG7fMeMPLtYNRnEgoV1aJdR5E61eWu5sWRYgtA",
                "proofPurpose": "assertionMethod",
                "proofValue": "zvPkQiUFfJrgnCRhyPkTSkgrGXbnLR15pHH5HZVYNdM4TCAwQHqG7fMeMPLtYNRnEgoV1aJdR5E61eWu5sWRYgtA"
              }
            ]
          },
          {
            "@context": [
              "https://www.w3.org/ns/credentials/v2",
              "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
            ],
            "id": "http://1edtech.edu/endorsementcredential/3733",
            "type": [
              "VerifiableCredential",
              "EndorsementCredential"
            ],
            "name": "SDE endorsement",
            "issuer": {
              "id": "https://state.gov/issuers/565049",
              "type": [
                "Profile"
              ],
              "name": "State Department of Education"
            },
            "validFrom": "2010-01-01T00:00:00Z",
            "validUntil": "2020-01-01T00:00:00Z",
            "credentialSubject": {
              "id": "https://1edtech.edu/issuers/565049",
              "type": [
                "EndorsementSubject"
              ],
              "endorsementComment": "1EdTech University is in good standing"
            },
            "credentialSchema": [
              {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019"
              },
              {
                "id": "https://state.gov/schema/endorsementcredential.json",
                "type": "1EdTechJsonSchemaValidator2019"
              }
            ],
            "credentialStatus": {
              "id": "https://state.gov/credentials/3732/revocations",
              "type": "1EdTechRevocationList"
            },
            "refreshService": {
              "id": "http://state.gov/credentials/3732",
              "type": "1EdTechCredentialRefresh"
            },
            "proof": [
              {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdf-2022",
                "created": "2022-05-26T18:25:59Z",
                "verificationMethod": "https://accrediter.edu/issuers/565049#z5bDnmSgDczXwZGya6ZjxKaxkdKxzsCMiVSsgEVWxnaWK7ZqbKnzcCd7mUKE9DQaAL2QMXP5AquPeW6W2CWrZ7jNC",
                "proofPurpose": "assertionMethod",
                "proofValue": "z5bDnmSgDczXwZGya6ZjxKaxkdKxzsCMiVSsgEVWxnaWK7ZqbKnzcCd7mUKE9DQaAL2QMXP5AquPeW6W2CWrZ7jNC"
              }
            ]
          }
        ],
        "image": {
          "id": "https://1edtech.edu/logo.png",
          "type": "Image",
          "caption": "1EdTech University logo"
        },
        "email": "registrar@1edtech.edu",
        "address": {
          "type": [
            "Address"
          ],
          "addressCountry": "USA",
          "addressCountryCode": "US",
          "addressRegion": "TX",
          "addressLocality": "Austin",
          "streetAddress": "123 First St",
          "postOfficeBoxNumber": "1",
          "postalCode": "12345",
          "geo": {
            "type": "GeoCoordinates",
            "latitude": 1.0,
            "longitude": 1.0
          }
        },
        "otherIdentifier": [
          {
            "type": "IdentifierEntry",
            "identifier": "12345",
            "identifierType": "sourcedId"
          },
          {
            "type": "IdentifierEntry",
            "identifier": "67890",
            "identifierType": "nationalIdentityNumber"
          }
        ],
        "official": "Horace Mann",
        "parentOrg": {
          "id": "did:example:123456789",
          "type": [
            "Profile"
          ],
          "name": "Universal Universities"
        }
      },
      "creditsAvailable": 36.0,
      "criteria": {
        "id": "https://1edtech.edu/achievements/degree",
        "narrative": "# Degree Requirements\nStudents must complete..."
      },
      "description": "1EdTech University Degree Description",
      "endorsement": [
        {
          "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
          ],
          "id": "http://1edtech.edu/endorsementcredential/3734",
          "type": [
            "VerifiableCredential",
            "EndorsementCredential"
          ],
          "name": "EAA endorsement",
          "issuer": {
            "id": "https://accrediter.edu/issuers/565049",
            "type": [
              "Profile"
            ],
            "name": "Example Accrediting Agency"
          },
          "validFrom": "2010-01-01T00:00:00Z",
          "validUntil": "2020-01-01T00:00:00Z",
          "credentialSubject": {
            "id": "https://1edtech.edu/issuers/565049",
            "type": [
              "EndorsementSubject"
            ],
            "endorsementComment": "1EdTech University is in good standing"
          },
          "credentialSchema": [
            {
              "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json",
              "type": "1EdTechJsonSchemaValidator2019"
            },
            {
              "id": "https://accrediter.edu/schema/endorsementcredential.json",
              "type": "1EdTechJsonSchemaValidator2019"
            }
          ],
          "credentialStatus": {
            "id": "https://1edtech.edu/credentials/3732/revocations",
            "type": "1EdTechRevocationList"
          },
          "refreshService": {
            "id": "http://1edtech.edu/credentials/3732",
            "type": "1EdTechCredentialRefresh"
          },
          "proof": [
            {
              "type": "DataIntegrityProof",
              "cryptosuite": "eddsa-rdf-2022",
              "created": "2022-05-26T18:17:08Z",
              "verificationMethod": "https://accrediter.edu/issuers/565049#zvPkQiUFfJrgnCRhyPkTSkgrGXbnLR15pHH5HZVYNdM4TCAwQHqG7fMeMPLtYNRnEgoV1aJdR5E61eWu5sWRYgtA",
              "proofPurpose": "assertionMethod",
              "proofValue": "zvPkQiUFfJrgnCRhyPkTSkgrGXbnLR15pHH5HZVYNdM4TCAwQHqG7fMeMPLtYNRnEgoV1aJdR5E61eWu5sWRYgtA"
            }
          ]
        }
      ],
      "fieldOfStudy": "Research",
      "humanCode": "R1",
      "image": {
        "id": "https://1edtech.edu/achievements/degree/image",
        "type": "Image",
        "caption": "1EdTech University Degree"
      },
      "name": "1EdTech University Degree",
      "otherIdentifier": [
        {
          "type": "IdentifierEntry",
          "identifier": "abde",
          "identifierType": "identifier"
        }
      ],
      "resultDescription": [
        {
          "id": "urn:uuid:f6ab24cd-86e8-4eaf-b8c6-ded74e8fd41c",
          "type": [
            "ResultDescription"
          ],
          "alignment": [
            {
              "type": [
                "Alignment"
              ],
              "targetCode": "project",
              "targetDescription": "Project description",
              "targetName": "Final Project",
              "targetFramework": "1EdTech University Program and Course Catalog",
              "targetType": "CFItem",
              "targetUrl": "https://1edtech.edu/catalog/degree/project"
            }
          ],
          "allowedValue": [
            "D",
            "C",
            "B",
            "A"
          ],
          "name": "Final Project Grade",
          "requiredValue": "C",
          "resultType": "LetterGrade"
        },
        {
          "id": "urn:uuid:a70ddc6a-4c4a-4bd8-8277-cb97c79f40c5",
          "type": [
            "ResultDescription"
          ],
          "alignment": [
            {
              "type": [
                "Alignment"
              ],
              "targetCode": "project",
              "targetDescription": "Project description",
              "targetName": "Final Project",
              "targetFramework": "1EdTech University Program and Course Catalog",
              "targetType": "CFItem",
              "targetUrl": "https://1edtech.edu/catalog/degree/project"
            }
          ],
          "allowedValue": [
            "D",
            "C",
            "B",
            "A"
          ],
          "name": "Final Project Grade",
          "requiredLevel": "urn:uuid:d05a0867-d0ad-4b03-bdb5-28fb5d2aab7a",
          "resultType": "RubricCriterionLevel",
          "rubricCriterionLevel": [
            {
              "id": "urn:uuid:d05a0867-d0ad-4b03-bdb5-28fb5d2aab7a",
              "type": [
                "RubricCriterionLevel"
              ],
              "alignment": [
                {
                  "type": [
                    "Alignment"
                  ],
                  "targetCode": "project",
                  "targetDescription": "Project description",
                  "targetName": "Final Project",
                  "targetFramework": "1EdTech University Program and Course Catalog",
                  "targetType": "CFRubricCriterionLevel",
                  "targetUrl": "https://1edtech.edu/catalog/degree/project/rubric/levels/mastered"
                }
              ],
              "description": "The author demonstrated...",
              "level": "Mastered",
              "name": "Mastery",
              "points": "4"
            },
            {
              "id": "urn:uuid:6b84b429-31ee-4dac-9d20-e5c55881f80e",
              "type": [
                "RubricCriterionLevel"
              ],
              "alignment": [
                {
                  "type": [
                    "Alignment"
                  ],
                  "targetCode": "project",
                  "targetDescription": "Project description",
                  "targetName": "Final Project",
                  "targetFramework": "1EdTech University Program and Course Catalog",
                  "targetType": "CFRubricCriterionLevel",
                  "targetUrl": "https://1edtech.edu/catalog/degree/project/rubric/levels/basic"
                }
              ],
              "description": "The author demonstrated...",
              "level": "Basic",
              "name": "Basic",
              "points": "4"
            }
          ]
        },
        {
          "id": "urn:uuid:b07c0387-f2d6-4b65-a3f4-f4e4302ea8f7",
          "type": [
            "ResultDescription"
          ],
          "name": "Project Status",
          "resultType": "Status"
        }
      ],
      "specialization": "Computer Science Research",
      "tag": [
        "research",
        "computer science"
      ]
    },
    "image": {
      "id": "https://1edtech.edu/credentials/3732/image",
      "type": "Image",
      "caption": "1EdTech University Degree for Example Student"
    },
    "narrative": "There is a final project report and source code evidence.",
    "result": [
      {
        "type": [
          "Result"
        ],
        "alignment": [
          {
            "type": [
              "Alignment"
            ],
            "targetCode": "project",
            "targetDescription": "Project description",
            "targetName": "Final Project",
            "targetFramework": "1EdTech University Program and Course Catalog",
            "targetType": "CFItem",
            "targetUrl": "https://1edtech.edu/catalog/degree/project/result/1"
          }
        ],
        "resultDescription": "urn:uuid:f6ab24cd-86e8-4eaf-b8c6-ded74e8fd41c",
        "value": "A"
      },
      {
        "type": [
          "Result"
        ],
        "achievedLevel": "urn:uuid:d05a0867-d0ad-4b03-bdb5-28fb5d2aab7a",
        "alignment": [
          {
            "type": [
              "Alignment"
            ],
            "targetCode": "project",
            "targetDescription": "Project description",
            "targetName": "Final Project",
            "targetFramework": "1EdTech University Program and Course Catalog",
            "targetType": "CFItem",
            "targetUrl": "https://1edtech.edu/catalog/degree/project/result/1"
          }
        ],
        "resultDescription": "urn:uuid:f6ab24cd-86e8-4eaf-b8c6-ded74e8fd41c"
      },
      {
        "type": [
          "Result"
        ],
        "resultDescription": "urn:uuid:f6ab24cd-86e8-4eaf-b8c6-ded74e8fd41c",
        "status": "Completed"
      }
    ]
  },
  "endorsement": [
    {
      "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
      ],
      "id": "http://1edtech.edu/endorsementcredential/3735",
      "type": [
        "VerifiableCredential",
        "EndorsementCredential"
      ],
      "name": "EAA endorsement",
      "issuer": {
        "id": "https://accrediter.edu/issuers/565049",
        "type": [
          "Profile"
        ],
        "name": "Example Accrediting Agency"
      },
      "validFrom": "2010-01-01T00:00:00Z",
      "validUntil": "2020-01-01T00:00:00Z",
      "credentialSubject": {
        "id": "https://1edtech.edu/issuers/565049",
        "type": [
          "EndorsementSubject"
        ],
        "endorsementComment": "1EdTech University is in good standing"
      },
      "credentialSchema": [
        {
          "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json",
          "type": "1EdTechJsonSchemaValidator2019"
        },
        {
          "id": "https://accrediter.edu/schema/endorsementcredential.json",
          "type": "1EdTechJsonSchemaValidator2019"
        }
      ],
      "credentialStatus": {
        "id": "https://1edtech.edu/credentials/3732/revocations",
        "type": "1EdTechRevocationList"
      },
      "refreshService": {
        "id": "http://1edtech.edu/credentials/3732",
        "type": "1EdTechCredentialRefresh"
      },
      "proof": [
        {
          "type": "DataIntegrityProof",
          "cryptosuite": "eddsa-rdf-2022",
          "created": "2022-05-26T18:17:08Z",
          "verificationMethod": "https://accrediter.edu/issuers/565049#zvPkQiUFfJrgnCRhyPkTSkgrGXbnLR15pHH5HZVYNdM4TCAwQHqG7fMeMPLtYNRnEgoV1aJdR5E61eWu5sWRYgtA",
          "proofPurpose": "assertionMethod",
          "proofValue": "zvPkQiUFfJrgnCRhyPkTSkgrGXbnLR15pHH5HZVYNdM4TCAwQHqG7fMeMPLtYNRnEgoV1aJdR5E61eWu5sWRYgtA"
        }
      ]
    }
  ],
  "evidence": [
    {
      "id": "https://1edtech.edu/credentials/3732/evidence/1",
      "type": [
        "Evidence"
      ],
      "narrative": "# Final Project Report \n This project was ...",
      "name": "Final Project Report",
      "description": "This is the final project report.",
      "genre": "Research",
      "audience": "Department"
    },
    {
      "id": "https://github.com/somebody/project",
      "type": [
        "Evidence"
      ],
      "name": "Final Project Code",
      "description": "This is the source code for the final project app.",
      "genre": "Research",
      "audience": "Department"
    }
  ],
  "issuer": {
    "id": "https://1edtech.edu/issuers/565049",
    "type": [
      "Profile"
    ],
    "name": "1EdTech University",
    "url": "https://1edtech.edu",
    "phone": "1-222-333-4444",
    "description": "1EdTech University provides online degree programs.",
    "endorsement": [
      {
        "@context": [
          "https://www.w3.org/ns/credentials/v2",
          "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "http://1edtech.edu/endorsementcredential/3736",
        "type": [
          "VerifiableCredential",
          "EndorsementCredential"
        ],
        "name": "EAA endorsement",
        "issuer": {
          "id": "https://accrediter.edu/issuers/565049",
          "type": [
            "Profile"
          ],
          "name": "Example Accrediting Agency"
        },
        "validFrom": "2010-01-01T00:00:00Z",
        "validUntil": "2020-01-01T00:00:00Z",
        "credentialSubject": {
          "id": "https://1edtech.edu/issuers/565049",
          "type": [
            "EndorsementSubject"
          ],
          "endorsementComment": "1EdTech University is in good standing"
        },
        "credentialSchema": [
          {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019"
          },
          {
            "id": "https://accrediter.edu/schema/endorsementcredential.json",
            "type": "1EdTechJsonSchemaValidator2019"
          }
        ],
        "credentialStatus": {
          "id": "https://1edtech.edu/credentials/3732/revocations",
          "type": "1EdTechRevocationList"
        },
        "refreshService": {
          "id": "http://1edtech.edu/credentials/3732",
          "type": "1EdTechCredentialRefresh"
        },
        "proof": [
          {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdf-2022",
            "created": "2022-05-26T18:17:08Z",
            "verificationMethod": "https://accrediter.edu/issuers/565049#zvPkQiUFfJrgnCRhyPkTSkgrGXbnLR15pHH5HZVYNdM4TCAwQHqG7fMeMPLtYNRnEgoV1aJdR5E61eWu5sWRYgtA",
            "proofPurpose": "assertionMethod",
            "proofValue": "zvPkQiUFfJrgnCRhyPkTSkgrGXbnLR15pHH5HZVYNdM4TCAwQHqG7fMeMPLtYNRnEgoV1aJdR5E61eWu5sWRYgtA"
          }
        ]
      }
    ],
    "image": {
      "id": "https://1edtech.edu/logo.png",
      "type": "Image",
      "caption": "1EdTech University logo"
    },
    "email": "registrar@1edtech.edu",
    "address": {
      "type": [
        "Address"
      ],
      "addressCountry": "USA",
      "addressCountryCode": "US",
      "addressRegion": "TX",
      "addressLocality": "Austin",
      "streetAddress": "123 First St",
      "postOfficeBoxNumber": "1",
      "postalCode": "12345",
      "geo": {
        "type": "GeoCoordinates",
        "latitude": 1.0,
        "longitude": 1.0
      }
    },
    "otherIdentifier": [
      {
        "type": "IdentifierEntry",
        "identifier": "12345",
        "identifierType": "sourcedId"
      },
      {
        "type": "IdentifierEntry",
        "identifier": "67890",
        "identifierType": "nationalIdentityNumber"
      }
    ],
    "official": "Horace Mann",
    "parentOrg": {
      "id": "did:example:123456789",
      "type": [
        "Profile"
      ],
      "name": "Universal Universities"
    }
  },
  "validFrom": "2010-01-01T00:00:00Z",
  "validUntil": "2030-01-01T00:00:00Z",
  "credentialSchema": [
    {
      "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
      "type": "1EdTechJsonSchemaValidator2019"
    }
  ],
  "credentialStatus": {
    "id": "https://1edtech.edu/credentials/3732/revocations",
    "type": "1EdTechRevocationList"
  },
  "refreshService": {
    "id": "http://1edtech.edu/credentials/3732",
    "type": "1EdTechCredentialRefresh"
  }
}
"""
)


@pytest.mark.parametrize(
    "example",
    [SPEC_BASIC, SPEC_ALIGNMENT_CASE, SPEC_SKILL_ASSERTION_CASE, SPEC_COMPLETE],
    ids=["basic", "alignment-case", "skill-assertion-case", "complete"],
)
def test_spec_examples_are_valid(example: dict[str, Any]) -> None:
    assert validate_credential(example) == []


def test_spec_complete_example_endorsements_are_valid_vcs() -> None:
    # The endorsements embedded in the complete example are VC 2.0 EndorsementCredentials.
    endorsement = SPEC_COMPLETE["endorsement"][0]
    assert validate_credential(endorsement) == []


# --- our own credential, mutated ---------------------------------------------------------------


def ours() -> dict[str, Any]:
    """A credential from the builder with every optional part the checks look at."""
    return build_credential(
        id="urn:uuid:9c1d2e3f-0000-4000-8000-000000000001",
        issuer=Profile(id="did:web:microcred.example:issuers:brightpath", name="BrightPath"),
        achievement=Achievement(
            id="https://microcred.example/achievements/web",
            name="Web Front-End",
            description="Builds web front ends.",
            criteria_narrative="Two accepted gig projects.",
            alignments=[
                Alignment(target_name="Web Developers", target_url="https://onet.example/1"),
                Alignment(target_name="Web design", target_url="http://esco.example/skill/2"),
            ],
            competencies=[Competency(name="Layout"), Competency(name="Accessibility")],
        ),
        recipient=Recipient(
            name="Ana Souza", did="did:example:ana", email="ana@example.com", salt="pepper"
        ),
        evidence=[GigEvidence(name="Storefront", description="Upwork", competencies=["Layout"])],
        valid_from=datetime(2025, 6, 1, tzinfo=UTC),
        valid_until=datetime(2026, 6, 1, tzinfo=UTC),
        credential_status={
            "id": "https://microcred.example/status/1#7",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "7",
            "statusListCredential": "https://microcred.example/status/1",
        },
    )


_DELETE = object()
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def mutate(doc: dict[str, Any], path: str, value: object = _DELETE) -> dict[str, Any]:
    """A copy of ``doc`` with the value at a JSON path replaced (or deleted)."""
    doc = copy.deepcopy(doc)
    steps: list[str | int] = [key if key else int(index) for key, index in _STEP.findall(path)]
    parent: Any = doc
    for step in steps[:-1]:
        parent = parent[step]
    if value is _DELETE:
        del parent[steps[-1]]
    else:
        parent[steps[-1]] = value
    return doc


def fields(doc: object) -> list[str]:
    return [problem.field for problem in validate_credential(doc)]


def test_our_credential_is_valid() -> None:
    assert validate_credential(ours()) == []


_A = "credentialSubject.achievement"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("@context", "@context"),
        ("type", "type"),
        ("id", "id"),
        ("issuer", "issuer"),
        ("issuer.id", "issuer.id"),
        ("issuer.type", "issuer.type"),
        ("validFrom", "validFrom"),
        ("credentialSubject", "credentialSubject"),
        ("credentialSubject.type", "credentialSubject.type"),
        (_A, _A),
        (f"{_A}.id", f"{_A}.id"),
        (f"{_A}.type", f"{_A}.type"),
        (f"{_A}.name", f"{_A}.name"),
        (f"{_A}.description", f"{_A}.description"),
        (f"{_A}.criteria", f"{_A}.criteria"),
        (f"{_A}.criteria.narrative", f"{_A}.criteria"),
        (f"{_A}.alignment[1].type", f"{_A}.alignment[1].type"),
        (f"{_A}.alignment[1].targetName", f"{_A}.alignment[1].targetName"),
        (f"{_A}.alignment[1].targetUrl", f"{_A}.alignment[1].targetUrl"),
        (f"{_A}.resultDescription[0].id", f"{_A}.resultDescription[0].id"),
        (f"{_A}.resultDescription[0].type", f"{_A}.resultDescription[0].type"),
        (f"{_A}.resultDescription[0].name", f"{_A}.resultDescription[0].name"),
        (f"{_A}.resultDescription[0].resultType", f"{_A}.resultDescription[0].resultType"),
        ("credentialSubject.result[1].type", "credentialSubject.result[1].type"),
        ("credentialSubject.result[1].status", "credentialSubject.result[1].status"),
        ("credentialSubject.identifier[1].type", "credentialSubject.identifier[1].type"),
        ("credentialSubject.identifier[1].hashed", "credentialSubject.identifier[1].hashed"),
        (
            "credentialSubject.identifier[1].identityHash",
            "credentialSubject.identifier[1].identityHash",
        ),
        (
            "credentialSubject.identifier[1].identityType",
            "credentialSubject.identifier[1].identityType",
        ),
        ("evidence[0].type", "evidence[0].type"),
        ("credentialStatus.type", "credentialStatus.type"),
    ],
)
def test_missing_required_field_is_reported_at_its_path(path: str, field: str) -> None:
    assert field in fields(mutate(ours(), path))


def test_subject_without_id_or_identifier_is_unidentifiable() -> None:
    doc = mutate(mutate(ours(), "credentialSubject.id"), "credentialSubject.identifier")
    assert validate_credential(doc) == [
        Problem(
            "credentialSubject",
            "needs an id or at least one identifier (OB 3.0 AchievementSubject)",
            "ob3.subject_without_identifier",
        )
    ]
    # Either one alone is enough.
    assert fields(mutate(ours(), "credentialSubject.id")) == []
    assert fields(mutate(ours(), "credentialSubject.identifier")) == []


_HEX64 = "0123456789abcdef" * 4
_OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_VC2 = "https://www.w3.org/ns/credentials/v2"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("@context", "https://www.w3.org/ns/credentials/v2", "@context"),  # OB context missing
        ("@context", [_OB3, _VC2], "@context"),
        ("@context", [_VC2], "@context"),
        ("@context", [_VC2, _OB3, 5], "@context[2]"),
        ("@context", [_VC2, "https ://not-a-url/context"], "@context[1]"),
        (
            "@context",
            [_VC2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.1.json"],
            "@context",
        ),
        ("type", "OpenBadgeCredential", "type"),
        ("type", [], "type"),
        ("type", ["VerifiableCredential", 5], "type"),
        ("id", "not a url", "id"),
        ("id", 42, "id"),
        ("id", ["urn:a", "urn:b"], "id"),
        ("issuer", "fake-issuer", "issuer"),
        ("issuer", "microcred.example", "issuer"),  # OB 3.0 ProfileRef: a URI or a Profile
        ("issuer.id", "fake-issuer", "issuer.id"),
        ("issuer.type", ["Organization"], "issuer.type"),
        ("issuer.name", {"@value": "x", "url": "y"}, "issuer.name"),
        ("issuer.url", "microcred.example", "issuer.url"),
        ("issuer.image", {"type": "Image"}, "issuer.image.id"),
        ("name", 7, "name"),
        ("name", {"@value": "Example", "@language": "en", "url": "did:example:x"}, "name"),
        ("description", [{"@value": "x"}, 3], "description"),
        ("validFrom", "2025-06-01", "validFrom"),
        ("validFrom", "2025-06-01T00:00:00", "validFrom"),  # no timezone
        ("validFrom", "2025-02-30T00:00:00Z", "validFrom"),
        ("validFrom", "2025-06-01T25:00:00Z", "validFrom"),
        ("validFrom", "2025-06-01T00:00:00+15:00", "validFrom"),
        ("validFrom", "Sat 25 Feb 2023 07:16:31 PM CST", "validFrom"),
        ("validFrom", 1748736000, "validFrom"),
        ("validUntil", "2025-05-31T23:59:59Z", "validUntil"),  # before validFrom
        ("validUntil", "2025-06-01T01:00:00+02:00", "validUntil"),  # 23:00Z the day before
        ("awardedDate", "yesterday", "awardedDate"),
        ("credentialSubject", [], "credentialSubject"),
        ("credentialSubject", "did:example:ana", "credentialSubject"),
        ("credentialSubject", [{}], "credentialSubject[0]"),
        ("credentialSubject.id", ["did:example:a", "did:example:b"], "credentialSubject.id"),
        ("credentialSubject.type", ["Person"], "credentialSubject.type"),
        (_A, "https://microcred.example/achievements/web", _A),
        (f"{_A}.id", "web", f"{_A}.id"),
        (f"{_A}.name", "", f"{_A}.name"),
        (f"{_A}.criteria", "Two gig projects", f"{_A}.criteria"),
        (f"{_A}.criteria", {}, f"{_A}.criteria"),
        (f"{_A}.criteria.id", "criteria page", f"{_A}.criteria.id"),
        (f"{_A}.achievementType", "Nanodegree", f"{_A}.achievementType"),
        (f"{_A}.alignment", "Web Developers", f"{_A}.alignment"),
        (f"{_A}.alignment[1]", "Web design", f"{_A}.alignment[1]"),
        (f"{_A}.alignment[1].targetUrl", "esco skill 2", f"{_A}.alignment[1].targetUrl"),
        (f"{_A}.alignment[1].targetName", ["Web design"], f"{_A}.alignment[1].targetName"),
        (f"{_A}.alignment[1].targetType", "ESCO", f"{_A}.alignment[1].targetType"),
        (f"{_A}.image", {"id": "not a url", "type": "Image"}, f"{_A}.image.id"),
        (f"{_A}.resultDescription[1].resultType", "Pass", f"{_A}.resultDescription[1].resultType"),
        (
            f"{_A}.resultDescription[1].id",
            "https://microcred.example/achievements/web#competency-1",
            f"{_A}.resultDescription[1].id",
        ),
        ("credentialSubject.result[0].resultDescription", "urn:x:unknown", None),
        ("credentialSubject.result[0].resultDescription", "competency 1", None),
        ("credentialSubject.result[0].status", "Passed", "credentialSubject.result[0].status"),
        (
            "credentialSubject.identifier",
            {"type": "IdentityObject"},
            "credentialSubject.identifier.hashed",
        ),
        ("credentialSubject.identifier[1].type", "Identity", None),
        ("credentialSubject.identifier[1].hashed", "true", None),
        ("credentialSubject.identifier[1].identityHash", "sha256$abc", None),
        ("credentialSubject.identifier[1].identityHash", "sha1$" + _HEX64[:40], None),
        ("credentialSubject.identifier[1].identityHash", "ana@example.com", None),
        ("credentialSubject.identifier[1].identityHash", None, None),
        ("credentialSubject.identifier[1].identityType", "email", None),
        ("credentialSubject.identifier[1].salt", 7, None),
        ("evidence", ["a gig project"], "evidence[0]"),
        ("evidence[0].type", ["Thing"], "evidence[0].type"),
        ("evidence[0].id", "upwork project", "evidence[0].id"),
        ("evidence[0].narrative", ["Demonstrates"], "evidence[0].narrative"),
        ("credentialStatus", "revoked", "credentialStatus"),
        ("credentialStatus.id", "status list 1", "credentialStatus.id"),
        ("credentialStatus.type", 2, "credentialStatus.type"),
        ("credentialSchema", {"type": "1EdTechJsonSchemaValidator2019"}, "credentialSchema.id"),
        ("credentialSchema", [{"id": "https://s.example/schema.json"}], "credentialSchema[0].type"),
        ("refreshService", {"id": "https://r.example"}, "refreshService.type"),
        ("termsOfUse", [{"id": "https://t.example"}], "termsOfUse[0].type"),
        ("proof", "z3FXQ", "proof"),
        ("proof", {"proofValue": "z3FXQ"}, "proof.type"),
        ("proof", [{"type": "DataIntegrityProof"}, 5], "proof[1]"),
        ("image", "badge.png", "image"),
    ],
)
def test_wrong_value_is_reported_at_its_path(path: str, value: object, field: str | None) -> None:
    expected = field if field is not None else path
    assert expected in fields(mutate(ours(), path, value))


def test_problem_names_the_alignment_url_by_its_json_path() -> None:
    doc = mutate(ours(), f"{_A}.alignment[1].targetUrl", "not a url")
    assert validate_credential(doc) == [
        Problem(
            "credentialSubject.achievement.alignment[1].targetUrl",
            "must be a single absolute URL (or URN or DID)",
            "ob3.alignment_malformed",
        )
    ]


def test_every_problem_is_reported_at_once() -> None:
    doc = mutate(ours(), "validFrom", "soon")
    doc = mutate(doc, "issuer.url", "not a url")
    doc = mutate(doc, f"{_A}.alignment[0].targetUrl")
    assert fields(doc) == ["validFrom", "issuer.url", f"{_A}.alignment[0].targetUrl"]


def test_issuer_may_be_a_uri_or_a_profile_without_name() -> None:
    """OB 3.0 ProfileRef (common_credentials: issuer ProfileRef 1 = URI | Profile)."""
    assert fields(mutate(ours(), "issuer", "did:web:microcred.example")) == []
    assert fields(mutate(ours(), "issuer.name")) == []


@pytest.mark.parametrize(
    "value",
    [
        "sha256$" + _HEX64.upper(),  # upper-case hex is allowed by IdentityHash
        "md5$" + _HEX64[:32],
    ],
)
def test_hashed_identity_accepts_both_algorithms_and_cases(value: str) -> None:
    doc = mutate(ours(), "credentialSubject.identifier[1].identityHash", value)
    assert fields(doc) == []


@pytest.mark.parametrize(
    "context",
    [
        [_VC2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"],
        [_VC2, "https://purl.imsglobal.org/spec/ob/v3p0/context.json"],
        [_VC2, {"@vocab": "https://example.org/"}, _OB3],
        [_VC2, _OB3, "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"],
    ],
)
def test_any_ob_3_0_x_context_is_accepted(context: list[object]) -> None:
    assert fields(mutate(ours(), "@context", context)) == []


def test_an_open_badge_has_one_subject() -> None:
    subject = ours()["credentialSubject"]
    assert "credentialSubject" in fields(mutate(ours(), "credentialSubject", [subject, subject]))
    assert fields(mutate(ours(), "credentialSubject", [subject])) == []


def test_result_of_type_status_needs_a_status_only_when_linked_so() -> None:
    doc = mutate(ours(), f"{_A}.resultDescription[0].resultType", "LetterGrade")
    assert fields(mutate(doc, "credentialSubject.result[0].status")) == []


def test_achievement_credential_type_triggers_open_badge_rules() -> None:
    doc = mutate(ours(), "type", ["VerifiableCredential", "AchievementCredential"])
    assert fields(doc) == []
    assert "credentialSubject.achievement" in fields(mutate(doc, "credentialSubject.achievement"))


# --- VC 2.0 without Open Badges ----------------------------------------------------------------
# Cases from w3c/vc-data-model-2.0-test-suite tests/input/*.json (values copied).


def vc(**extra: object) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [_VC2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
    }
    doc.update(extra)
    return doc


@pytest.mark.parametrize(
    "doc",
    [
        vc(),
        vc(type="VerifiableCredential"),
        vc(issuer={"id": "did:example:issuer", "name": "Example"}),
        vc(validFrom="2023-02-26T01:02:58.447Z"),  # credential-validfrom-ms-ok
        vc(validFrom="2023-02-25T19:10:39-06:00"),  # credential-validfrom-tz-ok
        vc(validFrom="4023-02-26T01:02:58.447Z"),  # credential-validfrom-far-future-ok
        vc(validFrom="2024-01-01T00:00:00Z", validUntil="2024-01-01T00:00:00Z"),
        vc(name=[{"@value": "Dog", "@language": "en"}, {"@value": "Chien", "@language": "fr"}]),
        vc(description={"@value": "Example", "@language": "en", "@direction": "ltr"}),
        vc(credentialSubject=[{"id": "did:example:a"}, {"name": "b"}]),
        vc(credentialStatus={"type": "CredentialStatusList2017"}),  # -status-missing-id-ok
        vc(evidence=[{"type": ["Evidence"]}, {"id": "https://e.example", "type": "Evidence"}]),
        vc(credentialSchema=[{"id": "https://s.example/1.json", "type": "JsonSchema"}]),
        vc(proof={"type": "DataIntegrityProof", "proofValue": "z1"}),
        vc(**{"@context": [_VC2, {"ExampleTestCredential": "https://example.org/#T"}]}),
        vc(**{"@context": _VC2}),
    ],
)
def test_plain_vc_2_0_credentials_are_valid(doc: dict[str, Any]) -> None:
    # Open Badges rules (Profile issuer, required id and validFrom...) do not apply.
    assert validate_credential(doc) == []


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (vc(credentialSubject={}), "credentialSubject"),  # -subject-no-claims-fail
        (vc(credentialSubject=[{"id": "did:example:a"}, {}]), "credentialSubject[1]"),
        (vc(id=None), "id"),  # credential-id-nonidentifier-fail
        (vc(issuer=None), "issuer"),  # credential-issuer-null-fail
        (vc(issuer={"id": None}), "issuer.id"),  # -issuer-object-id-null-fail
        (vc(issuer={}), "issuer.id"),
        (vc(validFrom="FUTURE", validUntil="PAST"), "validFrom"),
        (vc(validUntil="Sun, 26 Feb 2023 01:22:14 +0000"), "validUntil"),
        (vc(credentialStatus={"id": ["did:example:1", "did:example:2"], "type": "X"}), None),
        (vc(credentialSchema={"type": "X", "id": "https ://not-a-url.org/x"}), None),
    ],
)
def test_vc_2_0_test_suite_failures_are_reported(doc: dict[str, Any], field: str | None) -> None:
    problems = fields(doc)
    assert problems
    if field is not None:
        assert field in problems


@pytest.mark.parametrize("doc", [None, [], [ours()], "credential", 42, 1.5, True])
def test_non_object_is_not_a_credential(doc: object) -> None:
    assert validate_credential(doc) == [Problem("", "a credential must be a JSON object")]


def test_validate_or_raise() -> None:
    validate_or_raise(ours())
    with pytest.raises(CredentialValidationError) as caught:
        validate_or_raise(mutate(mutate(ours(), "validFrom"), "issuer.url", "nope"))
    assert [p.field for p in caught.value.problems] == ["validFrom", "issuer.url"]
    assert caught.value.http_status == 422
    assert caught.value.message == "validFrom: is required (and 1 more)"


# --- primitives ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-01T07:30:00Z", datetime(2025, 6, 1, 7, 30, tzinfo=UTC)),
        ("2025-06-01T09:30:00.123456789+02:00", datetime(2025, 6, 1, 7, 30, 0, 123456, tzinfo=UTC)),
        ("2025-06-01T00:00:00-14:00", datetime(2025, 6, 1, 14, tzinfo=UTC)),
        ("2024-02-29T24:00:00Z", datetime(2024, 3, 1, tzinfo=UTC)),
        ("2025-06-01T00:00:00", None),
        ("2025-06-01 00:00:00Z", None),
        ("2023-02-29T00:00:00Z", None),
        ("2025-06-01T00:00:00+14:30", None),
        ("2025-06-01T00:00:00z", None),
        ("12025-06-01T00:00:00Z", None),  # lexically fine, but beyond what we represent
        ("9999-12-31T24:00:00Z", None),
        ("9999-12-31T23:00:00-14:00", None),
        ("0001-01-01T00:00:00+14:00", None),
        ("0000-01-01T00:00:00Z", None),
        ("", None),
        (None, None),
        (20250601, None),
    ],
)
def test_parse_datetime_stamp(text: object, expected: datetime | None) -> None:
    parsed = parse_datetime_stamp(text)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://example.org/a", True),
        ("urn:uuid:0b9f3c52-7d4e-4f6a-9c1b-2e8d5a7f3b10", True),
        ("did:web:microcred.example:issuers:brightpath", True),
        ("data:image/png;base64,iVBORw0KGgo=", True),
        ("https ://not-a-url", False),
        ("fake-issuer", False),
        ("https://example.org/a b", False),
        ("https:", False),
        ("1https://x", False),
        ("", False),
        (None, False),
        (["https://example.org"], False),
    ],
)
def test_is_url(value: object, expected: bool) -> None:
    assert is_url(value) is expected


# --- robustness -----------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@context",
                    "id",
                    "type",
                    "issuer",
                    "name",
                    "validFrom",
                    "validUntil",
                    "credentialSubject",
                    "achievement",
                    "criteria",
                    "alignment",
                    "identifier",
                    "hashed",
                    "identityHash",
                    "result",
                    "resultDescription",
                    "evidence",
                    "credentialStatus",
                    "proof",
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
@given(_json)
def test_validation_never_raises(doc: object) -> None:
    for problem in validate_credential(doc):
        assert isinstance(problem.field, str)
        assert problem.message


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        [
            "issuer",
            "credentialSubject",
            _A,
            f"{_A}.criteria",
            f"{_A}.alignment",
            f"{_A}.resultDescription",
            "credentialSubject.result",
            "credentialSubject.identifier",
            "evidence",
            "credentialStatus",
            "type",
            "@context",
        ]
    ),
    _json,
)
def test_validation_never_raises_on_a_mutated_open_badge(path: str, value: object) -> None:
    validate_credential(mutate(ours(), path, value))


@settings(max_examples=300, deadline=None)
@given(st.from_regex(_values.DATETIME_STAMP_RE))
def test_any_lexical_datetime_stamp_parses_or_is_refused_without_raising(text: str) -> None:
    parsed = parse_datetime_stamp(text)
    assert parsed is None or parsed.utcoffset() == timedelta(0)
