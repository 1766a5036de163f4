"""The names of the audited events: `<topic>.<what happened>`, lower case. A feature may
record a name of its own (trail.record_event checks the shape, not this list); the ones
below are those the pages offer as filters."""

SIGNIN_SUCCEEDED = "signin.succeeded"
SIGNIN_FAILED = "signin.failed"
SIGNIN_LOCKED = "signin.locked"
SIGNOUT = "signout"
MFA_ENROLLED = "mfa.enrolled"
MFA_REMOVED = "mfa.removed"
MFA_RESET_BY_ADMIN = "mfa.reset_by_admin"
MFA_FAILED = "mfa.failed"
MFA_RECOVERY_CODES_REGENERATED = "mfa.recovery_codes_regenerated"
ROLE_CHANGED = "role.changed"
MEMBER_ADDED = "member.added"
MEMBER_REMOVED = "member.removed"
API_TOKEN_CREATED = "api_token.created"
API_TOKEN_USED = "api_token.used"
INVITATION_SENT = "invitation.sent"
REPORT_VIEWED = "report.viewed"
REPORT_EXPORTED = "report.exported"
SHARE_LINK_CREATED = "share_link.created"
SHARE_LINK_OPENED = "share_link.opened"
REGRADE_REQUESTED = "regrade.requested"
CANDIDATE_ERASED = "candidate.erased"
SESSION_ENDED = "session.ended"
SECURITY_SETTINGS_CHANGED = "security.settings_changed"
AUDIT_EXPORTED = "audit.exported"
AUDIT_RETENTION_CHANGED = "audit.retention_changed"
LIBRARY_PUBLISHED = "library.published"
LIBRARY_RETIRED = "library.retired"
LIBRARY_RESTORED = "library.restored"
INTEGRATION_CONNECTED = "integration.connected"
INTEGRATION_DISCONNECTED = "integration.disconnected"

KNOWN = (
    SIGNIN_SUCCEEDED,
    SIGNIN_FAILED,
    SIGNIN_LOCKED,
    SIGNOUT,
    MFA_ENROLLED,
    MFA_REMOVED,
    MFA_RESET_BY_ADMIN,
    MFA_FAILED,
    MFA_RECOVERY_CODES_REGENERATED,
    ROLE_CHANGED,
    MEMBER_ADDED,
    MEMBER_REMOVED,
    API_TOKEN_CREATED,
    API_TOKEN_USED,
    INVITATION_SENT,
    REPORT_VIEWED,
    REPORT_EXPORTED,
    SHARE_LINK_CREATED,
    SHARE_LINK_OPENED,
    REGRADE_REQUESTED,
    CANDIDATE_ERASED,
    SESSION_ENDED,
    SECURITY_SETTINGS_CHANGED,
    AUDIT_EXPORTED,
    AUDIT_RETENTION_CHANGED,
    LIBRARY_PUBLISHED,
    LIBRARY_RETIRED,
    LIBRARY_RESTORED,
    INTEGRATION_CONNECTED,
    INTEGRATION_DISCONNECTED,
)
