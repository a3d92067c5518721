"""Static files as deployed: hashed names, compressed, and ES module imports rewritten to
the hashed names too (workspace.js imports suggestions.js), so that a new workspace.js never
loads an old module the browser still holds under its plain name."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
