"""WeChat Pay v3 cryptography: wechatpayv3's own sign/verify/decrypt helpers, plus what the sandbox needs
to play WeChat's side (AES-256-GCM encryption, key and certificate generation)."""
import base64
import binascii
import datetime
import secrets
import string
from functools import lru_cache
from typing import Any, Optional, Tuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from wechatpayv3 import utils as wxutils

ALPHANUM = string.ascii_letters + string.digits
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"


def nonce(length: int = 32) -> str:
    """A random alphanumeric string (nonceStr, notification nonces, APIv3 keys)."""
    return "".join(secrets.choice(ALPHANUM) for _ in range(length))


@lru_cache(maxsize=256)
def private_key(pem: str) -> Any:
    """A parsed RSA private key (cached by PEM)."""
    return wxutils.load_private_key(pem)


@lru_cache(maxsize=512)
def public_key(pem: str) -> Any:
    """A parsed public key from a PUBLIC KEY PEM (cached)."""
    return wxutils.load_public_key(pem)


@lru_cache(maxsize=512)
def certificate(pem: str) -> Optional[x509.Certificate]:
    """A parsed X.509 certificate, or None when the PEM is not one."""
    return wxutils.load_certificate(pem)


def certificate_serial(cert: x509.Certificate) -> str:
    """The serial as WeChat writes it in Wechatpay-Serial: upper-case hex."""
    return format(cert.serial_number, "X")


def sign(key_pem: str, message: str) -> str:
    """Base64 SHA256-with-RSA (PKCS#1 v1.5) signature of `message` (wechatpayv3's rsa_sign)."""
    return wxutils.rsa_sign(private_key(key_pem), message)


def verify(timestamp: str, nonce_value: str, body: str, signature: str, key: Any) -> bool:
    """wechatpayv3's check of `timestamp\\nnonce\\nbody\\n`; any malformed input is simply False."""
    try:
        return bool(wxutils.rsa_verify(timestamp, nonce_value, body, signature, key))
    except (ValueError, TypeError, binascii.Error):
        return False


def decrypt(nonce_value: str, ciphertext: str, associated_data: str, apiv3_key: str) -> Optional[str]:
    """AEAD_AES_256_GCM decryption with the APIv3 key (wechatpayv3's aes_decrypt); None when it fails."""
    try:
        return wxutils.aes_decrypt(nonce=nonce_value, ciphertext=ciphertext,
                                   associated_data=associated_data or "", apiv3_key=apiv3_key)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def encrypt(plaintext: str, associated_data: str, apiv3_key: str, nonce_value: Optional[str] = None) -> Tuple[str, str]:
    """What WeChat does to a notification resource: (nonce, base64(ciphertext‖tag))."""
    nonce_value = nonce_value or nonce(12)
    sealed = AESGCM(apiv3_key.encode()).encrypt(nonce_value.encode(), plaintext.encode(), associated_data.encode())
    return nonce_value, base64.b64encode(sealed).decode()


def new_private_key_pem() -> str:
    """A fresh RSA-2048 private key as PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem_of(key_pem: str) -> str:
    """The PUBLIC KEY PEM of a private key."""
    return private_key(key_pem).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def self_signed_certificate(key_pem: str, common_name: str, serial: int, days: int = 1825,
                            start_days_ago: int = 1) -> str:
    """A self-signed certificate for `key_pem` (the sandbox's stand-in for a platform certificate)."""
    key = private_key(key_pem)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=start_days_ago)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(serial).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=days))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()
