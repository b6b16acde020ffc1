class CryptoError(Exception):
    """A ciphertext, signature or key did not check out. Never carries key material."""


class DecryptError(CryptoError):
    pass


class SignatureError(CryptoError):
    pass
