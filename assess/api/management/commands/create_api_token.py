"""`manage.py create_api_token --org SLUG --name NAME [--bank] [--library]`: prints the token
once."""

from django.core.management.base import BaseCommand, CommandError

from assess.api.models import ApiToken
from assess.audit import events
from assess.audit.trail import record_event
from assess.models import Organization


class Command(BaseCommand):
    help = "Create an API token for an organization and print it (it is not stored, only its hash)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument("--name", required=True, help="Who will use the token.")
        parser.add_argument(
            "--bank",
            action="store_true",
            help="Staff only: the token may read the question bank with its answer keys.",
        )
        parser.add_argument(
            "--library",
            action="store_true",
            help="The token may write, publish and retire the organization's own questions.",
        )

    def handle(self, *args, org: str, name: str, bank: bool, library: bool, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        if not name.strip() or len(name) > 100:
            raise CommandError("--name must be 1 to 100 characters.")
        token, raw = ApiToken.issue(
            organization, name.strip(), can_read_bank=bank, can_write_library=library
        )
        record_event(events.API_TOKEN_CREATED, organization=organization, target=token)
        scopes = " and ".join(s for s, on in (("bank", bank), ("library", library)) if on)
        self.stderr.write(
            f"Token {token.prefix}… for {organization.slug}"
            f"{f' ({scopes} scope)' if scopes else ''}; copy it now, it is not shown again:"
        )
        self.stdout.write(raw)
