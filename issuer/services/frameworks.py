"""Skill-framework presets for competency alignments (OB 3.0 ``Alignment``).

A coordinator knows a framework entry by its code (an ESCO skill's UUID, an O*NET-SOC
code); the preset turns the code into the entry's canonical URL and names the framework,
so the console asks for one value instead of three. The shape of each code is checked here
because a mistyped code would otherwise become a dead link inside every signed credential.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from microcred.platform.refusals import UnprocessableError


@dataclass(frozen=True, slots=True)
class Preset:
    key: str
    framework: str
    url_pattern: str  # "{code}" is replaced by the entry's code
    code_pattern: re.Pattern[str]
    code_example: str

    def url(self, code: str) -> str:
        return self.url_pattern.format(code=code)


PRESETS: dict[str, Preset] = {
    preset.key: preset
    for preset in (
        Preset(
            "esco",
            "ESCO",
            "http://data.europa.eu/esco/skill/{code}",
            re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
            "ccd0a1d9-afda-43d9-b901-96344886e14d",
        ),
        Preset(
            "onet",
            "O*NET-SOC",
            "https://www.onetonline.org/link/summary/{code}",
            re.compile(r"\d{2}-\d{4}\.\d{2}"),
            "15-1252.00",
        ),
    )
}


def preset_of(framework: str | None, url: str | None) -> str:
    """Which preset a stored alignment came from ("" when none matches), for editing."""
    for preset in PRESETS.values():
        if framework == preset.framework and url and url.startswith(preset.url("")):
            return preset.key
    return ""


def alignment(
    preset_key: str,
    *,
    target_name: str,
    code: str | None,
    url: str | None,
    framework: str | None,
    field: str,
) -> dict[str, str | None]:
    """The alignment mapping the certification service stores.

    With a preset, ``code`` is required and the URL and framework name come from the
    preset; without one, ``url`` is required and the rest is as given.
    """
    code = (code or "").strip() or None
    if preset_key:
        preset = PRESETS.get(preset_key)
        if preset is None:
            raise UnprocessableError(f"unknown skill framework {preset_key!r}", field=field)
        if code is not None and preset.framework == "ESCO":
            code = code.lower()
        if code is None or not preset.code_pattern.fullmatch(code):
            raise UnprocessableError(
                f"a {preset.framework} code looks like {preset.code_example}",
                field=f"{field}.targetCode",
            )
        return {
            "target_name": target_name,
            "target_url": preset.url(code),
            "target_framework": preset.framework,
            "target_code": code,
        }
    url = (url or "").strip() or None
    if url is None or not re.fullmatch(r"https?://\S+", url):
        raise UnprocessableError(
            "an alignment needs the framework entry's web address (http or https)",
            field=f"{field}.targetUrl",
        )
    return {
        "target_name": target_name,
        "target_url": url,
        "target_framework": (framework or "").strip() or None,
        "target_code": code,
    }
