from django import forms

from crm.accounts.models import User
from crm.customers.models import Customer


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["name", "kind", "phone", "email", "industry", "source", "level", "address", "owner", "remark"]
        widgets = {"remark": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True)
