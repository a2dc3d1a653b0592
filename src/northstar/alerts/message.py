"""What an alert says, and how it looks in an email, in Slack and in Microsoft Teams.

A message is kept with its alert (as JSON) when it is raised, so a delivery retried an hour
later says what was true when the alert was raised, not what is true now."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from html import escape
from typing import Any

COLOURS = {"green": "#1a7f37", "yellow": "#9a6700", "red": "#cf222e", "grey": "#6e7781"}
_TEAMS_COLOURS = {"green": "Good", "yellow": "Warning", "red": "Attention", "grey": "Default"}
_EMOJI = {"green": ":large_green_circle:", "yellow": ":large_yellow_circle:",
          "red": ":red_circle:", "grey": ":white_circle:"}


@dataclass(frozen=True)
class Message:
    """One alert in words: what happened, the number, and what to do about it."""

    title: str
    """One line: "New MRR is red" (the email's subject)."""
    headline: str
    """What changed, in a sentence."""
    metric: str | None = None
    metric_title: str | None = None
    period: str | None = None
    value: str | None = None
    """The number, formatted in the metric's unit."""
    status: str | None = None
    target: str | None = None
    """The target, formatted; for an open period, with where it should be by today."""
    action: str | None = None
    """The metric file's action text for the status."""
    link: str | None = None
    """The metric's page (or the page that explains the problem)."""
    details: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def facts(self) -> list[tuple[str, str]]:
        """The label/value lines every rendering shows, in order."""
        out = []
        for label, value in (("Metric", self.metric_title), ("Period", self.period),
                             ("Value", self.value), ("Status", self.status),
                             ("Target", self.target)):
            if value:
                out.append((label, value))
        return out


def text(m: Message) -> str:
    """The plain-text body (emails carry it beside the HTML)."""
    lines = [m.title, "", m.headline, ""]
    lines += [f"{label}: {value}" for label, value in m.facts()]
    if m.action:
        lines += ["", f"What to do: {m.action}"]
    lines += [f"- {d}" for d in m.details]
    if m.link:
        lines += ["", f"Open it: {m.link}"]
    return "\n".join(lines).rstrip() + "\n"


def html(m: Message) -> str:
    """The HTML body: inline styles only (mail clients drop style sheets)."""
    colour = COLOURS.get(m.status or "", "#24292f")
    strong = f";color:{colour};font-weight:bold"
    rows = "".join(
        f'<tr><th align="left" style="padding:2px 12px 2px 0;color:#57606a">{escape(k)}</th>'
        f'<td style="padding:2px 0{strong if k == "Status" else ""}">{escape(v)}</td></tr>'
        for k, v in m.facts())
    action = (f'<p style="margin:12px 0"><strong>What to do:</strong> {escape(m.action)}</p>'
              if m.action else "")
    details = ("<ul>" + "".join(f"<li>{escape(d)}</li>" for d in m.details) + "</ul>"
               if m.details else "")
    link = (f'<p><a href="{escape(m.link)}" style="color:#0969da">Open it in Northstar</a></p>'
            if m.link else "")
    return (f'<div style="font-family:system-ui,sans-serif;font-size:14px;color:#24292f">'
            f'<h2 style="margin:0 0 8px;font-size:18px;border-left:4px solid {colour};'
            f'padding-left:8px">{escape(m.title)}</h2><p>{escape(m.headline)}</p>'
            f"<table>{rows}</table>{action}{details}{link}</div>")


def slack(m: Message) -> dict[str, Any]:
    """A Slack message: `text` (the notification and fallback) and Block Kit blocks."""
    mark = _EMOJI.get(m.status or "", "")
    fields = [{"type": "mrkdwn", "text": f"*{label}*\n{value}"} for label, value in m.facts()]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": m.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{mark} {m.headline}".strip()}},
    ]
    if fields:
        blocks.append({"type": "section", "fields": fields[:10]})
    if m.action:
        blocks.append({"type": "section",
                       "text": {"type": "mrkdwn", "text": f"*What to do:* {m.action}"}})
    if m.details:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": d} for d in m.details[:10]]})
    if m.link:
        blocks.append({"type": "actions", "elements": [{
            "type": "button", "text": {"type": "plain_text", "text": "Open in Northstar"},
            "url": m.link}]})
    summary = " | ".join(f"{k}: {v}" for k, v in m.facts() if k != "Metric")
    return {"text": f"{m.title}: {summary}" if summary else m.title, "blocks": blocks}


def teams(m: Message) -> dict[str, Any]:
    """A Teams message: an Adaptive Card, the format both Workflows webhooks and the older
    incoming webhooks accept."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": m.title, "weight": "Bolder", "size": "Medium",
         "wrap": True, "color": _TEAMS_COLOURS.get(m.status or "", "Default")},
        {"type": "TextBlock", "text": m.headline, "wrap": True},
    ]
    if m.facts():
        body.append({"type": "FactSet",
                     "facts": [{"title": k, "value": v} for k, v in m.facts()]})
    if m.action:
        body.append({"type": "TextBlock", "text": f"**What to do:** {m.action}", "wrap": True})
    body += [{"type": "TextBlock", "text": d, "wrap": True, "isSubtle": True}
             for d in m.details]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard", "version": "1.4", "body": body}
    if m.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in Northstar",
                            "url": m.link}]
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": card}]}
