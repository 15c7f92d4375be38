"""The base of every list's filter set (pages, exports and the API share it)."""

from __future__ import annotations

import django_filters
from django.http import QueryDict


class FilterSet(django_filters.FilterSet):
    """A django-filter FilterSet that reads a blank value as "no filter" for every filter, multi-valued ones too.

    A list's form submits each select it shows, chosen or not (``tag=&level=A``): a blank single value already
    means "any", but a multiple-choice filter took ``[""]`` as a choice and refused it, so the list warned that
    its filters were not valid and the export of the same list answered 400."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and hasattr(data, "lists"):
            kept = QueryDict(mutable=True)
            for key, values in data.lists():
                kept.setlist(key, [value for value in values if value != ""])
            data = kept
        super().__init__(data, *args, **kwargs)
