"""Tokens, sessions, and the schema and docs pages (offline, under our CSP)."""

import re

from django.contrib.staticfiles import finders
from django.urls import reverse
from rest_framework.test import APIClient


def test_a_token_is_given_for_good_credentials_and_works(world):
    client = APIClient()
    response = client.post(
        "/api/auth/token/", {"username": "alice", "password": "pw-alice-123"}, format="json"
    )

    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/projects/").json()["count"] == 1


def test_bad_credentials_get_a_400_with_a_message(world):
    response = APIClient().post(
        "/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["non_field_errors"]


def test_no_credentials_is_a_401_in_json_not_a_login_redirect(world):
    response = APIClient().get("/api/projects/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"]


def test_a_bad_token_is_a_401(world):
    for key in ["not-a-token", "nul\x00inside", "é" * 40]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

        assert client.get(f"/api/projects/{world.project.pk}/").status_code == 401


def test_a_deactivated_users_token_stops_working(world, client_for, people):
    client = client_for("alice")
    assert client.get("/api/projects/").status_code == 200
    people["alice"].is_active = False
    people["alice"].save()

    response = client.get("/api/projects/")
    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."


def test_a_deactivated_user_is_signed_out_of_their_session(client, people):
    client.force_login(people["alice"])
    assert client.get("/").status_code == 200
    people["alice"].is_active = False
    people["alice"].save()

    assert client.get("/").status_code == 302  # to the sign-in page


def test_a_browser_session_works_and_its_writes_need_csrf(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.people["manager"])

    assert client.get("/api/projects/").status_code == 200
    response = client.post(
        reverse("api:label-list", args=[world.project.pk]), {"name": "NEW"}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_schema_is_openapi_3_and_holds_every_path(world):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/auth/token/",
        "/api/projects/",
        "/api/projects/{id}/next/",
        "/api/projects/{id}/agreement/",
        "/api/projects/{project_pk}/documents/",
        "/api/projects/{project_pk}/documents/{id}/complete/",
        "/api/projects/{project_pk}/documents/{document_pk}/spans/",
        "/api/projects/{project_pk}/labels/{id}/",
        "/api/projects/{project_pk}/members/{username}/",
        "/api/spans/{id}/",
    } <= set(schema["paths"])


def test_the_docs_load_only_our_own_static_files_under_the_csp(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # No inline script or style: each <script> has a src, and there is no <style>.
    assert "<style" not in html
    assert all(" src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for url in assets:
        assert url.startswith(("/static/", "/api/docs/")), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    script = next(url for url in assets if url.startswith("/api/docs/"))
    js = client.get(script.replace("&amp;", "&"))
    assert js.status_code == 200
    assert js["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in js.content.decode()
