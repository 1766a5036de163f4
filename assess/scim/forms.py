"""The admin's form for which directory groups give which role."""

from __future__ import annotations

from django import forms

from assess.orgs.models import Role
from assess.strictinput import validate_storable_text

MAX_MAPPING_LINES = 100


def mapping_text(mapping: dict[str, str]) -> str:
    return "\n".join(f"{group} = {role}" for group, role in sorted(mapping.items()))


class GroupRolesForm(forms.Form):
    mapping = forms.CharField(
        label="Which directory groups give which role",
        required=False,
        max_length=20_000,
        validators=[validate_storable_text],
        widget=forms.Textarea(attrs={"rows": 6, "aria-describedby": "group-roles-help"}),
        help_text="One line per group: the group's name, '=', then admin, reviewer or recruiter.",
    )

    def clean_mapping(self) -> dict[str, str]:
        return group_roles_parse(self.cleaned_data["mapping"])


def group_roles_parse(text: str) -> dict[str, str]:
    """{casefolded group: role} from lines 'Group name = role' (also read by assess/sso)."""
    mapping: dict[str, str] = {}
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_MAPPING_LINES:
        raise forms.ValidationError(f"At most {MAX_MAPPING_LINES} groups.")
    roles = {role.value for role in Role}
    for number, line in enumerate(lines, start=1):
        group, sep, role = line.rpartition("=")
        group, role = group.strip(), role.strip().casefold()
        if not sep or not group or len(group) > 200:
            raise forms.ValidationError(f"Line {number}: write 'Group name = role'.")
        if role not in roles:
            raise forms.ValidationError(
                f"Line {number}: the role must be one of {', '.join(sorted(roles))}."
            )
        mapping[group.casefold()] = role
    return mapping
