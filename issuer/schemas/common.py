"""Building blocks of the API schemas: camelCase names, strict input, reusable fields.

Input schemas reject unknown fields (``unknown=RAISE``) so a typo is reported rather than
ignored; output-only fields are ``dump_only`` (sending them is an "unknown field" error)
and secrets ``load_only``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from credentials.errors import MicrocredError
from issuer.services import images
from issuer.services.freelancers import DID_PATTERN, HANDLE_PATTERN
from issuer.services.issuers import SLUG_PATTERN
from issuer.services.projects import NOT_IN_IRI

COLOR_PATTERN = re.compile(r"#[0-9a-fA-F]{6}")


def camelcase(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class BaseSchema(ma.Schema):
    """camelCase JSON names for snake_case attributes; unknown fields are errors."""

    class Meta:
        unknown = ma.RAISE

    error_messages = {"type": "Expected a JSON object."}  # noqa: RUF012 - marshmallow API

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.data_key = camelcase(field_obj.data_key or field_name)


class Trimmed(fields.String):
    """A string with surrounding whitespace removed; blank means null where null is allowed
    and is refused elsewhere."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if text:
            return text
        if self.allow_none:
            return None
        raise ma.ValidationError("Must not be blank.")

    def _validate(self, value: Any) -> None:
        # A blank value became null above: the validators (Length…) are for text, and
        # marshmallow would run them on that None (a TypeError, answered with a 500).
        if value is not None:
            super()._validate(value)


class WholeMatch(validate.Regexp):
    """``validate.Regexp`` with the whole value matched.

    marshmallow's Regexp uses ``re.match``, which anchors only the start: the handle
    ``abc<script>`` passed. The pattern is wrapped in ``^(?:…)$`` so the OpenAPI document
    (JSON Schema ``pattern`` is a search, not a match) says the same, and it is applied
    with ``fullmatch`` (``$`` alone would still let a trailing newline through).
    """

    def __init__(self, regex: re.Pattern[str], *, error: str) -> None:
        super().__init__(re.compile(rf"^(?:{regex.pattern})$", regex.flags), error=error)

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(str(value)))
        return value


def text(max_length: int, **kwargs: Any) -> Trimmed:
    return Trimmed(validate=validate.Length(max=max_length), **kwargs)


def required_text(max_length: int, **kwargs: Any) -> Trimmed:
    return Trimmed(required=True, validate=validate.Length(min=1, max=max_length), **kwargs)


#: What an IRI may not hold (RFC 3987; the RDF IRI production of N-Quads): marshmallow's
#: Url accepts ``https://example.com/a">b``, which rdfc issuance then refuses as an IRI.
#: One rule, in the service the console's project form calls too.
_NOT_IN_IRI = NOT_IN_IRI


def _check_iri(value: str) -> None:
    found = _NOT_IN_IRI.search(value)
    if found is not None:
        raise ma.ValidationError(
            f"Not a valid URL: {found.group()!r} is not allowed in a URL; percent-encode it."
        )


def web_url(**kwargs: Any) -> fields.Url:
    """An http(s) URL that credentials can carry as an IRI (signed with either suite)."""
    return fields.Url(
        schemes={"http", "https"},
        require_tld=False,
        validate=[validate.Length(max=500), _check_iri],
        **kwargs,
    )


def _metadata(kwargs: dict[str, Any], **defaults: Any) -> dict[str, Any]:
    return {**defaults, **kwargs.pop("metadata", {})}


class SanitisedImage(fields.String):
    """An image field whose SVG uploads are stored sanitised (see ISSUING.md, "Images").

    An SVG ``data:`` URI goes through ``credentials.documents.svg_sanitise`` (an allowlist:
    no scripts, handlers or outside references; no entities; the rasteriser's limits) and
    is drawn once at badge size within the render budget, so a bomb or an image too costly
    to draw is refused here (422, naming the problem) rather than at every badge request.
    The stored value is the sanitised SVG as a base64 ``data:`` URI.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return images.checked_image(text)  # the rule the console's uploads share
        except MicrocredError as exc:
            raise ma.ValidationError(exc.message) from None


def image_field(**kwargs: Any) -> fields.String:
    metadata = _metadata(
        kwargs,
        description="PNG/SVG data: URI or https URL; an SVG is stored sanitised",
        format="uri",
    )
    return SanitisedImage(metadata=metadata, **kwargs)


def did_field(**kwargs: Any) -> fields.String:
    metadata = _metadata(kwargs, example="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
    return fields.String(
        validate=[
            validate.Length(max=500),
            WholeMatch(DID_PATTERN, error="Not a valid DID (did:method:identifier)."),
        ],
        metadata=metadata,
        **kwargs,
    )


def slug_field(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=WholeMatch(
            SLUG_PATTERN,
            error="Use 1-63 lower-case letters, digits and hyphens, "
            "starting and ending with a letter or digit.",
        ),
        **kwargs,
    )


def handle_field(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=WholeMatch(
            HANDLE_PATTERN,
            error="Use 3-40 lower-case letters, digits and hyphens, "
            "starting and ending with a letter or digit.",
        ),
        **kwargs,
    )


def color_field(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=WholeMatch(COLOR_PATTERN, error="Use a #rrggbb colour."), **kwargs
    )


class NonEmptyUpdateSchema(BaseSchema):
    """A PATCH body: every field optional, but at least one must be sent."""

    @ma.validates_schema
    def _not_empty(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ma.ValidationError("Send at least one field to change.", "_schema")


# --- pagination ---------------------------------------------------------------------------


#: The highest page number a list accepts. A page past the last one is an empty page, but an
#: absurd number (10**36) would overflow the database's OFFSET: refused with a 422.
MAX_PAGE = 1_000_000


def page_field() -> fields.Integer:
    return fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


class PageArgsSchema(BaseSchema):
    page = page_field()
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PaginationSchema(BaseSchema):
    page = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True, metadata={"description": "Items in all pages"})
    pages = fields.Integer(dump_only=True)


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """``{"items": [...], "pagination": {...}}`` for ``item_schema``, named for the spec."""
    return type(
        name,
        (BaseSchema,),
        {
            "items": fields.List(fields.Nested(item_schema), dump_only=True),
            "pagination": fields.Nested(PaginationSchema, dump_only=True),
        },
    )
