"""The standard scenarios. Each has a ``setup`` (in the main process: it may create data and returns a
plan, plain data that can go to another process) and a ``run_part`` (one process's share of the load).
"""

from __future__ import annotations

import itertools
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
import trio

from .api import Api, ApiError, graphql_request, graphql_template, probe, sign_up
from .http1 import RequestTemplate, Target, build_request
from .progress import Bars
from .runner import Part, Recorder, closed_loop
from .seed import SeedSizes, create_many, industries, seed_workspace, total_rows

_encode = msgspec.json.Encoder().encode

LIST_QUERY = (
    "query List { companies(first: 20, orderBy: [{ createdAt: DescNullsLast }]) { "
    "edges { node { id name domainName employees industry createdAt } } } }"
)
NESTED_QUERY = (
    "query Nested { companies(first: 20, orderBy: [{ createdAt: DescNullsLast }]) { edges { node { "
    "id name people(first: 5) { edges { node { id name { firstName lastName } email } } } } } } }"
)
# API.md "Complex Filters", with the page size and order of the peers' filter case
FILTER_QUERY = (
    "query Filter { companies(first: 20, orderBy: [{ createdAt: DescNullsLast }], filter: { and: [ "
    '{ industry: { eq: "Technology" } } { or: [ { employees: { gte: 100 } } '
    "{ annualRecurringRevenue: { amountMicros: { gte: 1000000000000 } } } ] } ] }) { "
    "edges { node { id name employees industry createdAt } } } }"
)
BY_ID_QUERY = (
    "query ById($id: ID!) { company(filter: { id: { eq: $id } }) { "
    "id name domainName employees industry createdAt } }"
)
CREATE_MUTATION = (
    "mutation Create($data: CompanyCreateInput!) { createCompany(data: $data) { "
    "id name employees industry createdAt } }"
)
BATCH_MUTATION = "mutation Batch($data: [CompanyCreateInput!]!) { createCompanies(data: $data) { id name } }"
UPDATE_MUTATION = (
    "mutation Update($id: ID!, $data: CompanyUpdateInput!) { updateCompany(id: $id, data: $data) { "
    "id employees updatedAt } }"
)
BROKEN_QUERY = "{ companies { edges { node { noSuchField } } } }"
BATCH_SIZE = 50


class Skip(Exception):
    """The scenario cannot run against this server; the reason goes in its row."""


@dataclass
class Options:
    """What the scenarios may read from the command line."""

    concurrency: int = 16
    workspaces: int = 4
    deep_rows: int = 20_000
    subscribers: int = 20
    mw_companies: int = 200
    seed_concurrency: int = 4


@dataclass
class Context:
    """What setup needs: the server, the main workspace and what was seeded into it."""

    target: Target
    token: str
    api: Api
    options: Options
    company_ids: list[str] = field(default_factory=list)
    person_ids: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)
    log: Any = print
    bars: Bars = field(default_factory=lambda: Bars(False))  # progress of the seeding a setup does

    async def rest_available(self) -> bool:
        if "rest" not in self.cache:
            status = await probe(self.api, "GET", "/rest/companies?limit=1")
            self.cache["rest"] = status
        return 200 <= self.cache["rest"] < 300

    async def require_rest(self) -> None:
        if not await self.rest_available():
            raise Skip(f"not available: GET /rest/companies answered {self.cache['rest']}")


class Cycle:
    """A source that sends the same request(s) round-robin."""

    def __init__(self, op: str, requests: list[bytes], kind: str = "graphql", start: int = 0) -> None:
        self.op = op
        self.kind = kind
        self._requests = requests
        self._i = start % len(requests)

    def next(self) -> tuple[str, bytes, str]:
        raw = self._requests[self._i]
        self._i = (self._i + 1) % len(self._requests)
        return self.op, raw, self.kind

    def done(self, op: str, status: int, body: bytes) -> None:
        pass


class Scenario:
    """Base: a name, a description, a plan and the load."""

    name = ""
    description = ""
    needs_seed = True
    #: show a row per operation in the table (besides the scenario's own)
    per_op = False

    async def setup(self, ctx: Context) -> dict[str, Any]:
        return {"token": ctx.token}

    async def run_part(self, plan: dict[str, Any], part: Part, rec: Recorder) -> None:
        raise NotImplementedError

    def broken(self, plan: dict[str, Any], target: Target) -> bytes:
        """A request that fails on purpose (``--error-every``)."""
        return graphql_request(target, plan["token"], BROKEN_QUERY)

    def notes(self, plan: dict[str, Any], ops: dict[str, Any]) -> str:
        return ""


