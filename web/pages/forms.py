"""The page kit: a form is a pydantic model, a list filter is a pydantic model.

``read_form`` parses a posted form into its model and answers per-field Chinese
errors, so the page re-renders the form with them. ``field_errors`` turns the one
kind of business error a page handles itself (an error about a field of the form)
into those errors; every other error reaches ``web/errors.py``. ``ListFilters`` is
the base of every list page's query: a blank value (a dropdown left on 全部) is no
filter. ``listing`` is the context of a list with its one pager (``_pager.html``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from matchmaking.common.pagination import Page
from matchmaking.common.validation import FIELD_LABELS, validation_details
from matchmaking.exceptions import Forbidden, MatchmakingError, NotFound, Unauthorized

F = TypeVar("F", bound=BaseModel)
CSRF_FIELD = "csrf_token"


@dataclass
class Submitted(Generic[F]):
    """A posted form: what was typed (to show again), the model if valid, errors by field."""

    values: dict[str, Any]
    data: F | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.errors

    @contextmanager
    def field_errors(self) -> Iterator[None]:
        """Run a service call; an error about a field of this form is shown next to it.

        Login, permission and not-found errors are not the form's: they propagate.
        """
        try:
            yield
        except MatchmakingError as exc:
            if exc.field is None or isinstance(exc, Unauthorized | Forbidden | NotFound):
                raise
            self.errors[exc.field] = exc.message


def _errors(exc: ValidationError) -> dict[str, str]:
    """Errors by field in Chinese, without the label the form shows beside the field anyway."""
    errors: dict[str, str] = {}
    for detail in validation_details(exc.errors()):
        name = str(detail["field"]).split(".")[0]
        label = FIELD_LABELS.get(name, name)
        errors.setdefault(name, str(detail["message"]).removeprefix(f"{label}："))
    return errors


def _input(model: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """Form strings to model input: a blank required field is missing (“必填”), a blank
    optional one is its ``None`` when it has one, else the blank string."""
    data: dict[str, Any] = {}
    for name, value in values.items():
        spec = model.model_fields.get(name)
        if value not in ("", []) or spec is None:
            data[name] = value
        elif spec.is_required():
            continue
        elif spec.default is None:
            data[name] = None
        else:
            data[name] = value
    return data


def parse_values(
    model: type[F],
    values: dict[str, Any],
    *,
    check: Callable[[dict[str, Any]], dict[str, str]] | None = None,
) -> Submitted[F]:
    """Validate form values against ``model``; ``check`` adds errors comparing fields."""
    submitted: Submitted[F] = Submitted(values)
    try:
        submitted.data = model.model_validate(_input(model, values))
    except ValidationError as exc:
        submitted.errors = _errors(exc)
    if check is not None:
        for name, message in check(values).items():
            submitted.errors.setdefault(name, message)
    return submitted


async def read_form(
    request: Request,
    model: type[F],
    *,
    fixed: dict[str, Any] | None = None,
    multi: tuple[str, ...] = (),
    check: Callable[[dict[str, Any]], dict[str, str]] | None = None,
) -> Submitted[F]:
    """The posted form parsed into ``model``: stripped strings (lists for ``multi``
    fields), ``fixed`` values laid over what was posted (e.g. the user's organization)."""
    form = await request.form()
    values: dict[str, Any] = {name: [] for name in multi}
    for key in form:
        if key == CSRF_FIELD:
            continue
        if key in multi:
            values[key] = [str(v) for v in form.getlist(key) if str(v).strip()]
        else:
            raw = form.get(key)
            values[key] = raw.strip() if isinstance(raw, str) else ""
    values.update(fixed or {})
    return parse_values(model, values, check=check)


# -- list filters -----------------------------------------------------------------------
class ListFilters(BaseModel):
    """The query of a list page. A blank value means "no filter", never an error."""

    model_config = ConfigDict(extra="ignore")

    page: int = Field(default=1, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_no_filter(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data

    def chosen(self) -> dict[str, str]:
        """The filters set, as the form shows them ("" for none)."""
        out = {}
        for name, value in self:
            if name == "page":
                continue
            out[name] = "" if value is None else str(getattr(value, "value", value))
        return out

    def query(self) -> str:
        """The filters for the pager's links: encoded, ending with "&" (or empty)."""
        kept = {k: v for k, v in self.chosen().items() if v}
        return urlencode(kept) + "&" if kept else ""


def listing(found: Page[Any], filters: ListFilters | None = None) -> dict[str, Any]:
    """The context of a list page: its rows, how many in all, and the pager."""
    return {
        "rows": found.items,
        "total": found.total,
        "pager": found,
        "query": filters.query() if filters is not None else "",
    }
