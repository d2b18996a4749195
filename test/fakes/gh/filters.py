"""List filters: the AIP-160 subset Google documents, parsed strictly."""

import calendar
import re
from datetime import datetime, timedelta, timezone

from .common import bad_request
from .types import TYPES

FILTER_TOKEN_RE = re.compile(r'\s*(?:(?P<str>"[^"\\]*(?:\\.[^"\\]*)*")|(?P<op>>=|<=|!=|[<>=:])'
                             r'|(?P<paren>[()])|(?P<word>[A-Za-z0-9_.+\-]+))')
RFC3339_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?"
                        r"(Z|[+-]\d\d:\d\d)$")
CIVIL_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d):(\d\d))?$")


def filter_error(reason, message):
    return bad_request("Invalid filter: " + message,
                       "INVALID_DATA_POINT_FILTER" + (reason and "_" + reason),
                       "filter")


def tokenize_filter(text):
    tokens, pos = [], 0
    while text[pos:].strip():
        m = FILTER_TOKEN_RE.match(text, pos)
        if not m:
            raise filter_error("SYNTAX", "cannot read the filter at %r"
                               % text[pos:].strip()[:20])
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


def filter_literal(value, kind):
    """A literal -> epoch (rfc3339) or naive local epoch (civil, date)."""
    if kind == "rfc3339":
        m = RFC3339_RE.match(value)
        expected = 'an RFC 3339 timestamp such as "2026-07-01T00:00:00Z"'
    else:
        m = CIVIL_RE.match(value)
        if kind == "date" and m and m.group(4):
            m = None
        expected = ('a date "YYYY-MM-DD"' if kind == "date"
                    else 'a civil time "YYYY-MM-DD" or "YYYY-MM-DDTHH:mm:ss"')
    try:
        f = [int(x) for x in m.groups()[:6] if x is not None]
        stamp = datetime(*f)   # validates the calendar
    except (AttributeError, TypeError, ValueError):
        raise filter_error("RESTRICTION_COMPARABLE", "%r is not %s" % (value, expected))
    t = calendar.timegm(stamp.timetuple())
    if kind == "rfc3339":
        t += float(m.group(7) or 0)
        if m.group(8) != "Z":
            sign = -1 if m.group(8)[0] == "+" else 1
            t += sign * (int(m.group(8)[1:3]) * 3600 + int(m.group(8)[4:6]) * 60)
    return t


def parse_filter(text, dtype):
    """Parse a list filter strictly -> (predicate or None, first day, last day).

    Grammar (the AIP-160 subset Google documents):
        expr   := term { "AND" term }
        term   := factor { "OR" factor }        (OR: sleep end time only)
        factor := "(" expr ")" | MEMBER (">=" | "<") "\"literal\""
    Members are the exact snake_case names of TYPES[dtype].members."""
    if not text.strip():
        return None, None, None
    members = TYPES[dtype].members
    tokens = tokenize_filter(text)
    pos = [0]

    def peek():
        return tokens[pos[0]] if pos[0] < len(tokens) else (None, None)

    def take():
        tok = peek()
        if tok[0] is None:
            raise filter_error("UNEXPECTED_END_OF_INPUT", "the filter ends too early")
        pos[0] += 1
        return tok

    def restriction():
        kind, member = take()
        if kind == "paren" and member == "(":
            node = expr()
            if take() != ("paren", ")"):
                raise filter_error("MISSING_TOKEN", "missing ')'")
            return node
        if kind == "str":
            raise filter_error("EXPRESSION_STRUCTURE",
                               "a restriction must start with a field name")
        if kind != "word" or member in ("AND", "OR", "NOT"):
            raise filter_error("UNEXPECTED_TOKEN", "unexpected %r" % member)
        if member not in members:
            hint = (" (members are snake_case)" if re.search("[A-Z]", member)
                    else "")
            raise filter_error("DATA_TYPE_MEMBER", "%r is not a filterable member "
                               "of %s%s; use one of: %s" % (
                                   member, dtype, hint, ", ".join(sorted(members))))
        okind, op = peek()
        if okind != "op":
            if okind is None:
                raise filter_error("UNEXPECTED_END_OF_INPUT", "operator expected")
            raise filter_error("MISSING_TOKEN", "operator expected after %s" % member)
        take()
        if op not in (">=", "<"):
            raise filter_error("UNEXPECTED_TOKEN", "operator %r is not supported; "
                               "use >= or <" % op)
        lkind, literal = take()
        if lkind != "str":
            raise filter_error("RESTRICTION_COMPARABLE", "the value %r must be a "
                               "double-quoted literal" % literal)
        key, fmt = members[member]
        return ("cmp", key, op, filter_literal(literal[1:-1], fmt))

    def term():
        nodes = [restriction()]
        while peek() == ("word", "OR"):
            if dtype != "sleep":
                raise filter_error("EXPRESSION_STRUCTURE", "OR is only supported "
                                   "for sleep end times")
            take()
            nodes.append(restriction())
        return nodes[0] if len(nodes) == 1 else ("or", nodes)

    def expr():
        nodes = [term()]
        while peek() == ("word", "AND"):
            take()
            nodes.append(term())
        return nodes[0] if len(nodes) == 1 else ("and", nodes)

    tree = expr()
    if peek()[0] is not None:
        raise filter_error("UNEXPECTED_TOKEN", "unexpected %r" % peek()[1])
    return compile_filter(tree), *filter_days(tree)


def compile_filter(node):
    if node[0] == "cmp":
        _, key, op, v = node
        get = {"start": lambda p: p[0], "cstart": lambda p: p[0] + p[1],
               "end": lambda p: p[2], "cend": lambda p: p[2] + p[3]}[key]
        return (lambda p: get(p) >= v) if op == ">=" else (lambda p: get(p) < v)
    parts = [compile_filter(n) for n in node[1]]
    if node[0] == "and":
        return lambda p: all(f(p) for f in parts)
    return lambda p: any(f(p) for f in parts)


def filter_days(tree):
    """Local days that can hold matches, from the top-level AND restrictions.

    A day's points start on that local day; physical bounds are widened by
    a day for the UTC offset and end bounds by a day for session length."""
    lo = hi = None
    for node in tree[1] if tree[0] == "and" else [tree]:
        if node[0] != "cmp":
            continue
        _, key, op, v = node
        day = datetime.fromtimestamp(v, timezone.utc).date()
        slack = (key in ("start", "end")) + (key in ("end", "cend"))
        if op == ">=":
            d = day - timedelta(slack)
            lo = d if lo is None else max(lo, d)
        else:
            d = day + timedelta(1 if key in ("start", "end") else 0)
            hi = d if hi is None else min(hi, d)
    return lo, hi

