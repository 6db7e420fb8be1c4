#!/usr/bin/env python3
"""Checks the convoscope simulator with the official Genesys Cloud Python SDK, unmodified.

    pip install PureCloudPlatformClientV2
    python3 tests/sdk/sdk_check.py http://127.0.0.1:8642 [client_id] [client_secret]

With the SDK it gets a client-credentials token, pages the details query to totalHits, gets
conversations and checks participant attributes, runs an async job to FULFILLED and pages its
results by cursor. Besides what the SDK deserialises, every raw JSON answer is checked key by key
against the SDK's models (a key the SDK does not know is a misspelt field) and every enum value
against the SDK's allowed values (the SDK turns unknown ones into "outdated_sdk_version").
Prints a summary; exits non-zero on any mismatch.
"""

import datetime
import json
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

    if problems:
        print(f"FAILED: {len(problems)} mismatch(es)")
        return 1
    print("OK: the official SDK works against the simulator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
