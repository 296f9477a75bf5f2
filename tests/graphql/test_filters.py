"""Filters: every operator on every field type, and/or/not, relations; orderBy in all its written forms."""

from __future__ import annotations

from typing import Any

import httpx

from ..conftest import Account
from .conftest import create_companies, fails, ok

COMPANY_ROWS: list[dict[str, Any]] = [
    {"name": "acme", "employees": 10, "idealCustomerProfile": True, "industry": "Technology",
     "domainName": "acme.com", "annualRecurringRevenue": {"amountMicros": 1_000_000, "currencyCode": "USD"}},
    {"name": "beta", "employees": 200, "idealCustomerProfile": False, "industry": "Retail",
     "domainName": "beta.io", "annualRecurringRevenue": {"amountMicros": 5_000_000_000_000, "currencyCode": "EUR"}},
    {"name": "gamma", "industry": None, "idealCustomerProfile": None},
    {"name": "acme labs", "employees": 100.5, "industry": "Technology", "domainName": "labs.acme.com",
     "annualRecurringRevenue": {"amountMicros": 0, "currencyCode": "USD"}},
    {"name": "100% Cotton_Co", "employees": 0, "industry": "retail"},
]


async def names(client: httpx.AsyncClient, account: Account, root: str, where: str,
                variables: dict[str, Any] | None = None, declare: str = "", field: str = "name") -> list[str]:
    """Sorted ``field`` values of the ``root`` records matching the filter literal ``where``."""
    query = f"query {declare} {{ {root}(filter: {where}, first: 200) {{ edges {{ node {{ {field} }} }} }} }}"
    if not declare:
        query = f"{{ {root}(filter: {where}, first: 200) {{ edges {{ node {{ {field} }} }} }} }}"
    data = await ok(client, account, query, variables)
    values = [e["node"][field] for e in data[root]["edges"]]
    return sorted(v if isinstance(v, str) else str(v) for v in values)


async def test_text_operators(client: httpx.AsyncClient, account: Account) -> None:
    await create_companies(client, account, COMPANY_ROWS)

    async def check(where: str, expected: list[str], **kw: Any) -> None:
        assert await names(client, account, "companies", where, **kw) == sorted(expected), where

    await check('{name: {eq: "acme"}}', ["acme"])
    await check('{name: {neq: "acme"}}', ["beta", "gamma", "acme labs", "100% Cotton_Co"])
    await check('{industry: {neq: "Technology"}}', ["beta", "100% Cotton_Co"])  # NULL is not "not equal"
    await check('{name: {in: ["acme", "gamma", "nope"]}}', ["acme", "gamma"])
    await check('{name: {in: []}}', [])
    await check('{industry: {is: "NULL"}}', ["gamma"])
    await check('{industry: {is: NULL}}', ["gamma"])
    await check('{industry: {is: NOT_NULL}}', ["acme", "beta", "acme labs", "100% Cotton_Co"])
    await check('{industry: {is: "NOT_NULL"}}', ["acme", "beta", "acme labs", "100% Cotton_Co"])
    await check("{industry: {is: $is}}", ["gamma"], variables={"is": "NULL"}, declare="($is: FilterIs)")
    await check("{industry: $f}", ["acme", "beta", "acme labs", "100% Cotton_Co"],
                variables={"f": {"is": "NOT_NULL"}}, declare="($f: StringFilter)")
    await check('{name: {gt: "acme labs"}}', ["beta", "gamma"])
    await check('{name: {gte: "acme labs"}}', ["acme labs", "beta", "gamma"])
    await check('{name: {lt: "beta"}}', ["acme", "acme labs", "100% Cotton_Co"])
    await check('{name: {lte: "beta"}}', ["acme", "acme labs", "beta", "100% Cotton_Co"])
    await check('{name: {like: "%me%"}}', ["acme", "acme labs"])
    await check('{name: {like: "%ME%"}}', [])
    await check('{name: {ilike: "%ME%"}}', ["acme", "acme labs"])
    await check('{industry: {ilike: "retail"}}', ["beta", "100% Cotton_Co"])
    await check('{name: {like: "_eta"}}', ["beta"])
    await check('{name: {startsWith: "acme"}}', ["acme", "acme labs"])
    await check('{name: {startsWith: "100%"}}', ["100% Cotton_Co"])
    await check('{name: {startsWith: "1_0"}}', [])  # _ and % are not wildcards for startsWith
    await check('{name: {startsWith: "%"}}', [])
    await check('{domainName: {like: "%acme.com"}}', ["acme", "acme labs"])  # URL
    await check('{name: {gte: "b", lt: "c"}}', ["beta"])  # two operators on one field: both hold
    await check("{name: {eq: $v}}", ["beta"], variables={"v": "beta"}, declare="($v: String)")
    await check("{name: {eq: $v}}", [r["name"] for r in COMPANY_ROWS],
                variables={"v": None}, declare="($v: String)")  # a null operand is no condition
    await check("{}", [r["name"] for r in COMPANY_ROWS])