class FixedQuery(Scenario):
    query = ""

    async def run_part(self, plan: dict[str, Any], part: Part, rec: Recorder) -> None:
        raw = graphql_request(part.target, plan["token"], self.query)
        await closed_loop(part, rec, lambda w: Cycle(self.name, [raw]), self.broken(plan, part.target))


class GraphqlList(FixedQuery):
    name = "graphql-list"
    description = "20 companies, 6 fields, newest first"
    query = LIST_QUERY


class GraphqlNested(FixedQuery):
    name = "graphql-nested"
    description = "20 companies x 5 people each"
    query = NESTED_QUERY


class GraphqlFilter(FixedQuery):
    name = "graphql-filter"
    description = "API.md's and/or filter (industry, employees, ARR), 20 rows"
    query = FILTER_QUERY


class GraphqlById(Scenario):
    name = "graphql-by-id"
    description = "one company by id (1,000 ids round-robin)"

    async def setup(self, ctx: Context) -> dict[str, Any]:
        if not ctx.company_ids:
            raise Skip("no companies to look up")
        return {"token": ctx.token, "ids": ctx.company_ids}

    async def run_part(self, plan: dict[str, Any], part: Part, rec: Recorder) -> None:
        template = graphql_template(part.target, plan["token"])
        requests = [
            template.with_body(_encode({"query": BY_ID_QUERY, "variables": {"id": i}})) for i in plan["ids"]
        ]
        await closed_loop(
            part, rec, lambda w: Cycle(self.name, requests, start=w * 61), self.broken(plan, part.target)
        )


class _Counter:
    """Unique names for created records: run, worker and sequence."""

    def __init__(self, prefix: str, worker: int) -> None:
        self.prefix = f"{prefix}-{secrets.token_hex(3)}-{worker}"
        self.n = itertools.count()

    def next(self) -> str:
        return f"{self.prefix}-{next(self.n)}"


def _company_input(name: str, rng: random.Random, inds: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "domainName": f"https://{name}.example.com",
        "employees": int(10 ** rng.uniform(0, 4.5)),
        "industry": rng.choice(inds),
    }


class CreateSource:
    def __init__(self, op: str, template: RequestTemplate, worker: int, batch: int = 0) -> None:
        self.op = op
        self.template = template
        self.names = _Counter("bench", worker)
        self.rng = random.Random(worker)
        self.inds = industries()
        self.batch = batch

    def next(self) -> tuple[str, bytes, str]:
        if self.batch:
            data: Any = [_company_input(self.names.next(), self.rng, self.inds) for _ in range(self.batch)]
            body = {"query": BATCH_MUTATION, "variables": {"data": data}}
        else:
            body = {
                "query": CREATE_MUTATION,
                "variables": {"data": _company_input(self.names.next(), self.rng, self.inds)},
            }
        return self.op, self.template.with_body(_encode(body)), "graphql"

    def done(self, op: str, status: int, body: bytes) -> None:
        pass


class GraphqlCreate(Scenario):
    name = "graphql-create"
    description = "createCompany, one per request (group commit on the server)"

    async def run_part(self, plan: dict[str, Any], part: Part, rec: Recorder) -> None:
        template = graphql_template(part.target, plan["token"])
        await closed_loop(
            part, rec, lambda w: CreateSource(self.name, template, w), self.broken(plan, part.target)
        )


class GraphqlBatchCreate(Scenario):
    name = "graphql-batch-create"
    description = f"createCompanies with {BATCH_SIZE} companies per request"

    async def run_part(self, plan: dict[str, Any], part: Part, rec: Recorder) -> None:
        template = graphql_template(part.target, plan["token"])
        await closed_loop(
            part,
            rec,
            lambda w: CreateSource(self.name, template, w, BATCH_SIZE),
            self.broken(plan, part.target),
        )

    def notes(self, plan: dict[str, Any], ops: dict[str, Any]) -> str:
        stats = ops.get(self.name)
        if not stats:
            return ""
        return f"{stats['rps'] * BATCH_SIZE:,.0f} companies/s"


