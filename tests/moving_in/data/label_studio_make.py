"""How label-studio-export.json and label-studio-snapshot.json were made: by a real Label
Studio 1.23.2 (``pip install label-studio`` in a throwaway virtualenv, ``label-studio start``
on 127.0.0.1:8089 with alice@example.com, bob@example.com added in its shell), through its
API. Not a test: kept so the files can be made again.

- label-studio-export.json: the Export button's JSON (``GET /api/projects/1/export``):
  ``completed_by`` and ``predictions`` are ids only.
- label-studio-snapshot.json: a snapshot export with users and predictions whole.
"""

import json
import time
import urllib.request

BASE = "http://127.0.0.1:8089"
ALICE = "movein0token0alice00000000000000000000"
BOB = "eb60694395978751111efc60561723943e5c88f6"


def call(method, path, token, body=None):
    req = urllib.request.Request(
        BASE + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as r:
        data = r.read()
        return json.loads(data) if data else None


config = """<View>
  <Relations>
    <Relation value="works_for"/>
  </Relations>
  <Labels name="label" toName="text">
    <Label value="PER"/>
    <Label value="ORG"/>
    <Label value="LOC"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Choices name="topic" toName="text" choice="single">
    <Choice value="politics"/>
    <Choice value="sport"/>
  </Choices>
</View>"""
project = call(
    "POST", "/api/projects", ALICE, {"title": "Margin move-in probe", "label_config": config}
)
pid = project["id"]
texts = [
    {"text": "Angela Merkel met Emmanuel Macron in Paris.", "source": "wire"},
    {"text": "Vladimir Putin 🚀 spoke in Vladivostok — then left for Moscow.", "source": "probe"},
    {"text": "The 🇫🇷 team from Lyon beat Real Madrid.", "source": "probe"},
]
call("POST", f"/api/projects/{pid}/import", ALICE, texts)
tasks = call("GET", f"/api/tasks?project={pid}", ALICE)["tasks"]
tasks.sort(key=lambda t: t["id"])


def span(text, start, end, label, cid, utf16=False):
    quoted = text[start:end]
    if utf16:  # as a browser counts: UTF-16 code units
        start = len(text[:start].encode("utf-16-le")) // 2
        end = len(text[:end].encode("utf-16-le")) // 2
    return {
        "id": cid,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": quoted, "labels": [label]},
    }


def at(text, word, label, cid, utf16=False):
    s = text.index(word)
    return span(text, s, s + len(word), label, cid, utf16)


t0, t1, t2 = tasks
x0, x1, x2 = (t["data"]["text"] for t in tasks)
# alice: task 0 with a relation and a choice; task 1 in code points
call(
    "POST",
    f"/api/tasks/{t0['id']}/annotations",
    ALICE,
    {
        "result": [
            at(x0, "Angela Merkel", "PER", "a1"),
            at(x0, "Emmanuel Macron", "PER", "a2"),
            at(x0, "Paris", "LOC", "a3"),
            {
                "from_id": "a1",
                "to_id": "a3",
                "type": "relation",
                "direction": "right",
                "labels": ["works_for"],
            },
            {
                "id": "c1",
                "from_name": "topic",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": ["politics"]},
            },
        ]
    },
)
call(
    "POST",
    f"/api/tasks/{t1['id']}/annotations",
    ALICE,
    {
        "result": [
            at(x1, "Vladimir Putin", "PER", "b1"),
            at(x1, "Vladivostok", "LOC", "b2"),
            at(x1, "Moscow", "LOC", "b3"),
        ]
    },
)
# bob: UTF-16 units as a browser counts (task 1, and task 2 after a flag: two astral chars)
call(
    "POST",
    f"/api/tasks/{t1['id']}/annotations",
    BOB,
    {
        "result": [
            at(x1, "Vladimir Putin", "PER", "c1", True),
            at(x1, "Vladivostok", "LOC", "c2", True),
        ]
    },
)
call(
    "POST",
    f"/api/tasks/{t2['id']}/annotations",
    BOB,
    {
        "result": [
            at(x2, "Lyon", "LOC", "d1", True),
            at(x2, "Real Madrid", "ORG", "d2", True),
        ]
    },
)
# a cancelled (skipped) annotation by alice on task 2
call("POST", f"/api/tasks/{t2['id']}/annotations", ALICE, {"result": [], "was_cancelled": True})
# a model's predictions
call(
    "POST",
    "/api/predictions",
    ALICE,
    {
        "task": t0["id"],
        "model_version": "ner-v2",
        "score": 0.91,
        "result": [at(x0, "Angela Merkel", "PER", "p1"), at(x0, "Paris", "LOC", "p2")],
    },
)
call(
    "POST",
    "/api/predictions",
    ALICE,
    {
        "task": t2["id"],
        "model_version": "ner-v2",
        "score": 0.5,
        "result": [at(x2, "Real Madrid", "ORG", "p3")],
    },
)
req = urllib.request.Request(
    f"{BASE}/api/projects/{pid}/export?exportType=JSON&download_all_tasks=true",
    headers={"Authorization": f"Token {ALICE}"},
)
with urllib.request.urlopen(req) as r, open("label-studio-export.json", "wb") as out:
    out.write(r.read())

options = {
    "predictions": {"only_id": False},
    "annotations__completed_by": {"only_id": False},
    "drafts": {"only_id": True},
}
snapshot = call(
    "POST",
    f"/api/projects/{pid}/exports",
    ALICE,
    {"title": "move-in", "serialization_options": options},
)
for _ in range(30):
    if call("GET", f"/api/projects/{pid}/exports/{snapshot['id']}", ALICE)["status"] == "completed":
        break
    time.sleep(1)
download = f"{BASE}/api/projects/{pid}/exports/{snapshot['id']}/download?exportType=JSON"
req = urllib.request.Request(download, headers={"Authorization": f"Token {ALICE}"})
with urllib.request.urlopen(req) as r, open("label-studio-snapshot.json", "wb") as out:
    out.write(r.read())
