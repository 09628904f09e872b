"""Configuration from the environment (12-factor), checked before the app serves anything.

``load_config(environ)`` turns environment variables into Flask config keys; the app
factory applies test/CLI overrides on top and then calls ``finalize_config``, which
normalises values and, in production, refuses unsafe settings with a ConfigurationError
that names the variable to fix.

Variables (default in brackets):

- MICROCRED_ENV: development, production or testing [development]
- DATABASE_URL: SQLAlchemy URL; postgres:// and postgresql:// use psycopg 3
  [SQLite file microcred.db in the instance folder]
- MICROCRED_BASE_URL: public base URL in ids, QR codes, did:web [the one `microcred init`
  recorded, else http://127.0.0.1:5000]
- SECRET_KEY: Flask secret [development value; refused in production]
- MICROCRED_KEY_PASSPHRASE: encrypts issuers' private keys at rest
  [development value; refused in production]
- MICROCRED_KEYS_DIR: file key store [./keys]
- MICROCRED_ALLOW_PRIVATE_FETCH: did:web/status fetches may reach loopback; development
  only [false]
- RATELIMIT_STORAGE_URI: memory:// for one process, redis://… for several [memory://]
- RATELIMIT_ENABLED: rate limiting on or off [true; false when testing]
- MICROCRED_PUBLIC_RATELIMIT: per client address on public endpoints [300 per minute]
- MICROCRED_API_RATELIMIT: per API key on /api/v1 [1200 per minute]
- MAX_CONTENT_LENGTH: largest request body, uploads included, in bytes [10 MiB]
- MICROCRED_API_MAX_BODY: largest JSON body on /api/v1, in bytes [1 MiB]
- MICROCRED_TRUSTED_PROXIES: reverse proxies in front whose X-Forwarded-* to trust [0]
- MICROCRED_IDEMPOTENCY_TTL_HOURS: how long Idempotency-Key responses are kept [24]
- MICROCRED_API_KEY_LIFETIME_DAYS: how long a new API key is valid; 0 for no expiry [90]
- MICROCRED_API_KEY_ROTATION_GRACE_HOURS: how long a rotated API key keeps working [24]
- MICROCRED_INSTANCE_PATH: the instance folder [instance/ of a checkout; for an install
  $XDG_DATA_HOME/microcred, else ~/.local/share/microcred]
- MICROCRED_VERIFY_DEADLINE: seconds one verification may take, every fetch included [10]
- MICROCRED_TRUST_REGISTERED: issuers registered here are a trust source [true]
- MICROCRED_STATUS_MIN_ENTRIES: the herd-privacy floor of status lists; a shorter one is
  read with the warning status.list_short (an ecosystem's lower bound, e.g. 100000 for
  the DCC's, silences it) [131072]
- MICROCRED_TRUST_REGISTRIES: trust registries, a JSON list or the path of a JSON file
  of {"name", "url"} or {"name", "file"} entries (docs/VERIFYING.md) [none]
- MICROCRED_DB_CONNECT_TIMEOUT, MICROCRED_DB_STATEMENT_TIMEOUT: PostgreSQL connection and
  statement timeouts in seconds [2, 3]; MICROCRED_DB_BUSY_TIMEOUT: SQLite's wait for
  another writer [10]; MICROCRED_REDIS_TIMEOUT: connect and reply timeout of the Redis
  rate-limit storage [1] (docs/DEPLOYMENT.md, "Faults and health")
- MICROCRED_SMTP_URL: smtp://user:pass@host:port (``?starttls=1``; smtps:// for TLS from
  the start) for the console's mail [none: messages and their links go to the log]
- MICROCRED_MAIL_FROM: the From of every message [microcred <noreply@localhost>]
- (fl-mail) MICROCRED_EXPIRY_NOTICE_DAYS: freelancers are told this many days before
  their credential expires [30]; MICROCRED_MAIL_OUTBOX: with no SMTP URL, mail is written
  there as .eml files [<instance>/outbox in development; none when testing; refused in
  production] (docs/RECIPIENTS.md)
- MICROCRED_CONSOLE_SIGNIN_RATELIMIT: console sign-in attempts per client address
  [10 per minute]; MICROCRED_CONSOLE_LOCK_AFTER failed sign-ins lock an account for
  MICROCRED_CONSOLE_LOCK_MINUTES [5, 15]; a console session ends after
  MICROCRED_CONSOLE_IDLE_MINUTES idle or MICROCRED_CONSOLE_SESSION_HOURS in all [30, 12]
- fl-account: MICROCRED_ACCOUNT_SIGNIN_RATELIMIT: freelancer sign-in requests per client
  address [10 per minute]; MICROCRED_ACCOUNT_LINK_RATELIMIT: sign-in links per e-mail
  address [5 per hour]; an account session ends after MICROCRED_ACCOUNT_IDLE_MINUTES idle
  or MICROCRED_ACCOUNT_SESSION_HOURS in all [60, 24] (docs/RECIPIENTS.md);
  MICROCRED_ACCOUNT_WALLET_RATELIMIT: "Send to wallet" offers per account [20 per hour]
- fl-evidence: MICROCRED_EVIDENCE_SUBMIT_RATELIMIT: self-submitted projects and clients'
  answers per client address [20 per hour] (docs/RECIPIENTS.md)
- fl-privacy-self: MICROCRED_ACCOUNT_PRIVACY_RATELIMIT: a freelancer's exports and
  erasure attempts per client address [10 per hour]; erasing needs a sign-in within
  MICROCRED_ACCOUNT_REAUTH_MINUTES [15] (docs/RECIPIENTS.md)
- MICROCRED_CONSOLE_PREVIEW_RATELIMIT: certificate design previews per console account
  [60 per minute]
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from credentials.errors import ConfigurationError
from credentials.keys import PASSPHRASE_ENV, key_passphrase
from microcred.platform.db import (
    DEFAULT_BUSY_TIMEOUT,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_STATEMENT_TIMEOUT,
    engine_options,
    normalize_database_url,
)

ENVIRONMENTS = ("development", "production", "testing")

#: Used outside production when SECRET_KEY is unset; production refuses it.
DEV_SECRET_KEY = "microcred-development-secret-key-do-not-use-in-production"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 32

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_DATABASE_URL = "sqlite:///microcred.db"  # relative: flask-sqlalchemy puts it in instance/
MIB = 1024 * 1024

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def env_flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}", field=name)


def env_int(environ: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, not {raw!r}", field=name) from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, not {value}", field=name)
    return value


def env_seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds (at most an hour)."""
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(
            f"{name} must be a number of seconds, not {raw!r}", field=name
        ) from None
    if not 0 < value <= 3600:
        raise ConfigurationError(
            f"{name} must be between 0 and 3600 seconds, not {raw}", field=name
        )
    return value