async def test_number_boolean_and_currency(client: httpx.AsyncClient, account: Account) -> None:
    await create_companies(client, account, COMPANY_ROWS)

    async def check(where: str, expected: list[str], **kw: Any) -> None:
        assert await names(client, account, "companies", where, **kw) == sorted(expected), where

    await check("{employees: {eq: 10}}", ["acme"])
    await check("{employees: {eq: 100.5}}", ["acme labs"])
    await check("{employees: {neq: 10}}", ["beta", "acme labs", "100% Cotton_Co"])
    await check("{employees: {in: [0, 200]}}", ["beta", "100% Cotton_Co"])
    await check("{employees: {gt: 100}}", ["beta", "acme labs"])
    await check("{employees: {gte: 100}}", ["beta", "acme labs"])
    await check("{employees: {gte: 100.5}}", ["beta", "acme labs"])
    await check("{employees: {lt: 100}}", ["acme", "100% Cotton_Co"])
    await check("{employees: {lte: 10}}", ["acme", "100% Cotton_Co"])
    await check("{employees: {is: NULL}}", ["gamma"])
    await check("{employees: {is: NOT_NULL}}", ["acme", "beta", "acme labs", "100% Cotton_Co"])
    await check("{employees: {gte: $n}}", ["beta"], variables={"n": 101}, declare="($n: Float)")

    await check("{idealCustomerProfile: {eq: true}}", ["acme"])
    # the default (false) applies to records created without a value
    await check("{idealCustomerProfile: {eq: false}}", ["beta", "acme labs", "100% Cotton_Co"])
    await check("{idealCustomerProfile: {neq: true}}", ["beta", "acme labs", "100% Cotton_Co"])
    await check('{idealCustomerProfile: {is: "NULL"}}', ["gamma"])
    await check("{idealCustomerProfile: {eq: $b}}", ["acme"], variables={"b": True}, declare="($b: Boolean)")

    await check("{annualRecurringRevenue: {amountMicros: {gte: 1000000000000}}}", ["beta"])
    await check('{annualRecurringRevenue: {amountMicros: {gte: "1000000"}}}', ["acme", "beta"])  # BigFloat as text
    await check("{annualRecurringRevenue: {amountMicros: {eq: 0}}}", ["acme labs"])
    await check("{annualRecurringRevenue: {amountMicros: {lt: 1000000}}}", ["acme labs"])
    await check("{annualRecurringRevenue: {amountMicros: {in: [0, 1000000]}}}", ["acme", "acme labs"])
    await check("{annualRecurringRevenue: {amountMicros: {is: NULL}}}", ["gamma", "100% Cotton_Co"])
    await check('{annualRecurringRevenue: {currencyCode: {eq: "USD"}}}', ["acme", "acme labs"])
    await check('{annualRecurringRevenue: {currencyCode: {neq: "USD"}}}', ["beta"])
    await check('{annualRecurringRevenue: {currencyCode: {in: ["EUR", "GBP"]}}}', ["beta"])
    await check('{annualRecurringRevenue: {currencyCode: {like: "U%"}, amountMicros: {gt: 0}}}', ["acme"])
    await check("{annualRecurringRevenue: {amountMicros: {gte: $m}}}", ["beta"],
                variables={"m": 5_000_000_000_000}, declare="($m: BigFloat)")


