from django import forms
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import User
from crm.customers.models import Activity, Contact, Customer
from crm.system.dictionaries import dictionary_choices, dictionary_label

DICTIONARY_FIELDS = {"customer_type": "customer_type", "industry": "industry", "scale": "company_scale",
                     "source": "source", "level": "customer_level", "credit_rating": "credit_rating"}


# 开票信息: a company's credit code and invoicing details, at the end of the customer form.
INVOICING_FIELDS = ["credit_code", "tax_number", "invoice_address", "invoice_phone", "bank_name", "bank_account"]


class CustomerForm(forms.ModelForm):
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500,
                           help_text=_("Separate tags with commas; new tags are created."))

    class Meta:
        model = Customer
        fields = ["name", "kind", "customer_type", "phone", "phone_extension", "email", "industry", "scale",
                  "source", "level", "credit_rating", "lifecycle_stage", "tags", "city", "address", "owner",
                  "collaborators", "first_order_at", "remark", *INVOICING_FIELDS]
        widgets = {"remark": forms.Textarea(attrs={"rows": 3}),
                   "first_order_at": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "collaborators": forms.SelectMultiple(attrs={"size": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True)
        self.fields["collaborators"].queryset = User.objects.filter(is_active=True)
        # People and industries are picked by typing however few there are today (crm.core.forms.dress_form).
        self.fields["owner"].widget.attrs["data-searchable"] = "1"
        self.fields["collaborators"].widget.attrs["data-searchable"] = "1"
        self.fields["lifecycle_stage"].required = False
        self.fields["lifecycle_stage"].help_text = _("Chosen by hand, the stage stays until set back to automatic.")
        if self.instance.pk:
            self.initial["tags"] = ", ".join(tag.name for tag in self.instance.tags.all())
        # Picklists come from the dictionaries; a deactivated code already on the record stays selectable.
        for name, kind in DICTIONARY_FIELDS.items():
            choices = dictionary_choices(kind)
            current = getattr(self.instance, name, "")
            if current and current not in dict(choices):
                choices.append((current, dictionary_label(kind, current)))
            self.fields[name] = forms.ChoiceField(label=self.fields[name].label, required=False,
                                                  choices=[("", "—"), *choices])
        self.fields["industry"].widget.attrs["data-searchable"] = "1"

    def clean_lifecycle_stage(self) -> str:
        return self.cleaned_data["lifecycle_stage"] or self.instance.lifecycle_stage or Customer.Stage.PROSPECT

    def clean_tags(self) -> list[str]:
        """Tag names; the service creates the ones that do not exist yet."""
        names = [name.strip() for name in self.cleaned_data["tags"].replace("，", ",").split(",") if name.strip()]
        if any(len(name) > 50 for name in names):
            raise forms.ValidationError(_("A tag has at most 50 characters."))
        return list(dict.fromkeys(names))


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "gender", "mobile", "phone_extension", "email", "id_number", "birthday",
                  "is_primary", "consent_given", "consent_source", "consent_at", "remark"]
        widgets = {"birthday": forms.DateInput(attrs={"type": "date"}), "remark": forms.Textarea(attrs={"rows": 2}),
                   "consent_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "mobile": forms.TextInput, "email": forms.TextInput, "id_number": forms.TextInput}


class ActivityForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("Type"))

    class Meta:
        model = Activity
        fields = ["kind", "subject", "contact", "occurred_at", "content", "next_follow_up_at"]
        widgets = {"occurred_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "next_follow_up_at": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                            format="%Y-%m-%dT%H:%M"),
                   "content": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = dictionary_choices("follow_up_type")
        self.fields["contact"].queryset = customer.contacts.all()
        self.fields["occurred_at"].required = False


class ActivityComposerForm(ActivityForm):
    """The follow-up form inline on the customer's timeline: the type as a row of buttons, the contact the
    customer's primary one unless chosen, the fields' ids prefixed (``composer-``) so they never clash with
    another form on the page."""

    kind = forms.ChoiceField(label=_("Type"), widget=forms.RadioSelect(attrs={"class": "btn-check"}))
    field_order = ["kind", "subject", "content", "contact", "occurred_at", "next_follow_up_at"]

    def __init__(self, *args, customer: Customer, **kwargs):
        kwargs.setdefault("auto_id", "composer-%s")
        super().__init__(*args, customer=customer, **kwargs)
        self.fields["contact"].empty_label = "—"
        # Styled here, not by crm.js: the composer is swapped in by htmx and must look right at once.
        for name in ("subject", "content", "occurred_at", "next_follow_up_at"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["contact"].widget.attrs["class"] = "form-select form-select-sm"
        # A plain select however many contacts: a contact card's "log" button sets it directly (crm.js).
        self.fields["contact"].widget.attrs["data-searchable"] = "0"
        self.fields["subject"].widget.attrs.update({"placeholder": _("What was it about?"), "maxlength": 200})
        self.fields["content"].widget.attrs.update({"placeholder": _("Notes: what was said, what was agreed"),
                                                    "rows": 2})
        if not self.is_bound:
            choices = self.fields["kind"].choices
            self.initial.setdefault("kind", "call" if "call" in dict(choices) else next(iter(dict(choices)), ""))
            primary = customer.contacts.filter(is_primary=True).values_list("pk", flat=True).first()
            if primary:
                self.initial.setdefault("contact", primary)
