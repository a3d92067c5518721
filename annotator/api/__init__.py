"""The REST API of API.md, on Django REST Framework.

One router (``urls``). Every view reaches rows through ``get_queryset()`` scoped to the
user: a project the user is not a member of is a 404 for it and everything under it; a
role that may not do something gets 403 (``annotator.permissions`` decides both). Writes go
through ``services`` (the same validation as the workspace) and their
``ValidationError``s come back as 400 with field messages.
"""