def _rest_headers(token: str, body: bool = False) -> dict[str, str]:
    out = {"Authorization": f"Bearer {token}"}
    if body:
        out["Content-Type"] = "application/json"
    return out


class RestList(Scenario):
    name = "rest-list"
    description = "GET /rest/companies?limit=20, newest first"
    path = "/rest/companies?limit=20&order[createdAt]=desc"

    async def setup(self, ctx: Context) -> dict[str, Any]:
        await ctx.require_rest()
        return {"token": ctx.token}

    def broken(self, plan: dict[str, Any], target: Target) -> bytes:
        return build_request(target, "GET", "/rest/noSuchObjects", None, _rest_headers(plan["token"]))

    async def run_part(self, plan: dict[str, Any], part: Part, rec: Recorder) -> None:
        raw = build_request(part.target, "GET", self.path, None, _rest_headers(plan["token"]))
        await closed_loop(
            part, rec, lambda w: Cycle(self.name, [raw], "rest"), self.broken(plan, part.target)
        )


class RestCreateSource:
    def __init__(self, op: str, template: RequestTemplate, worker: int) -> None:
        self.op = op
        self.template = template
        self.names = _Counter("bench-rest", worker)
        self.rng = random.Random(worker)
        self.inds = industries()

    def next(self) -> tuple[str, bytes, str]:
        body = _encode(_company_input(self.names.next(), self.rng, self.inds))
        return self.op, self.template.with_body(body), "rest"

    def done(self, op: str, status: int, body: bytes) -> None:
        pass


class RestCreate(RestList):
    name = "rest-create"
    description = "POST /rest/companies, one company per request"

    async def run_part(self, plan: dict[str, Any], part: Part, rec: Recorder) -> None:
        template = RequestTemplate(part.target, "POST", "/rest/companies", _rest_headers(plan["token"], True))
        await closed_loop(
            part, rec, lambda w: RestCreateSource(self.name, template, w), self.broken(plan, part.target)
        )


# --- deep pages ---------------------------------------------------------------------------------

DEEP_OBJECT = ("benchRow", "benchRows")
DEEP_PAGE = (
    "query Page($after: String) { benchRows(first: 20, after: $after, "
    "orderBy: [{ createdAt: AscNullsLast }]) "
    "{ edges { node { id name seq createdAt } } } }"
)


async def _objects(api: Api) -> dict[str, str]:
    data = await api.gql("{ objects { edges { node { id nameSingular } } } }", path="/metadata")
    return {e["node"]["nameSingular"]: e["node"]["id"] for e in data["objects"]["edges"]}


async def create_object(api: Api, singular: str, plural: str, label: str) -> str:
    data = await api.gql(
        "mutation O($input: CreateObjectInput!) { createOneObject(data: $input) { id } }",
        {
            "input": {
                "nameSingular": singular,
                "namePlural": plural,
                "labelSingular": label,
                "labelPlural": label + "s",
                "description": "created by twenty-actors-bench",
            }
        },
        path="/metadata",
    )
    return str(data["createOneObject"]["id"])


async def create_field(api: Api, object_id: str, name: str, kind: str = "NUMBER") -> str:
    data = await api.gql(
        "mutation F($input: CreateFieldInput!) { createOneField(data: $input) { id } }",
        {
            "input": {
                "objectMetadataId": object_id,
                "name": name,
                "label": name.title(),
                "type": kind,
                "isNullable": True,
            }
        },
        path="/metadata",
    )
    return str(data["createOneField"]["id"])


