"""Portal forms for team administration and API keys. They only parse input; actions decide what is allowed."""

from django import forms
from django.contrib.auth import password_validation
from django.core import validators

from accounts.models import ApiKeyScope, Role

MAX_KEY_LIFETIME_DAYS = 3650


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    # Every role is accepted here: whether this person may grant it is the action's decision.
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class AcceptInvitationForm(forms.Form):
    """The password a new person chooses when accepting an invitation (their account is created then)."""

    full_name = forms.CharField(max_length=150, required=False, label="Your name")
    password1 = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label="Confirm the password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            raise forms.ValidationError("The two passwords differ.", code="password_mismatch")
        if first:
            password_validation.validate_password(first)
        return cleaned


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class MemberCapForm(forms.Form):
    cap = forms.IntegerField(
        required=False, min_value=0, max_value=2_147_483_647, label="Monthly credit cap", help_text="Leave blank for no cap."
    )


class TeamLimitsForm(forms.Form):
    """Bounded by what the person submitting may set (`bounds`, from `actions.team_limit_bounds`), so a number
    beyond it is a form error naming the maximum, and an enormous one never reaches the database."""

    max_concurrent_generations = forms.IntegerField(min_value=1, label="Max concurrent generations")
    monthly_allowance = forms.IntegerField(
        min_value=0, label="Monthly allowance (credits)", help_text="The team is topped up to this on the 1st."
    )

    def __init__(self, *args, bounds, **kwargs):
        super().__init__(*args, **kwargs)
        for name, largest in bounds.items():
            field = self.fields[name]
            field.max_value = largest
            field.validators.append(validators.MaxValueValidator(largest))
            field.widget.attrs["max"] = largest
            field.help_text = f"{field.help_text} At most {largest:,}.".strip()


class OutputLabelForm(forms.Form):
    label_outputs = forms.BooleanField(
        required=False, label="Label every new clip and poster “AI-generated”",
        help_text="A small mark in the bottom-right corner of downloads and gallery shares. Content credentials and "
        "the invisible watermark are always on.",
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"placeholder": "CI pipeline"}))
    scopes = forms.MultipleChoiceField(
        choices=ApiKeyScope.choices,
        initial=list(ApiKeyScope.values),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one scope."},
    )
    expires_in_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_KEY_LIFETIME_DAYS,
        label="Expires after (days)",
        help_text="Leave blank for a key that does not expire.",
    )


def first_error(form):
    """One readable line from a bound, invalid form, for a flash message."""
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = (field.label or name.replace("_", " ").capitalize()) if field is not None else ""
        return f"{label}: {errors[0]}" if label else errors[0]
    return "The form is not valid."
