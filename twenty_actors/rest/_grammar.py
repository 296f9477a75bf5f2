"""The text of REST query strings: percent-decoding, and Twenty's own ``filter``/``order_by`` grammar.

Both filter syntaxes parse to the same small tree (``Cond``, ``Junction``), which _query.py then
checks against metadata and turns into the storage IR:

- API.md: ``filter[industry][eq]=Technology&filter[employees][gte]=100`` (several are ANDed);
- Twenty: ``filter=and(employees[gte]:100,or(industry[eq]:"Tech, Inc",not(id[is]:NULL)))``, with a
  bare comma list ANDed, quoted values allowing commas, and ``[a,b]`` lists for ``in``
  (upstream ``engine/api/rest/input-request-parsers/filter-parser-utils/parse-filter.util.ts``).
"""

from __future__ import annotations

import re

import msgspec

_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
MAX_FILTER_LENGTH = 20_000
MAX_NESTING = 16


class Cond(msgspec.Struct, frozen=True):
    """``path[op]`` compared with a raw value (or a list of raw values for ``in``/``containsAny``)."""

    path: list[str]
    op: str
    value: str | list[str]
    source: str  # how the client wrote the field, for error details


class Junction(msgspec.Struct, frozen=True):
    """``and(...)``, ``or(...)`` or ``not(...)`` of several conditions."""

    kind: str
    items: list[Cond | Junction]


Tree = Cond | Junction


class GrammarError(Exception):
    """The text does not follow the grammar; ``message`` says where."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _unescape(text: str) -> str:
    """Percent-decode runs that form UTF-8; keep others literally (``%Acme%`` stays a LIKE pattern)."""

    def one(match: re.Match[str]) -> str:
        run = match.group(0)
        try:
            return bytes.fromhex(run.replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            # decode the escapes that do form characters, keep the rest as written
            out, i = [], 0
            while i < len(run):
                for size in (4, 3, 2, 1):
                    chunk = run[i:i + 3 * size]
                    if len(chunk) < 3 * size:
                        continue
                    try:
                        out.append(bytes.fromhex(chunk.replace("%", "")).decode("utf-8"))
                    except UnicodeDecodeError:
                        continue
                    i += 3 * size
                    break
                else:
                    out.append(run[i:i + 3])
                    i += 3
            return "".join(out)

    return _ESCAPES.sub(one, text)


def decode_query(query_string: bytes) -> list[tuple[str, str]]:
    """``(key, value)`` pairs in the order written; ``+`` is a space, as in forms."""
    text = query_string.decode("utf-8", errors="replace")
    pairs: list[tuple[str, str]] = []
    for part in text.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((_unescape(key.replace("+", " ")), _unescape(value.replace("+", " "))))
    return pairs


def bracket_key(key: str) -> tuple[str, list[str]] | None:
    """``filter[company.id][eq]`` → ``("filter", ["company.id", "eq"])``; None for a plain key."""
    head, bracket, rest = key.partition("[")
    if not bracket:
        return None
    parts: list[str] = []
    rest = "[" + rest
    while rest:
        if not rest.startswith("["):
            raise GrammarError(f"'{key[:100]}' is not of the form name[part][part]")
        end = rest.find("]")
        if end < 0:
            raise GrammarError(f"'{key[:100]}' has an unclosed '['")
        parts.append(rest[1:end])
        rest = rest[end + 1:]
    return head, parts


def split_list(text: str) -> list[str]:
    """``a,b`` or ``[a,"b, c"]`` → items, quotes removed (commas inside quotes stay)."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if not text.strip():
        return []
    items, buf, quote = [], [], ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and i + 1 < len(text):
                buf.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = ""
            else:
                buf.append(ch)
        elif ch in "\"'" and not "".join(buf).strip():
            quote = ch
            buf = []
        elif ch == ",":
            items.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
        i += 1
    if quote:
        raise GrammarError("unclosed quote in list")
    items.append("".join(buf).strip())
    return items


