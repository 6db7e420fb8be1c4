#!/usr/bin/env python3
"""Checks the convoscope simulator with the official Genesys Cloud Python SDK, unmodified.

    pip install PureCloudPlatformClientV2
    python3 tests/sdk/sdk_check.py http://127.0.0.1:8642 [client_id] [client_secret] [events.ndjson]

With the SDK it gets a client-credentials token, pages the details query to totalHits, gets
conversations and checks participant attributes, runs an async job to FULFILLED and pages its
results by cursor; creates a notification channel, subscribes to the live conversations' topics
and reads its WebSocket (with a small client of the standard library: the SDK has none), and
checks every event body, those read and those of `convoscope sim --dump-events` (every kind), in
the SDK's `*DetailEventTopic*` and `QueueConversationEventTopic*` models. Besides what the SDK
deserialises, every raw JSON answer is checked key by key
against the SDK's models (a key the SDK does not know is a misspelt field) and every enum value
against the SDK's allowed values (the SDK turns unknown ones into "outdated_sdk_version").
Prints a summary; exits non-zero on any mismatch.
"""

import base64
import datetime
import hashlib
import json
import os
import socket
import struct
import sys
import time
import urllib.request

import PureCloudPlatformClientV2 as gc
import PureCloudPlatformClientV2.models as M
from PureCloudPlatformClientV2.rest import ApiException

problems = []


def problem(msg):
    problems.append(msg)
    print("MISMATCH:", msg)


PRIMS = {"str": str, "int": int, "float": (int, float), "bool": bool, "object": object}


def check_keys(raw, typ, path):
    """Walks raw JSON along the SDK's model types: every key must be a known field."""
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
        inst = cls()
        rev = {v: k for k, v in inst.attribute_map.items()}
        for k, v in raw.items():
            if k not in rev:
                problem(f"{path}.{k}: not a field of the SDK's {typ}")
            else:
                check_keys(v, inst.swagger_types[rev[k]], f"{path}.{k}")


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