class DeepPage(Scenario):
    name = "deep-page"
    description = (
        "page 1 vs a page past the middle of a big object (keyset cursor; REST offset too if present)"
    )
    per_op = True
    aggregate_row = False

    async def setup(self, ctx: Context) -> dict[str, Any]:
        api = ctx.api
        total = ctx.options.deep_rows
        objects = await _objects(api)
        if DEEP_OBJECT[0] not in objects:
            object_id = await create_object(api, DEEP_OBJECT[0], DEEP_OBJECT[1], "Bench row")
            await create_field(api, object_id, "seq")
        have = int((await api.gql("{ benchRows { totalCount } }"))["benchRows"]["totalCount"])
        if have < total:
            ctx.log(f"deep-page: seeding {total - have:,} benchRows (have {have:,}, want {total:,})")
            t0 = time.monotonic()
            rows = [{"name": f"row-{i}", "seq": i} for i in range(have, total)]
            bar = ctx.bars.counter("deep-page: seed", len(rows), " rows")
            try:
                await create_many(
                    api, "benchRows", "BenchRowCreateInput", rows, ctx.options.seed_concurrency, bar.update
                )
            finally:
                bar.close()
            ctx.log(f"deep-page: seeded {len(rows):,} rows in {time.monotonic() - t0:.1f} s")
        target = int(total * 0.6)
        rest = await ctx.rest_available()
        if rest:
            # the row at that position in page order (createdAt, then id) and its cursor, which both
            # APIs share: the depth is exact even though a batch of creates shares its createdAt
            page = await api.json("GET", f"/rest/benchRows?limit=1&offset={target}&order[createdAt]=asc")
            cursor = (page.get("pageInfo") or {}).get("endCursor")
            if not cursor:
                raise Skip("no benchRows to page through")
            depth = target
        else:
            cursor, depth = await self._cursor_by_graphql(api, target)
        ops = ["graphql page 1", f"graphql page after row {depth:,}"]
        if rest:
            ops += ["rest offset=0", f"rest offset={depth:,}"]
        return {"token": ctx.token, "cursor": cursor, "depth": depth, "rows": total, "rest": rest, "ops": ops}

    @staticmethod
    async def _cursor_by_graphql(api: Api, target: int) -> tuple[str, int]:
        """Without REST: the first row whose seq reaches ``target``, and the rows created before it.

        Rows created in the same transaction share a createdAt and are not counted, so with a small
        object the depth can be well below ``target``.
        """
        data = await api.gql(
            "query C($seq: Float) { benchRows(first: 1, filter: { seq: { gte: $seq } }, "
            "orderBy: [{ createdAt: AscNullsLast }]) { edges { cursor node { seq createdAt } } } }",
            {"seq": target},
        )
        edges = data["benchRows"]["edges"]
        if not edges:
            raise Skip("no benchRows to page through")
        before = await api.gql(
            "query D($t: DateTime) { benchRows(filter: { createdAt: { lt: $t } }) { totalCount } }",
            {"t": edges[0]["node"]["createdAt"]},
        )
        return edges[0]["cursor"], int(before["benchRows"]["totalCount"])

    async def run_part(self, plan: dict[str, Any], part: Part, rec: Recorder) -> None:
        template = graphql_template(part.target, plan["token"])
        ops = plan["ops"]
        requests = [
            (
                ops[0],
                template.with_body(_encode({"query": DEEP_PAGE, "variables": {"after": None}})),
                "graphql",
            ),
            (
                ops[1],
                template.with_body(_encode({"query": DEEP_PAGE, "variables": {"after": plan["cursor"]}})),
                "graphql",
            ),
        ]
        if plan["rest"]:
            headers = _rest_headers(plan["token"])
            for op, offset in ((ops[2], 0), (ops[3], plan["depth"])):
                path = f"/rest/benchRows?limit=20&offset={offset}&order[createdAt]=asc"
                requests.append((op, build_request(part.target, "GET", path, None, headers), "rest"))

        class Alternate:
            def __init__(self, w: int) -> None:
                self.i = w

            def next(self) -> tuple[str, bytes, str]:
                self.i += 1
                return requests[self.i % len(requests)]

            def done(self, op: str, status: int, body: bytes) -> None:
                pass

        await closed_loop(part, rec, Alternate, self.broken(plan, part.target))

    def notes(self, plan: dict[str, Any], ops: dict[str, Any]) -> str:
        return f"{plan['rows']:,} rows; cursor at row {plan['depth']:,}"


# --- metadata-live ------------------------------------------------------------------------------

FIELDS_PER_OBJECT = 400  # PostgreSQL allows 1,600 columns, dropped ones included


