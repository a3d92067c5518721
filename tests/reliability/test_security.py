"""CSRF on every state-changing request, login throttling, security headers, deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from annotator.models import Span
from tests.conftest import TRICKY_TEXT
from tests.reliability.test_access import EXPECT, url_for

ROOT = Path(__file__).resolve().parents[2]
UNSAFE = [route for route, row in EXPECT.items() if row.method == "POST"]


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_token(client: Client) -> str:
    client.get(reverse("home"))
    return client.cookies["csrftoken"].value


@pytest.mark.parametrize("route", UNSAFE)
def test_every_state_changing_ui_request_needs_the_csrf_token(route, site, people):
    # Spans (and relations) are changed in the workspace by their owner only; the rest
    # (accepting a relation into gold included) is open to a superuser.
    span = route.startswith("projects/<int:project_id>/spans/")
    own = span and route.endswith(("/label/", "/delete/"))
    own = own or (
        route.startswith("projects/<int:project_id>/relations/") and not route.endswith("/accept/")
    )
    client = csrf_client(people["alice" if own else "root"])
    url = url_for(route, site)
    before = Span.objects.count(), Span.objects.filter(label=site["weapons"]).count()
    refused = client.post(url, {"label": site["person"].pk, "reason": "x", "body": "x"})
    assert refused.status_code == 403, url
    assert b"CSRF" in refused.content
    assert (Span.objects.count(), Span.objects.filter(label=site["weapons"]).count()) == before
    # The same request with the token the page's <body hx-headers> carries gets through.
    token = csrf_token(client)
    accepted = client.post(url, {"body": "x", "reason": "x"}, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code != 403, url


def test_the_api_with_a_session_needs_the_csrf_token_too(site, people):
    client = csrf_client(people["alice"])
    url = f"/api/projects/{site['project'].pk}/documents/{site['document'].pk}/spans/"
    body = {"start": 0, "end": 2, "label": "PERSON"}
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    token = csrf_token(client)
    accepted = client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_sign_in_is_throttled_after_five_wrong_passwords(client, people):
    url = reverse("login")
    for _ in range(4):
        response = client.post(url, {"username": "alice", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    fifth = client.post(url, {"username": "alice", "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post(url, {"username": "alice", "password": "pw-alice-123"})
    assert locked.status_code == 429
    assert b"too many login attempts" in locked.content
    assert "_auth_user_id" not in client.session
    # Someone else from the same address is not locked out with alice.
    assert client.post(url, {"username": "bob", "password": "pw-bob-123"}).status_code == 302


def test_behind_nginx_the_lock_holds_the_address_nginx_saw(client, people, settings):
    settings.AXES_CLIENT_IP_CALLABLE = "config.proxy.client_address"
    url = reverse("login")
    attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.66"}
    for _ in range(5):
        client.post(url, {"username": "alice", "password": "wrong"}, **attacker)
    locked = client.post(url, {"username": "alice", "password": "pw-alice-123"}, **attacker)
    assert locked.status_code == 429
    # Alice, through the same nginx from her own address, is not kept out.
    alice = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "198.51.100.7"}
    response = client.post(url, {"username": "alice", "password": "pw-alice-123"}, **alice)
    assert response.status_code == 302


def test_a_right_password_before_the_limit_resets_the_count(client, people):
    url = reverse("login")
    for _ in range(4):
        client.post(url, {"username": "alice", "password": "wrong"})
    assert client.post(url, {"username": "alice", "password": "pw-alice-123"}).status_code == 302
    client.logout()
    for _ in range(4):
        client.post(url, {"username": "alice", "password": "wrong"})
    assert client.post(url, {"username": "alice", "password": "pw-alice-123"}).status_code == 302


def test_the_api_token_endpoint_is_throttled_too(client, people):
    url = "/api/auth/token/"
    for _ in range(4):
        response = client.post(url, {"username": "bob", "password": "wrong"})
        assert response.status_code == 400
    client.post(url, {"username": "bob", "password": "wrong"})
    locked = client.post(url, {"username": "bob", "password": "pw-bob-123"})
    assert locked.status_code in {400, 403, 429}
    assert "token" not in locked.json()
    # The admin's sign-in shares the count.
    admin = client.post(reverse("admin:login"), {"username": "bob", "password": "pw-bob-123"})
    assert admin.status_code == 429


def test_pages_carry_the_security_headers_and_a_strict_csp(site, people):
    client = csrf_client(people["alice"])
    project, document = site["project"], site["document"]
    for url in [
        reverse("workspace", args=[project.pk, document.pk]),
        reverse("login"),
        "/api/docs/",
        reverse("admin:index"),
    ]:
        response = client.get(url)
        assert response.status_code in {200, 302}, url
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "object-src 'none'" in csp, url
        assert "frame-ancestors 'none'" in csp and "base-uri 'self'" in csp, url
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    page = client.get(reverse("workspace", args=[project.pk, document.pk]))
    nonce = page["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    html = page.content.decode()
    # Every script is a same-origin file carrying the nonce, or a data island
    # (json_script: application/json, which the browser never runs); no inline handlers.
    islands = html.count('<script id="suggestion-data" type="application/json">')
    assert islands == 1
    assert html.count("<script") == html.count(f'nonce="{nonce}"') + islands
    assert " onclick=" not in html and " onerror=" not in html and "javascript:" not in html
    assert TRICKY_TEXT[:2] in html


def test_check_deploy_is_clean_with_production_settings():
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; production
    # never has it (and check --deploy rightly refuses it).
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DEBUG": "0",
        "SECRET_KEY": "a-production-like-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "margin.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
