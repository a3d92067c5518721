"""``/api/`` says where things are; any other unknown path under it answers in JSON."""

import pytest


def test_the_root_lists_the_entry_points_for_anyone(client, db):
    response = client.get("/api/")
    assert response.status_code == 200
    assert set(response.json()) == {"projects", "token", "schema", "docs"}
    assert response.json()["projects"].endswith("/api/projects/")


@pytest.mark.parametrize("path", ["/api/nope/", "/api/projects/abc/", "/api/spans/"])
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_path_is_a_json_404(client, db, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "No such endpoint" in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/projects/{pid}/search/tag/69147830617891535163/undo/",
        "/api/projects/99999999999999999999/documents/",
        "/api/spans/18446744073709551616/",
    ],
)
def test_an_id_past_64_bits_is_not_found_rather_than_a_server_error(world, client_for, path):
    # Found by schemathesis: SQLite's driver cannot take such a number (OverflowError).
    response = client_for("manager").post(path.format(pid=world.project.pk))
    assert response.status_code == 404
