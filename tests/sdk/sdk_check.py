#!/usr/bin/env python3
"""Checks the convoscope simulator with the official Genesys Cloud Python SDK, unmodified.

    pip install PureCloudPlatformClientV2
    python3 tests/sdk/sdk_check.py URL [client_id] [client_secret] [STRICT_URL|-] [EVENTS]

URL is a simulator with a generous rate limit (the check makes a few hundred requests);
STRICT_URL, if given, one started with `--rate-limit 3 --forbid query,queues` (429 and 403);
EVENTS, if given, the output of `convoscope sim --dump-events` over the same data as URL.

The contract: every kind of answer the simulator gives (details query, async jobs, their status
and results, availability, GET conversation, multi-get, single details, the directories, errors,
429, the organization, notification channels and subscriptions) is
- deserialised by the SDK's own API methods (or its deserialiser, for error bodies);
- walked key by key along the SDK's models: a key the SDK does not know is a misspelt field;
- checked for fields the SDK's documentation marks required (tests/sdk/required.json);
- checked for enum values: the SDK turns values it does not know into "outdated_sdk_version".
Every answer carries inin-correlation-id and the inin-ratelimit-* headers. The filter grammar the
simulator accepts (src/sim/filter.rs) is checked against the SDK's enums, name by name, and over
HTTP: every dimension the SDK knows is accepted, names it does not know are a 400 naming them.
The channel's WebSocket is read with a small client of the standard library (the SDK has none),
and every event body, those read and those of EVENTS (every kind), is checked in the SDK's
`*DetailEventTopic*` and `QueueConversationEventTopic*` models.
Prints a summary; exits non-zero on any mismatch.
"""

import base64
import datetime
import hashlib
import json
import os
import re
import socket
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import PureCloudPlatformClientV2 as gc
import PureCloudPlatformClientV2.models as M
from PureCloudPlatformClientV2.rest import ApiException

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

problems = []
visited = set()
with open(os.path.join(HERE, "required.json")) as f:
    REQUIRED = json.load(f)["models"]


def problem(msg):
    problems.append(msg)
    print("MISMATCH:", msg)


PRIMS = {"str": str, "int": int, "float": (int, float), "bool": bool, "object": object}


def check_keys(raw, typ, path):
    """Walks raw JSON along the SDK's model types: every key must be a known field, every field
    the SDK's documentation marks required must be there."""
    if raw is None:
        return
    if typ.startswith("list["):
        if not isinstance(raw, list):
            return problem(f"{path}: expected a list ({typ}), got {type(raw).__name__}")
        for k, v in enumerate(raw):
            check_keys(v, typ[5:-1], f"{path}[{k}]")
    elif typ.startswith("dict("):
        if not isinstance(raw, dict):
            return problem(f"{path}: expected an object ({typ})")
        inner = typ[typ.index(",") + 1 : -1].strip()
        for k, v in raw.items():
            check_keys(v, inner, f"{path}.{k}")
    elif typ in ("datetime", "date"):
        if not isinstance(raw, str):
            return problem(f"{path}: expected a date string, got {raw!r}")
        try:
            datetime.datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S.%fZ")
        except ValueError:
            problem(f"{path}: date {raw!r} is not like 2026-11-24T08:00:00.000Z")
    elif typ in PRIMS:
        if not isinstance(raw, PRIMS[typ]) or (typ == "int" and isinstance(raw, bool)):
            problem(f"{path}: expected {typ}, got {raw!r}")
    else:
        cls = getattr(M, typ, None)
        if cls is None:
            return problem(f"{path}: unknown SDK type {typ}")
        if not isinstance(raw, dict):
            return problem(f"{path}: expected an object ({typ})")
        visited.add(typ)
        inst = cls()
        rev = {v: k for k, v in inst.attribute_map.items()}
        for k, v in raw.items():
            if k not in rev:
                problem(f"{path}.{k}: not a field of the SDK's {typ}")
            else:
                check_keys(v, inst.swagger_types[rev[k]], f"{path}.{k}")
        if typ not in REQUIRED:
            problem(f"{path}: no required-field list for {typ} in tests/sdk/required.json (tests/sdk/required.py adds it)")
        for field in REQUIRED.get(typ, []):
            key = inst.attribute_map.get(field, field)
            if raw.get(key) is None:
                problem(f"{path}: {typ}.{key} is required by the SDK and missing")


