import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.care.models import CarePlan, GreetingDay
from crm.care.rendering import MERGE_FIELDS
from crm.customers.models import Customer, Tag
from crm.system.dictionaries import dictionary_choices


def merge_field_help() -> str:
    return " ".join(f"{{{{ {name} }}}}" for name in MERGE_FIELDS)


class CarePlanForm(forms.ModelForm):
    levels = forms.MultipleChoiceField(label=_("Customer levels"), required=False,
                                       widget=forms.CheckboxSelectMultiple,
                                       help_text=_("None ticked means every level."))
    lifecycle_stages = forms.MultipleChoiceField(label=_("Lifecycle stages"), required=False,
                                                 choices=Customer.Stage.choices, widget=forms.CheckboxSelectMultiple,
                                                 help_text=_("None ticked means every stage."))

    class Meta:
        model = CarePlan
        fields = ["name", "occasion", "greeting_days", "subject_template", "body_template", "levels",
                  "lifecycle_stages", "tags", "is_active"]
        widgets = {"greeting_days": forms.CheckboxSelectMultiple, "body_template": forms.Textarea(attrs={"rows": 8}),
                   "tags": forms.SelectMultiple(attrs={"size": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["levels"].choices = dictionary_choices("customer_level")
        self.fields["tags"].queryset = Tag.objects.all()
        # This year's and last year's days, and those the plan already has: the list stays short over the years.
        since = dt.date(timezone.localdate().year - 1, 1, 1)
        chosen = self.instance.greeting_days.all() if self.instance.pk else GreetingDay.objects.none()
        self.fields["greeting_days"].queryset = GreetingDay.objects.filter(Q(date__gte=since) | Q(pk__in=chosen))
        fields_help = _("Merge fields: %(fields)s") % {"fields": merge_field_help()}
        self.fields["subject_template"].help_text = fields_help
        self.fields["body_template"].help_text = _("Plain text; sent with an HTML copy.") + " " + fields_help

    def clean_body_template(self) -> str:
        return self.cleaned_data["body_template"].replace("\r\n", "\n")  # browsers send CRLF from a textarea


class GreetingDayForm(forms.ModelForm):
    class Meta:
        model = GreetingDay
        fields = ["name", "date", "calendar"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
