"""Twenty's REST error body (``{statusCode, error, messages, code}``), as ``--compat twenty`` answers it."""

from __future__ import annotations

import json

import pytest

from twenty_actors.errors import (
    ForbiddenError,
    MethodNotAllowedError,
    NotFoundError,
    RateLimitedError,
    TwentyError,
    UnauthorizedError,
    ValidationError,
)
from twenty_actors.rest import exception_name, twenty_error_body


@pytest.mark.parametrize(("error", "name"), [
    (ValidationError("Invalid limit"), "BadRequestException"),
    (UnauthorizedError("Token has expired"), "UnauthorizedException"),
    (ForbiddenError("Permission denied"), "ForbiddenException"),
    (NotFoundError("Company 1 not found"), "NotFoundException"),
    (MethodNotAllowedError("Method not allowed"), "MethodNotAllowedException"),
    (RateLimitedError("Rate limit exceeded", retry_after=3), "TooManyRequestsException"),
    (TwentyError("Internal server error (error id 1)"), "InternalServerErrorException"),
])
def test_body_names_the_exception_of_the_status(error: TwentyError, name: str) -> None:
    body = json.loads(twenty_error_body(error))
    assert body == {"statusCode": error.http_status, "error": name, "messages": [error.message],
                    "code": error.code}


def test_details_follow_the_message() -> None:
    details = [{"field": "email", "message": "Invalid email format"}, {"message": "one more"}]
    error = ValidationError("Validation failed", details=details)
    body = json.loads(twenty_error_body(error))
    assert body["messages"] == ["Validation failed", "email: Invalid email format", "one more"]
    assert body["code"] == "VALIDATION_ERROR"


def test_statuses_upstream_does_not_name() -> None:
    assert exception_name(418) == "BadRequestException"
    assert exception_name(507) == "InternalServerErrorException"
