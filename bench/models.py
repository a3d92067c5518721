"""A team with a model in the loop, simulated on a generated news-like corpus with a hidden
truth (issue 17): how good the model is after 50, 100 and 200 reviewed documents in the
sequential order, how many documents the ``uncertainty`` order needs to reach sequential's
F1 at 200, and what each training run costs on this machine.

    .venv/bin/python bench/models.py                 # its own SQLite file under bench/
    .venv/bin/python bench/models.py --pool 400 --test 150

The team works through Margin's own services, as the pages do: an annotator takes the next
document from the queue (``services.document_next``: the project's order, its places), a
reviewer writes gold from the hidden truth (annotators answer from the truth, so gold is
the truth) and marks it reviewed, and the project's ``train_every`` queues training, whose
predictions (and so the documents' confidence) follow; a real worker (django-tasks-db's,
in this process) runs the jobs. Each model is also scored on a fixed test set of articles
outside the project, the same for both orders, so that the two are compared on equal terms
(the in-product figures, on a slice of the reviewed documents, are printed beside them).
"""

import argparse
import logging
import random
import re
import time

from inprocess import start_django

start_django("models")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django_tasks_db.management.commands.db_worker import Worker  # noqa: E402

from annotator import ner, services  # noqa: E402
from annotator.models import Label, Membership, Project, Span  # noqa: E402
from annotator.ner_models import ModelStatus, NerModel  # noqa: E402
from corpus.models import Document  # noqa: E402

NAME = "Models bench"
LABELS = {"PERSON": "#a21caf", "LOCATION": "#854d0e", "WEAPONS": "#b42318", "ORG": "#1d4ed8"}

# Names are made from parts, so that the test set holds many names no training document
# has: the model must learn from context and word shape, not a list.
# "Iskander" and "Kursk" are also a weapon's and a place's name: only the context tells.
FIRST = ["Kim", "Vladimir", "Sergei", "Choe", "Pak", "Ri", "Andrei", "Iskander", "Oleg", "Han"]
LAST = ["Jong Un", "Putin", "Shoigu", "Son Hui", "Yong Chol", "Belousov", "Lavrov", "Tok Hun"]
SYLLABLES = ["ka", "ro", "vos", "tok", "min", "pyo", "sam", "ni", "dar", "lev", "hu", "chon"]
PLACES = ["Pyongyang", "Moscow", "Vladivostok", "Kyiv", "Crimea", "Seoul", "Wonsan", "Kursk"]
PLACE_ENDS = ["sk", "grad", "ovo", "-ri", "do", "pol"]
WEAPON_STEMS = [
    "Kinzhal",
    "Iskander",
    "Hwasong",
    "Shahed",
    "Kalibr",
    "Tochka",
    "Pukguksong",
    "Kursk",
    "Oleg",
]
ORGS = [
    "the Korean Workers' Party",
    "Rosoboronexport",
    "the Ministry of Defence",
    "the Academy of Defence Science",
    "the Security Council",
    "KCNA",
]
SENTENCES = [
    "A convoy carrying {WEAPONS} systems was seen on the road from {LOCATION}.",
    "{PERSON} told reporters in {LOCATION} that {ORG} had ordered more {WEAPONS} units.",
    "Western officials believe {ORG} tested a {WEAPONS} variant in {LOCATION}.",
    "The Kursk, a {WEAPONS} carrier, docked at {LOCATION}.",
    "Photos released by {ORG} show {PERSON} beside a {WEAPONS}.",
    "Earlier, {PERSON} had visited {LOCATION} with {PERSON}.",
    "{PERSON} inspected the {WEAPONS} at a site near {LOCATION}.",
    "Reports say {WEAPONS} missiles were moved to {LOCATION} after {PERSON} spoke.",
    "In {LOCATION}, {PERSON} praised the {WEAPONS} and thanked {ORG}.",
    "The {WEAPONS} struck targets near {LOCATION} on Tuesday, {ORG} said.",
    "{ORG} confirmed that {PERSON} would travel to {LOCATION} next week.",
    "Analysts in {LOCATION} said the {WEAPONS} had a longer range than before.",
    "{PERSON} met {PERSON} in {LOCATION} to discuss deliveries of {WEAPONS} rounds.",
    "According to {ORG}, a shipment left {LOCATION} by train.",
    "Satellite images showed {WEAPONS} launchers outside {LOCATION}.",
    "{PERSON}, speaking for {ORG}, denied any transfer.",
]
# Clauses put together at random: the same slot takes a name or a plain phrase, and the
# same word is a person, a place or a weapon by where it stands.
SUBJECTS = ["{PERSON}", "{ORG}", "The minister", "A spokesman", "The delegation", "Officials"]
VERBS = ["inspected", "praised", "received", "ordered", "tested", "discussed", "showed off"]
OBJECTS = [
    "the {WEAPONS}",
    "new {WEAPONS} missiles",
    "{WEAPONS} rounds",
    "the agreement",
    "new sanctions",
    "a military parade",
    "the shipment",
]
PLACES_AT = [" in {LOCATION}", " near {LOCATION}", " outside {LOCATION}", " in the capital", ""]
TAILS = [", {ORG} said.", ", according to {PERSON}.", " on Tuesday.", " last week.", "."]
FILLER = [
    "On Monday the Kremlin said nothing.",
    "Soviet-era stocks are running low, Western analysts say.",
    "Asked about the visit, a spokesman smiled.",
    "The Pentagon and the United Nations were not available.",
    "Experts from Europe and Asia will meet in the spring.",
    "The talks lasted three hours.",
    "Officials declined to comment further.",
    "Markets were calm on the news.",
    "The weather delayed the ceremony by a day.",
    "No date was given for a second meeting.",
    "State television broadcast the speech in full.",
]


