"""The REST API: query strings and bodies planned into the storage IR, and the OpenAPI documents."""

from ._endpoint import create_record as create_record
from ._endpoint import create_records as create_records
from ._endpoint import delete_record as delete_record
from ._endpoint import get_record as get_record
from ._endpoint import list_records as list_records
from ._endpoint import restore_record as restore_record
from ._endpoint import update_record as update_record
from ._endpoint import write_records as write_records
from ._errors import exception_name as exception_name
from ._errors import twenty_error_body as twenty_error_body
from ._grammar import decode_query as decode_query
from ._metadata import create_metadata as create_metadata
from ._metadata import delete_metadata as delete_metadata
from ._metadata import get_metadata as get_metadata
from ._metadata import list_metadata as list_metadata
from ._metadata import update_metadata as update_metadata
from ._plans import RestPlan as RestPlan
from ._plans import create_many_plan as create_many_plan
from ._plans import create_plan as create_plan
from ._plans import delete_plan as delete_plan
from ._plans import get_plan as get_plan
from ._plans import list_plan as list_plan
from ._plans import restore_plan as restore_plan
from ._plans import update_plan as update_plan
from ._plans import write_many_plan as write_many_plan
from ._query import ListQuery as ListQuery
from ._query import parse_list_query as parse_list_query
from .openapi import core_document as core_document
from .openapi import metadata_document as metadata_document

__all__ = [
    "ListQuery",
    "RestPlan",
    "core_document",
    "create_many_plan",
    "create_metadata",
    "create_plan",
    "create_record",
    "create_records",
    "decode_query",
    "delete_metadata",
    "delete_plan",
    "delete_record",
    "exception_name",
    "get_metadata",
    "get_plan",
    "get_record",
    "list_metadata",
    "list_plan",
    "list_records",
    "metadata_document",
    "parse_list_query",
    "restore_plan",
    "restore_record",
    "twenty_error_body",
    "update_metadata",
    "update_plan",
    "update_record",
    "write_many_plan",
    "write_records",
]
