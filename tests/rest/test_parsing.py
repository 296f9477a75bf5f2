"""Query-string parsing without a server: decoding, both filter grammars, and SQL safety of what they plan."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twenty_storage.compile import compile_read
from twenty_storage.ir import And, Cmp, IsNull, ListSel, Not, Or, Page, Related
from twenty_storage.model import Metadata

from twenty_actors.errors import ValidationError
from twenty_actors.metadata.standard import standard_objects
from twenty_actors.rest import decode_query, parse_list_query
from twenty_actors.rest._grammar import Cond, GrammarError, Junction, parse_twenty_filter, parse_twenty_order
from twenty_actors.planning import record_selection

MD = Metadata(workspace_id=uuid.uuid4(), schema_name="workspace_t", version=1,
              objects={o.name_singular: o for o in standard_objects()})
COMPANY, PERSON = MD.objects["company"], MD.objects["person"]


def _plan(query: bytes, obj: Any = COMPANY) -> Any:
    return parse_list_query(MD, obj, decode_query(query))


def test_decoding_keeps_api_md_like_patterns() -> None:
    assert decode_query(b"filter[name][like]=%Acme%") == [("filter[name][like]", "%Acme%")]
    assert decode_query(b"filter%5Bname%5D%5Blike%5D=%25Acme%25") == [("filter[name][like]", "%Acme%")]
    assert decode_query(b"filter[name][eq]=Caf%C3%A9+Noir&&limit=") == [("filter[name][eq]", "Café Noir"),
                                                                          ("limit", "")]
    assert decode_query(b"a=%E2%82%AC%Zz%4") == [("a", "€%Zz%4")]


def test_twenty_grammar() -> None:
    tree = parse_twenty_filter('and(a[eq]:1,or(b.c[in]:["x, y",z],not(d[is]:NULL)),e[eq]:"q\\"uote")')
    assert tree == Junction("and", [
        Cond(["a"], "eq", "1", "a"),
        Junction("or", [Cond(["b", "c"], "in", ["x, y", "z"], "b.c"),
                        Junction("not", [Cond(["d"], "is", "NULL", "d")])]),
        Cond(["e"], "eq", 'q"uote', "e"),
    ])
    assert parse_twenty_filter("a[gte]:1, b[eq]:x") == Junction("and", [Cond(["a"], "gte", "1", "a"),
                                                                      Cond(["b"], "eq", "x", "b")])
    for bad in ("a[eq]1", "a[eq:1", "or(a[eq]:1", "a[eq]:'x", "a[eq]:1)", "1a[eq]:x", "and(" * 40 + "a[eq]:1"):
        with pytest.raises(GrammarError):
            parse_twenty_filter(bad)
    assert parse_twenty_order("createdAt[DescNullsLast], name.firstName") == [
        ("createdAt", "DescNullsLast"), ("name.firstName", "AscNullsFirst")]


def test_both_syntaxes_plan_the_same_ir() -> None:
    a = _plan(b"filter[industry][eq]=Technology&filter[employees][gte]=100")
    b = _plan(b"filter=industry[eq]:Technology,employees[gte]:100")
    assert a.filter == And([And([Cmp("industry", "eq", "Technology"), Cmp("employees", "gte", 100.0)]),
                            IsNull("deletedAt", True)])
    assert b.filter == And([And([And([Cmp("industry", "eq", "Technology"), Cmp("employees", "gte", 100.0)])]),
                            IsNull("deletedAt", True)])
    company_id = str(uuid.uuid4())
    person = _plan(f"filter[company.id][eq]={company_id}&filter[company.name][ilike]=%25a%25".encode(), PERSON)
    assert person.filter.items[0] == And([Cmp("companyId", "eq", company_id),
                                          Related("company", "companyId", Cmp("name", "ilike", "%a%"))])
    deleted = _plan(b"filter=or(deletedAt[is]:NOT_NULL,name[neq]:x)")
    assert deleted.filter == And([Or([IsNull("deletedAt", False), Cmp("name", "neq", "x")])])
    negated = _plan(b"filter=not(idealCustomerProfile[eq]:true)")
    assert negated.filter.items[0].items[0] == Not(And([Cmp("idealCustomerProfile", "eq", True)]))


def test_pages_and_orders() -> None:
    plan = _plan(b"limit=500&offset=7&order[name]=desc&order_by=employees[AscNullsLast]&depth=1")
    assert (plan.limit, plan.offset, plan.depth) == (200, 7, 1)
    assert [(k.column, k.desc, k.nulls_first) for k in plan.order] == [
        ("name", True, True), ("employees", False, False), ("id", False, False)]
    default = _plan(b"")
    assert (default.limit, default.offset, default.depth) == (60, 0, 0)
    assert [k.column for k in default.order] == ["createdAt", "id"]
    with pytest.raises(ValidationError) as raised:
        _plan(b"starting_after=x&ending_before=y")
    assert raised.value.details[0]["field"] == "ending_before"


_FIELDS = ["name", "employees", "industry", "idealCustomerProfile", "createdAt", "id", "annualRecurringRevenue.amountMicros",
           "domainName", "accountOwner", "people.id"]
_OPS = ["eq", "neq", "in", "is", "gt", "gte", "lt", "lte", "like", "ilike", "startsWith", "endsWith", "bogus"]
_MARK = "QZX"  # every generated text starts with it: it must never show up in SQL text
_values = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20).map(lambda t: _MARK + t),
    st.sampled_from(["100", "-2.5", "true", "2024-01-01", "2024-01-01T10:00:00Z", "NULL", "NOT_NULL",
                     str(uuid.UUID(int=7)), "a,b", "[1,2]"]),
)


@settings(max_examples=100, deadline=None)
@given(conditions=st.lists(st.tuples(st.sampled_from(_FIELDS), st.sampled_from(_OPS), _values), max_size=5),
       order=st.lists(st.sampled_from(["name", "employees", "createdAt"]), max_size=3))
def test_planned_sql_binds_every_value(conditions: list[tuple[str, str, str]], order: list[str]) -> None:
    """Whatever the query, user text never reaches SQL text, and placeholders match parameters."""
    pairs = [(f"filter[{f}][{op}]", value) for f, op, value in conditions]
    pairs += [(f"order[{o}]", "desc") for o in order]
    try:
        plan = parse_list_query(MD, COMPANY, pairs)
    except ValidationError as exc:
        assert exc.details
        assert all(d["field"] and d["message"] for d in exc.details)
        return
    page = Page(table="company", filter=plan.filter, order=plan.order, limit=plan.limit, offset=plan.offset)
    sql, params = compile_read(MD.schema_name, ListSel(page=page, node=record_selection(MD, COMPANY, 1)))
    assert _MARK not in sql
    placeholders = {int(p) for p in re.findall(r"\$(\d+)", sql)}
    assert placeholders == set(range(1, len(params) + 1))