def load_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """Flask config keys from environment variables (nothing is validated for production yet)."""
    env = environ.get("MICROCRED_ENV", "development").strip().lower() or "development"
    testing = env == "testing"
    return {
        "MICROCRED_ENV": env,
        "TESTING": testing,
        "SECRET_KEY": environ.get("SECRET_KEY") or None,
        "MICROCRED_KEY_PASSPHRASE": environ.get(PASSPHRASE_ENV) or None,
        "SQLALCHEMY_DATABASE_URI": environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        "MICROCRED_BASE_URL": environ.get("MICROCRED_BASE_URL") or DEFAULT_BASE_URL,
        "MICROCRED_KEYS_DIR": environ.get("MICROCRED_KEYS_DIR") or "keys",
        "MICROCRED_ALLOW_PRIVATE_FETCH": env_flag(
            environ, "MICROCRED_ALLOW_PRIVATE_FETCH", default=False
        ),
        "RATELIMIT_ENABLED": env_flag(environ, "RATELIMIT_ENABLED", default=not testing),
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "microcred",
        "MICROCRED_PUBLIC_RATELIMIT": environ.get("MICROCRED_PUBLIC_RATELIMIT") or "300 per minute",
        "MICROCRED_API_RATELIMIT": environ.get("MICROCRED_API_RATELIMIT") or "1200 per minute",
        "MAX_CONTENT_LENGTH": env_int(environ, "MAX_CONTENT_LENGTH", 10 * MIB, minimum=1024),
        "MICROCRED_API_MAX_BODY": env_int(environ, "MICROCRED_API_MAX_BODY", MIB, minimum=1024),
        "MICROCRED_TRUSTED_PROXIES": env_int(environ, "MICROCRED_TRUSTED_PROXIES", 0),
        "MICROCRED_IDEMPOTENCY_TTL_HOURS": env_int(
            environ, "MICROCRED_IDEMPOTENCY_TTL_HOURS", 24, minimum=1
        ),
        "MICROCRED_API_KEY_LIFETIME_DAYS": env_int(environ, "MICROCRED_API_KEY_LIFETIME_DAYS", 90),
        "MICROCRED_API_KEY_ROTATION_GRACE_HOURS": env_int(
            environ, "MICROCRED_API_KEY_ROTATION_GRACE_HOURS", 24
        ),
        "MICROCRED_VERIFY_DEADLINE": env_seconds(environ, "MICROCRED_VERIFY_DEADLINE", 10.0),
        "MICROCRED_TRUST_REGISTERED": env_flag(environ, "MICROCRED_TRUST_REGISTERED", default=True),
        # --- v-status: an ecosystem's status list floor (docs/VERIFYING.md, Supported formats) ---
        "MICROCRED_STATUS_MIN_ENTRIES": env_int(
            environ, "MICROCRED_STATUS_MIN_ENTRIES", 131_072, minimum=8
        ),
        # --- end v-status ---
        "MICROCRED_TRUST_REGISTRIES": environ.get("MICROCRED_TRUST_REGISTRIES") or None,
        "MICROCRED_DB_CONNECT_TIMEOUT": env_seconds(
            environ, "MICROCRED_DB_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT
        ),
        "MICROCRED_DB_STATEMENT_TIMEOUT": env_seconds(
            environ, "MICROCRED_DB_STATEMENT_TIMEOUT", DEFAULT_STATEMENT_TIMEOUT
        ),
        "MICROCRED_DB_BUSY_TIMEOUT": env_seconds(
            environ, "MICROCRED_DB_BUSY_TIMEOUT", DEFAULT_BUSY_TIMEOUT
        ),
        "MICROCRED_REDIS_TIMEOUT": env_seconds(environ, "MICROCRED_REDIS_TIMEOUT", 1.0),
        # A rate-limit failure is logged and the request served, never a 500.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "MICROCRED_QUEUE_URL": environ.get("MICROCRED_QUEUE_URL") or None,  # see platform.queue
        "MICROCRED_QUEUE_NAME": environ.get("MICROCRED_QUEUE_NAME") or "microcred",
        "MICROCRED_BULK_LEASE_SECONDS": env_seconds(environ, "MICROCRED_BULK_LEASE_SECONDS", 60.0),
        # Mail (microcred.platform.mail): without an SMTP URL, messages go to the log.
        "MICROCRED_SMTP_URL": environ.get("MICROCRED_SMTP_URL") or None,
        "MICROCRED_MAIL_FROM": environ.get("MICROCRED_MAIL_FROM")
        or "microcred <noreply@localhost>",
        # --- fl-mail: mail to freelancers (issuer.mail_delivery, docs/RECIPIENTS.md) ---
        "MICROCRED_EXPIRY_NOTICE_DAYS": env_int(
            environ, "MICROCRED_EXPIRY_NOTICE_DAYS", 30, minimum=1
        ),
        "MICROCRED_MAIL_OUTBOX": environ.get("MICROCRED_MAIL_OUTBOX") or None,
        # --- end fl-mail ---
        # --- fl-webhooks: delivery retries and when an endpoint is turned off ---
        "MICROCRED_WEBHOOK_RETRIES": env_int(environ, "MICROCRED_WEBHOOK_RETRIES", 6),
        "MICROCRED_WEBHOOK_RETRY_DELAY": env_seconds(
            environ, "MICROCRED_WEBHOOK_RETRY_DELAY", 30.0
        ),
        "MICROCRED_WEBHOOK_DISABLE_AFTER": env_int(
            environ, "MICROCRED_WEBHOOK_DISABLE_AFTER", 5, minimum=1
        ),
        # --- end fl-webhooks ---
        # The console (docs/CONSOLE.md): sign-in protection and session lifetimes.
        "MICROCRED_CONSOLE_SIGNIN_RATELIMIT": environ.get("MICROCRED_CONSOLE_SIGNIN_RATELIMIT")
        or "10 per minute",
        # --- certificate design: previews per account (docs/CONSOLE.md) ---
        "MICROCRED_CONSOLE_PREVIEW_RATELIMIT": environ.get("MICROCRED_CONSOLE_PREVIEW_RATELIMIT")
        or "60 per minute",
        "MICROCRED_CONSOLE_LOCK_AFTER": env_int(
            environ, "MICROCRED_CONSOLE_LOCK_AFTER", 5, minimum=1
        ),
        "MICROCRED_CONSOLE_LOCK_MINUTES": env_int(
            environ, "MICROCRED_CONSOLE_LOCK_MINUTES", 15, minimum=1
        ),
        "MICROCRED_CONSOLE_IDLE_MINUTES": env_int(
            environ, "MICROCRED_CONSOLE_IDLE_MINUTES", 30, minimum=1
        ),
        "MICROCRED_CONSOLE_SESSION_HOURS": env_int(
            environ, "MICROCRED_CONSOLE_SESSION_HOURS", 12, minimum=1
        ),
        # --- fl-account: the freelancer's account (docs/RECIPIENTS.md) ---
        "MICROCRED_ACCOUNT_SIGNIN_RATELIMIT": environ.get("MICROCRED_ACCOUNT_SIGNIN_RATELIMIT")
        or "10 per minute",
        "MICROCRED_ACCOUNT_LINK_RATELIMIT": environ.get("MICROCRED_ACCOUNT_LINK_RATELIMIT")
        or "5 per hour",
        "MICROCRED_ACCOUNT_WALLET_RATELIMIT": environ.get("MICROCRED_ACCOUNT_WALLET_RATELIMIT")
        or "20 per hour",
        "MICROCRED_ACCOUNT_IDLE_MINUTES": env_int(
            environ, "MICROCRED_ACCOUNT_IDLE_MINUTES", 60, minimum=1
        ),
        "MICROCRED_ACCOUNT_SESSION_HOURS": env_int(
            environ, "MICROCRED_ACCOUNT_SESSION_HOURS", 24, minimum=1
        ),
        # --- end fl-account ---
        # --- fl-privacy-self: the freelancer's export and erasure (docs/RECIPIENTS.md) ---
        "MICROCRED_ACCOUNT_PRIVACY_RATELIMIT": environ.get("MICROCRED_ACCOUNT_PRIVACY_RATELIMIT")
        or "10 per hour",
        "MICROCRED_ACCOUNT_REAUTH_MINUTES": env_int(
            environ, "MICROCRED_ACCOUNT_REAUTH_MINUTES", 15, minimum=1
        ),
        # --- end fl-privacy-self ---
        # --- fl-evidence: self-submitted evidence (docs/RECIPIENTS.md) ---
        "MICROCRED_EVIDENCE_SUBMIT_RATELIMIT": environ.get("MICROCRED_EVIDENCE_SUBMIT_RATELIMIT")
        or "20 per hour",
        # --- end fl-evidence ---
        # Rendering budget (credentials.documents.render_pool; docs/DEPLOYMENT.md).
        "MICROCRED_RENDER_ISOLATED": env_flag(environ, "MICROCRED_RENDER_ISOLATED", default=True),
        "MICROCRED_RENDER_SECONDS": env_seconds(environ, "MICROCRED_RENDER_SECONDS", 5.0),
        "MICROCRED_RENDER_MEMORY_MB": env_int(
            environ, "MICROCRED_RENDER_MEMORY_MB", 1024, minimum=256
        ),
        "MICROCRED_RENDER_WORKERS": env_int(environ, "MICROCRED_RENDER_WORKERS", 2, minimum=1),
        "MICROCRED_RENDER_QUEUE_SECONDS": env_seconds(
            environ, "MICROCRED_RENDER_QUEUE_SECONDS", 5.0
        ),
        # flask-smorest: the OpenAPI document lives at /api/v1/openapi.json.
        "API_TITLE": "microcred issuer API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "SQLALCHEMY_RECORD_QUERIES": False,
    }