async def test_and_or_not(client: httpx.AsyncClient, account: Account) -> None:
    await create_companies(client, account, COMPANY_ROWS)

    async def check(where: str, expected: list[str]) -> None:
        assert await names(client, account, "companies", where) == sorted(expected), where

    await check('{and: [{industry: {eq: "Technology"}}, {employees: {gte: 100}}]}', ["acme labs"])
    await check('{or: [{industry: {eq: "Retail"}}, {employees: {lt: 10}}]}', ["beta", "100% Cotton_Co"])
    await check('{not: {industry: {eq: "Technology"}}}', ["beta", "gamma", "100% Cotton_Co"])  # NULL: not a match
    await check("{not: {employees: {gte: 100}}}", ["acme", "gamma", "100% Cotton_Co"])
    await check('{not: {or: [{name: {eq: "acme"}}, {name: {eq: "beta"}}]}}', ["gamma", "acme labs", "100% Cotton_Co"])
    await check('{or: [{and: [{name: {startsWith: "acme"}}, {employees: {lt: 50}}]}, {name: {eq: "gamma"}}]}',
                ["acme", "gamma"])
    await check('{name: {startsWith: "acme"}, or: [{employees: {eq: 10}}, {employees: {eq: 200}}]}', ["acme"])
    await check("{and: []}", [r["name"] for r in COMPANY_ROWS])
    await check("{or: []}", [])
    await check('{not: {not: {name: {eq: "beta"}}}}', ["beta"])


