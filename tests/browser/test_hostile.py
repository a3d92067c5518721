"""Hostile content renders inert in a real browser: no dialog, no script of its own runs.

Every payload, if it ever ran, would call alert() (a dialog Playwright sees) and set
``window.__pwned`` (which the test reads). Pages are checked for markup that came through
as elements rather than text, and the guidelines' javascript: link is clicked.
"""

import pytest
from django.urls import reverse

from annotator.models import Comment, Label, Membership, Project, Role, Span
from annotator.services import span_create, suggestions_add
from corpus.models import Document
from tests.reliability.test_hostile_input import pages_showing

RUN = "window.__pwned=1;alert(document.domain)"
PAYLOADS = [
    f"<script>{RUN}</script>",
    f'<img src=x onerror="{RUN}">',
    f'<svg onload="{RUN}"></svg>',
    f'<a href="javascript:{RUN}">link</a>',
    f'"><iframe srcdoc="<script>{RUN}</script>"></iframe>',
    f"{{{{ {RUN} }}}} {{% {RUN} %}}",
]
HOSTILE = " ".join(PAYLOADS)
MARKDOWN = f"""# Guidelines

{HOSTILE}

[click me](javascript:{RUN}) ![image](javascript:{RUN}) <javascript:{RUN}>
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[ref][1]

[1]: javascript:{RUN}

<details open ontoggle="{RUN}">x</details>
"""


@pytest.fixture
def hostile(transactional_db, make_user):
    manager = make_user("manager", is_staff=True)
    project = Project.objects.create(
        name=f"Arms {PAYLOADS[1]}", description=HOSTILE, guidelines=MARKDOWN
    )
    Membership.objects.create(project=project, user=manager, role=Role.MANAGER)
    label = Label.objects.create(
        project=project, name='<img/src=x/onerror="alert(1)">', description=HOSTILE, shortcut="1"
    )
    text = f"Artillery shells. {HOSTILE} The end."
    document = Document.objects.create(title=f"Doc {PAYLOADS[0]}", text=text)
    project.documents.add(document)
    span = span_create(
        project=project,
        document=document,
        annotator=manager,
        label=label,
        start=text.index("<script>"),
        end=text.index("</script>") + len("</script>"),
    )
    Comment.objects.create(
        project=project, document=document, author=manager, body=HOSTILE, span=span
    )
    # Suggestions on the payloads, their sources payloads too: the workspace lists them.
    suggestions_add(
        project=project,
        document=document,
        items=[
            {
                "start": text.index(payload),
                "end": text.index(payload) + len(payload),
                "label": label,
                "source": payload[:100],
            }
            for payload in PAYLOADS[1:]
        ],
    )
    return {"project": project, "document": document, "span": span}


def test_hostile_names_text_guidelines_and_comments_render_inert(page, sign_in, hostile):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in("manager", "pw-manager-123")
    project, document = hostile["project"], hostile["document"]
    pages = [
        *pages_showing(project, document),
        reverse("admin:corpus_document_change", args=[document.pk]),
    ]
    for url in pages:
        page.goto(url)
        page.wait_for_load_state("load")
        page.wait_for_timeout(150)
        injected = page.evaluate(
            """() => ({
                pwned: window.__pwned === 1,
                handlers: [...document.querySelectorAll("*")].filter(
                    (el) => [...el.attributes].some((a) => a.name.startsWith("on"))
                ).length,
                frames: document.querySelectorAll("iframe, svg[onload]").length,
                jsLinks: [...document.querySelectorAll("a[href], img[src]")]
                    .map((el) => el.getAttribute("href") || el.getAttribute("src"))
                    .filter((url) => /^\\s*(javascript|data):/i.test(url)).length,
                // Data islands (json_script) are never run.
                scripts: [...document.scripts].filter(
                    (s) => !s.src && s.type !== "application/json"
                ).length,
            })"""
        )
        assert injected == {
            "pwned": False,
            "handlers": 0,
            "frames": 0,
            "jsLinks": 0,
            "scripts": 0,
        }, url
    # The text shows as text: the analyst sees the markup literally, at its offsets.
    page.goto(reverse("workspace", args=[project.pk, document.pk]))
    article = page.inner_text("#article")
    assert PAYLOADS[0] in article and "onerror=" in article
    # Clicking the guidelines' links does nothing harmful.
    page.goto(reverse("guidelines", args=[project.pk]))
    for link in page.locator(".prose a").all():
        link.click(no_wait_after=True)
        page.wait_for_timeout(100)
    assert page.evaluate("window.__pwned === 1") is False
    assert dialogs == []
    assert Span.objects.get().text == PAYLOADS[0]


def test_the_workspace_still_works_on_hostile_text(page, sign_in, hostile):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in("manager", "pw-manager-123")
    project, document = hostile["project"], hostile["document"]
    page.goto(reverse("workspace", args=[project.pk, document.pk]))
    page.wait_for_selector("#article .seg")
    # Tag "Artillery" with the keyboard: the word cursor starts at the first word.
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("1")
    page.locator("#spans .span-row").nth(1).wait_for()
    assert Span.objects.filter(start=0).exists()
    assert dialogs == [] and page.evaluate("window.__pwned === 1") is False
