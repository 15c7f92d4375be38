from django import forms

from crm.accounts.models import User
from crm.customers.models import Contact, Customer
from crm.system.dictionaries import dictionary_choices, dictionary_label

DICTIONARY_FIELDS = {"industry": "industry", "source": "source", "level": "customer_level"}


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["name", "kind", "phone", "email", "industry", "source", "level", "address", "owner", "remark"]
        widgets = {"remark": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True)
        # Picklists come from the dictionaries; a deactivated code already on the record stays selectable.
        for name, kind in DICTIONARY_FIELDS.items():
            choices = dictionary_choices(kind)
            current = getattr(self.instance, name, "")
            if current and current not in dict(choices):
                choices.append((current, dictionary_label(kind, current)))
            self.fields[name] = forms.ChoiceField(label=self.fields[name].label, required=False,
                                                  choices=[("", "—"), *choices])


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "gender", "mobile", "email", "id_number", "birthday", "is_primary",
                  "consent_given", "consent_source", "remark"]
        widgets = {"birthday": forms.DateInput(attrs={"type": "date"}), "remark": forms.Textarea(attrs={"rows": 2}),
                   "mobile": forms.TextInput, "email": forms.TextInput, "id_number": forms.TextInput}