class _Parser:
    """Recursive descent over Twenty's filter text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def fail(self, message: str) -> GrammarError:
        return GrammarError(f"{message} at position {self.i} of the filter")

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def skip_spaces(self) -> None:
        while self.peek() == " ":
            self.i += 1

    def parse(self) -> Tree:
        items = self.items("", 0)  # the root is an implicit and(...)
        return items[0] if len(items) == 1 and isinstance(items[0], Junction) else Junction("and", items)

    def items(self, end: str, depth: int) -> list[Tree]:
        out = [self.expression(depth)]
        while True:
            self.skip_spaces()
            ch = self.peek()
            if ch == ",":
                self.i += 1
                out.append(self.expression(depth))
            elif ch == end:
                return out
            else:
                raise self.fail("expected ',' or ')'" if end else "expected ','")

    def expression(self, depth: int) -> Tree:
        if depth > MAX_NESTING:
            raise self.fail(f"filters nest deeper than {MAX_NESTING} levels")
        self.skip_spaces()
        match = re.match(r"(and|or|not)\(", self.text[self.i:])
        if match:
            self.i += match.end()
            items = self.items(")", depth + 1)
            self.i += 1  # the ')'
            return Junction(match.group(1), items)
        return self.condition()

    def condition(self) -> Cond:
        start = self.i
        open_at = self.text.find("[", self.i)
        if open_at < 0:
            raise self.fail("expected field[operator]:value")
        field = self.text[self.i:open_at].strip()
        close_at = self.text.find("]", open_at)
        if close_at < 0:
            raise self.fail("unclosed '['")
        op = self.text[open_at + 1:close_at].strip()
        self.i = close_at + 1
        if self.peek() != ":":
            raise self.fail("expected ':' after the operator")
        self.i += 1
        if not field or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", field):
            self.i = start
            raise self.fail(f"'{field[:64]}' is not a field name")
        value = self.value()
        return Cond(field.split("."), op, value, field)

    def value(self) -> str | list[str]:
        ch = self.peek()
        if ch in "\"'":
            return self.quoted(ch)
        if ch == "[":
            start, depth_quote = self.i, ""
            while self.i < len(self.text):
                c = self.text[self.i]
                if depth_quote:
                    if c == "\\":
                        self.i += 1
                    elif c == depth_quote:
                        depth_quote = ""
                elif c in "\"'":
                    depth_quote = c
                elif c == "]":
                    self.i += 1
                    return split_list(self.text[start:self.i])
                self.i += 1
            raise self.fail("unclosed '[' in a list value")
        start = self.i
        while self.i < len(self.text) and self.text[self.i] not in ",)":
            self.i += 1
        return self.text[start:self.i].strip()

    def quoted(self, quote: str) -> str:
        self.i += 1
        out = []
        while self.i < len(self.text):
            c = self.text[self.i]
            if c == "\\" and self.i + 1 < len(self.text):
                out.append(self.text[self.i + 1])
                self.i += 2
                continue
            if c == quote:
                self.i += 1
                return "".join(out)
            out.append(c)
            self.i += 1
        raise self.fail("unclosed quote")


def parse_twenty_filter(text: str) -> Tree:
    """Twenty's ``filter`` text as a tree; GrammarError when it is malformed."""
    if len(text) > MAX_FILTER_LENGTH:
        raise GrammarError(f"the filter is longer than {MAX_FILTER_LENGTH} characters")
    if not text.strip():
        return Junction("and", [])
    return _Parser(text).parse()


def parse_twenty_order(text: str) -> list[tuple[str, str]]:
    """``createdAt[DescNullsLast],name.firstName`` → ``[(path, direction)]`` (default AscNullsFirst)."""
    out: list[tuple[str, str]] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        match = re.fullmatch(r"([^\[\]]+)(?:\[([A-Za-z]+)\])?", item)
        if match is None:
            raise GrammarError(f"'{item[:64]}' is not of the form field[Direction]")
        out.append((match.group(1).strip(), match.group(2) or "AscNullsFirst"))
    return out
