from django import forms
from django.utils.translation import gettext_lazy as _

from crm.imports.models import ImportJob
from crm.imports.registry import Importer, importers_for


class UploadForm(forms.Form):
    entity = forms.ChoiceField(label=_("Import into"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8, or GBK as Excel saves it) or Excel .xlsx; the first row holds the column headings."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].choices = [(i.entity, i.label) for i in importers_for(user)]


class MappingForm(forms.Form):
    """One drop-down per column of the file (which field it fills, or none), and the duplicate policy."""

    duplicate_policy = forms.ChoiceField(
        label=_("Duplicates"), choices=ImportJob.Policy.choices, widget=forms.RadioSelect, initial=ImportJob.Policy.SKIP
    )

    def __init__(self, *args, job: ImportJob, importer: Importer, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [("", _("— do not import —"))] + [
            (f.key, f"{f.label} *" if f.required else str(f.label)) for f in importer.fields
        ]
        self.columns = []
        for index, heading in enumerate(job.headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                label=heading, choices=choices, required=False, initial=job.mapping.get(heading, "")
            )
            samples = [row[index] for row in job.sample_rows if index < len(row) and row[index]]
            self.columns.append((self[name], samples))
        self.fields["duplicate_policy"].initial = job.duplicate_policy

    def mapping(self) -> dict[str, str]:
        return {heading: self.cleaned_data.get(f"column_{index}", "") for index, heading in enumerate(self.job.headers)}


class PolicyForm(forms.Form):
    duplicate_policy = forms.ChoiceField(
        label=_("Duplicates"), choices=ImportJob.Policy.choices, widget=forms.RadioSelect
    )
