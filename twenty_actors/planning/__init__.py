"""The one planner of both APIs: reads (filter, order, cursor, page, record shape) and writes → storage IR.

GraphQL and REST are front ends: they turn their requests into calls here, and both get the same
plans, checks and SQL. Plans are kept per request shape and bound to each request's values (cache.py).
"""

from .cache import Plan as Plan
from .cache import PlanCache as PlanCache
from .cache import bind as bind
from .cache import make_plan as make_plan
from .cache import shape_record as shape_record
from .filters import comparison as comparison
from .filters import plan_filter as plan_filter
from .order import CursorError as CursorError
from .order import cursor_items as cursor_items
from .order import cursor_kinds as cursor_kinds
from .order import order_key as order_key
from .order import with_tie_break as with_tie_break
from .reads import DEFAULT_PAGE_SIZE as DEFAULT_PAGE_SIZE
from .reads import MAX_PAGE_SIZE as MAX_PAGE_SIZE
from .reads import connection_page as connection_page
from .shape import record_node as record_node
from .shape import record_selection as record_selection
from .shape import sql_type as sql_type
from .values import Binder as Binder
from .values import Param as Param
from .values import Slot as Slot
from .writes import MATCHED as MATCHED
from .writes import match_filter as match_filter
from .writes import plan_create as plan_create
from .writes import plan_match as plan_match
from .writes import plan_state_change as plan_state_change
from .writes import plan_update as plan_update
from .writes import with_matched as with_matched

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MATCHED",
    "MAX_PAGE_SIZE",
    "Binder",
    "CursorError",
    "Param",
    "Plan",
    "PlanCache",
    "Slot",
    "bind",
    "comparison",
    "connection_page",
    "cursor_items",
    "cursor_kinds",
    "make_plan",
    "match_filter",
    "order_key",
    "plan_create",
    "plan_filter",
    "plan_match",
    "plan_state_change",
    "plan_update",
    "record_node",
    "record_selection",
    "shape_record",
    "sql_type",
    "with_matched",
    "with_tie_break",
]
