"""Organizations, memberships, roles and the one access gate of the hiring team's pages."""
