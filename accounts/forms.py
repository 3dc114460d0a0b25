"""Portal forms for team administration and API keys. They only parse input; actions decide what is allowed."""

from django import forms

from .models import ApiKeyScope, Role

MAX_KEY_LIFETIME_DAYS = 3650


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    # Every role is accepted here: whether this person may grant it is the action's decision.
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class MemberCapForm(forms.Form):
    cap = forms.IntegerField(
        required=False, min_value=0, label="Monthly credit cap", help_text="Leave blank for no cap."
    )


class TeamLimitsForm(forms.Form):
    max_concurrent_generations = forms.IntegerField(min_value=1, max_value=1000, label="Max concurrent generations")
    monthly_allowance = forms.IntegerField(
        min_value=0, label="Monthly allowance (credits)", help_text="The team is topped up to this on the 1st."
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