async def test_select_date_datetime(client: httpx.AsyncClient, account: Account) -> None:
    create = "mutation ($d: [OpportunityCreateInput!]!) { createOpportunities(data: $d) { id } }"
    await ok(client, account, create, {"d": [
        {"name": "o1", "stage": "QUALIFICATION", "closeDate": "2024-12-31", "probability": 25},
        {"name": "o2", "stage": "PROPOSAL", "closeDate": "2025-01-15"},
        {"name": "o3", "closeDate": None},  # stage defaults to NEW
        {"name": "o4", "stage": "CUSTOMER", "closeDate": "2024-06-01",
         "amount": {"amountMicros": 7, "currencyCode": "USD"}},
    ]})

    async def check(where: str, expected: list[str], **kw: Any) -> None:
        assert await names(client, account, "opportunities", where, **kw) == sorted(expected), where

    await check("{stage: {eq: PROPOSAL}}", ["o2"])
    await check("{stage: {eq: NEW}}", ["o3"])
    await check("{stage: {neq: PROPOSAL}}", ["o1", "o3", "o4"])
    await check("{stage: {in: [PROPOSAL, CUSTOMER]}}", ["o2", "o4"])
    await check("{stage: {is: NOT_NULL}}", ["o1", "o2", "o3", "o4"])
    await check("{stage: {eq: $s}}", ["o1"], variables={"s": "QUALIFICATION"}, declare="($s: OpportunityStageEnum)")
    await check("{stage: $f}", ["o1", "o2"], variables={"f": {"in": ["QUALIFICATION", "PROPOSAL"]}},
                declare="($f: OpportunityStageFilter)")
    await fails(client, account, '{ opportunities(filter: {stage: {eq: "LOST"}}) { edges { node { id } } } }',
                code="GRAPHQL_VALIDATION_FAILED", status=400)

    await check('{closeDate: {eq: "2024-12-31"}}', ["o1"])
    await check('{closeDate: {neq: "2024-12-31"}}', ["o2", "o4"])
    await check('{closeDate: {gt: "2024-12-31"}}', ["o2"])
    await check('{closeDate: {gte: "2024-12-31"}}', ["o1", "o2"])
    await check('{closeDate: {lt: "2024-12-31"}}', ["o4"])
    await check('{closeDate: {lte: "2024-12-31"}}', ["o1", "o4"])
    await check('{closeDate: {in: ["2024-06-01", "2025-01-15"]}}', ["o2", "o4"])
    await check("{closeDate: {is: NULL}}", ["o3"])
    await check("{closeDate: {lt: $d}}", ["o4"], variables={"d": "2024-07-01"}, declare="($d: Date)")
    await check("{probability: {eq: 25}}", ["o1"])
    await check("{amount: {amountMicros: {eq: 7}}}", ["o4"])

    tasks = "mutation ($d: [TaskCreateInput!]!) { createTasks(data: $d) { id } }"
    await ok(client, account, tasks, {"d": [
        {"title": "t1", "dueAt": "2025-03-01T10:00:00Z", "status": "DONE"},
        {"title": "t2", "dueAt": "2025-03-01T12:00:00+02:00"},  # 10:00Z as well
        {"title": "t3", "dueAt": "2025-03-02T00:00:00.500Z"},
        {"title": "t4"},
    ]})

    async def tasks_check(where: str, expected: list[str], **kw: Any) -> None:
        got = await names(client, account, "tasks", where, field="title", **kw)
        assert got == sorted(expected), where

    await tasks_check('{dueAt: {eq: "2025-03-01T10:00:00.000Z"}}', ["t1", "t2"])
    await tasks_check('{dueAt: {neq: "2025-03-01T10:00:00Z"}}', ["t3"])
    await tasks_check('{dueAt: {gt: "2025-03-01T10:00:00Z"}}', ["t3"])
    await tasks_check('{dueAt: {gte: "2025-03-01T10:00:00Z"}}', ["t1", "t2", "t3"])
    await tasks_check('{dueAt: {lt: "2025-03-02T00:00:00.5Z"}}', ["t1", "t2"])
    await tasks_check('{dueAt: {lte: "2025-03-02T00:00:00.5Z"}}', ["t1", "t2", "t3"])
    await tasks_check('{dueAt: {in: ["2025-03-02T01:00:00.5+01:00"]}}', ["t3"])
    await tasks_check('{dueAt: {is: "NULL"}}', ["t4"])
    await tasks_check("{dueAt: {gt: $t}}", ["t3"], variables={"t": "2025-03-01T23:00:00Z"}, declare="($t: DateTime)")
    await tasks_check("{status: {eq: DONE}}", ["t1"])
    await tasks_check("{status: {in: [TODO]}}", ["t2", "t3", "t4"])
    await tasks_check('{createdAt: {gt: "2000-01-01T00:00:00Z"}}', ["t1", "t2", "t3", "t4"])
    await tasks_check('{createdAt: {lt: "2000-01-01T00:00:00Z"}}', [])
    await tasks_check("{deletedAt: {is: NULL}}", ["t1", "t2", "t3", "t4"])
    await fails(client, account, '{ tasks(filter: {dueAt: {gt: "yesterday"}}) { edges { node { id } } } }',
                code="GRAPHQL_VALIDATION_FAILED", status=400)


