"""Persistence models of the issuing side (flask-sqlalchemy 3 / SQLAlchemy 2 typed mappings).

Every row belongs to one training provider (``issuer_id``), directly or through its parent;
services always filter by it, which is what keeps tenants apart.
"""

from issuer.models.accounts import (
    ROLES,
    AccountToken,
    ConsoleSession,
    Membership,
    OidcProvider,
    User,
)
from issuer.models.catalog import ACHIEVEMENT_TYPES, Competency, MicroCertification
from issuer.models.evidence import OUTCOMES, PLATFORMS, Assessment, Freelancer, GigProject
from issuer.models.former_dids import FormerDid
from issuer.models.issued import (
    MIN_STATUS_LIST_BITS,
    STATUS_PURPOSES,
    CredentialEvidence,
    IssuedCredential,
    StatusAllocation,
    StatusList,
    VerificationCount,
)
from issuer.models.mail import MAIL_KINDS, MAIL_STATES, MailDelivery, MailSettings  # fl-mail
from issuer.models.operations import (
    BULK_ITEM_STATES,
    BULK_JOB_STATES,
    AuditEvent,
    BulkItem,
    BulkJob,
    IdempotencyRecord,
)
from issuer.models.recipients import (  # fl-account: recipient accounts (issue 14)
    VISIBILITIES,
    CredentialChoice,
    RecipientAccount,
    RecipientLink,
    RecipientSession,
)
from issuer.models.tenancy import DID_METHODS, ApiKey, Issuer, SigningKey

# --- fl-webhooks: webhook endpoints, messages and attempts ---
from issuer.models.webhooks import WebhookAttempt, WebhookEndpoint, WebhookMessage

# --- end fl-webhooks ---

__all__ = [
    "ACHIEVEMENT_TYPES",
    "BULK_ITEM_STATES",
    "BULK_JOB_STATES",
    "DID_METHODS",
    "MAIL_KINDS",  # fl-mail
    "MAIL_STATES",  # fl-mail
    "MIN_STATUS_LIST_BITS",
    "OUTCOMES",
    "PLATFORMS",
    "ROLES",
    "STATUS_PURPOSES",
    "VISIBILITIES",  # fl-account
    "AccountToken",
    "ApiKey",
    "Assessment",
    "AuditEvent",
    "BulkItem",
    "BulkJob",
    "Competency",
    "ConsoleSession",
    "CredentialChoice",  # fl-account
    "CredentialEvidence",
    "FormerDid",
    "Freelancer",
    "GigProject",
    "IdempotencyRecord",
    "IssuedCredential",
    "Issuer",
    "MailDelivery",  # fl-mail
    "MailSettings",  # fl-mail
    "Membership",
    "MicroCertification",
    "OidcProvider",
    "RecipientAccount",  # fl-account
    "RecipientLink",  # fl-account
    "RecipientSession",  # fl-account
    "SigningKey",
    "StatusAllocation",
    "StatusList",
    "User",
    "VerificationCount",
    # --- fl-webhooks ---
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookMessage",
    # --- end fl-webhooks ---
]

# --- fl-wallet: wallet offers ---
from issuer.models.wallet import WALLET_PROTOCOLS, WalletNonce, WalletOffer

__all__ += ["WALLET_PROTOCOLS", "WalletNonce", "WalletOffer"]
# --- end fl-wallet ---

# --- fl-evidence: self-submitted evidence ---
from issuer.models.evidence import PROJECT_SOURCES  # noqa: E402
from issuer.models.submissions import (  # noqa: E402
    CLIENT_OUTCOMES,
    ClientConfirmation,
    SubmittedCompetency,
)

__all__ += ["CLIENT_OUTCOMES", "PROJECT_SOURCES", "ClientConfirmation", "SubmittedCompetency"]
# --- end fl-evidence ---
