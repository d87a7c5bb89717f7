"""Posting admin forms as a browser would: what the page shows, plus the user's edits."""

from django import forms


def _shown_values(form, data):
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        value = form[name].value()
        widget = field.widget
        if isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                data[f"{key}_{index}"] = "" if part is None else str(part)
        elif isinstance(field, forms.BooleanField):
            if value:
                data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(item) for item in value]
        else:
            data[key] = "" if value is None else str(value)


def form_data(response, **overrides):
    """The POST data of the admin change form in ``response`` (inlines included), as shown."""
    data = {}
    _shown_values(response.context["adminform"].form, data)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        _shown_values(formset.management_form, data)
        for form in formset.forms:
            _shown_values(form, data)
    data.update(overrides)
    return data