async def test_ids_full_name_and_relations(client: httpx.AsyncClient, account: Account) -> None:
    acme, beta, gamma = await create_companies(client, account, [
        {"name": "acme", "employees": 500}, {"name": "beta", "employees": 20}, {"name": "gamma"}])
    create = "mutation ($d: [PersonCreateInput!]!) { createPeople(data: $d) { id } }"
    people = (await ok(client, account, create, {"d": [
        {"name": {"firstName": "Ada", "lastName": "Lovelace"}, "companyId": acme, "email": "ada@acme.com"},
        {"name": {"firstName": "alan", "lastName": "Turing"}, "companyId": beta},
        {"name": {"firstName": "Grace", "lastName": None}, "companyId": acme},
        {"name": {"firstName": "Linus"}},
        {"email": "anon@example.com"},
    ]}))["createPeople"]
    ada, alan, grace, linus, anon = (p["id"] for p in people)

    async def check(where: str, expected: list[str], **kw: Any) -> None:
        got = await names(client, account, "people", where, field="id", **kw)
        assert got == sorted(expected), where

    await check(f'{{id: {{eq: "{ada}"}}}}', [ada])
    await check(f'{{id: {{neq: "{ada}"}}}}', [alan, grace, linus, anon])
    await check(f'{{id: {{in: ["{ada}", "{linus}"]}}}}', [ada, linus])
    await check("{id: {is: NOT_NULL}}", [ada, alan, grace, linus, anon])
    await check("{id: {eq: $id}}", [grace], variables={"id": grace}, declare="($id: ID!)")
    await check("{id: {eq: $id}}", [grace], variables={"id": grace.upper()}, declare="($id: ID!)")
    await fails(client, account, '{ people(filter: {id: {eq: "not-a-uuid"}}) { edges { node { id } } } }',
                code="BAD_USER_INPUT")

    await check('{name: {firstName: {eq: "Ada"}}}', [ada])
    await check('{name: {firstName: {ilike: "a%"}}}', [ada, alan])
    await check('{name: {firstName: {like: "a%"}}}', [alan])
    await check('{name: {firstName: {startsWith: "Gr"}}}', [grace])
    await check('{name: {firstName: {in: ["Linus", "Ada"]}}}', [ada, linus])
    await check("{name: {lastName: {is: NULL}}}", [grace, linus, anon])
    await check('{name: {firstName: {neq: "Ada"}, lastName: {is: NOT_NULL}}}', [alan])
    await check('{email: {like: "%@acme.com"}}', [ada])

    await check(f'{{companyId: {{eq: "{acme}"}}}}', [ada, grace])
    await check(f'{{companyId: {{neq: "{acme}"}}}}', [alan])
    await check(f'{{companyId: {{in: ["{acme}", "{beta}"]}}}}', [ada, alan, grace])
    await check("{companyId: {is: NULL}}", [linus, anon])
    await check("{companyId: {eq: $c}}", [alan], variables={"c": beta}, declare="($c: ID)")
    await check(f'{{companyId: {{eq: "{gamma}"}}}}', [])
    await fails(client, account, '{ people(filter: {companyId: {eq: "nope"}}) { edges { node { id } } } }',
                code="BAD_USER_INPUT")

    # across the many-to-one relation
    await check("{company: {employees: {gte: 100}}}", [ada, grace])
    await check('{company: {name: {in: ["beta", "gamma"]}}}', [alan])
    await check(f'{{company: {{id: {{eq: "{beta}"}}}}}}', [alan])
    await check("{not: {company: {employees: {gte: 100}}}}", [alan, linus, anon])
    await check('{or: [{company: {name: {eq: "beta"}}}, {name: {firstName: {eq: "Linus"}}}]}', [alan, linus])
    await check('{company: {employees: {gte: 100}}, name: {firstName: {eq: "Grace"}}}', [grace])
    # a soft-deleted company does not match
    await ok(client, account, "mutation ($id: ID!) { deleteCompany(id: $id) { id } }", {"id": acme})
    await check("{company: {employees: {gte: 100}}}", [])
    # unless the relation's filter asks about deletedAt; the people themselves stay live ones
    await ok(client, account, "mutation ($id: ID!) { deletePerson(id: $id) { id } }", {"id": grace})
    await check("{company: {deletedAt: {is: NOT_NULL}}}", [ada])
    await check("{company: {deletedAt: {is: NOT_NULL}, employees: {gte: 100}}}", [ada])
    await check("{deletedAt: {is: NOT_NULL}, company: {deletedAt: {is: NOT_NULL}}}", [grace])
    await ok(client, account, "mutation ($id: ID!) { restorePerson(id: $id) { id } }", {"id": grace})

    # relation filters two levels deep, from opportunities
    opp = "mutation ($d: OpportunityCreateInput!) { createOpportunity(data: $d) { id } }"
    o1 = (await ok(client, account, opp, {"d": {"name": "x", "pointOfContactId": alan}}))["createOpportunity"]["id"]
    await ok(client, account, opp, {"d": {"name": "y", "pointOfContactId": linus}})
    got = await names(client, account, "opportunities", '{pointOfContact: {company: {name: {eq: "beta"}}}}',
                      field="id")
    assert got == [o1]

    # workspaceMember.userId is a UUID field
    member = await names(client, account, "workspaceMembers", f'{{userId: {{eq: "{account.user_id}"}}}}',
                         field="userId")
    assert member == [account.user_id]


