"""The `org` URL namespace: the hiring team's pages, all under /org/<slug>/ (the
organization comes from the URL and every view checks the user's role in it), the sign-in
page, and the candidate's integrity-signal endpoint and data pages beside the other /t/<token>/ addresses.
Each feature lists its own paths; this module only joins them under one namespace."""

from assess.accounts.urls import urlpatterns as accounts_urlpatterns
from assess.attempts.urls import signal_urlpatterns
from assess.audit.urls import urlpatterns as audit_urlpatterns
from assess.evidence.urls import urlpatterns as evidence_urlpatterns
from assess.hiring.urls import urlpatterns as hiring_urlpatterns
from assess.integrations.urls import urlpatterns as integrations_urlpatterns
from assess.library.urls import urlpatterns as library_urlpatterns
from assess.orgs.urls import urlpatterns as orgs_urlpatterns
from assess.privacy.urls import candidate_urlpatterns as privacy_candidate_urlpatterns
from assess.privacy.urls import urlpatterns as privacy_urlpatterns
from assess.review.urls import urlpatterns as review_urlpatterns
from assess.scim.org_urls import urlpatterns as scim_urlpatterns
from assess.sso.urls import urlpatterns as sso_urlpatterns

app_name = "org"

urlpatterns = [
    # First: /org/login/ would otherwise read as the organization `login`.
    *accounts_urlpatterns,
    *sso_urlpatterns,  # before orgs': /org/sso/ is no organization's address
    *orgs_urlpatterns,
    *hiring_urlpatterns,
    *review_urlpatterns,
    *privacy_urlpatterns,
    *signal_urlpatterns,
    *privacy_candidate_urlpatterns,
    *audit_urlpatterns,
    *integrations_urlpatterns,
    *library_urlpatterns,
    *evidence_urlpatterns,
    *scim_urlpatterns,
]
