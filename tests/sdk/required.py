#!/usr/bin/env python3
"""Writes tests/sdk/required.json: the fields the official SDK's documentation marks required
(a row of build/docs/MODEL.md without "[optional]"), for the models sdk_check.py walks.

    git clone https://github.com/MyPureCloud/platform-client-sdk-python sdk-python
    python3 tests/sdk/required.py sdk-python MODEL...      # adds MODEL... to required.json

The Python SDK's models do not say which fields are required; its documentation does.
"""

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def required(docs, model):
    text = open(os.path.join(docs, "build", "docs", model + ".md")).read()
    out = []
    for line in text.splitlines():
        m = re.match(r"\|\s*\*\*(\w+)\*\*\s*\|", line)
        if m and "[optional]" not in line:
            out.append(m.group(1))
    version = re.search(r"PureCloudPlatformClientV2 ([0-9.]+)", text)
    return out, version.group(1) if version else None


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    docs, models = sys.argv[1], sys.argv[2:]
    path = os.path.join(HERE, "required.json")
    data = json.load(open(path)) if os.path.exists(path) else {"models": {}}
    versions = set()
    for m in models:
        fields, v = required(docs, m)
        data["models"][m] = fields
        if v:
            versions.add(v)
    data["source"] = "MyPureCloud/platform-client-sdk-python build/docs/*.md" + (
        f" (PureCloudPlatformClientV2 {', '.join(sorted(versions))})" if versions else "")
    data["models"] = dict(sorted(data["models"].items()))
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