async def test_order_by_forms(client: httpx.AsyncClient, account: Account) -> None:
    await create_companies(client, account, [
        {"name": "b", "employees": 2}, {"name": "a", "employees": None}, {"name": "c", "employees": 1},
        {"name": None, "employees": 3},
    ])

    async def order(order_by: str, variables: dict[str, Any] | None = None, declare: str = "") -> list[Any]:
        query = f"query {declare} {{ companies(orderBy: {order_by}) {{ edges {{ node {{ name }} }} }} }}"
        data = await ok(client, account, query, variables)
        return [e["node"]["name"] for e in data["companies"]["edges"]]

    assert await order('[{name: "AscNullsFirst"}]') == [None, "a", "b", "c"]
    assert await order("[{name: AscNullsFirst}]") == [None, "a", "b", "c"]
    assert await order("{name: AscNullsLast}") == ["a", "b", "c", None]  # a single item needs no list
    assert await order("[{name: Asc}]") == ["a", "b", "c", None]  # PostgreSQL's default: NULLs last ascending
    assert await order("[{name: Desc}]") == [None, "c", "b", "a"]
    assert await order('[{name: "DescNullsLast"}]') == ["c", "b", "a", None]
    assert await order("[{name: DescNullsFirst}]") == [None, "c", "b", "a"]
    assert await order("[{name: $d}]", {"d": "DescNullsLast"}, "($d: OrderByDirection)") == ["c", "b", "a", None]
    assert await order("$o", {"o": [{"employees": "AscNullsFirst"}]}, "($o: [CompanyOrderByInput!])") == [
        "a", "c", "b", None]
    assert await order("$o", {"o": {"employees": "DescNullsLast"}}, "($o: [CompanyOrderByInput!])") == [
        None, "b", "c", "a"]
    await fails(client, account, '{ companies(orderBy: [{name: "Sideways"}]) { edges { node { id } } } }',
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, "{ companies(orderBy: [{name: SIDEWAYS}]) { edges { node { id } } } }",
                code="GRAPHQL_VALIDATION_FAILED", status=400)
    await fails(client, account, "query ($d: OrderByDirection) { companies(orderBy: [{name: $d}]) { totalCount } }",
                {"d": "Up"}, code="BAD_USER_INPUT", status=400)


