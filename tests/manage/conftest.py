import pytest
from django.test import Client


@pytest.fixture
def manager(client, people) -> Client:
    client.force_login(people["manager"])
    return client


@pytest.fixture
def as_user(people):
    def login(name: str) -> Client:
        client = Client()
        client.force_login(people[name])
        return client

    return login