def check_enums(obj, path):
    """The SDK maps enum values it does not know to 'outdated_sdk_version'."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            check_enums(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for k, v in enumerate(obj):
            check_enums(v, f"{path}[{k}]")
    elif obj == "outdated_sdk_version":
        problem(f"{path}: enum value unknown to the SDK")


def mk(cls, **kw):
    """SDK models take no constructor arguments: set the fields one by one."""
    o = cls()
    for k, v in kw.items():
        setattr(o, k, v)
    return o


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body


kinds = {}


def raw(api_client, method, path, body=None, token=True, kind=None):
    """One request as sent by hand; checks the headers every answer carries."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + api_client.access_token
    req = urllib.request.Request(
        api_client.host + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers=headers,
    )
    try:
        with urllib.request.urlopen(req) as r:
            a = Answer(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        a = Answer(e.code, e.headers, e.read())
    a.body = json.loads(a.body) if a.body else None
    where = f"{method} {path.split('?')[0]} ({a.status})"
    if not a.headers.get("inin-correlation-id"):
        problem(f"{where}: no inin-correlation-id header")
    if token and a.status != 401:
        for h in ("inin-ratelimit-allowed", "inin-ratelimit-count", "inin-ratelimit-reset"):
            v = a.headers.get(h)
            if v is None or not v.isdigit():
                problem(f"{where}: header {h} is {v!r}, not a number")
    if kind:
        kinds[kind] = kinds.get(kind, 0) + 1
    return a


def contract(api_client, a, typ, where, status=200):
    """The answer has the status, its JSON walks along the SDK's model, and the SDK's
    deserialiser takes it with every enum value known."""
    if a.status != status:
        problem(f"{where}: status {a.status}, expected {status}: {a.body}")
        return None
    check_keys(a.body, typ, where)
    obj = api_client._ApiClient__deserialize(a.body, typ)
    check_enums(obj.to_dict(), where)
    return obj


def error(api_client, a, status, where, code=None):
    """An error answer: the ErrorBody shape, its status and code."""
    obj = contract(api_client, a, "ErrorBody", where, status)
    if obj is None:
        return None
    if obj.status != status:
        problem(f"{where}: body status {obj.status} != {status}")
    if not obj.message or not obj.context_id:
        problem(f"{where}: an error needs a message and a contextId: {a.body}")
    if obj.context_id != a.headers.get("inin-correlation-id"):
        problem(f"{where}: contextId {obj.context_id} != inin-correlation-id")
    if code and obj.code != code:
        problem(f"{where}: code {obj.code}, expected {code}")
    return obj


def api_time(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


# ---------------------------------------------------------------------------------------------
# The filter grammar


def allowed(cls, attr):
    """The allowed values of an SDK model's enum field, read from its setter."""
    import inspect

    src = inspect.getsource(getattr(cls, attr).fset)
    m = re.search(r"allowed_values = (\[.*?\])", src)
    return json.loads(m.group(1))


def sim_grammar():
    """The names the simulator's filter parser accepts, from its source's tables."""
    src = open(os.path.join(ROOT, "src/sim/filter.rs")).read()

    def table(name):
        m = re.search(r"const " + name + r": &\[\(&str, Dim\)\] = &\[(.*?)\];", src, re.S)
        if not m:
            problem(f"src/sim/filter.rs: no table {name}")
            return []
        return re.findall(r'\("([A-Za-z0-9]+)",', m.group(1))

    def words(name):
        m = re.search(r"const " + name + r": &\[&str\] = &\[(.*?)\];", src, re.S)
        if not m:
            problem(f"src/sim/filter.rs: no list {name}")
            return []
        return re.findall(r'"([A-Za-z0-9]+)"', m.group(1))

    return {
        "segment": table("SEGMENT_DIMENSIONS"),
        "conversation": table("CONVERSATION_DIMENSIONS"),
        "operators": words("OPERATORS"),
        "predicate_types": words("PREDICATE_TYPES"),
        "filter_types": words("FILTER_TYPES"),
    }


def check_grammar(api_client, interval):
    seg_dims = allowed(M.SegmentDetailQueryPredicate, "dimension")
    conv_dims = allowed(M.ConversationDetailQueryPredicate, "dimension")
    ops = allowed(M.SegmentDetailQueryPredicate, "operator")
    ptypes = allowed(M.SegmentDetailQueryPredicate, "type")
    ftypes = allowed(M.SegmentDetailQueryFilter, "type")
    g = sim_grammar()
    for name, mine, sdk in [
        ("segment dimension", g["segment"], seg_dims),
        ("conversation dimension", g["conversation"], conv_dims),
        ("operator", g["operators"], ops),
        ("predicate type", g["predicate_types"], ptypes),
        ("filter type", g["filter_types"], ftypes),
    ]:
        for v in mine:
            if v not in sdk:
                problem(f"the simulator accepts {name} {v!r}, which the SDK does not know")
        for v in sdk:
            if v not in mine:
                problem(f"the SDK's {name} {v!r} is unknown to the simulator")

    Q = "/api/v2/analytics/conversations/details/query"

    def body(seg=None, conv=None):
        b = {"interval": interval, "paging": {"pageSize": 1, "pageNumber": 1}}
        if seg is not None:
            b["segmentFilters"] = seg
        if conv is not None:
            b["conversationFilters"] = conv
        return b

    def pred(dim, op="exists", **kw):
        return dict({"type": "dimension", "dimension": dim, "operator": op}, **kw)

    accepted = 0
    for d in seg_dims:
        a = raw(api_client, "POST", Q, body(seg=[{"type": "and", "predicates": [pred(d)]}]))
        if a.status != 200:
            problem(f"segment dimension {d}: {a.status} {a.body}")
        else:
            accepted += 1
    for d in conv_dims:
        a = raw(api_client, "POST", Q, body(conv=[{"type": "or", "predicates": [pred(d)]}]))
        if a.status != 200:
            problem(f"conversation dimension {d}: {a.status} {a.body}")
        else:
            accepted += 1
    refused = 0
    for seg, conv, needle in [
        ([{"type": "and", "predicates": [pred("conversationId", "matches", value="x")]}], None, "conversationId"),
        ([{"type": "and", "predicates": [pred("colour")]}], None, "colour"),
        (None, [{"type": "and", "predicates": [pred("mediaType", "matches", value="voice")]}], "mediaType"),
        ([{"type": "and", "predicates": [pred("purpose", "contains", value="a")]}], None, "contains"),
        ([{"type": "xor", "predicates": [pred("purpose")]}], None, "xor"),
        ([{"type": "and", "predicates": [{"type": "sql", "dimension": "purpose"}]}], None, "sql"),
        ([{"type": "and", "clauses": [{"type": "or", "clauses": [{"type": "and", "predicates": [pred("purpose")]}]}]}], None, "clauses"),
    ]:
        a = raw(api_client, "POST", Q, body(seg, conv))
        obj = error(api_client, a, 400, f"filter naming {needle}", "bad.request")
        if obj and needle not in (obj.message or ""):
            problem(f"the 400 for {needle} does not name it: {obj.message}")
        refused += 1
    # conversationEnd notExists: only conversations still going on.
    a = raw(api_client, "POST", Q, dict(body(conv=[{"type": "and", "predicates": [pred("conversationEnd", "notExists")]}]), paging={"pageSize": 100, "pageNumber": 1}))
    for c in (a.body or {}).get("conversations", []):
        if c.get("conversationEnd"):
            problem(f"conversationEnd notExists returned an ended conversation {c['conversationId']}")
    print(f"filter grammar: {len(g['segment'])} segment and {len(g['conversation'])} conversation dimensions, all the SDK's; {accepted} accepted over HTTP, {refused} refused with a 400 naming the culprit")


# ---------------------------------------------------------------------------------------------


class WebSocket:
    """A WebSocket client in the standard library: enough for the notification channel."""

    def __init__(self, uri, timeout=10):
        if not uri.startswith("ws://"):
            raise ValueError(f"not a ws:// URI: {uri}")
        hostport, _, path = uri[5:].partition("/")
        host, _, port = hostport.rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            c = self.sock.recv(1)
            if not c:
                raise ConnectionError("the handshake was cut")
            head += c
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0] + " ":
            raise ConnectionError(f"handshake refused: {lines[0]}")
        want = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        accept = [l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("sec-websocket-accept:")]
        if accept != [want]:
            raise ConnectionError(f"bad Sec-WebSocket-Accept: {accept}")

    def _exact(self, n):
        b = b""
        while len(b) < n:
            c = self.sock.recv(n - len(b))
            if not c:
                raise ConnectionError("the connection was cut")
            b += c
        return b

    def _send(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def send_json(self, v):
        self._send(0x1, json.dumps(v).encode())

    def recv(self, timeout):
        """("text", str) | ("close", code, reason) | None on a timeout."""
        self.sock.settimeout(timeout)
        data = b""
        try:
            while True:
                b0, b1 = self._exact(2)
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack(">H", self._exact(2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", self._exact(8))[0]
                if b1 & 0x80:
                    raise ConnectionError("the server masked a frame")
                payload = self._exact(n)
                op = b0 & 0x0F
                if op == 0x9:
                    self._send(0xA, payload)
                elif op == 0x8:
                    code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
                    return ("close", code, payload[2:].decode())
                elif op in (0x1, 0x0):
                    data += payload
                    if b0 & 0x80:
                        return ("text", data.decode())
        except socket.timeout:
            return None

    def close(self):
        try:
            self._send(0x8, struct.pack(">H", 1000))
        except OSError:
            pass
        self.sock.close()


# The SDK model of each topic's event body.
DETAIL_MODELS = {
    "attributes": "AttributeDetailEventTopicAttributeUpdateEvent",
    "customer.start": "CustomerStartDetailEventTopicCustomerStartEvent",
    "customer.end": "CustomerEndDetailEventTopicCustomerEndEvent",
    "flow.start": "FlowStartDetailEventTopicFlowStartEvent",
    "flow.end": "FlowEndDetailEventTopicFlowEndEvent",
    "acd.start": "AcdStartDetailEventTopicAcdStartEvent",
    "acd.end": "AcdEndDetailEventTopicAcdEndEvent",
    "user.start": "UserStartDetailEventTopicUserStartEvent",
    "user.end": "UserEndDetailEventTopicUserEndEvent",
    "acw": "AcwDetailEventTopicAfterCallWorkEvent",
    "wrapup": "WrapupDetailEventTopicWrapupEvent",
}
DETAIL_PREFIX = "v2.detail.events.conversation."


def event_kind(topic):
    """The kind of a topic's events ("queue", a detail kind, or None)."""
    if topic.startswith("v2.routing.queues.") and topic.endswith(".conversations"):
        return "queue"
    if topic.startswith(DETAIL_PREFIX):
        return topic[len(DETAIL_PREFIX):].split(".", 1)[1]
    return None


def check_message(api_client, m, where):
    """One WebSocket message: its envelope, and its body in the SDK's model. Returns its kind."""
    topic = m.get("topicName")
    if topic == "channel.metadata":
        if m.get("eventBody") not in ({"message": "WebSocket Heartbeat"}, {"message": "pong"}) or set(m) != {"topicName", "eventBody"}:
            problem(f"{where}: unexpected channel.metadata message {m}")
        return m["eventBody"]["message"]
    if set(m) != {"topicName", "version", "eventBody", "metadata"}:
        problem(f"{where}: envelope keys {sorted(m)}")
    if m.get("version") != "2" or not isinstance(m.get("metadata", {}).get("CorrelationId"), str):
        problem(f"{where}: version {m.get('version')!r}, metadata {m.get('metadata')}")
    if topic == "v2.system.socket_closing":
        model, kind = "SystemMessageSystemMessage", "socket_closing"
    else:
        kind = event_kind(topic)
        model = "QueueConversationEventTopicConversation" if kind == "queue" else DETAIL_MODELS.get(kind)
        if model is None:
            problem(f"{where}: unknown topic {topic}")
            return None
    body = m["eventBody"]
    check_keys(body, model, f"{where} {kind}")
    obj = api_client._ApiClient__deserialize(body, model)
    check_enums(obj.to_dict(), f"{where} {kind}")
    if kind in DETAIL_MODELS and topic.split(".")[4] != body.get("conversationId"):
        problem(f"{where}: {topic} carries conversation {body.get('conversationId')}")
    return kind


def notifications(api_client, url, events_file):
    """Channels and subscriptions with the SDK, then the channel's WebSocket."""
    napi = gc.NotificationsApi(api_client)
    ch = napi.post_notifications_channels()
    check_keys(raw(api_client, "POST", "/api/v2/notifications/channels").body, "Channel", "channel")
    if not ch.connect_uri.startswith("ws://") or ch.id not in ch.connect_uri:
        problem(f"channel: connectUri {ch.connect_uri} for {ch.id}")
    listing = napi.get_notifications_channels()
    check_keys(raw(api_client, "GET", "/api/v2/notifications/channels").body, "ChannelEntityListing", "channels")
    if ch.id not in [c.id for c in listing.entities]:
        problem("channels: the new channel is not listed")
    napi.head_notifications_channel(ch.id)

    # The live conversations: their detail topics, and their queues'.
    q = M.ConversationQuery()
    end = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(minutes=1)
    q.interval = (end - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z") + "/" + end.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    q.order = "desc"
    q.paging = mk(M.PagingSpec, page_size=100, page_number=1)
    r = gc.ConversationsApi(api_client).post_analytics_conversations_details_query(q)
    live = [c for c in r.conversations or [] if c.conversation_end is None]
    if not live:
        problem("notifications: no live conversation to follow")
        return
    topics = [f"{DETAIL_PREFIX}{c.conversation_id}.{k}" for c in live for k in DETAIL_MODELS]
    queues = sorted({s.queue_id for c in live for p in c.participants for se in p.sessions for s in se.segments or [] if s.queue_id})
    topics += [f"v2.routing.queues.{qid}.conversations" for qid in queues]
    body = [mk(M.ChannelTopic, id=t) for t in topics]
    subs = napi.put_notifications_channel_subscriptions(ch.id, body)
    path = f"/api/v2/notifications/channels/{ch.id}/subscriptions"
    check_keys(raw(api_client, "PUT", path, [{"id": t} for t in topics]).body, "ChannelTopicEntityListing", "subscriptions")
    if [t.id for t in subs.entities] != topics:
        problem("subscriptions: PUT did not answer the topics it was given")
    check_enums(subs.to_dict(), "subscriptions")
    got = napi.get_notifications_channel_subscriptions(ch.id)
    if len(got.entities) != len(topics):
        problem(f"subscriptions: GET lists {len(got.entities)} of {len(topics)}")
    napi.post_notifications_channel_subscriptions(ch.id, body[:1])
    try:
        napi.put_notifications_channel_subscriptions(ch.id, [mk(M.ChannelTopic, id="v2.nothing.here")])
        problem("subscriptions: an unknown topic was accepted")
    except ApiException as e:
        if e.status != 400:
            problem(f"subscriptions: unknown topic: expected 400, got {e.status}")
    print(f"notifications: channel {ch.id}, {len(topics)} topics of {len(live)} live conversations and {len(queues)} queues")

    # The WebSocket: events as they happen, heartbeats (run.sh: every second), a pong, and the
    # maintenance warning (run.sh: --ws-faults maintenance=...), then the close.
    ws = WebSocket(ch.connect_uri)
    ws.send_json({"message": "ping"})
    kinds = {}
    closed = None
    deadline = time.time() + 30
    while time.time() < deadline:
        m = ws.recv(deadline - time.time())
        if m is None:
            break
        if m[0] == "close":
            closed = m
            break
        k = check_message(api_client, json.loads(m[1]), "websocket")
        kinds[k] = kinds.get(k, 0) + 1
    ws.close()
    print("websocket: " + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items(), key=str)) + f"; closed {closed}")
    for want in ("WebSocket Heartbeat", "pong", "attributes", "queue", "socket_closing"):
        if not kinds.get(want):
            problem(f"websocket: no {want} message")
    if not closed or closed[1] != 1001:
        problem(f"websocket: not closed after the maintenance warning: {closed}")
    napi.delete_notifications_channel_subscriptions(ch.id)
    if napi.get_notifications_channel_subscriptions(ch.id).entities:
        problem("subscriptions: DELETE left topics")

    # Every kind of event, from the live conversations' whole lives.
    if events_file:
        kinds = {}
        with open(events_file) as f:
            for n, line in enumerate(f):
                k = check_message(api_client, json.loads(line), f"dump line {n + 1}")
                kinds[k] = kinds.get(k, 0) + 1
        print("dumped events: " + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items(), key=str)))
        for want in list(DETAIL_MODELS) + ["queue"]:
            if not kinds.get(want):
                problem(f"dumped events: no {want} event")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    url = sys.argv[1].rstrip("/")
    cid = sys.argv[2] if len(sys.argv) > 2 else "demo"
    secret = sys.argv[3] if len(sys.argv) > 3 else "demo"
    strict = sys.argv[4].rstrip("/") if len(sys.argv) > 4 and sys.argv[4] != "-" else None

    gc.configuration.host = url
    api_client = gc.api_client.ApiClient(host=url)
    api_client.get_client_credentials_token(cid, secret)
    print(f"token: ok ({len(api_client.access_token)} chars)")
    api = gc.ConversationsApi(api_client)
    A = "/api/v2/analytics/conversations"

    # Bad credentials are refused.
    try:
        gc.api_client.ApiClient(host=url).get_client_credentials_token(cid, secret + "x")
        problem("a wrong secret got a token")
    except ApiException as e:
        print(f"bad secret: HTTP {e.status}")
        if e.status != 401:
            problem(f"bad secret: expected 401, got {e.status}")

    # The data availability tells where the lake ends: query the day before it.
    avail = api.get_analytics_conversations_details_jobs_availability()
    contract(api_client, raw(api_client, "GET", f"{A}/details/jobs/availability", kind="availability"),
             "DataAvailabilityResponse", "availability")
    end = avail.data_availability_date.replace(tzinfo=None)
    start = end - datetime.timedelta(days=1)
    interval = api_time(start) + "/" + api_time(end)
    print(f"interval: {interval}")

    def media_filter():
        return [
            mk(
                M.SegmentDetailQueryFilter,
                type="and",
                predicates=[
                    mk(M.SegmentDetailQueryPredicate, type="dimension", dimension="mediaType", operator="matches", value="message"),
                    mk(M.SegmentDetailQueryPredicate, type="dimension", dimension="messageType", operator="matches", value="webmessaging"),
                ],
            )
        ]

    # 1. The details query, paged to totalHits.
    ids = []
    qinfo = {}
    total = None
    page = 1
    while True:
        q = M.ConversationQuery()
        q.interval = interval
        q.order = "desc"
        q.order_by = "conversationStart"
        q.paging = mk(M.PagingSpec, page_size=100, page_number=page)
        q.segment_filters = media_filter()
        r = api.post_analytics_conversations_details_query(q)
        if page == 1:
            a = raw(api_client, "POST", f"{A}/details/query", api_client.sanitize_for_serialization(q), kind="query")
            contract(api_client, a, "AnalyticsConversationQueryResponse", "query")
            if "attributes" in json.dumps(a.body):
                problem("the details query carries attributes")
        check_enums(r.to_dict(), f"query.page{page}")
        total = r.total_hits
        if not r.conversations:
            break
        for c in r.conversations:
            ids.append(c.conversation_id)
            qinfo[c.conversation_id] = (c.conversation_start, c.conversation_end)
            for p in c.participants:
                for s in p.sessions or []:
                    if s.media_type != "message" or s.message_type != "webmessaging":
                        problem(f"{c.conversation_id}: filter let {s.media_type}/{s.message_type} through")
        page += 1
    print(f"details query: {len(ids)} conversations in {page - 1} pages, totalHits {total}")
    if len(ids) != total or len(set(ids)) != len(ids):
        problem(f"paging: {len(ids)} ids ({len(set(ids))} distinct) for totalHits {total}")
    if total == 0:
        problem("no conversations in the interval: nothing was checked")
        return 1

    # An empty answer is {"totalHits": 0}.
    future = api_time(end + datetime.timedelta(days=30)) + "/" + api_time(end + datetime.timedelta(days=31))
    a = raw(api_client, "POST", f"{A}/details/query", {"interval": future}, kind="query")
    contract(api_client, a, "AnalyticsConversationQueryResponse", "empty query")
    if a.body != {"totalHits": 0}:
        problem(f"an empty answer is not {{\"totalHits\": 0}}: {a.body}")

    # The interval limits: 7 days without a filter, 31 with one.
    def span(days):
        return api_time(end - datetime.timedelta(days=days)) + "/" + api_time(end)

    a = raw(api_client, "POST", f"{A}/details/query", {"interval": span(8)}, kind="error 400")
    e = error(api_client, a, 400, "8 days unfiltered", "bad.request")
    if e and "7" not in (e.message or ""):
        problem(f"the 400 for 8 unfiltered days does not quote the limit: {e.message}")
    filtered = {"interval": span(8), "segmentFilters": api_client.sanitize_for_serialization(media_filter())}
    contract(api_client, raw(api_client, "POST", f"{A}/details/query", filtered, kind="query"),
             "AnalyticsConversationQueryResponse", "8 days filtered")
    filtered["interval"] = span(32)
    a = raw(api_client, "POST", f"{A}/details/query", filtered, kind="error 400")
    e = error(api_client, a, 400, "32 days filtered", "bad.request")
    if e and "31" not in (e.message or ""):
        problem(f"the 400 for 32 filtered days does not quote the limit: {e.message}")

    # Details by id (single and multi).
    one = api.get_analytics_conversation_details(ids[0])
    if one.conversation_id != ids[0]:
        problem("get_analytics_conversation_details returned another conversation")
    multi = api.get_analytics_conversations_details(id=ids[:3])
    if [c.conversation_id for c in multi.conversations] != ids[:3]:
        problem(f"multi get: {[c.conversation_id for c in multi.conversations]} != {ids[:3]}")
    contract(api_client, raw(api_client, "GET", f"{A}/{ids[0]}/details", kind="single details"),
             "AnalyticsConversationWithoutAttributes", "details")
    contract(api_client, raw(api_client, "GET", f"{A}/details?id={','.join(ids[:3])}", kind="multi-get"),
             "AnalyticsConversationWithoutAttributesMultiGetResponse", "multi-get")

    # 2. GET conversation: participants with attributes; no state (never sent on read).
    live = {}
    with_attrs = 0
    for cid_ in ids[:25]:
        c = api.get_conversation(cid_)
        check_enums(c.to_dict(), f"conversation {cid_}")
        a = raw(api_client, "GET", f"/api/v2/conversations/{cid_}", kind="conversation")
        contract(api_client, a, "Conversation", f"conversation {cid_}")
        if "state" in a.body:
            problem(f"conversation {cid_}: Conversation.state is sent (the SDK: never on read)")
        if c.id != cid_:
            problem(f"get_conversation({cid_}) returned {c.id}")
        live[cid_] = {p.id: (p.attributes or {}) for p in c.participants}
        if any(p.attributes for p in c.participants):
            with_attrs += 1
    print(f"get_conversation: {len(live)} conversations, {with_attrs} with participant attributes")
    if with_attrs == 0:
        problem("no participant attributes in GET conversation")
    try:
        api.get_conversation("00000000-0000-4000-8000-000000000000")
        problem("an unknown conversation was found")
    except ApiException as e:
        if e.status != 404:
            problem(f"unknown conversation: expected 404, got {e.status}")
    error(api_client, raw(api_client, "GET", "/api/v2/conversations/00000000-0000-4000-8000-000000000000", kind="error 404"),
          404, "unknown conversation", "not.found")

    # Every media type's shapes: an unfiltered page and each of its conversations.
    q = M.ConversationQuery()
    q.interval = interval
    q.order = "desc"
    q.paging = mk(M.PagingSpec, page_size=100, page_number=1)
    a = raw(api_client, "POST", f"{A}/details/query", api_client.sanitize_for_serialization(q), kind="query")
    contract(api_client, a, "AnalyticsConversationQueryResponse", "unfiltered query")
    r = api.post_analytics_conversations_details_query(q)
    check_enums(r.to_dict(), "unfiltered query")
    media = {}
    purposes = {}
    seg_types = set()
    disconnects = set()
    user_ids, queue_ids, wrapup_ids, division_ids = set(), set(), set(), set()
    for c in r.conversations or []:
        s0 = c.participants[0].sessions[0]
        media[(s0.media_type, s0.message_type)] = media.get((s0.media_type, s0.message_type), 0) + 1
        division_ids.update(c.division_ids or [])
        for p in c.participants:
            purposes[p.purpose] = purposes.get(p.purpose, 0) + 1
            if p.purpose in ("agent", "user"):
                if p.participant_name:
                    problem(f"{c.conversation_id}: a {p.purpose} is named in analytics ({p.participant_name!r})")
                if not p.user_id:
                    problem(f"{c.conversation_id}: a {p.purpose} has no userId")
            if p.user_id:
                user_ids.add(p.user_id)
            for s in p.sessions or []:
                for seg in s.segments or []:
                    seg_types.add(seg.segment_type)
                    if seg.disconnect_type:
                        disconnects.add(seg.disconnect_type)
                    if seg.queue_id:
                        queue_ids.add(seg.queue_id)
                    if seg.wrap_up_code:
                        wrapup_ids.add(seg.wrap_up_code)
        g = api.get_conversation(c.conversation_id)
        check_enums(g.to_dict(), f"conversation {c.conversation_id}")
        contract(api_client, raw(api_client, "GET", f"/api/v2/conversations/{c.conversation_id}", kind="conversation"),
                 "Conversation", f"conversation {c.conversation_id}")
        if [p.participant_id for p in c.participants] != [p.id for p in g.participants]:
            problem(f"{c.conversation_id}: participant ids differ between analytics and GET conversation")
    print("media of the newest 100: " + ", ".join(f"{m}/{t or '-'}: {n}" for (m, t), n in sorted(media.items(), key=lambda kv: -kv[1])))
    print("purposes: " + ", ".join(f"{p}: {n}" for p, n in sorted(purposes.items(), key=lambda kv: -kv[1])))
    print(f"segment types: {sorted(seg_types)}; disconnect types: {sorted(disconnects)}")

    # orderBy: conversationEnd sorts by the end (those going on last); an unknown value is a 400.
    q = M.ConversationQuery()
    q.interval = interval
    q.order = "asc"
    q.order_by = "conversationEnd"
    q.paging = mk(M.PagingSpec, page_size=100, page_number=1)
    r = api.post_analytics_conversations_details_query(q)
    ends = [c.conversation_end for c in r.conversations or []]
    known = [e for e in ends if e is not None]
    if known != sorted(known) or ends[: len(known)] != known:
        problem("orderBy conversationEnd: the page is not sorted by conversationEnd")
    q.order_by = "duration"  # the SDK sends "outdated_sdk_version" for a value it does not know
    try:
        api.post_analytics_conversations_details_query(q)
        problem("an unknown orderBy was accepted")
    except ApiException as e:
        if e.status != 400:
            problem(f"unknown orderBy: expected 400, got {e.status}")
    print(f"orderBy conversationEnd: {len(known)} ended conversations in order; unknown orderBy refused")

    # 3. The directories: what analytics names by id, in bulk and one by one.
    check_directories(api_client, user_ids, queue_ids, wrapup_ids, division_ids)

    # The organization: the simulator says what it is.
    org = gc.OrganizationApi(api_client).get_organizations_me()
    check_enums(org.to_dict(), "organization")
    contract(api_client, raw(api_client, "GET", "/api/v2/organizations/me", kind="organization"), "Organization", "organization")
    print(f"organization: {org.name} ({org.id}), state {org.state}")
    if "simulator" not in (org.name or ""):
        problem(f"the organization's name does not say it is a simulator: {org.name!r}")

    # 4. An async job to FULFILLED, results paged by cursor.
    jq = M.AsyncConversationQuery()
    jq.interval = interval
    jq.order = "desc"
    jq.order_by = "conversationStart"
    jq.segment_filters = media_filter()
    job = api.post_analytics_conversations_details_jobs(jq)
    contract(api_client, raw(api_client, "POST", f"{A}/details/jobs", api_client.sanitize_for_serialization(jq), kind="job created"),
             "AsyncQueryResponse", "job created", status=202)
    states = []
    for _ in range(100):
        st = api.get_analytics_conversations_details_job(job.job_id)
        check_enums(st.to_dict(), "job status")
        contract(api_client, raw(api_client, "GET", f"{A}/details/jobs/{job.job_id}", kind="job status"), "AsyncQueryStatus", "job status")
        if not states or states[-1] != st.state:
            states.append(st.state)
        if st.state == "FULFILLED":
            break
        time.sleep(0.1)
    print(f"job {job.job_id}: states {' -> '.join(states)}")
    if states[-1] != "FULFILLED":
        problem(f"job never FULFILLED: {states}")
        return 1
    if "PENDING" not in states and "QUEUED" not in states:
        problem(f"the job was never QUEUED nor PENDING: {states}")
    job_ids = []
    cursor = None
    pages = 0
    compared = 0
    cut = 0
    while True:
        kw = {"page_size": 250}
        if cursor:
            kw["cursor"] = cursor
        r = api.get_analytics_conversations_details_job_results(job.job_id, **kw)
        path = f"{A}/details/jobs/{job.job_id}/results?pageSize=250"
        if cursor:
            path += "&cursor=" + urllib.parse.quote(cursor)
        contract(api_client, raw(api_client, "GET", path, kind="job results"), "AnalyticsConversationAsyncQueryResponse", f"job results page {pages}")
        check_enums(r.to_dict(), f"job results page {pages}")
        pages += 1
        # The lake as it stood when the job was submitted.
        lake_end = r.data_availability_date.replace(tzinfo=None)
        for c in r.conversations or []:
            job_ids.append(c.conversation_id)
            if c.conversation_end is None:
                problem(f"{c.conversation_id}: a conversation still going on is in a job")
            elif c.conversation_end.replace(tzinfo=None) >= lake_end:
                problem(f"{c.conversation_id}: ended {c.conversation_end}, after the data availability date {lake_end}")
            elif c.conversation_end.replace(tzinfo=None) <= start:
                problem(f"{c.conversation_id}: ended {c.conversation_end}, before the interval")
            for p in c.participants:
                for k, v in (p.attributes or {}).items():
                    if len(k) > 1024 or len(v) > 1024:
                        problem(f"{c.conversation_id}: a job attribute longer than 1,024 characters")
                    cut += len(v) == 1024
                want = live.get(c.conversation_id, {}).get(p.participant_id)
                if want is not None:
                    short = {k[:1024]: v[:1024] for k, v in want.items()}
                    if (p.attributes or {}) != short:
                        problem(f"{c.conversation_id}/{p.participant_id}: job attributes {p.attributes} != {short}")
                    else:
                        compared += 1
        cursor = r.cursor
        if not cursor:
            break
    print(f"job results: {len(job_ids)} conversations in {pages} pages; {compared} participants' attributes equal GET conversation's (cut at 1,024); {cut} values cut")
    # The job sees what the lake holds: every conversation of the query that ended before the
    # data availability date (and conversations from before the interval's day that overlap it).
    lake = [i for i, (s, e) in qinfo.items() if e is not None and e.replace(tzinfo=None) < lake_end]
    missing = [i for i in lake if i not in set(job_ids)]
    if missing or len(set(job_ids)) != len(job_ids):
        problem(f"job results: {len(missing)} of the {len(lake)} ended conversations of the query missing, {len(job_ids) - len(set(job_ids))} repeated")
    print(f"the job holds the {len(lake)} conversations of the query that ended before {api_time(lake_end)}, and {len(set(job_ids) - set(lake))} more that overlap the interval")
    api.delete_analytics_conversations_details_job(job.job_id)
    st = api.get_analytics_conversations_details_job(job.job_id)
    if st.state != "CANCELLED":
        problem(f"after delete the job is {st.state}")
    error(api_client, raw(api_client, "GET", f"{A}/details/jobs/{job.job_id}/results", kind="error 400"),
          400, "results of a cancelled job", "bad.request")

    # 5. Errors: 400 (grammar), 401, 404, 405; then 429 and 403 on the strict simulator.
    check_grammar(api_client, interval)
    a = raw(api_client, "POST", f"{A}/details/query", {"interval": interval}, token=False, kind="error 401")
    error(api_client, a, 401, "no token", "authentication.required")
    error(api_client, raw(api_client, "GET", "/api/v2/nothing/here", kind="error 404"), 404, "unknown route", "not.found")
    error(api_client, raw(api_client, "DELETE", f"{A}/details/query", kind="error 405"), 405, "wrong method", "method.not.allowed")
    if strict:
        check_strict(strict, cid, secret)

    # 6. The Notifications API.
    notifications(api_client, url, sys.argv[5] if len(sys.argv) > 5 else None)

    print("answers checked against the SDK's models: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    print(f"models walked: {len(visited)}: {' '.join(sorted(visited))}")
    if problems:
        print(f"FAILED: {len(problems)} mismatch(es)")
        return 1
    print("OK: the official SDK works against the simulator")
    return 0


def check_directories(api_client, user_ids, queue_ids, wrapup_ids, division_ids):
    users = gc.UsersApi(api_client)
    routing = gc.RoutingApi(api_client)
    authz = gc.AuthorizationApi(api_client)
    unknown = "00000000-0000-4000-8000-000000000000"
    for label, ids, typ, one_typ, path, bulk, single in [
        ("users", user_ids, "UserEntityListing", "User", "/api/v2/users",
         lambda ids: users.get_users(id=ids, page_size=100), lambda i: users.get_user(i)),
        ("queues", queue_ids, "QueueEntityListing", "Queue", "/api/v2/routing/queues",
         lambda ids: routing.get_routing_queues(id=ids, page_size=100), lambda i: routing.get_routing_queue(i)),
        ("wrap-up codes", wrapup_ids, "WrapupCodeEntityListing", "WrapupCode", "/api/v2/routing/wrapupcodes",
         lambda ids: routing.get_routing_wrapupcodes(id=ids, page_size=100), lambda i: routing.get_routing_wrapupcode(i)),
        ("divisions", division_ids, "AuthzDivisionEntityListing", "AuthzDivision", "/api/v2/authorization/divisions",
         lambda ids: authz.get_authorization_divisions(id=ids, page_size=100), lambda i: authz.get_authorization_division(i)),
    ]:
        ids = sorted(ids)
        if not ids:
            problem(f"no {label} ids in the analytics data")
            continue
        listing = bulk(ids + [unknown])
        check_enums(listing.to_dict(), label)
        got = {e.id: e.name for e in listing.entities or []}
        if unknown in got:
            problem(f"{label}: an unknown id is in the bulk answer")
        missing = [i for i in ids if i not in got]
        if listing.total != len(got):
            problem(f"{label}: total {listing.total} for {len(got)} entities")
        qs = "&".join(f"id={i}" for i in ids + [unknown])
        contract(api_client, raw(api_client, "GET", f"{path}?{qs}&pageSize=100", kind="directory listing"), typ, label)
        contract(api_client, raw(api_client, "GET", path, kind="directory listing"), typ, f"all {label}")
        for i in ids[:3]:
            if i in got:
                one = single(i)
                check_enums(one.to_dict(), f"{label} {i}")
                if one.name != got[i]:
                    problem(f"{label} {i}: {one.name!r} by id, {got[i]!r} in bulk")
                contract(api_client, raw(api_client, "GET", f"{path}/{i}", kind="directory entity"), one_typ, f"{label} {i}")
        error(api_client, raw(api_client, "GET", f"{path}/{unknown}", kind="error 404"), 404, f"unknown {label}", "not.found")
        print(f"{label}: {len(got)} of {len(ids)} ids named in one call" + (f" ({len(missing)} not found: deleted or unknown)" if missing else ""))
        if label != "users" and missing:
            problem(f"{label}: ids in analytics that the directory does not know: {missing}")
    # ?name= matches the start of a queue's name, case-insensitively; * is a wildcard.
    allq = routing.get_routing_queues(page_size=100)
    if not allq.entities:
        return problem("no queues")
    name = allq.entities[0].name
    part = routing.get_routing_queues(name=name[:3].lower(), page_size=100)
    if name not in [q.name for q in part.entities or []]:
        problem(f"queues?name={name[:3].lower()} does not find {name!r}")
    for q in part.entities or []:
        if not q.name.lower().startswith(name[:3].lower()):
            problem(f"queues?name={name[:3].lower()} found {q.name!r}")
    star = routing.get_routing_queues(name="*" + name[-3:], page_size=100)
    if name not in [q.name for q in star.entities or []]:
        problem(f"queues?name=*{name[-3:]} does not find {name!r}")


def check_strict(url, cid, secret):
    """A simulator with --rate-limit 3 --rate-window 2 --forbid query,queues: 403 names the
    permission, the fourth request of the window is a 429 with Retry-After and the limit."""
    c = gc.api_client.ApiClient(host=url)
    c.get_client_credentials_token(cid, secret)
    Q = "/api/v2/analytics/conversations/details/query"
    now = datetime.datetime.utcnow()
    iv = api_time(now - datetime.timedelta(days=1)) + "/" + api_time(now)
    a = raw(c, "POST", Q, {"interval": iv}, kind="error 403")
    e = error(c, a, 403, "forbidden query", "missing.permissions")
    if e and "analytics:conversationDetail:view" not in e.message:
        problem(f"the 403 does not name the permission: {e.message}")
    a = raw(c, "GET", "/api/v2/routing/queues", kind="error 403")
    e = error(c, a, 403, "forbidden queues", "missing.permissions")
    if e and "routing:queue:view" not in e.message:
        problem(f"the 403 does not name the permission: {e.message}")
    a = raw(c, "GET", "/api/v2/organizations/me", kind="organization")
    if a.headers.get("inin-ratelimit-allowed") != "3":
        problem(f"inin-ratelimit-allowed {a.headers.get('inin-ratelimit-allowed')} on a simulator with --rate-limit 3")
    a = raw(c, "GET", "/api/v2/organizations/me", kind="error 429")
    e = error(c, a, 429, "rate limited", "too.many.requests.retry.after")
    if e:
        ra = a.headers.get("Retry-After")
        if not ra or not ra.isdigit():
            problem(f"429 without a Retry-After: {ra!r}")
        elif f"Retry the request in [{ra}] seconds" not in e.message:
            problem(f"the 429 message does not say Retry-After {ra}: {e.message}")
        if not e.limit or e.limit.value != 3 or not e.limit.key or not e.limit.namespace:
            problem(f"the 429 has no limit {{key, namespace, value}}: {e.limit}")
    # The SDK (urllib3 underneath) waits as Retry-After says and tries again.
    t = time.monotonic()
    org = gc.OrganizationApi(c).get_organizations_me()
    waited = time.monotonic() - t
    if waited < 0.5 or not org.name:
        problem(f"the SDK did not wait out the 429 ({waited:.2f} s)")
    print(f"strict simulator: 403 names the permission; 429 with Retry-After, the current message and its limit; the SDK waited {waited:.1f} s and went on")


if __name__ == "__main__":
    sys.exit(main())