class MetadataLive(Scenario):
    name = "metadata-live"
    description = "createOneField, then a /graphql query that selects the new field, repeatedly"
    needs_seed = False
    per_op = True
    aggregate_row = False

    async def setup(self, ctx: Context) -> dict[str, Any]:
        tag = secrets.token_hex(3)
        objects = []
        for w in range(ctx.options.concurrency):
            singular, plural = f"live{tag}w{w}", f"live{tag}w{w}s"
            objects.append([await create_object(ctx.api, singular, plural, f"Live {tag} {w}"), plural])
        return {"token": ctx.token, "objects": objects, "tag": tag}

    async def run_part(self, plan: dict[str, Any], part: Part, rec: Recorder) -> None:
        meta = graphql_template(part.target, plan["token"], "/metadata")
        core = graphql_template(part.target, plan["token"])
        tag = plan["tag"]

        class Live:
            def __init__(self, w: int) -> None:
                self.w = w
                self.object_id, self.plural = plan["objects"][w]
                self.n = 0
                self.fields = 0
                self.state = "add"
                self.gen = 0

            def next(self) -> tuple[str, bytes, str]:
                if self.state == "query":
                    q = f"{{ {self.plural}(first: 1) {{ edges {{ node {{ id f{self.n} }} }} }} }}"
                    return "query the new field", core.with_body(_encode({"query": q})), "graphql"
                if self.state == "object":
                    self.gen += 1
                    singular = f"live{tag}w{self.w}g{self.gen}"
                    body = {
                        "query": "mutation O($input: CreateObjectInput!) { createOneObject(data: $input) "
                        "{ id namePlural } }",
                        "variables": {
                            "input": {
                                "nameSingular": singular,
                                "namePlural": singular + "s",
                                "labelSingular": singular,
                                "labelPlural": singular + "s",
                            }
                        },
                    }
                    return "new object (every 400 fields)", meta.with_body(_encode(body)), "graphql"
                self.n += 1
                body = {
                    "query": "mutation F($input: CreateFieldInput!) "
                    "{ createOneField(data: $input) { id name } }",
                    "variables": {
                        "input": {
                            "objectMetadataId": self.object_id,
                            "name": f"f{self.n}",
                            "label": f"F{self.n}",
                            "type": "NUMBER",
                            "isNullable": True,
                        }
                    },
                }
                return "add field", meta.with_body(_encode(body)), "graphql"

            def done(self, op: str, status: int, body: bytes) -> None:
                ok = status == 200 and b'"errors":' not in body
                if self.state == "add":
                    if ok:
                        self.fields += 1
                        self.state = "query"
                elif self.state == "query":
                    self.state = "object" if self.fields >= FIELDS_PER_OBJECT else "add"
                elif ok:
                    created = msgspec.json.decode(body)["data"]["createOneObject"]
                    self.object_id, self.plural = created["id"], created["namePlural"]
                    self.fields, self.n, self.state = 0, 0, "add"

        await closed_loop(part, rec, Live, self.broken(plan, part.target))


# --- ws-fanout ----------------------------------------------------------------------------------


class _Event(msgspec.Struct):
    type: str
    recordId: str | None = None  # noqa: N815 - the wire name
    timestamp: str | None = None
    seq: int | None = None
    code: Any = None
    message: str | None = None


class _Created(msgspec.Struct):
    data: dict[str, Any] | None = None


def ws_url(target: Target) -> str:
    return f"ws://{target.host}:{target.port}{target.base_path}/ws"