async def test_order_by_composites_relations_and_several_keys(client: httpx.AsyncClient, account: Account) -> None:
    acme, beta = await create_companies(client, account, [{"name": "acme"}, {"name": "beta"}])
    create = "mutation ($d: [PersonCreateInput!]!) { createPeople(data: $d) { id } }"
    await ok(client, account, create, {"d": [
        {"name": {"firstName": "B", "lastName": "x"}, "companyId": beta, "city": "Paris"},
        {"name": {"firstName": "A", "lastName": "y"}, "companyId": acme, "city": "Paris"},
        {"name": {"firstName": "C", "lastName": "x"}, "city": "Oslo"},
        {"name": {"firstName": "D", "lastName": "y"}, "companyId": beta, "city": "Oslo"},
    ]})

    async def order(order_by: str) -> list[str]:
        data = await ok(client, account, f"{{ people(orderBy: {order_by}) {{ edges {{ node {{ name {{ firstName }} }} }} }} }}")
        return [e["node"]["name"]["firstName"] for e in data["people"]["edges"]]

    assert await order("[{name: {firstName: DescNullsLast}}]") == ["D", "C", "B", "A"]
    assert await order("[{name: {lastName: AscNullsLast}}, {city: Desc}]") == ["B", "C", "A", "D"]
    # keys written in one object sort in the type's field order (GraphQL coerces input objects so, as in Twenty);
    # separate list items give the written order
    assert await order("[{name: {lastName: AscNullsLast, firstName: DescNullsLast}}]") == ["D", "C", "B", "A"]
    assert await order("[{name: {lastName: AscNullsLast}}, {name: {firstName: DescNullsLast}}]") == [
        "C", "B", "D", "A"]
    assert await order("[{city: AscNullsLast}, {name: {firstName: DescNullsLast}}]") == ["D", "C", "B", "A"]
    assert await order("[{companyId: AscNullsFirst}, {name: {firstName: Asc}}]") in (
        ["C", "A", "B", "D"], ["C", "B", "D", "A"])  # companies ordered by their (random) ids
    money = "mutation ($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id } }"
    await ok(client, account, money, {"d": [
        {"name": "m1", "annualRecurringRevenue": {"amountMicros": 30, "currencyCode": "USD"}},
        {"name": "m2", "annualRecurringRevenue": {"amountMicros": 10, "currencyCode": "EUR"}},
    ]})
    data = await ok(client, account, '{ companies(filter: {name: {startsWith: "m"}}, '
                                     "orderBy: [{annualRecurringRevenue: {amountMicros: DescNullsLast}}]) "
                                     "{ edges { node { name } } } }")
    assert [e["node"]["name"] for e in data["companies"]["edges"]] == ["m1", "m2"]


async def test_nested_connection_arguments(client: httpx.AsyncClient, account: Account) -> None:
    acme, _beta = await create_companies(client, account, [{"name": "acme"}, {"name": "beta"}])
    create = "mutation ($d: [PersonCreateInput!]!) { createPeople(data: $d) { id } }"
    await ok(client, account, create, {"d": [
        {"name": {"firstName": n}, "companyId": acme, "city": city}
        for n, city in (("A", "Paris"), ("B", "Oslo"), ("C", "Paris"), ("D", "Rome"))]})
    query = """
    query ($city: String) {
      companies(orderBy: {name: AscNullsLast}) {
        edges { node {
          name
          all: people { totalCount }
          people(filter: {city: {neq: $city}}, orderBy: [{name: {firstName: DescNullsLast}}], first: 2) {
            edges { node { name { firstName } company { name } } }
            pageInfo { hasNextPage hasPreviousPage }
            totalCount
          }
        } }
      }
    }"""
    data = await ok(client, account, query, {"city": "Rome"})
    acme_node, beta_node = (e["node"] for e in data["companies"]["edges"])
    assert acme_node["all"] == {"totalCount": 4}
    people = acme_node["people"]
    assert [e["node"]["name"]["firstName"] for e in people["edges"]] == ["C", "B"]
    assert people["edges"][0]["node"]["company"] == {"name": "acme"}
    assert people["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False}
    assert people["totalCount"] == 3
    assert beta_node["people"] == {"edges": [], "pageInfo": {"hasNextPage": False, "hasPreviousPage": False},
                                   "totalCount": 0}