def finalize_config(config: MutableMapping[str, Any]) -> None:
    """Normalise the merged config and enforce the production rules (raises ConfigurationError)."""
    env = str(config.get("MICROCRED_ENV", "development"))
    if env not in ENVIRONMENTS:
        raise ConfigurationError(
            f"MICROCRED_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}",
            field="MICROCRED_ENV",
        )
    production = env == "production"
    if production:
        _check_secret_key(config.get("SECRET_KEY"))
    config["SECRET_KEY"] = config.get("SECRET_KEY") or DEV_SECRET_KEY
    config["MICROCRED_KEY_PASSPHRASE"] = _passphrase(config.get("MICROCRED_KEY_PASSPHRASE"), env)
    config["MICROCRED_BASE_URL"] = _check_base_url(str(config["MICROCRED_BASE_URL"]), production)
    if production and config.get("MICROCRED_ALLOW_PRIVATE_FETCH"):
        raise ConfigurationError(
            "MICROCRED_ALLOW_PRIVATE_FETCH is for development only; unset it in production",
            field="MICROCRED_ALLOW_PRIVATE_FETCH",
        )
    if production and config.get("MICROCRED_VERIFIER_FETCHER") is not None:
        raise ConfigurationError(
            "MICROCRED_VERIFIER_FETCHER replaces the verifier's fetcher for tests only; "
            "remove it in production",
            field="MICROCRED_VERIFIER_FETCHER",
        )
    # --- fl-webhooks: the webhooks' test fetcher ---
    if production and config.get("MICROCRED_WEBHOOK_FETCHER") is not None:
        raise ConfigurationError(
            "MICROCRED_WEBHOOK_FETCHER replaces the webhooks' fetcher for tests only; "
            "remove it in production",
            field="MICROCRED_WEBHOOK_FETCHER",
        )
    # --- end fl-webhooks ---
    uri = normalize_database_url(str(config["SQLALCHEMY_DATABASE_URI"]))
    config["SQLALCHEMY_DATABASE_URI"] = uri
    config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        engine_options(
            uri,
            connect_timeout=float(config["MICROCRED_DB_CONNECT_TIMEOUT"]),
            statement_timeout=float(config["MICROCRED_DB_STATEMENT_TIMEOUT"]),
        ),
    )
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis", "valkey")):
        redis_timeout = float(config["MICROCRED_REDIS_TIMEOUT"])
        # Redis down: count limits per process in memory (logged) until it is back.
        config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"socket_connect_timeout": redis_timeout, "socket_timeout": redis_timeout},
        )
    config["MICROCRED_KEYS_DIR"] = str(Path(str(config["MICROCRED_KEYS_DIR"])).resolve())
    _check_rate_limit_storage(str(config.get("RATELIMIT_STORAGE_URI") or "memory://"))


