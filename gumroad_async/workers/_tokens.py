"""Keeping access tokens encrypted at rest in the accounts table.

With ``$GUMROAD_TOKEN_KEY`` set (a Fernet key: ``gumroad-async accounts new-key`` prints
one), tokens are written encrypted and read back only inside the worker that uses them. The
database then holds ciphertext; the key lives in the workers' environment or secret store.
"""

from __future__ import annotations

import os
from typing import Final

from gumroad_async.errors import GumroadError

__all__ = ["TOKEN_KEY_ENV", "TokenCipher", "new_key"]

TOKEN_KEY_ENV: Final = "GUMROAD_TOKEN_KEY"
_PREFIX: Final = "fernet:"


class TokenCipher:
    """Encrypts tokens for storage when a key is given; stores them as they are otherwise."""

    def __init__(self, key: str | None = None) -> None:
        self._fernet = None
        if key:
            from cryptography.fernet import Fernet

            self._fernet = Fernet(key.encode())

    @classmethod
    def from_env(cls) -> TokenCipher:
        """The cipher for ``$GUMROAD_TOKEN_KEY`` (no encryption when it is unset)."""
        return cls(os.environ.get(TOKEN_KEY_ENV) or None)

    @property
    def encrypts(self) -> bool:
        return self._fernet is not None

    def seal(self, token: str) -> str:
        if self._fernet is None:
            return token
        return _PREFIX + self._fernet.encrypt(token.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(_PREFIX):
            return stored
        if self._fernet is None:
            raise GumroadError(f"this account's token is encrypted: set ${TOKEN_KEY_ENV}")
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(stored[len(_PREFIX):].encode()).decode()
        except InvalidToken:
            raise GumroadError(
                f"this account's token was encrypted with another ${TOKEN_KEY_ENV}"
            ) from None


def new_key() -> str:
    """A fresh key for ``$GUMROAD_TOKEN_KEY``."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()
