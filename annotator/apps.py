from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def _create_cache_tables(using: str, **kwargs) -> None:
    # The sessions' cache lives in a table of the database (settings: CACHES), which
    # `migrate` alone does not make: made here, so that every `migrate` leaves it ready.
    call_command("createcachetable", database=using, verbosity=0)


class AnnotatorConfig(AppConfig):
    name = "annotator"
    verbose_name = "Annotation"

    def ready(self) -> None:
        post_migrate.connect(_create_cache_tables, sender=self)
