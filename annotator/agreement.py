"""Inter-annotator agreement for a project (work in progress: full computation follows).

Served by ``GET /api/projects/{pid}/agreement/``; see API.md "Agreement" for the shape.
"""

from typing import Any

from .models import Project


def empty_agreement() -> dict[str, Any]:
    """The result for a project without documents completed by two or more annotators."""
    return {"documents": 0, "krippendorff_alpha": None, "pairwise": [], "per_label": {}}


def project_agreement(project: Project) -> dict[str, Any]:
    """Agreement over the documents two or more annotators completed (API.md shape)."""
    return empty_agreement()
