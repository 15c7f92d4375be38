"""Serialising a page of rows cheaply.

DRF resolves every field of every row through the generic ``get_attribute`` (dotted sources, mappings, a callable
check through ``inspect`` per value) and asks for the current time zone per datetime; a many-to-many field builds
a related manager per row. For a 50-row page of ~30 columns that was two thirds of the request. The mixin reads
plain columns and foreign-key ids straight off the instance, resolves the time zone once per list, and takes
many-to-many values loaded for the whole page in one query (``crm.core.querysets.load_many_values``). Anything
else goes DRF's way.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.utils import timezone
from django.utils.functional import cached_property
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.fields import SkipField

from crm.core.querysets import NOT_LOADED, loaded_values

if TYPE_CHECKING:
    _ModelSerializerBase = serializers.ModelSerializer
else:
    _ModelSerializerBase = object

# DRF fields whose representation depends on the value alone: safe to feed with the raw column value.
_PLAIN_FIELDS = (drf_fields.CharField, drf_fields.IntegerField, drf_fields.BooleanField, drf_fields.DateField,
                 drf_fields.DateTimeField, drf_fields.DecimalField, drf_fields.FloatField, drf_fields.ChoiceField,
                 drf_fields.JSONField, drf_fields.UUIDField, drf_fields.TimeField)


class PlainColumnsMixin(_ModelSerializerBase):
    """A ModelSerializer that represents plain columns, foreign-key ids and preloaded many-to-many values
    without DRF's per-row machinery; the output is the same."""

    @cached_property
    def _row_plan(self) -> list[tuple[Any, Any, Any, Any]]:
        model = self.Meta.model
        zone = timezone.get_current_timezone()
        plan: list[tuple[Any, Any, Any, Any]] = []
        for field in self._readable_fields:
            if isinstance(field, drf_fields.DateTimeField):
                field.timezone = zone  # read once per list, not per value
            plan.append((field.field_name, *self._getter(model, field), field))
        return plan

    @staticmethod
    def _getter(model: type[Model], field: Any) -> tuple[Any, Any]:
        """(read the value off a row, represent a non-None value), or (None, None) for DRF's own path."""
        if len(field.source_attrs) != 1:
            return None, None
        source = field.source_attrs[0]
        try:
            column = model._meta.get_field(source)
        except Exception:  # a property or a method: DRF resolves it
            column = None
        if isinstance(field, relations.ManyRelatedField) or getattr(field, "many_values", False):
            if column is None or not column.many_to_many:
                return None, None

            def loaded(row, name=source):
                return loaded_values(row, name)
            if isinstance(field, relations.ManyRelatedField):
                child = field.child_relation
                if not (type(child) is relations.PrimaryKeyRelatedField and child.pk_field is None):
                    return None, None
            return loaded, list  # the values the page loaded are what the field shows (ids, or the names)
        if column is None or not column.concrete or column.many_to_many:
            return None, None
        if column.is_relation:
            if type(field) is relations.PrimaryKeyRelatedField and field.pk_field is None:
                return attrgetter(column.attname), _same
            return None, None
        if isinstance(field, _PLAIN_FIELDS) and column.attname == source:
            return attrgetter(source), field.to_representation
        return None, None

    def to_representation(self, instance):
        data = {}
        for name, read, represent, field in self._row_plan:
            if read is not None:
                value = read(instance)
                if value is not NOT_LOADED:
                    data[name] = None if value is None else represent(value)
                    continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
            data[name] = None if check is None else field.to_representation(attribute)
        return data




def _same(value):
    return value
