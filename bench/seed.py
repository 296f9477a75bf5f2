"""Seed a realistic workspace through the server's batch mutations (500 records per call, several at once).

Companies, people (95% with a company, about 5 per company), opportunities (each with a company and a
point of contact), tasks (half assigned to the workspace's member) and notes, each task and note
attached to a company or a person through taskTargets / noteTargets. The data is deterministic for
a given seed: ids are generated here (create inputs may carry an id), so every phase can go out
concurrently once the records it points at exist. The distributions follow the peers' seed
(``shared/peers/seed.py``): 'Technology' is about 20% of companies, employees are log-uniform up to
~30,000.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import trio

from .api import Api

BATCH = 500  # the server's cap per batch mutation

INDUSTRIES = [
    ("Technology", 20),
    ("Finance", 10),
    ("Healthcare", 10),
    ("Retail", 10),
    ("Manufacturing", 10),
    ("Education", 8),
    ("Energy", 8),
    ("Media", 8),
    ("Logistics", 8),
    ("Real Estate", 8),
]
WORDS = (
    "Acme Globex Initech Umbrella Hooli Vandelay Stark Wayne Tyrell Soylent Cyberdyne Wonka Aperture "
    "Gringotts Oscorp Massive Dynamic Blue Sun Nakatomi Zenith Apex Quantum Nimbus Vertex Pinnacle Orbit "
    "Lumen Atlas Nova Helix"
).split()
SUFFIX = ["Inc", "LLC", "Ltd", "Group", "Labs", "Systems", "Partners", "Co"]
FIRST = (
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Emma Liam Olivia Noah Ava Lucas Mia Hugo Chloe Louis"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson"
).split()
CITIES = (
    "Paris London Berlin Madrid Rome Lisbon Dublin Amsterdam Brussels Vienna Zurich Oslo Stockholm "
    "Helsinki Warsaw Prague NewYork Boston Austin Seattle"
).split()
JOBS = [
    "CEO",
    "CTO",
    "CFO",
    "VP Sales",
    "Account Executive",
    "Engineer",
    "Product Manager",
    "Designer",
    "Head of Marketing",
    "Recruiter",
]
STAGES = ["NEW", "SCREENING", "QUALIFICATION", "PROPOSAL", "MEETING", "CUSTOMER"]
TASK_STATUS = ["TODO", "IN_PROGRESS", "DONE"]
CURRENCIES = ["USD", "EUR", "GBP"]


@dataclass
class SeedSizes:
    companies: int = 10_000
    people: int = 50_000
    opportunities: int | None = None  # default: 2 per company
    tasks: int | None = None  # default: 1 per company
    notes: int | None = None  # default: 1 per company

    def resolved(self) -> dict[str, int]:
        c = self.companies
        return {
            "companies": c,
            "people": self.people,
            "opportunities": 2 * c if self.opportunities is None else self.opportunities,
            "tasks": c if self.tasks is None else self.tasks,
            "notes": c if self.notes is None else self.notes,
        }


@dataclass
class SeedResult:
    counts: dict[str, int] = field(default_factory=dict)
    company_ids: list[str] = field(default_factory=list)
    person_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rows: int = 0
    skipped: bool = False


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def company(rng: random.Random, i: int, industries: list[str]) -> dict[str, Any]:
    w1, w2 = rng.choice(WORDS), rng.choice(WORDS)
    slug = f"{w1}{w2}{i}".lower()
    return {
        "id": _uuid(rng),
        "name": f"{w1} {w2} {rng.choice(SUFFIX)} {i}",
        "domainName": f"https://{slug}.com",
        "address": f"{rng.randrange(1, 999)} {rng.choice(LAST)} Street, {rng.choice(CITIES)}",
        "employees": int(10 ** rng.uniform(0, 4.5)),
        "industry": rng.choice(industries),
        "linkedinLink": f"https://linkedin.com/company/{slug}",
        "xLink": f"https://x.com/{slug}",
        "annualRecurringRevenue": {
            "amountMicros": rng.randrange(0, 2_000) * 1_000_000_000,
            "currencyCode": rng.choice(CURRENCIES),
        },
        "idealCustomerProfile": rng.random() < 0.3,
    }


def industries() -> list[str]:
    return [name for name, weight in INDUSTRIES for _ in range(weight)]


def _batches(items: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(items), BATCH):
        yield items[i : i + BATCH]


async def create_many(
    api: Api,
    plural: str,
    input_type: str,
    items: list[dict[str, Any]],
    concurrency: int,
    on_rows: Callable[[int], None] | None = None,
) -> None:
    """``create<Plural>(data: [...])`` in batches of 500, ``concurrency`` at a time."""
    mutation = (
        f"mutation Seed($data: [{input_type}!]!) {{ create{plural[0].upper()}{plural[1:]}(data: $data) "
        "{ id } }"
    )
    limit = trio.Semaphore(concurrency)

    async def one(batch: list[dict[str, Any]]) -> None:
        async with limit:
            await api.gql(mutation, {"data": batch})
        if on_rows:
            on_rows(len(batch))

    async with trio.open_nursery() as nursery:
        for batch in _batches(items):
            nursery.start_soon(one, batch)


async def seed_workspace(
    api: Api,
    sizes: SeedSizes,
    *,
    seed: int = 20261127,
    concurrency: int = 4,
    on_rows: Callable[[int], None] | None = None,
) -> SeedResult:
    """Create the whole data set; returns samples of the ids for the by-id scenarios."""
    n = sizes.resolved()
    rng = random.Random(seed)
    t0 = time.monotonic()
    inds = industries()
    companies = [company(rng, i, inds) for i in range(n["companies"])]
    company_ids = [c["id"] for c in companies]
    people = []
    for i in range(n["people"]):
        fn, ln = rng.choice(FIRST), rng.choice(LAST)
        person: dict[str, Any] = {
            "id": _uuid(rng),
            "name": {"firstName": fn, "lastName": ln},
            "email": f"{fn.lower()}.{ln.lower()}{i}@example.com",
            "phone": f"+1555{rng.randrange(10**7):07d}",
            "city": rng.choice(CITIES),
            "jobTitle": rng.choice(JOBS),
        }
        if company_ids and rng.random() < 0.95:
            person["companyId"] = company_ids[i % len(company_ids)]
        people.append(person)
    person_ids = [p["id"] for p in people]
    await create_many(api, "companies", "CompanyCreateInput", companies, concurrency, on_rows)
    await create_many(api, "people", "PersonCreateInput", people, concurrency, on_rows)

    members = await api.gql("{ workspaceMembers(first: 10) { edges { node { id } } } }")
    member_ids = [e["node"]["id"] for e in members["workspaceMembers"]["edges"]]
    opportunities = []
    for i in range(n["opportunities"]):
        opp: dict[str, Any] = {
            "name": f"Deal {i}",
            "amount": {
                "amountMicros": rng.randrange(1, 1000) * 1_000_000_000,
                "currencyCode": rng.choice(CURRENCIES),
            },
            "stage": rng.choice(STAGES),
            "probability": rng.randrange(0, 101, 10),
            "closeDate": f"2027-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        }
        if company_ids:
            opp["companyId"] = rng.choice(company_ids)
        if person_ids:
            opp["pointOfContactId"] = rng.choice(person_ids)
        opportunities.append(opp)
    tasks = []
    for i in range(n["tasks"]):
        task: dict[str, Any] = {
            "id": _uuid(rng),
            "title": f"Follow up {i}",
            "body": f"Call back about deal {i}",
            "status": rng.choice(TASK_STATUS),
            "dueAt": f"2027-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T09:00:00Z",
        }
        if member_ids and rng.random() < 0.5:
            task["assigneeId"] = member_ids[0]
        tasks.append(task)
    notes = [
        {"id": _uuid(rng), "title": f"Meeting notes {i}", "body": f"Discussed pricing and next steps ({i})"}
        for i in range(n["notes"])
    ]
    async with trio.open_nursery() as nursery:
        nursery.start_soon(
            create_many, api, "opportunities", "OpportunityCreateInput", opportunities, concurrency, on_rows
        )
        nursery.start_soon(
            create_many, api, "tasks", "TaskCreateInput", tasks, max(1, concurrency // 2), on_rows
        )
        nursery.start_soon(
            create_many, api, "notes", "NoteCreateInput", notes, max(1, concurrency // 2), on_rows
        )

    def target(owner: str, owner_id: str) -> dict[str, Any]:
        if company_ids and (not person_ids or rng.random() < 0.5):
            return {f"{owner}Id": owner_id, "companyId": rng.choice(company_ids)}
        if person_ids:
            return {f"{owner}Id": owner_id, "personId": rng.choice(person_ids)}
        return {f"{owner}Id": owner_id}

    task_targets = [target("task", t["id"]) for t in tasks]
    note_targets = [target("note", t["id"]) for t in notes]
    async with trio.open_nursery() as nursery:
        nursery.start_soon(
            create_many,
            api,
            "taskTargets",
            "TaskTargetCreateInput",
            task_targets,
            max(1, concurrency // 2),
            on_rows,
        )
        nursery.start_soon(
            create_many,
            api,
            "noteTargets",
            "NoteTargetCreateInput",
            note_targets,
            max(1, concurrency // 2),
            on_rows,
        )
    counts = {**n, "taskTargets": len(task_targets), "noteTargets": len(note_targets)}
    pick = random.Random(seed + 1)
    return SeedResult(
        counts=counts,
        company_ids=pick.sample(company_ids, min(1000, len(company_ids))),
        person_ids=pick.sample(person_ids, min(1000, len(person_ids))),
        seconds=time.monotonic() - t0,
        rows=sum(counts.values()),
    )


def total_rows(sizes: SeedSizes) -> int:
    n = sizes.resolved()
    return sum(n.values()) + n["tasks"] + n["notes"]


async def existing_ids(api: Api, plural: str, limit: int = 1000) -> list[str]:
    """Up to ``limit`` ids of an object already in the workspace (pages of 200)."""
    ids: list[str] = []
    after = None
    while len(ids) < limit:
        data = await api.gql(
            f"query Ids($after: String) {{ {plural}(first: 200, after: $after) "
            "{ edges { node { id } } pageInfo { hasNextPage endCursor } } }",
            {"after": after},
        )
        conn = data[plural]
        ids += [e["node"]["id"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    return ids[:limit]


async def count(api: Api, plural: str) -> int:
    data = await api.gql(f"{{ {plural} {{ totalCount }} }}")
    return int(data[plural]["totalCount"])