#: Rate-limit storage schemes (flask-limiter's ``limits``) and the extra that installs
#: their client library.
_STORAGE_EXTRAS = {"redis": ("redis", "redis"), "rediss": ("redis", "redis")}


def _check_rate_limit_storage(uri: str) -> None:
    """A storage whose client library is missing is refused here, naming the extra to
    install, rather than as a traceback from deep inside flask-limiter."""
    scheme = urlsplit(uri).scheme.split("+", 1)[0].lower()
    if scheme not in _STORAGE_EXTRAS:
        return
    module, extra = _STORAGE_EXTRAS[scheme]
    if importlib.util.find_spec(module) is None:
        raise ConfigurationError(
            f"RATELIMIT_STORAGE_URI={scheme}://… needs the {module!r} package, which is not "
            f"installed: pip install 'microcred[{extra}]' (or unset RATELIMIT_STORAGE_URI "
            "for memory://, one process only)",
            field="RATELIMIT_STORAGE_URI",
        )


def _check_secret_key(value: object) -> None:
    if not value:
        raise ConfigurationError(
            "SECRET_KEY must be set in production (a random string of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters)",
            field="SECRET_KEY",
        )
    if value == DEV_SECRET_KEY:
        raise ConfigurationError(
            "SECRET_KEY is the published development value; set a random secret in production",
            field="SECRET_KEY",
        )
    if not isinstance(value, str) or len(value) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"SECRET_KEY is too short for production; use at least {MIN_SECRET_KEY_LENGTH} "
            "random characters",
            field="SECRET_KEY",
        )