def entity(rng: random.Random, label: str, rare: bool) -> str:
    """A name of the label: a common one, or (``rare``) one made up here."""
    if label == "PERSON":
        if rare:
            given, family = rng.sample(SYLLABLES, 2)
            return f"{given.title()} {family.title()}{rng.choice(SYLLABLES)}"
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if label == "LOCATION":
        if rare:
            return f"{rng.choice(SYLLABLES).title()}{rng.choice(SYLLABLES)}{rng.choice(PLACE_ENDS)}"
        return rng.choice(PLACES)
    if label == "WEAPONS":
        stem = rng.choice(WEAPON_STEMS) if not rare else rng.choice(SYLLABLES).title() + "tar"
        if rng.random() < 0.2:
            stem = stem.lower()  # some papers write them so
        return stem + (f"-{rng.randint(2, 20)}" if rng.random() < 0.4 else "")
    return rng.choice(ORGS)


def article(rng: random.Random) -> tuple[str, list[tuple[int, int, str]]]:
    """A news-like text of 5 to 12 sentences and its true spans. Articles differ in how
    hard they are: some are mostly filler, some full of made-up names."""
    rare = rng.choice([0.0, 0.2, 0.5, 0.9])
    entities = rng.choice([0.3, 0.6, 0.9])
    text, spans = "", []
    for _ in range(rng.randint(5, 12)):
        if rng.random() > entities:
            text += rng.choice(FILLER) + " "
            continue
        if rng.random() < 0.5:
            sentence = rng.choice(SENTENCES)
        else:
            sentence = (
                f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
                f"{rng.choice(PLACES_AT)}{rng.choice(TAILS)}"
            )
        for piece in re.split(r"(\{[A-Z]+\})", sentence):
            if piece.startswith("{"):
                label = piece[1:-1]
                name = entity(rng, label, rng.random() < rare)
                # "the Korean Workers' Party": the article is not part of the name.
                if name.startswith("the ") and label == "ORG":
                    text += "The " if not text or text.endswith(". ") else "the "
                    name = name[4:]
                spans.append((len(text), len(text) + len(name), label))
                text += name
            else:
                text += piece
        text += " "
    return text.rstrip(), spans