def _epoch(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


class WsFanout(Scenario):
    name = "ws-fanout"
    description = "S subscribers on /ws while writers create companies: delivered events/s, commit-to-receipt"
    per_op = True
    aggregate_row = False

    async def setup(self, ctx: Context) -> dict[str, Any]:
        import trio_websocket

        url = ws_url(ctx.target)
        try:
            with trio.fail_after(10):
                async with trio_websocket.open_websocket_url(url) as ws:
                    await ws.send_message(_encode({"type": "auth", "token": ctx.token}).decode())
                    answer = msgspec.json.decode(await ws.get_message())
                    if answer.get("type") != "ready":
                        raise Skip(f"not available: /ws answered {answer!r} to auth")
        except trio_websocket.ConnectionRejected as exc:
            raise Skip(f"not available: /ws answered {exc.status_code}") from None
        except (trio_websocket.HandshakeError, OSError, trio.TooSlowError) as exc:
            raise Skip(f"not available: /ws failed ({type(exc).__name__}: {exc})") from None
        return {"token": ctx.token, "subscribers": ctx.options.subscribers, "url": url}

    async def run_part(self, plan: dict[str, Any], part: Part, rec: Recorder) -> None:
        import trio_websocket

        window = part.window
        n_subs, _ = part.share(plan["subscribers"])
        created: list[str] = []
        seen: list[set[str]] = [set() for _ in range(n_subs)]
        writes_done = trio.Event()
        event_op = "event delivery (commit-to-receipt)"
        write_op = "write (createCompany)"
        ready = [trio.Event() for _ in range(n_subs)]

        async def subscriber(i: int) -> None:
            since = None
            while True:
                try:
                    async with trio_websocket.open_websocket_url(plan["url"]) as ws:
                        await ws.send_message(_encode({"type": "auth", "token": plan["token"]}).decode())
                        hello = msgspec.json.decode(await ws.get_message(), type=_Event)
                        if hello.type != "ready":
                            rec.error(event_op, f"auth refused: {hello.code}")
                            return
                        sub: dict[str, Any] = {
                            "type": "subscribe",
                            "id": "s1",
                            "objects": ["company"],
                            "events": ["created"],
                        }
                        if since is not None:
                            sub["since"] = since
                        await ws.send_message(_encode(sub).decode())
                        ready[i].set()
                        decode = msgspec.json.Decoder(_Event).decode
                        while True:
                            msg = await ws.get_message()
                            now = time.time()
                            mono = time.monotonic()
                            event = decode(msg)
                            if event.type != "event":
                                if event.type == "error":
                                    rec.error(event_op, f"ws error {event.code}")
                                continue
                            since = event.seq
                            if event.recordId:
                                seen[i].add(event.recordId)
                            if window.recording(mono) and event.timestamp:
                                rec.sample(event_op, max(0.0, now - _epoch(event.timestamp)))
                except trio_websocket.ConnectionClosed as exc:
                    reason = exc.reason
                    if writes_done.is_set():
                        return
                    rec.error(event_op, f"closed {getattr(reason, 'code', '?')}")
                    await trio.sleep(0.1)
                except (trio_websocket.HandshakeError, OSError) as exc:
                    rec.error(event_op, f"connect failed ({type(exc).__name__})")
                    ready[i].set()
                    return

        class Writer(CreateSource):
            def done(self, op: str, status: int, body: bytes) -> None:
                if status == 200 and b'"errors":' not in body and window.recording(self.started):
                    created.append(msgspec.json.decode(body)["data"]["createCompany"]["id"])

            def next(self) -> tuple[str, bytes, str]:
                self.started = time.monotonic()
                return super().next()

        template = graphql_template(part.target, plan["token"])
        async with trio.open_nursery() as nursery:
            for i in range(n_subs):
                nursery.start_soon(subscriber, i)
            with trio.move_on_after(max(5.0, window.measure - time.monotonic())):
                for r in ready:
                    await r.wait()
            await closed_loop(
                part, rec, lambda w: Writer(write_op, template, w), self.broken(plan, part.target)
            )
            # let the last events arrive, then count what each subscriber missed
            wanted = set(created)
            with trio.move_on_after(5):
                while any(not wanted <= s for s in seen):  # noqa: ASYNC110 - polls sets filled elsewhere
                    await trio.sleep(0.05)
            missed = sum(len(wanted - s) for s in seen)
            if missed:
                rec.error(event_op, "missed events", missed)
            writes_done.set()
            nursery.cancel_scope.cancel()

    def notes(self, plan: dict[str, Any], ops: dict[str, Any]) -> str:
        return f"{plan['subscribers']} subscribers; event rows: events/s delivered in all"


# --- multi-workspace ----------------------------------------------------------------------------

MW_READ = LIST_QUERY


class MultiWorkspace(Scenario):
    name = "multi-workspace"
    description = "W workspaces read (list) and written (create) at once, 3 reads to 1 write"
    needs_seed = False
    per_op = True

    async def setup(self, ctx: Context) -> dict[str, Any]:
        tokens = []
        size = ctx.options.mw_companies
        tag = secrets.token_hex(3)
        sizes = SeedSizes(companies=size, people=size * 2, opportunities=0, tasks=0, notes=0)
        bar = ctx.bars.counter("multi-workspace: seed", total_rows(sizes) * ctx.options.workspaces)

        async def one(i: int) -> None:
            try:
                answer = await sign_up(
                    ctx.api, f"bench-{tag}-{i}@example.com", "bench-password", f"Bench {tag} {i}"
                )
            except ApiError as exc:
                raise Skip(f"sign-up refused ({exc.status}): cannot create workspaces") from None
            tokens.append(answer["accessToken"])
            api = ctx.api.with_token(answer["accessToken"])
            await seed_workspace(api, sizes, seed=i, concurrency=2, on_rows=bar.update)
            await api.aclose()

        try:
            async with trio.open_nursery() as nursery:
                for i in range(ctx.options.workspaces):
                    nursery.start_soon(one, i)
        finally:
            bar.close()
        return {"tokens": tokens, "token": tokens[0]}

    async def run_part(self, plan: dict[str, Any], part: Part, rec: Recorder) -> None:
        tokens = plan["tokens"]
        w_count = len(tokens)
        reads = [graphql_request(part.target, t, MW_READ) for t in tokens]
        templates = [graphql_template(part.target, t) for t in tokens]
        read_op, write_op = f"read (list, {w_count} workspaces)", "write (createCompany)"

        class Mixed:
            def __init__(self, w: int) -> None:
                self.ws = w % w_count
                self.n = w
                self.create = CreateSource(write_op, templates[self.ws], w)

            def next(self) -> tuple[str, bytes, str]:
                self.n += 1
                if self.n % 4 == 0:
                    return self.create.next()
                return read_op, reads[self.ws], "graphql"

            def done(self, op: str, status: int, body: bytes) -> None:
                pass

        await closed_loop(part, rec, Mixed, self.broken(plan, part.target))


# --- mixed --------------------------------------------------------------------------------------

MIX = [
    ("list", 35),
    ("by id", 25),
    ("nested", 10),
    ("filter", 10),
    ("create", 10),
    ("update", 5),
    ("rest list", 5),
]


class Mixed(Scenario):
    name = "mixed"
    description = "35% list, 25% by id, 10% nested, 10% filter, 10% create, 5% update, 5% REST list"
    per_op = True

    async def setup(self, ctx: Context) -> dict[str, Any]:
        if not ctx.company_ids:
            raise Skip("no companies")
        return {"token": ctx.token, "ids": ctx.company_ids, "rest": await ctx.rest_available()}

    async def run_part(self, plan: dict[str, Any], part: Part, rec: Recorder) -> None:
        target, token, ids = part.target, plan["token"], plan["ids"]
        template = graphql_template(target, token)
        fixed = {
            "list": graphql_request(target, token, LIST_QUERY),
            "nested": graphql_request(target, token, NESTED_QUERY),
            "filter": graphql_request(target, token, FILTER_QUERY),
            "rest list": build_request(target, "GET", RestList.path, None, _rest_headers(token)),
        }
        mix = [(op, w) for op, w in MIX if plan["rest"] or op != "rest list"]
        ops = [op for op, weight in mix for _ in range(weight)]

        class Source:
            def __init__(self, w: int) -> None:
                self.rng = random.Random(w)
                self.create = CreateSource("create", template, w)

            def next(self) -> tuple[str, bytes, str]:
                op = self.rng.choice(ops)
                if op == "create":
                    return self.create.next()
                if op == "by id":
                    body = {"query": BY_ID_QUERY, "variables": {"id": self.rng.choice(ids)}}
                    return op, template.with_body(_encode(body)), "graphql"
                if op == "update":
                    body = {
                        "query": UPDATE_MUTATION,
                        "variables": {
                            "id": self.rng.choice(ids),
                            "data": {"employees": int(10 ** self.rng.uniform(0, 4.5))},
                        },
                    }
                    return op, template.with_body(_encode(body)), "graphql"
                return op, fixed[op], "rest" if op == "rest list" else "graphql"

            def done(self, op: str, status: int, body: bytes) -> None:
                pass

        await closed_loop(part, rec, Source, self.broken(plan, part.target))


SCENARIOS: dict[str, type[Scenario]] = {
    cls.name: cls
    for cls in [
        GraphqlList,
        GraphqlNested,
        GraphqlFilter,
        GraphqlById,
        RestList,
        DeepPage,
        GraphqlCreate,
        GraphqlBatchCreate,
        RestCreate,
        MetadataLive,
        WsFanout,
        MultiWorkspace,
        Mixed,
    ]
}
# the order they run in: reads first, then writes (created companies are the newest and would change the
# lists), then the rest
ORDER = [
    "graphql-list",
    "graphql-nested",
    "graphql-filter",
    "graphql-by-id",
    "rest-list",
    "deep-page",
    "graphql-create",
    "graphql-batch-create",
    "rest-create",
    "metadata-live",
    "ws-fanout",
    "multi-workspace",
    "mixed",
]
assert set(ORDER) == set(SCENARIOS)
