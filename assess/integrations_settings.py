"""Settings of the applicant-tracking systems (assess/integrations, docs/integrations.md),
read by assess/settings.py (`from .integrations_settings import *`)."""

from grader.engine.envparse import env_int, env_str

# Requests per minute per connection and per client address; the key that seals their
# credentials (a Fernet key; derived from SECRET_KEY when empty).
INTEGRATIONS_RATE_PER_MINUTE = env_int("INTEGRATIONS_RATE_PER_MINUTE", 120, minimum=1)
INTEGRATIONS_RATE_PER_IP = env_int("INTEGRATIONS_RATE_PER_IP", 600, minimum=1)
INTEGRATIONS_CREDENTIALS_KEY = env_str("INTEGRATIONS_CREDENTIALS_KEY", "")
# The exchange log is kept this many days (purged daily by assess.integrations.purge_exchanges).
INTEGRATIONS_EXCHANGE_RETENTION_DAYS = env_int(
    "INTEGRATIONS_EXCHANGE_RETENTION_DAYS", 90, minimum=1
)
# Where Ashby's API answers (assessment.update); a test points it at a fake.
ASHBY_API_URL = env_str("ASHBY_API_URL", "https://api.ashbyhq.com")
# Lever (OAuth app registered with Lever's partner team; a test points the URLs at a fake).
LEVER_AUTH_URL = env_str("LEVER_AUTH_URL", "https://auth.lever.co")
LEVER_API_URL = env_str("LEVER_API_URL", "https://api.lever.co/v1")
LEVER_CLIENT_ID = env_str("LEVER_CLIENT_ID", "")
LEVER_CLIENT_SECRET = env_str("LEVER_CLIENT_SECRET", "")
LEVER_SCOPES = env_str(
    "LEVER_SCOPES", "offline_access opportunities:read:admin notes:write:admin files:write:admin"
)
# A webhook whose triggeredAt is further than this from now is refused (a replay); the
# delivery's token is remembered as long, so the same delivery twice is refused too.
LEVER_WEBHOOK_MAX_AGE_SECONDS = env_int("LEVER_WEBHOOK_MAX_AGE_SECONDS", 900, minimum=60)