def raw(api_client, method, path, body=None):
    req = urllib.request.Request(
        api_client.host + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": "Bearer " + api_client.access_token,
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


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
    check_keys(raw(api_client, "POST", "/api/v2/notifications/channels"), "Channel", "channel")
    if not ch.connect_uri.startswith("ws://") or ch.id not in ch.connect_uri:
        problem(f"channel: connectUri {ch.connect_uri} for {ch.id}")
    listing = napi.get_notifications_channels()
    check_keys(raw(api_client, "GET", "/api/v2/notifications/channels"), "ChannelEntityListing", "channels")
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
    check_keys(raw(api_client, "PUT", path, [{"id": t} for t in topics]), "ChannelTopicEntityListing", "subscriptions")
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

    gc.configuration.host = url
    api_client = gc.api_client.ApiClient(host=url)
    api_client.get_client_credentials_token(cid, secret)
    print(f"token: ok ({len(api_client.access_token)} chars)")
    api = gc.ConversationsApi(api_client)

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
    check_keys(raw(api_client, "GET", "/api/v2/analytics/conversations/details/jobs/availability"),
               "DataAvailabilityResponse", "availability")
    end = avail.data_availability_date.replace(tzinfo=None)
    start = end - datetime.timedelta(days=1)
    interval = start.strftime("%Y-%m-%dT%H:%M:%S.000Z") + "/" + end.strftime("%Y-%m-%dT%H:%M:%S.000Z")
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
            rawpage = raw(api_client, "POST", "/api/v2/analytics/conversations/details/query",
                          api_client.sanitize_for_serialization(q))
            check_keys(rawpage, "AnalyticsConversationQueryResponse", "query")
            if "attributes" in json.dumps(rawpage):
                problem("the details query carries attributes")
        check_enums(r.to_dict(), f"query.page{page}")
        total = r.total_hits
        if not r.conversations:
            break
        for c in r.conversations:
            ids.append(c.conversation_id)
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

    # Details by id (single and multi).
    one = api.get_analytics_conversation_details(ids[0])
    if one.conversation_id != ids[0]:
        problem("get_analytics_conversation_details returned another conversation")
    multi = api.get_analytics_conversations_details(id=ids[:3])
    if [c.conversation_id for c in multi.conversations] != ids[:3]:
        problem(f"multi get: {[c.conversation_id for c in multi.conversations]} != {ids[:3]}")
    check_keys(raw(api_client, "GET", f"/api/v2/analytics/conversations/{ids[0]}/details"),
               "AnalyticsConversationWithoutAttributes", "details")

    # 2. GET conversation: participants with attributes.
    live = {}
    with_attrs = 0
    for cid_ in ids[:25]:
        c = api.get_conversation(cid_)
        check_enums(c.to_dict(), f"conversation {cid_}")
        check_keys(raw(api_client, "GET", f"/api/v2/conversations/{cid_}"), "Conversation", f"conversation {cid_}")
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

    # Every media type's shapes: an unfiltered page and each of its conversations.
    q = M.ConversationQuery()
    q.interval = interval
    q.order = "desc"
    q.paging = mk(M.PagingSpec, page_size=100, page_number=1)
    body = api_client.sanitize_for_serialization(q)
    rawpage = raw(api_client, "POST", "/api/v2/analytics/conversations/details/query", body)
    check_keys(rawpage, "AnalyticsConversationQueryResponse", "unfiltered query")
    r = api.post_analytics_conversations_details_query(q)
    check_enums(r.to_dict(), "unfiltered query")
    kinds = {}
    for c in r.conversations or []:
        s0 = c.participants[0].sessions[0]
        kinds[(s0.media_type, s0.message_type)] = kinds.get((s0.media_type, s0.message_type), 0) + 1
        g = api.get_conversation(c.conversation_id)
        check_enums(g.to_dict(), f"conversation {c.conversation_id}")
        check_keys(raw(api_client, "GET", f"/api/v2/conversations/{c.conversation_id}"), "Conversation",
                   f"conversation {c.conversation_id}")
        if [p.participant_id for p in c.participants] != [p.id for p in g.participants]:
            problem(f"{c.conversation_id}: participant ids differ between analytics and GET conversation")
    print("media of the newest 100: " + ", ".join(f"{m}/{t or '-'}: {n}" for (m, t), n in sorted(kinds.items(), key=lambda kv: -kv[1])))

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

    # The organization: the simulator says what it is.
    org = gc.OrganizationApi(api_client).get_organizations_me()
    check_enums(org.to_dict(), "organization")
    check_keys(raw(api_client, "GET", "/api/v2/organizations/me"), "Organization", "organization")
    print(f"organization: {org.name} ({org.id}), state {org.state}")
    if "simulator" not in (org.name or ""):
        problem(f"the organization's name does not say it is a simulator: {org.name!r}")

    # 3. An async job to FULFILLED, results paged by cursor.
    jq = M.AsyncConversationQuery()
    jq.interval = interval
    jq.order = "desc"
    jq.order_by = "conversationStart"
    jq.segment_filters = media_filter()
    job = api.post_analytics_conversations_details_jobs(jq)
    states = []
    for _ in range(100):
        st = api.get_analytics_conversations_details_job(job.job_id)
        check_enums(st.to_dict(), "job status")
        if not states or states[-1] != st.state:
            states.append(st.state)
        if st.state == "FULFILLED":
            break
        time.sleep(0.2)
    print(f"job {job.job_id}: states {' -> '.join(states)}")
    if states[-1] != "FULFILLED":
        problem(f"job never FULFILLED: {states}")
        return 1
    check_keys(raw(api_client, "GET", f"/api/v2/analytics/conversations/details/jobs/{job.job_id}"),
               "AsyncQueryStatus", "job status")
    job_ids = []
    cursor = None
    pages = 0
    compared = 0
    live_skipped = 0
    while True:
        kw = {"page_size": 250}
        if cursor:
            kw["cursor"] = cursor
        r = api.get_analytics_conversations_details_job_results(job.job_id, **kw)
        if pages == 0:
            path = f"/api/v2/analytics/conversations/details/jobs/{job.job_id}/results?pageSize=250"
            check_keys(raw(api_client, "GET", path), "AnalyticsConversationAsyncQueryResponse", "job results")
        check_enums(r.to_dict(), f"job results page {pages}")
        pages += 1
        for c in r.conversations or []:
            job_ids.append(c.conversation_id)
            if c.conversation_end is None:
                live_skipped += 1  # still going on: its attributes move every few seconds
            elif c.conversation_id in live:
                for p in c.participants:
                    want = live[c.conversation_id].get(p.participant_id)
                    if want is None:
                        problem(f"{c.conversation_id}: participant {p.participant_id} unknown to GET conversation")
                    elif (p.attributes or {}) != want:
                        problem(f"{c.conversation_id}/{p.participant_id}: job attributes {p.attributes} != {want}")
                    else:
                        compared += 1
        cursor = r.cursor
        if not cursor:
            break
    print(f"job results: {len(job_ids)} conversations in {pages} pages; {compared} participants' attributes equal GET conversation's; {live_skipped} ongoing conversations not compared")
    if job_ids != ids:
        problem(f"job results ({len(job_ids)}) differ from the details query ({len(ids)})")
    api.delete_analytics_conversations_details_job(job.job_id)
    st = api.get_analytics_conversations_details_job(job.job_id)
    if st.state != "CANCELLED":
        problem(f"after delete the job is {st.state}")

    # 4. The Notifications API.
    notifications(api_client, url, sys.argv[4] if len(sys.argv) > 4 else None)

    if problems:
        print(f"FAILED: {len(problems)} mismatch(es)")
        return 1
    print("OK: the official SDK works against the simulator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
