"""Input validation of the suite's module's pages."""

from django import forms

from crm.testing_app.models import Deal, Project


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "status", "budget"]


class DealForm(forms.ModelForm):
    class Meta:
        model = Deal
        fields = ["name", "notes"]