def run_worker() -> None:
    """Every queued job, in this process, as ``manage.py db_worker --batch`` runs them."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="bench-worker",
        excluded_queue_names=[],
    ).run()


def build(order: str, pool: list, *, train_every: int, random_fraction: float):
    """A fresh project with the pool's articles, an annotator, a reviewer, a manager."""
    # A label is protected by its spans: the spans go first.
    Span.objects.filter(project__name=NAME).delete()
    Project.objects.filter(name=NAME).delete()
    User = get_user_model()
    people = {
        role: User.objects.get_or_create(username=f"bench-{role}")[0]
        for role in ("manager", "reviewer", "annotator")
    }
    project = Project.objects.create(
        name=NAME,
        annotators_per_document=1,
        order=order,
        train_every=train_every,
        random_fraction=random_fraction,
    )
    for role, user in people.items():
        Membership.objects.create(project=project, user=user, role=role)
    for order_, (name, color) in enumerate(LABELS.items()):
        Label.objects.create(project=project, name=name, color=color, order=order_)
    documents = Document.objects.bulk_create(
        Document(title=f"Article {n}", text=text) for n, (text, _) in enumerate(pool)
    )
    project.documents.add(*documents)
    truth = {document.pk: spans for document, (_, spans) in zip(documents, pool, strict=True)}
    return project, people, truth


def score(model: NerModel, test: list) -> float:
    """The model's F1 on the fixed test set (outside the project)."""
    nlp = ner.load(bytes(model.data), model.config)
    predicted = [
        [span[:3] for span in p.spans]
        for p in ner.predict(nlp, [text for text, _ in test], beam_width=model.config["beam_width"])
    ]
    return ner.evaluate([spans for _, spans in test], predicted, LABELS).metrics["f1"] or 0.0


def simulate(
    order: str,
    pool: list,
    test: list,
    *,
    checkpoints: list[int],
    train_every: int,
    random_fraction: float,
    target: float | None = None,
    limit: int,
) -> list[dict]:
    """Review documents in the project's order; a model is trained every ``train_every``
    (and its suggestions, so the confidences, follow); after each run, its figures."""
    project, people, truth = build(
        order, pool, train_every=train_every, random_fraction=random_fraction
    )
    labels = {label.name: label for label in project.labels.all()}
    rows, reviewed = [], 0
    while reviewed < limit:
        document = services.document_next(project=project, user=people["annotator"])
        if document is None:
            break
        items = [
            {"start": s, "end": e, "label": labels[label]} for s, e, label in truth[document.pk]
        ]
        services.spans_create(
            project=project, document=document, annotator=people["reviewer"], items=items, gold=True
        )
        services.document_complete(project=project, document=document, user=people["annotator"])
        services.document_mark_reviewed(
            project=project, document=document, reviewer=people["reviewer"]
        )
        reviewed += 1
        if not NerModel.objects.filter(project=project, status=ModelStatus.QUEUED).exists():
            continue
        began = time.monotonic()
        run_worker()  # the training, then (queued by it) its suggestions
        model = NerModel.objects.filter(project=project).order_by("-version").first()
        if model.status != ModelStatus.READY:
            raise SystemExit(f"training failed: {model.error}")
        f1 = score(model, test)
        rows.append(
            {
                "reviewed": reviewed,
                "documents": model.documents,
                "f1": f1,
                "product_f1": model.f1,
                "train_s": model.seconds,
                "with_suggest_s": time.monotonic() - began,
            }
        )
        print(
            f"  {order:<11} {reviewed:>4} reviewed: F1 {f1:.3f} on the test set "
            f"(in Margin, on its slice of {model.evaluated}: {model.f1}); trained on "
            f"{model.documents} in {model.seconds:.1f} s, with its suggestions "
            f"{rows[-1]['with_suggest_s']:.1f} s",
            flush=True,
        )
        if target is not None and f1 >= target:
            break
        if target is None and reviewed >= max(checkpoints):
            break
    return rows


