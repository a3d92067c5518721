from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from annotator.models import Membership, Project, Role

DEMO_PROJECT = "Kim–Putin arms talks"
# Development passwords only: the command prints them, and says so.
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
            f"Demo project “{project.name}” with {project.documents.count()} articles and "
            f"{project.labels.count()} labels.\nDemo users (development passwords — never "
            "use them on a server others can reach):"
        )
        for username, password, role in rows:
            self.stdout.write(f"  {username:<10} {password:<18} {role}")
