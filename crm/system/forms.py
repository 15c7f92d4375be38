from django import forms
from django.utils.translation import gettext_lazy as _

from crm.system.dictionaries import KINDS
from crm.system.models import DictionaryItem, Holiday, NumberSequence, SystemSettings

WEEKDAYS = [(1, _("Monday")), (2, _("Tuesday")), (3, _("Wednesday")), (4, _("Thursday")), (5, _("Friday")),
            (6, _("Saturday")), (7, _("Sunday"))]


class DictionaryItemForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("Dictionary"))

    class Meta:
        model = DictionaryItem
        fields = ["kind", "code", "label_zh", "label_en", "sort_order", "color", "is_active"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(KINDS.items())
        if self.instance.pk:
            self.fields["kind"].disabled = True
            self.fields["code"].disabled = True  # records store the code: it must not change under them


class SystemSettingsForm(forms.ModelForm):
    work_days = forms.TypedMultipleChoiceField(label=_("Working days"), choices=WEEKDAYS, coerce=int,
                                               widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = SystemSettings
        fields = ["company_name", "currency", "time_zone", "fiscal_year_start_month", "work_start", "work_end",
                  "work_days"]
        widgets = {"work_start": forms.TimeInput(attrs={"type": "time"}),
                   "work_end": forms.TimeInput(attrs={"type": "time"})}


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["date", "name", "is_workday"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class NumberSequenceForm(forms.ModelForm):
    class Meta:
        model = NumberSequence
        fields = ["prefix", "date_part", "separator", "padding", "reset"]
        help_texts = {"padding": _("The counter is filled with zeros to this many digits; larger counters grow.")}
