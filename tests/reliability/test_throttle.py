"""Login throttling at the three doors — the sign-in page, the admin's, the API's token
endpoint: a locked username from one address, and an address spraying many usernames.

(tests/reliability/test_security.py has the first lock on the sign-in page and behind nginx.)
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

TOKEN = "/api/auth/token/"
ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.7"}


def sign_in(client: Client, door: str, username: str, password: str, address: dict):
    url = {"page": reverse("login"), "admin": reverse("admin:login"), "token": TOKEN}[door]
    return client.post(url, {"username": username, "password": password}, **address)


def assert_locked(response, door: str) -> None:
    assert response.status_code == 429, (door, response.content[:200])
    if door == "token":
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert "token" not in body
        assert "too many login attempts" in body["detail"]
        assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    else:
        assert b"too many login attempts" in response.content


def test_the_token_endpoint_answers_a_locked_pair_429_in_json(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "token", "bob", "wrong", ATTACKER)
        assert response.status_code == 400
        assert "token" not in response.json()
    # The failure that reaches the limit is answered as locked, as the pages do.
    assert_locked(sign_in(client, "token", "bob", "wrong", ATTACKER), "token")
    assert_locked(sign_in(client, "token", "bob", "pw-bob-123", ATTACKER), "token")
    # Bob from his own address gets his token.
    response = sign_in(client, "token", "bob", "pw-bob-123", ELSEWHERE)
    assert response.status_code == 200 and response.json()["token"]


@pytest.mark.parametrize("locked_door", ["page", "admin", "token"])
def test_a_pair_locked_at_one_door_is_locked_at_all_three(client, people, locked_door):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, locked_door, "alice", "wrong", ATTACKER)
    for door in ("page", "admin", "token"):
        assert_locked(sign_in(client, door, "alice", "pw-alice-123", ATTACKER), door)


def test_spraying_usernames_from_one_address_locks_the_address(client, people):
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    doors = ["page", "admin", "token"]
    # One wrong password for each of many usernames (mostly nonexistent), through every door:
    # no pair comes near its own limit.
    for number in range(limit - 1):
        door = doors[number % 3]
        response = sign_in(client, door, f"user{number}", "Winter2025!", ATTACKER)
        assert response.status_code in {200, 400}, (number, door)
    # Just under the limit a right password still gets in (and resets only its own pair).
    assert sign_in(client, "page", "bob", "pw-bob-123", ATTACKER).status_code == 302
    client.logout()
    # The failure that reaches the limit is answered as locked...
    assert_locked(sign_in(client, "page", "user-last", "Winter2025!", ATTACKER), "page")
    # ... and from then on every username from that address, the right password too.
    for door in doors:
        assert_locked(sign_in(client, door, "alice", "pw-alice-123", ATTACKER), door)
        assert_locked(sign_in(client, door, "bob", "pw-bob-123", ATTACKER), door)
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    other = Client()
    assert sign_in(other, "page", "alice", "pw-alice-123", ELSEWHERE).status_code == 302
    other.logout()
    assert sign_in(other, "admin", "root", "pw-root-123", ELSEWHERE).status_code == 302
    assert sign_in(other, "token", "bob", "pw-bob-123", ELSEWHERE).status_code == 200


def test_the_address_lock_follows_the_address_nginx_saw(client, people, settings):
    settings.AXES_CLIENT_IP_CALLABLE = "config.proxy.client_address"
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.66"}
    for number in range(8):
        sign_in(client, "page", f"user{number}", "wrong", attacker)
    assert_locked(sign_in(client, "page", "alice", "pw-alice-123", attacker), "page")
    # Through the same nginx (the same REMOTE_ADDR), alice from her own address gets in.
    alice = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "198.51.100.7"}
    assert sign_in(client, "page", "alice", "pw-alice-123", alice).status_code == 302
