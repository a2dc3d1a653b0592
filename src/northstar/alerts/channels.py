"""Sending: email over SMTP (smtplib, TLS and login), Slack (incoming webhook or a bot token's
chat.postMessage) and Microsoft Teams (incoming webhook), over httpx.

Each sender raises `DeliveryError` saying whether trying again can help (`transient`: the
server is down, busy or throttling) or not (a refused login, an unknown channel, a bad
address): the dispatcher retries the first kind and gives up on the second at once."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import httpx

from northstar.alerts.rules import Channel, EmailSettings
from northstar.errors import NorthstarError
from northstar.sources.secrets import Secret, SecretStore

__all__ = ["DeliveryError", "Email", "Senders"]


class DeliveryError(NorthstarError):
    """A message was not delivered."""

    def __init__(self, message: str, *, transient: bool = True,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
        """Seconds the server asked to wait (Retry-After), when it said."""


@dataclass(frozen=True)
class Email:
    """An email to send: a subject, a plain-text body and its HTML twin."""

    to: list[str]
    subject: str
    text: str
    html: str


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


def _http_error(what: str, response: httpx.Response) -> DeliveryError:
    body = response.text.strip()[:300]
    transient = response.status_code == 429 or response.status_code >= 500
    return DeliveryError(f"{what} answered HTTP {response.status_code}"
                         + (f": {body}" if body else ""), transient=transient,
                         retry_after=_retry_after(response))


class Senders:
    """The project's ways out, with their secrets read when first needed."""

    def __init__(self, root: Path, email: EmailSettings | None, channels: dict[str, Channel],
                 *, environ: dict[str, str] | None = None,
                 client: httpx.Client | None = None) -> None:
        self.root = root
        self.email_settings = email
        self.channels = channels
        self.secrets = SecretStore(root, environ)
        self.client = client or httpx.Client(timeout=15.0, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def _secret(self, key: str, env: str | None, what: str) -> Secret:
        found = self.secrets.get("alerts", key, env)
        if found is None:
            where = f"the environment variable {env} or " if env else ""
            raise DeliveryError(f"{what} is not set: set {where}alerts.{key} in "
                                f"{self.secrets.path}", transient=False)
        return found

    # -- email -------------------------------------------------------------------------------
    def email(self, mail: Email) -> None:
        s = self.email_settings
        if s is None:
            raise DeliveryError("no email server: add an `email:` section to alerts.yml",
                                transient=False)
        msg = EmailMessage()
        msg["Subject"] = mail.subject
        msg["From"] = s.sender
        msg["To"] = ", ".join(mail.to)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=s.sender.rsplit("@", 1)[-1].strip("> ") or None)
        msg.set_content(mail.text)
        msg.add_alternative(mail.html, subtype="html")
        cafile = self.root / s.ca_file if s.ca_file else None
        try:
            context = ssl.create_default_context(cafile=None if cafile is None else str(cafile))
        except (OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"email.ca_file {cafile}: {exc.strerror or exc}",
                                transient=False) from None
        try:
            smtp: smtplib.SMTP
            if s.security == "tls":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with smtp:
                if s.security == "starttls":
                    smtp.starttls(context=context)
                if s.username:
                    password = self._secret("smtp_password", s.password_env, "the SMTP password")
                    smtp.login(s.username, password.reveal())
                smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"the SMTP server refused the login of {s.username}: "
                                f"{_smtp_text(exc)}", transient=False) from None
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(sorted(exc.recipients))
            raise DeliveryError(f"the SMTP server refused {refused}", transient=False) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"the SMTP server does not offer it: {exc}",
                                transient=False) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"the SMTP server answered {exc.smtp_code}: {_smtp_text(exc)}",
                                transient=exc.smtp_code < 500) from None
        except ssl.SSLCertVerificationError as exc:
            raise DeliveryError(f"the SMTP server's certificate is not trusted "
                                f"({exc.verify_message}); set email.ca_file for a company CA",
                                transient=False) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"could not reach the SMTP server {s.host}:{s.port}: "
                                f"{exc}") from None

    # -- slack and teams -----------------------------------------------------------------------
    def post(self, channel_name: str, slack_or_teams: Callable[[str], dict[str, Any]]) -> None:
        """Post to a named slack or teams channel; `slack_or_teams(kind)` gives the payload."""
        ch = self.channels.get(channel_name)
        if ch is None:
            raise DeliveryError(f"no channel {channel_name!r} in alerts.yml", transient=False)
        payload = slack_or_teams(ch.kind)
        if ch.kind == "slack" and ch.uses_token:
            self._slack_api(channel_name, ch, payload)
        elif ch.kind in ("slack", "teams"):
            url = self._secret(channel_name, ch.webhook_env, f"the webhook of {channel_name}")
            self._webhook(channel_name, ch, url.reveal(), payload)
        else:
            raise DeliveryError(f"channel {channel_name} is an email channel", transient=False)

    def _request(self, what: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.post(url, **kwargs)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"could not reach {what}: {type(exc).__name__}: {exc}") from None

    def _webhook(self, name: str, ch: Channel, url: str, payload: dict[str, Any]) -> None:
        what = f"the {ch.kind} webhook of {name}"
        r = self._request(what, url, json=payload)
        if r.status_code == 200 and ch.kind == "teams" and "error" in r.text.lower():
            # older Teams connectors answer 200 and say in the body that Teams throttled them
            raise DeliveryError(f"{what}: {r.text.strip()[:300]}",
                                transient="429" in r.text or "throttl" in r.text.lower())
        if not 200 <= r.status_code < 300:
            raise _http_error(what, r)

    def _slack_api(self, name: str, ch: Channel, payload: dict[str, Any]) -> None:
        token = self._secret(name, ch.token_env, f"the Slack bot token of {name}")
        what = f"Slack's chat.postMessage for {name}"
        r = self._request(what, f"{ch.api_url.rstrip('/')}/chat.postMessage",
                          json={"channel": ch.channel, **payload},
                          headers={"Authorization": f"Bearer {token.reveal()}"})
        if r.status_code != 200:
            raise _http_error(what, r)
        try:
            body = r.json()
        except ValueError:
            raise DeliveryError(f"{what} answered something that is not JSON") from None
        if not body.get("ok"):
            error = str(body.get("error", "unknown error"))
            raise DeliveryError(f"{what}: {error}", transient=error in (
                "ratelimited", "service_unavailable", "fatal_error", "internal_error",
                "request_timeout"))


def _smtp_text(exc: smtplib.SMTPResponseException) -> str:
    raw = exc.smtp_error
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)).strip()
