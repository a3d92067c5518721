import json
import time
import urllib.request

BASE = "http://127.0.0.1:8089"
ALICE = "movein0token0alice00000000000000000000"


def call(method, path, body=None, raw=False):
    req = urllib.request.Request(
        BASE + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {ALICE}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as r:
        data = r.read()
        return data if raw else json.loads(data)


snap = call(
    "POST",
    "/api/projects/1/exports",
    {
        "title": "move-in",
        "serialization_options": {
            "predictions": {"only_id": False},
            "annotations__completed_by": {"only_id": False},
            "drafts": {"only_id": True},
        },
        "task_filter_options": {"only_with_annotations": False},
    },
)
print(snap.get("id"), snap.get("status"))
for _ in range(30):
    s = call("GET", f"/api/projects/1/exports/{snap['id']}")
    if s["status"] == "completed":
        break
    time.sleep(1)
print(s["status"])
open("label-studio-snapshot.json", "wb").write(
    call("GET", f"/api/projects/1/exports/{snap['id']}/download?exportType=JSON", raw=True)
)
