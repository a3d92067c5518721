from django.contrib import admin
from django.db.models import Count

from .models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "external_id", "length", "span_count", "created_at"]
    list_display_links = ["id", "title"]
    search_fields = ["title", "external_id", "source", "text"]
    list_filter = ["created_at", "projects"]
    readonly_fields = ["content_hash", "created_at"]
    fields = ["title", "external_id", "source", "text", "meta", "content_hash", "created_at"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).with_length().annotate(span_count=Count("spans"))

    @admin.display(ordering="length", description="characters")
    def length(self, document: Document) -> int:
        return document.length

    @admin.display(ordering="span_count", description="spans")
    def span_count(self, document: Document) -> int:
        return document.span_count

    def get_readonly_fields(self, request, document=None):
        # Spans point into the text by offset: once there are any, the text is fixed.
        if document is not None and document.text_is_locked():
            return [*self.readonly_fields, "text"]
        return self.readonly_fields
