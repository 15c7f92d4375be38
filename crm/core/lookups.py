"""``__in`` on integer columns drops values the column cannot hold, as Django already does for ``exact``, ``gt``…
(``IntegerFieldOverflow``): an id past 64 bits in a list (a form's choices, ``pk__in`` of a selection) matches
nothing instead of making the driver raise OverflowError. Registered from CoreConfig.ready()."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class _DropsOutOfRangeIntegers:
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():  # type: ignore[attr-defined]
            field = self.lhs.output_field  # type: ignore[attr-defined]
            if isinstance(field, models.ForeignKey):
                field = field.target_field
            if isinstance(field, models.IntegerField):
                low, high = connection.ops.integer_field_range(field.get_internal_type())
                values = list(self.rhs)  # type: ignore[has-type]
                kept = [value for value in values if not isinstance(value, int) or (
                    (low is None or value >= low) and (high is None or value <= high))]
                if len(kept) != len(values):
                    if not kept:
                        raise EmptyResultSet
                    self.rhs = kept
        return super().process_rhs(compiler, connection)  # type: ignore[misc]


class IntegerFieldIn(_DropsOutOfRangeIntegers, In):
    pass


class RelatedIntegerIn(_DropsOutOfRangeIntegers, RelatedIn):
    pass


def register_lookups() -> None:
    models.IntegerField.register_lookup(IntegerFieldIn)
    ForeignObject.register_lookup(RelatedIntegerIn)
