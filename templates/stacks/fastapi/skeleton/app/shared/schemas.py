"""Value types every slice's schemas share: bounded to what the database stores, strict about
the JSON type of each value (a number is not a date, `true` is not an integer)."""

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    HttpUrl,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)

# SQLite INTEGER and PostgreSQL BIGINT: 64-bit signed.
MIN_BIGINT = -(2**63)
MAX_BIGINT = 2**63 - 1
MAX_SEARCH_LENGTH = 200
MAX_LINKS = 100  # ids in one refs field (a many-to-many link list)
MAX_URL_LENGTH = 2083
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MONEY_DIGITS = 15  # at most 13 before the point and 2 after: cents fit a BIGINT
MONEY_PATTERN = r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$"
UNSIGNED_MONEY_PATTERN = MONEY_PATTERN.replace("-?", "")
JSON_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_DATETIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}"
_MONEY_FORM = 'a decimal string with at most 2 decimals, as "19.50"'
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def _text_form(pattern: str, what: str, parsed: type) -> Any:
    """A check that the value is text of the given form (or already `parsed`, as read back
    from the database): pydantic would also take a number as a date or an amount."""
    form = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, parsed):
            return value
        if not isinstance(value, str) or form.match(value) is None:
            raise ValueError(f"must be {what}")
        return value

    return check


def _json_number(value: object) -> object:
    # JSON Schema counts 2.0 as an integer, but "2" and true are not numbers.
    if isinstance(value, bool | str | bytes):
        raise ValueError("must be a JSON number")
    return value


def _to_utc(value: dt.datetime) -> dt.datetime:
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as error:  # year 1 at +01:00 is before the first UTC instant
        raise ValueError("is outside the range of UTC times") from error


def _http_url(value: str) -> str:
    return str(_HTTP_URL.validate_python(value))


def _id_set(ids: list[int]) -> list[int]:
    return sorted(set(ids))


JsonInt = Annotated[int, BeforeValidator(_json_number)]
# The ids of the rows a refs field links to: a set, answered in ascending order.
IdList = Annotated[
    list[Annotated[JsonInt, Field(ge=1, le=MAX_BIGINT)]],
    Field(max_length=MAX_LINKS),
    AfterValidator(_id_set),
]
JsonFloat = Annotated[float, BeforeValidator(_json_number)]
IsoDate = Annotated[dt.date, BeforeValidator(_text_form(_DATE, "an ISO 8601 date", dt.date))]
# Aware on input (an offset is required), stored and answered in UTC.
UtcDatetime = Annotated[
    AwareDatetime,
    BeforeValidator(_text_form(_DATETIME, "an ISO 8601 date-time", dt.date)),
    AfterValidator(_to_utc),
]
Money = Annotated[
    Decimal,
    BeforeValidator(_text_form(MONEY_PATTERN, _MONEY_FORM, Decimal)),
    Field(max_digits=MONEY_DIGITS, decimal_places=2),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["19.50"]}),
]
# Money that is never below zero: the pattern says so, as JSON Schema bounds only numbers.
UnsignedMoney = Annotated[
    Decimal,
    BeforeValidator(_text_form(UNSIGNED_MONEY_PATTERN, _MONEY_FORM, Decimal)),
    Field(max_digits=MONEY_DIGITS, decimal_places=2),
    WithJsonSchema({"type": "string", "pattern": UNSIGNED_MONEY_PATTERN, "examples": ["19.50"]}),
]
HttpUrlText = Annotated[
    str,
    AfterValidator(_http_url),
    Field(max_length=MAX_URL_LENGTH, json_schema_extra={"format": "uri"}),
]


class ListQuery(BaseModel):
    """The query parameters of a list route; a slice's filter adds its fields, `sort` and `q`.

    A field named like a column keeps the items equal to it, `<column>_min` and `<column>_max`
    bound it, and `q` finds the text in any of the `search` columns."""

    search: ClassVar[tuple[str, ...]] = ()


def json_bounds(schema: dict[str, Any]) -> None:
    """The JSON schema of a nullable bounded field: pydantic leaves the bounds under their
    Python names (`ge`) in the non-null option. A number's become JSON Schema's (`minimum`); a
    money amount is a string, which JSON Schema cannot bound, so its show as `x-minimum`."""
    for option in [schema, *schema.get("anyOf", [])]:
        for python_name, json_name in JSON_BOUNDS.items():
            if python_name not in option:
                continue
            value = option.pop(python_name)
            if option.get("type") in ("integer", "number"):
                option[json_name] = value
            else:
                option["x-" + json_name] = str(value)


def not_null(schema: dict[str, Any]) -> None:
    """The JSON schema of a PATCH field that may be left out but never set to null."""
    options = [o for o in schema.pop("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    schema.pop("default", None)
    json_bounds(schema)


class PatchBody(BaseModel):
    """A PATCH body: only the fields given change, and a `required` field cannot become null."""

    required: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _required_not_null(self) -> Self:
        nulls = [name for name in self.required if name in self.model_fields_set]
        nulls = [name for name in nulls if getattr(self, name) is None]
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self
