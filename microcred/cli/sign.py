"""``microcred sign`` and ``microcred verify``: the credential core from the command line.

Exit codes of ``verify`` (DESIGN §4): 0 every credential verified (warnings included: a
warning never fails a verdict), 1 at least one did not, 2 at least one input was unusable
(unreadable, no credential: ``format.no_credential``, a format not verified yet:
``format.unsupported``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from credentials.documents.baking import extract_credential
from credentials.errors import MicrocredError, SigningError
from credentials.formats import load_supported
from credentials.proofs import JCS, RDFC, add_proof
from credentials.results import Outcome
from credentials.statuscheck import issuer_id
from credentials.validation import validate_credential
from credentials.verify import Verifier, load_credential
from microcred.cli import cli
from microcred.cli.keys import fail, open_key_store, pass_state
from microcred.cli.state import CliState

#: Upper bound on a file given to sign/verify (a baked PDF with fonts stays far below it).
MAX_INPUT_BYTES = 50 * 1024 * 1024


def read_input(path: str) -> bytes:
    """Bytes of ``path`` (or stdin for ``-``), refusing directories and oversize files."""
    if path == "-":
        return sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    file = Path(path)
    if not file.is_file():
        raise click.UsageError(f"{path}: no such file")
    if file.stat().st_size > MAX_INPUT_BYTES:
        raise click.UsageError(f"{path}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB")
    return file.read_bytes()


@cli.command()
@click.argument("file")
@click.option("--key", "key_name", required=True, help="Name of the key in the key store.")
@click.option(
    "--suite",
    type=click.Choice([RDFC, JCS]),
    default=RDFC,
    show_default=True,
    help="Data Integrity cryptosuite.",
)
@pass_state
def sign(state: CliState, file: str, key_name: str, suite: str) -> None:
    """Sign the credential in FILE ('-' for stdin); the signed JSON goes to stdout.

    The credential's issuer must be the key's did:key, and the credential must be
    well formed (VC 2.0 / Open Badges 3.0) with every term defined by its contexts.
    """
    try:
        document = load_credential(read_input(file))
        store = open_key_store(state)
        info = store.info(key_name)
        _check_signable(document, info.did)
        signed = add_proof(
            document,
            store.load(key_name),
            verification_method=info.verification_method,
            cryptosuite=suite,
        )
    except MicrocredError as exc:
        fail(exc)
    click.echo(json.dumps(signed, indent=2, ensure_ascii=False))


def _check_signable(document: Mapping[str, Any], controller: str) -> None:
    issuer = issuer_id(document)
    if issuer != controller:
        raise SigningError(
            f"the credential's issuer is {issuer!r}, but key belongs to {controller}; "
            f"set issuer (or issuer.id) to {controller} to sign with this key",
            field="issuer",
        )
    problems = validate_credential(document)
    if problems:
        listing = "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in problems)
        raise SigningError(f"the credential is not well formed: {listing}", field=problems[0].field)


def cli_verifier(state: CliState) -> Verifier:
    """The verifier the CLI uses: did:key offline; did:web and status lists over HTTPS.

    Fetches go through the SSRF guard (no private, loopback or link-local addresses).
    MICROCRED_ALLOW_PRIVATE_FETCH=1 lifts it, and allows plain http, for development only
    (the local demo serves its did:web and status lists on http://127.0.0.1:5000).
    """
    from microcred.platform.config import env_int, env_seconds
    from verifier.factory import build_verifier

    flag = os.environ.get("MICROCRED_ALLOW_PRIVATE_FETCH", "").strip().lower()
    development = flag in {"1", "true", "yes", "on"}  # anything else: the safe default
    return build_verifier(
        allow_private=development,
        allow_http=development,
        registries=os.environ.get("MICROCRED_TRUST_REGISTRIES") or None,
        deadline=env_seconds(os.environ, "MICROCRED_VERIFY_DEADLINE", 10.0),
        # --- v-status: an ecosystem's status list floor ---
        status_min_entries=env_int(os.environ, "MICROCRED_STATUS_MIN_ENTRIES", 131_072, minimum=8),
        # --- end v-status ---
    )


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
@pass_state
def verify(state: CliState, files: tuple[str, ...], as_json: bool) -> None:
    """Verify credentials in FILES: JSON, PDF certificates, baked PNG or SVG badges.

    Every check is reported. Exit status: 0 all verified, 1 any not verified,
    2 any file unusable.
    """
    try:
        verifier = cli_verifier(state)
    except MicrocredError as exc:  # a bad MICROCRED_VERIFY_DEADLINE or trust registry
        fail(exc)
    reports: list[dict[str, Any]] = []
    worst = 0
    for name in files:
        report, code = _verify_one(verifier, name)
        reports.append(report)
        worst = max(worst, code)
        if not as_json:
            _print_report(report)
    if as_json:
        click.echo(json.dumps({"verified": worst == 0, "results": reports}, indent=2))
    raise SystemExit(worst)


def _verify_one(verifier: Verifier, name: str) -> tuple[dict[str, Any], int]:
    try:
        data = read_input(name)
        kind, text = extract_credential(data, filename=name)
        # A JWT, an Open Badges 2.0 assertion or a file with no credential is named.
        result = verifier.verify(load_supported(text))
    except (MicrocredError, click.UsageError) as exc:
        if isinstance(exc, MicrocredError):
            report = {"file": name, "verified": False, "error": exc.message, "code": exc.code}
            if "format" in exc.details:
                report["format"] = exc.details["format"]
            return report, 2
        return {"file": name, "verified": False, "error": exc.format_message()}, 2
    report = {"file": name, "format": kind, **result.as_dict()}
    return report, 0 if result.verified else 1


_MARKS = {Outcome.PASSED.value: "✓", Outcome.FAILED.value: "✗", Outcome.SKIPPED.value: "–"}


def _print_report(report: Mapping[str, Any]) -> None:
    if "error" in report:
        headline = {
            "format.unsupported": "FORMAT NOT SUPPORTED YET",
            "format.no_credential": "NO CREDENTIAL",
        }.get(str(report.get("code")), "UNUSABLE INPUT")
        click.secho(f"{report['file']}: {headline}", fg="red", bold=True)
        code = f" [{report['code']}]" if report.get("code") else ""
        click.echo(f"  {report['error']}{code}")
        return
    colour = "green" if report["verified"] else "red"
    verdict = str(report["verdict"]).replace("_", " ").upper()
    click.secho(f"{report['file']}: {verdict}", fg=colour, bold=True)
    if report.get("credentialId"):
        click.echo(f"  credential {report['credentialId']} issued by {report.get('issuer')}")
    trust = report.get("trust") or {}
    if trust:
        # Who issued it, apart from the checks: a valid signature proves no identity.
        mark = "✓" if trust.get("trusted") else "!"
        click.echo(f"  {mark} {'trust':<10} {trust.get('message')}")
    for check in report["checks"]:
        mark = _MARKS.get(check["outcome"], "?")
        click.echo(f"  {mark} {check['check']:<10} {check['message']}")
    for error in report.get("errors", []):
        click.echo(f"  ✗ error      [{error['code']}] {error['meaning']}")
    for warning in report.get("warnings", []):
        # A warning never fails the verdict (nor the exit status): say what to check.
        click.secho(f"  ! warning    [{warning['code']}] {warning['meaning']}", fg="yellow")
        click.echo(f"               {warning['message']}")
