"""An OpenAI-compatible chat-completions endpoint as a local fake, answering from a script.

Each `POST /v1/chat/completions` takes the next step of `script`: `("tool", name, args)`
answers with that tool call (arguments as given: a dict is sent as JSON, a str as it is, so a
malformed call can be scripted), `("text", words)` with a plain message. Every request body is
kept (`requests`), so a test sees what the model was sent: the tool results and the retry
prompts. With the script used up it answers 500, as a broken endpoint does."""

from __future__ import annotations

import json
from typing import Any

from fakes.server import Answer, FakeServer, Request

Step = tuple[Any, ...]


class LlmFake(FakeServer):
    def __init__(self, script: list[Step] | None = None) -> None:
        super().__init__()
        self.script: list[Step] = list(script or [])
        self.calls = 0

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def bodies(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.requests if r.path == "/v1/chat/completions"]

    def route(self, req: Request) -> Answer:
        if req.method != "POST" or req.path != "/v1/chat/completions":
            return 404, {}, {"error": {"message": f"no route {req.path}"}}
        if not self.script:
            return 500, {}, {"error": {"message": "the script is used up"}}
        self.calls += 1
        step = self.script.pop(0)
        model = req.json().get("model", "fake")
        if step[0] == "text":
            message: dict[str, Any] = {"role": "assistant", "content": step[1]}
            finish = "stop"
        else:
            _, name, args = step
            arguments = args if isinstance(args, str) else json.dumps(args)
            message = {"role": "assistant", "content": None, "tool_calls": [{
                "id": f"call_{self.calls}", "type": "function",
                "function": {"name": name, "arguments": arguments}}]}
            finish = "tool_calls"
        return 200, {}, {
            "id": f"chatcmpl-{self.calls}", "object": "chat.completion", "created": 0,
            "model": model, "choices": [{"index": 0, "message": message,
                                         "finish_reason": finish}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"message": message, "type": "server_error"}}
