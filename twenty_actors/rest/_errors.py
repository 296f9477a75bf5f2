"""Twenty's REST error body, answered on ``/rest`` under ``--compat twenty``.

Upstream: ``packages/twenty-server/src/engine/core-modules/exception-handler/utils/
send-http-exception-response.util.ts`` (and ``http-exception-handler.service.ts`` before it), which
answers ``{statusCode, error, messages: [message], code}``: ``error`` is the NestJS exception name of the
status, ``code`` the domain code of the error. Ours is the stable code of API.md's table.
"""

from __future__ import annotations

import msgspec

from ..errors import TwentyError

# getErrorNameFromStatusCode upstream: any other status is BadRequestException below 500, else
# InternalServerErrorException
_NAMES = {
    400: "BadRequestException",
    401: "UnauthorizedException",
    402: "PaymentRequiredException",
    403: "ForbiddenException",
    404: "NotFoundException",
    405: "MethodNotAllowedException",
    409: "ConflictException",
    410: "GoneException",
    413: "PayloadTooLargeException",
    416: "RequestedRangeNotSatisfiableException",
    422: "UnprocessableEntityException",
    429: "TooManyRequestsException",
    500: "InternalServerErrorException",
    502: "BadGatewayException",
    503: "ServiceUnavailableException",
    504: "GatewayTimeoutException",
}

_encode = msgspec.json.Encoder().encode


def exception_name(status: int) -> str:
    """The NestJS exception name Twenty gives an error of this HTTP status."""
    return _NAMES.get(status) or ("InternalServerErrorException" if status >= 500 else "BadRequestException")


def twenty_error_body(error: TwentyError) -> bytes:
    """``{"statusCode", "error", "messages", "code"}`` of an error, encoded.

    ``messages`` holds the message first, then one ``field: message`` line per detail, so a client
    that shows ``messages`` shows what API.md's envelope puts in ``details``.
    """
    messages = [error.message]
    messages += [f"{d['field']}: {d['message']}" if d.get("field") else d.get("message", "")
                 for d in error.details]
    return _encode({"statusCode": error.http_status, "error": exception_name(error.http_status),
                    "messages": messages, "code": error.code})