def _passphrase(value: object, env: str) -> bytes:
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    environ = {PASSPHRASE_ENV: value} if isinstance(value, str) and value else {}
    return key_passphrase(environ, production=env == "production")


def _check_base_url(url: str, production: bool) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"MICROCRED_BASE_URL must be an absolute http(s) URL, not {url!r}",
            field="MICROCRED_BASE_URL",
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(
            "MICROCRED_BASE_URL must not have a query or fragment", field="MICROCRED_BASE_URL"
        )
    if production and parts.scheme == "http" and parts.hostname not in _LOCAL_HOSTS:
        raise ConfigurationError(
            f"MICROCRED_BASE_URL {url!r} uses http:// for a public host; production needs "
            "https:// (did:web resolves over HTTPS only)",
            field="MICROCRED_BASE_URL",
        )
    return url.rstrip("/")


#: The checkout this package runs from, if any (an installed package has no pyproject.toml
#: two folders up).
_CHECKOUT = Path(__file__).resolve().parents[2]


def instance_path_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The instance folder (SQLite database, issuers' encrypted keys), absolute.

    MICROCRED_INSTANCE_PATH if set; else ``instance/`` of the checkout when running from
    one (``make run``); else, for an install, ``$XDG_DATA_HOME/microcred`` or
    ``~/.local/share/microcred``: never inside the venv, which Flask's own default
    (``<venv>/var/microcred-instance``) would be, so recreating the venv loses nothing.
    """
    env = environ if environ is not None else os.environ
    raw = env.get("MICROCRED_INSTANCE_PATH")
    if raw:
        return str(Path(raw).expanduser().resolve())
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "microcred").is_dir():
        return str(_CHECKOUT / "instance")
    xdg = env.get("XDG_DATA_HOME", "")
    data_home = Path(xdg) if Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return str(data_home / "microcred")
