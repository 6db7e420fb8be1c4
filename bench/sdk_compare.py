"""Pages conversations with the official Genesys Cloud Python SDK, the way the tutorial this
project started from does: the synchronous details query, page after page, into SDK models, then
one JSON line each. Prints the count and the seconds taken.

Usage: sdk_compare.py URL FROM TO [CLIENT_ID SECRET]
"""
import json
import sys
import time

import PureCloudPlatformClientV2 as gc
from PureCloudPlatformClientV2 import models as M


def main():
    url, start, end = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    cid = sys.argv[4] if len(sys.argv) > 4 else "demo"
    secret = sys.argv[5] if len(sys.argv) > 5 else "demo"
    t0 = time.monotonic()
    gc.configuration.host = url
    client = gc.api_client.ApiClient(host=url).get_client_credentials_token(cid, secret)
    api = gc.ConversationsApi(client)
    written = 0
    page = 1
    with open("/dev/null", "w") as out:
        while True:
            q = M.ConversationQuery()
            q.interval = f"{start}/{end}"
            q.order = "asc"
            q.order_by = "conversationStart"
            paging = M.PagingSpec()
            paging.page_size = 100
            paging.page_number = page
            q.paging = paging
            r = api.post_analytics_conversations_details_query(q)
            if not r.conversations:
                break
            for c in r.conversations:
                out.write(json.dumps(client.sanitize_for_serialization(c)) + "\n")
                written += 1
            page += 1
    print(f"{written} {time.monotonic() - t0:.3f}")


if __name__ == "__main__":
    main()