def first_suggestions(pool: list) -> None:
    """From the tenth reviewed document (``train_every=10``) to the model's suggestions
    stored on the rest of the pool, a worker running the two jobs."""
    project, people, truth = build("sequential", pool, train_every=10, random_fraction=0.0)
    labels = {label.name: label for label in project.labels.all()}
    for document in project.documents.order_by("pk")[:10]:
        items = [
            {"start": s, "end": e, "label": labels[label]} for s, e, label in truth[document.pk]
        ]
        services.spans_create(
            project=project, document=document, annotator=people["reviewer"], items=items, gold=True
        )
        began = time.monotonic()
        services.document_mark_reviewed(
            project=project, document=document, reviewer=people["reviewer"]
        )
    run_worker()
    seconds = time.monotonic() - began
    model = NerModel.objects.get(project=project)
    made = project.suggestions.filter(source=model.source).count()
    print(
        f"from the 10th reviewed document to {made} suggestions (model:1, trained on "
        f"{model.documents}) on the other {len(pool) - 10} documents: {seconds:.1f} s "
        f"(training {model.seconds:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pool", type=int, default=500, help="articles in the project")
    parser.add_argument("--test", type=int, default=200, help="articles in the test set")
    parser.add_argument("--every", type=int, default=25, help="uncertainty's train_every")
    parser.add_argument("--random-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    logging.getLogger("django.tasks").setLevel(logging.WARNING)  # a line a task otherwise
    rng = random.Random(args.seed)
    pool = [article(rng) for _ in range(args.pool)]
    test = [article(rng) for _ in range(args.test)]
    chars = sum(len(text) for text, _ in pool) / len(pool)
    spans = sum(len(s) for _, s in pool) / len(pool)
    print(
        f"Corpus: {args.pool} articles in the project ({chars:.0f} characters and {spans:.1f} "
        f"true spans on average), {args.test} in the test set; model config {ner.CONFIG}"
    )
    checkpoints = [50, 100, 200]
    print("Sequential order, trained at 50, 100 and 200 reviewed documents:")
    sequential = simulate(
        "sequential",
        pool,
        test,
        checkpoints=checkpoints,
        train_every=50,
        random_fraction=0.0,
        limit=200,
    )
    at = {row["reviewed"]: row for row in sequential}
    target = at[200]["f1"]
    print(f"Uncertainty order, train_every={args.every}, random_fraction={args.random_fraction}:")
    uncertain = simulate(
        "uncertainty",
        pool,
        test,
        checkpoints=checkpoints,
        train_every=args.every,
        random_fraction=args.random_fraction,
        target=target,
        limit=min(args.pool, 400),
    )
    runs = sequential + uncertain
    print()
    print(
        "| reviewed | sequential: F1, test set | F1 in Margin (its slice) | training "
        "| uncertainty needs, for that F1 |"
    )
    print("|---|---|---|---|---|")
    for n in checkpoints:
        row = at[n]
        needed = next((r["reviewed"] for r in uncertain if r["f1"] >= row["f1"]), None)
        within = uncertain[-1]["reviewed"] if uncertain else 0
        print(
            f"| {n} | {row['f1']:.3f} | {row['product_f1']} | {row['train_s']:.1f} s "
            f"| {needed if needed is not None else f'more than {within}'} |"
        )
    print()
    first_suggestions(pool)
    seconds = [row["train_s"] for row in runs]
    print(
        f"training: {len(runs)} runs, {min(seconds):.1f} to {max(seconds):.1f} s a run "
        f"(mean {sum(seconds) / len(seconds):.1f}); with the suggestions on the rest of the "
        f"pool: {min(r['with_suggest_s'] for r in runs):.1f} to "
        f"{max(r['with_suggest_s'] for r in runs):.1f} s"
    )


if __name__ == "__main__":
    main()
