from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from annotator.models import Label, Membership, Project, Role
from annotator.relations import RelationType
from annotator.services import relation_type_create

DEMO_PROJECT = "Kim–Putin arms talks"
# Development passwords only: the command prints them, and says so.
# Who supplies what: the relation the project's analysts draw (PERSON "Putin" SUPPLIES
# WEAPONS "artillery shells"), and two leaders meeting.
DEMO_RELATION_TYPES = [
    ("SUPPLIES", ["PERSON", "ORGANIZATION", "LOCATION"], ["WEAPONS", "TECHNOLOGY_TRANSFER"], True),
    ("MEETS", ["PERSON"], ["PERSON"], False),
]
DEMO_USERS = [
    ("manager", "margin-manager", Role.MANAGER),
    ("reviewer", "margin-reviewer", Role.REVIEWER),
    ("alice", "margin-alice", Role.ANNOTATOR),
    ("bob", "margin-bob", Role.ANNOTATOR),
]


class Command(BaseCommand):
    help = (
        "Load the seed articles, the label set and the demo project, and create demo users "
        "(a manager, a reviewer, two analysts) as its members. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--superuser",
            action="store_true",
            help="Also create a superuser 'admin' (password 'margin-admin') for the Django admin.",
        )

    @transaction.atomic
    def handle(self, *args, superuser: bool, **options):
        call_command("loaddata", "articles", "project", verbosity=0)
        project = Project.objects.get(name=DEMO_PROJECT)
        self.relation_types(project)
        users = get_user_model().objects
        rows = []
        for username, password, role in DEMO_USERS:
            user, created = users.get_or_create(username=username)
            if created:
                user.set_password(password)
                user.is_staff = role == Role.MANAGER
                user.save()
            Membership.objects.update_or_create(project=project, user=user, defaults={"role": role})
            rows.append((username, password if created else "(unchanged)", role))
        if superuser:
            admin, created = users.get_or_create(
                username="admin", defaults={"is_staff": True, "is_superuser": True}
            )
            if created:
                admin.set_password("margin-admin")
                admin.save()
            rows.append(("admin", "margin-admin" if created else "(unchanged)", "superuser"))

        self.stdout.write(
            f"Demo project “{project.name}” with {project.documents.count()} articles, "
            f"{project.labels.count()} labels and {project.relation_types.count()} relation "
            "types.\nDemo users (development passwords — never "
            "use them on a server others can reach):"
        )
        for username, password, role in rows:
            self.stdout.write(f"  {username:<10} {password:<18} {role}")

    def relation_types(self, project: Project) -> None:
        labels = {label.name: label for label in Label.objects.filter(project=project)}
        have = set(RelationType.objects.filter(project=project).values_list("name", flat=True))
        for name, sources, targets, directed in DEMO_RELATION_TYPES:
            if name not in have:
                relation_type_create(
                    project=project,
                    name=name,
                    source_labels=[labels[label] for label in sources],
                    target_labels=[labels[label] for label in targets],
                    directed=directed,
                )
