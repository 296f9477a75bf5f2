"""The REST API: query strings and bodies planned into the storage IR, and the OpenAPI documents."""

from ._endpoint import create_record as create_record
from ._endpoint import create_records as create_records
from ._endpoint import delete_record as delete_record
from ._endpoint import get_record as get_record
from ._endpoint import list_records as list_records
from ._endpoint import update_record as update_record
from ._grammar import decode_query as decode_query
from ._query import ListQuery as ListQuery
from ._query import parse_list_query as parse_list_query
from .openapi import core_document as core_document
from .openapi import metadata_document as metadata_document

__all__ = [
    "ListQuery",
    "core_document",
    "create_record",
    "create_records",
    "decode_query",
    "delete_record",
    "get_record",
    "list_records",
    "metadata_document",
    "parse_list_query",
    "update_record",
]
