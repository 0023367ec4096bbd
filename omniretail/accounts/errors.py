from enum import StrEnum


class AccountsError(StrEnum):
    USERNAME_TAKEN = "username_taken"
    WEAK_PASSWORD = "weak_password"
    INVALID_CREDENTIALS = "invalid_credentials"
    LOCKED_OUT = "locked_out"
    ROLE_SCOPE_INVALID = "role_scope_invalid"
    OUTSIDE_SCOPE = "outside_scope"
    TOKEN_NOT_FOUND = "token_not_found"
