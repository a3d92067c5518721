from django import forms


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A .txt file (one document) or a .jsonl file: one {text, title?, "
        "external_id?, meta?, spans?} or doccano {text, label} object a line."
    )
