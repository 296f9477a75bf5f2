"""The variables fast path agrees with graphql-core: the same values where it answers, or it steps aside."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError, GraphQLSchema, OperationDefinitionNode, build_schema, parse
from graphql.execution.values import get_variable_values
from hypothesis import given, settings
from hypothesis import strategies as st

from twenty_actors.graphql.selection import PreparedOperation
from twenty_actors.graphql.variables import VariableCoercer

SDL = """
scalar DateTime
enum Stage { NEW MEETING WON }
input MoneyInput { amountMicros: Float, currencyCode: String }
input CompanyFilter {
  id: IDFilter
  name: StringFilter
  and: [CompanyFilter!]
  or: [CompanyFilter!]
  not: CompanyFilter
}
input IDFilter { eq: ID, in: [ID!] }
input StringFilter { eq: String, like: String }
input CompanyInput {
  id: ID
  name: String!
  employees: Int
  rate: Float
  stage: Stage = NEW
  tags: [String!]
  money: MoneyInput
  startedAt: DateTime
  happy: Boolean
}
type Query { companies(filter: CompanyFilter, first: Int = 20): [String] }
type Mutation { createCompany(data: CompanyInput!): String, createCompanies(data: [CompanyInput!]!): String }
"""
SCHEMA: GraphQLSchema = build_schema(SDL)
DOCUMENT = parse("""
mutation One($d: CompanyInput!) { createCompany(data: $d) }
mutation Many($d: [CompanyInput!]!) { createCompanies(data: $d) }
query List($f: CompanyFilter, $n: Int = 5, $id: ID!) {
  companies(filter: $f, first: $n)
  a: companies(filter: {id: {eq: $id}})
}
""")


def _operation(name: str) -> OperationDefinitionNode:
    return next(d for d in DOCUMENT.definitions
                if isinstance(d, OperationDefinitionNode) and d.name is not None and d.name.value == name)


def _agree(name: str, variables: dict[str, Any]) -> None:
    operation = _operation(name)
    fast = VariableCoercer(SCHEMA, operation.variable_definitions).coerce(variables)
    slow = get_variable_values(SCHEMA, operation.variable_definitions, variables)
    if isinstance(slow, list):
        assert fast is None, (variables, slow)  # graphql-core refuses: the fast path must not accept
    elif fast is not None:
        assert fast == slow
        assert [list(v) if isinstance(v, dict) else v for v in fast.values()] == \
               [list(v) if isinstance(v, dict) else v for v in slow.values()]  # the same field order too


def test_well_formed_values_take_the_fast_path_with_graphql_cores_result() -> None:
    cases = [
        ("One", {"d": {"name": "Acme"}}),  # the default stage is added, in field order
        ("One", {"d": {"stage": "WON", "name": "Acme", "employees": 3, "rate": 2,
                       "tags": "solo"}}),
        ("One", {"d": {"name": "Acme", "money": {"amountMicros": 1.5, "currencyCode": "EUR"},
                       "happy": True}}),
        ("Many", {"d": [{"name": "a"}, {"name": "b", "id": "x"}]}),
        ("List", {"id": "1", "f": {"and": [{"name": {"like": "%a%"}}, {"not": {"id": {"in": ["1", "2"]}}}]}}),
        ("List", {"id": "1", "n": None}),
    ]
    for name, variables in cases:
        operation = _operation(name)
        coerced = VariableCoercer(SCHEMA, operation.variable_definitions).coerce(variables)
        assert coerced is not None, variables
        _agree(name, variables)


def test_anything_doubtful_goes_to_graphql_core() -> None:
    cases = [
        ("One", {}),  # required variable missing
        ("One", {"d": None}),
        ("One", {"d": {"employees": 3}}),  # required field missing
        ("One", {"d": {"name": "x", "nope": 1}}),  # unknown field
        ("One", {"d": {"name": 5}}),
        ("One", {"d": {"name": "x", "employees": 2**40}}),
        ("One", {"d": {"name": "x", "employees": True}}),
        ("One", {"d": {"name": "x", "stage": "LOST"}}),
        ("One", {"d": "not an object"}),
        ("Many", {"d": [{"name": "a"}, None]}),
        ("List", {"id": None}),
    ]
    for name, variables in cases:
        operation = _operation(name)
        coerced = VariableCoercer(SCHEMA, operation.variable_definitions).coerce(variables)
        assert coerced is None, variables
        _agree(name, variables)


def test_errors_are_graphql_cores_own() -> None:
    operation = PreparedOperation(SCHEMA, DOCUMENT, "One")
    with pytest.raises(GraphQLError, match="^Variable '\\$d' got invalid value 5 at 'd.name'; String cannot"):
        operation.with_variables(SCHEMA, {"d": {"name": 5}})


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**33), 2**33) | st.floats(allow_nan=False)
    | st.text(max_size=4)
    | st.sampled_from(["NEW", "WON", "name", "id", "eq"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["name", "id", "eq", "in", "like", "and", "or", "not", "stage", "tags", "money",
                         "amountMicros", "employees", "rate", "happy", "x"]), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["One", "Many", "List"]),
       st.dictionaries(st.sampled_from(["d", "f", "n", "id"]), _json))
def test_any_value_agrees_with_graphql_core(name: str, variables: dict[str, Any]) -> None:
    _agree(name, variables)
