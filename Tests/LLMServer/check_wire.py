"""Proves fake_openai.py speaks the real wire format: the official `openai` Python library
streams each scripted answer from it and must assemble the same thing the daemon does (text,
tool calls from fragments with JSON arguments, finish reason, usage in the last chunk), and
must see the 429 as a RateLimitError. Prints one JSON summary line; raises on any mismatch.
"""

import argparse
import json

import openai


def stream(client, text):
    result = {"content": "", "calls": {}, "finish": None, "usage": None, "chunks": 0}
    events = client.chat.completions.create(
        model="fake-model",
        messages=[{"role": "user", "content": text}],
        stream=True,
        stream_options={"include_usage": True},
        tools=[{"type": "function", "function": {"name": "shell_run", "parameters": {"type": "object"}}}],
    )
    for chunk in events:
        result["chunks"] += 1
        if chunk.usage is not None:
            result["usage"] = chunk.usage.model_dump()
        for choice in chunk.choices:
            if choice.finish_reason:
                result["finish"] = choice.finish_reason
            delta = choice.delta
            if delta.content:
                result["content"] += delta.content
            for call in delta.tool_calls or []:
                entry = result["calls"].setdefault(call.index, {"id": None, "name": "", "arguments": ""})
                if call.id:
                    entry["id"] = call.id
                if call.function and call.function.name:
                    entry["name"] += call.function.name
                if call.function and call.function.arguments:
                    entry["arguments"] += call.function.arguments
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    args = parser.parse_args()
    client = openai.OpenAI(base_url=args.base_url, api_key="sk-wire-check-0000", max_retries=0)

    final = stream(client, "scenario:final check")
    assert final["content"] == "Hello from the fake model.", final
    assert final["finish"] == "stop" and final["usage"]["completion_tokens"] == 5, final

    parallel = stream(client, "scenario:parallel check")
    calls = [parallel["calls"][i] for i in sorted(parallel["calls"])]
    assert [c["id"] for c in calls] == ["call_a", "call_b", "call_c"], calls
    assert [json.loads(c["arguments"])["argv"][1] for c in calls] == ["alpha", "beta", "gamma"], calls
    assert parallel["finish"] == "tool_calls" and parallel["usage"] is not None, parallel

    try:
        stream(client, "scenario:rate_limited check")
        raise AssertionError("the 429 was not seen as an error")
    except openai.RateLimitError as error:
        assert error.response.headers.get("retry-after") == "1", error.response.headers
    print(json.dumps({"final": final["content"], "parallel_calls": len(calls), "rate_limited": True, "openai": openai.__version__}))


if __name__ == "__main__":
    main()
