"""``__in`` on integer columns drops values the column cannot hold, as Django already does for ``exact``, ``gt``…
(``IntegerFieldOverflow``): an id past 64 bits in a list (a form's choices, ``pk__in`` of a selection) matches
nothing instead of making the driver raise OverflowError. Registered from CoreConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def _drop_out_of_range(lookup: Any, connection: Any) -> None:
    """Leaves out of ``lookup.rhs`` the integers its column cannot hold; none left: the lookup matches nothing."""
    if not lookup.rhs_is_direct_value():
        return
    field = lookup.lhs.output_field
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if not isinstance(field, models.IntegerField):
        return
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    values = list(lookup.rhs)
    kept = [value for value in values if not isinstance(value, int)
            or ((low is None or value >= low) and (high is None or value <= high))]
    if len(kept) != len(values):
        if not kept:
            raise EmptyResultSet
        lookup.rhs = kept


class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        _drop_out_of_range(self, connection)
        return super().process_rhs(compiler, connection)


class RelatedIntegerIn(RelatedIn):
    def process_rhs(self, compiler, connection):
        _drop_out_of_range(self, connection)
        return super().process_rhs(compiler, connection)


def register_lookups() -> None:
    models.IntegerField.register_lookup(IntegerFieldIn)
    ForeignObject.register_lookup(RelatedIntegerIn)
