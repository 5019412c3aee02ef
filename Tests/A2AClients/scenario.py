"""Drives a project's A2A face with the official `a2a-sdk` client (1.x, A2A 1.0), as a remote
agent would: resolve the agent card, then SendMessage, SendStreamingMessage, GetTask, CancelTask.
Used by Tests/DaemonTests/A2AClientTests.swift. Asserts as it goes (a failed assert exits 1) and
prints one JSON summary line last, which the Swift test asserts on too.

Over the Unix socket (--socket) the card's first interface is `http+unix://SOCKET/PATH`; httpx
reaches it through a UDS transport, so the client is given the same interface as `http://jcs/PATH`.
Over TCP (--url) the card's first interface is the TCP one and is used as it is, with the bearer
token (--token) on every request.
"""

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from urllib.parse import urlsplit

import httpx
from google.protobuf.json_format import MessageToDict

import a2a
from a2a.client import A2ACardResolver, ClientConfig, ClientFactory
from a2a.client.errors import A2AClientError
from a2a.types.a2a_pb2 import (
    CancelTaskRequest,
    GetTaskRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    TaskState,
)
from a2a.utils.errors import (
    A2AError,
    TaskNotCancelableError,
    TaskNotFoundError,
    UnsupportedOperationError,
)


def http_client(args):
    headers = {"Authorization": "Bearer " + args.token} if args.token else {}
    if args.socket:
        return httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=args.socket), base_url="http://jcs", headers=headers, timeout=120)
    return httpx.AsyncClient(headers=headers, timeout=120)


def base_url(args, project):
    if args.socket:
        return "http://jcs/v1/projects/%s/a2a" % project
    return "%s/v1/projects/%s/a2a" % (args.url.rstrip("/"), project)


async def resolve(args, http, project):
    card = await A2ACardResolver(http, base_url(args, project)).get_agent_card()
    if args.socket:
        # The socket's interface, spelled for httpx's UDS transport.
        for interface in card.supported_interfaces:
            if interface.url.startswith("http+unix://"):
                interface.url = "http://jcs" + urlsplit(interface.url).path
    return card


def client_for(http, card, streaming):
    return ClientFactory(ClientConfig(httpx_client=http, streaming=streaming)).create(card)


def user_message(text, task_id=None, context_id=None):
    message = Message(message_id=str(uuid.uuid4()), role=Role.ROLE_USER, parts=[Part(text=text)])
    if task_id:
        message.task_id = task_id
    if context_id:
        message.context_id = context_id
    return message


def state_name(state):
    return TaskState.Name(state)


def text_of(parts):
    return "".join(part.text for part in parts)


async def collect(client, request):
    return [event async for event in client.send_message(request)]


def summarize_stream(events):
    kinds = [event.WhichOneof("payload") for event in events]
    deltas, activity, states = [], [], []
    artifact = None
    for event in events:
        kind = event.WhichOneof("payload")
        if kind == "status_update":
            update = event.status_update
            states.append(state_name(update.status.state))
            meta = MessageToDict(update.metadata) if update.HasField("metadata") else {}
            text = text_of(update.status.message.parts)
            if meta.get("event") == "conversation.assistant.delta":
                deltas.append(text)
            elif text:
                activity.append(text)
        elif kind == "artifact_update":
            artifact = text_of(event.artifact_update.artifact.parts)
    return {"kinds": kinds, "deltas": deltas, "activity": activity, "states": states, "artifact": artifact}


async def card_scenario(args, http):
    card = await resolve(args, http, args.project)
    return {
        "name": card.name,
        "version": card.version,
        "streaming": card.capabilities.streaming,
        "interfaces": [
            {"url": i.url, "binding": i.protocol_binding, "version": i.protocol_version} for i in card.supported_interfaces
        ],
        "skills": [s.id for s in card.skills],
        "assets": next((s.description for s in card.skills if s.id == "assets"), None),
        "security_schemes": sorted(card.security_schemes.keys()),
        "bearer": card.security_schemes["bearer"].http_auth_security_scheme.scheme if "bearer" in card.security_schemes else None,
    }


async def send_scenario(args, http):
    card = await resolve(args, http, args.project)
    client = client_for(http, card, streaming=False)
    events = await collect(client, SendMessageRequest(message=user_message("scenario:final")))
    assert len(events) == 1 and events[0].HasField("task"), events
    task = events[0].task
    assert task.status.state == TaskState.TASK_STATE_COMPLETED, task
    assert task.id and task.context_id == task.id, task
    answer = text_of(task.artifacts[0].parts)
    status_text = text_of(task.status.message.parts)
    got = await client.get_task(GetTaskRequest(id=task.id))
    assert got.status.state == TaskState.TASK_STATE_COMPLETED, got
    history = [(Role.Name(m.role), text_of(m.parts)) for m in got.history]
    # A second message to the same task: the conversation goes on.
    again = await collect(client, SendMessageRequest(message=user_message("scenario:final again", task_id=task.id)))
    second = again[0].task
    assert second.id == task.id and second.status.state == TaskState.TASK_STATE_COMPLETED, second
    limited = await client.get_task(GetTaskRequest(id=task.id, history_length=1))
    try:
        await client.get_task(GetTaskRequest(id="no-such-task"))
        missing = None
    except TaskNotFoundError as error:
        missing = type(error).__name__
    try:
        await client.cancel_task(CancelTaskRequest(id=task.id))
        not_cancelable = None
    except TaskNotCancelableError as error:
        not_cancelable = type(error).__name__
    await client.close()
    return {
        "task_id": task.id, "state": state_name(task.status.state), "answer": answer, "status_text": status_text,
        "history": history, "second_history": len(second.history), "limited_history": len(limited.history),
        "missing": missing, "not_cancelable": not_cancelable, "correlation_id": MessageToDict(task.metadata).get("correlation_id"),
    }


async def stream_scenario(args, http):
    card = await resolve(args, http, args.project)
    assert card.capabilities.streaming
    client = client_for(http, card, streaming=True)
    events = await collect(client, SendMessageRequest(message=user_message(args.text)))
    assert events and events[0].HasField("task"), events
    first = events[0].task
    summary = summarize_stream(events)
    got = await client.get_task(GetTaskRequest(id=first.id))
    await client.close()
    summary.update({
        "task_id": first.id, "first_state": state_name(first.status.state), "final_state": summary["states"][-1],
        "get_state": state_name(got.status.state), "get_answer": text_of(got.artifacts[0].parts) if got.artifacts else None,
    })
    return summary


def processes_with(marker):
    found = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if marker.encode() in f.read():
                    found += 1
        except OSError:
            pass
    return found


async def cancel_scenario(args, http):
    # Built here, so that no command line but the sandboxed `sleep`'s holds it (not ours, not timeout's).
    marker = "3600.%d" % args.model_port
    card = await resolve(args, http, args.project)
    client = client_for(http, card, streaming=False)
    request = SendMessageRequest(message=user_message("scenario:sleep_tool"))
    request.configuration.return_immediately = True
    events = await collect(client, request)
    task = events[0].task
    assert task.status.state in (TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING), task
    deadline = time.time() + 30
    while processes_with(marker) == 0:
        assert time.time() < deadline, "the tool never started in its sandbox"
        await asyncio.sleep(0.1)
    before = processes_with(marker)
    running = await client.get_task(GetTaskRequest(id=task.id))
    assert running.status.state == TaskState.TASK_STATE_WORKING, running
    cancelled = await client.cancel_task(CancelTaskRequest(id=task.id))
    left = processes_with(marker)
    got = await client.get_task(GetTaskRequest(id=task.id))
    await client.close()
    return {
        "task_id": task.id, "immediate_state": state_name(task.status.state), "running_state": state_name(running.status.state),
        "cancel_state": state_name(cancelled.status.state), "get_state": state_name(got.status.state),
        "processes_before": before, "processes_left": left,
    }


async def denied_scenario(args, http):
    """The project's protocol_allowlist lacks a2a: the card is refused (403), and a client that
    already has a card (here: a copy pointed at the refusing project) gets UnsupportedOperationError."""
    try:
        await A2ACardResolver(http, base_url(args, args.project)).get_agent_card()
        card_error = None
    except A2AClientError as error:
        card_error = str(error)
    except Exception as error:  # the resolver's own error type
        card_error = "%s: %s" % (type(error).__name__, error)
    card = await resolve(args, http, args.other)
    for interface in card.supported_interfaces:
        interface.url = interface.url.replace("/projects/%s/" % args.other, "/projects/%s/" % args.project)
    client = client_for(http, card, streaming=False)
    try:
        await collect(client, SendMessageRequest(message=user_message("scenario:final")))
        send_error = None
    except UnsupportedOperationError as error:
        send_error = {"type": type(error).__name__, "message": error.message, "data": error.data}
    await client.close()
    return {"card_error": card_error, "send_error": send_error}


async def scoped_scenario(args, http):
    """A token scoped to --project reaches its card and tasks, and nothing of --other."""
    card = await resolve(args, http, args.project)
    client = client_for(http, card, streaming=False)
    events = await collect(client, SendMessageRequest(message=user_message("scenario:final")))
    own_state = state_name(events[0].task.status.state)
    try:
        await A2ACardResolver(http, base_url(args, args.other)).get_agent_card()
        other_card = "reached"
    except Exception as error:
        other_card = "%s: %s" % (type(error).__name__, error)
    for interface in card.supported_interfaces:
        interface.url = interface.url.replace("/projects/%s/" % args.project, "/projects/%s/" % args.other)
    other = client_for(http, card, streaming=False)
    try:
        await collect(other, SendMessageRequest(message=user_message("scenario:final")))
        other_send = "reached"
    except A2AClientError as error:
        other_send = str(error)
    await client.close()
    return {"own_state": own_state, "other_card": other_card, "other_send": other_send, "first_interface": card.supported_interfaces[0].url}


SCENARIOS = {
    "card": card_scenario, "send": send_scenario, "stream": stream_scenario, "cancel": cancel_scenario,
    "denied": denied_scenario, "scoped": scoped_scenario,
}


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--socket")
    parser.add_argument("--url")
    parser.add_argument("--token")
    parser.add_argument("--project", required=True)
    parser.add_argument("--other")
    parser.add_argument("--text", default="scenario:final")
    parser.add_argument("--model-port", type=int, help="cancel: the fake model's port, which the sandboxed sleep's argument ends with")
    args = parser.parse_args()
    assert bool(args.socket) != bool(args.url), "give --socket or --url"
    async with http_client(args) as http:
        summary = await SCENARIOS[args.scenario](args, http)
    from importlib.metadata import version
    summary["sdk"] = version("a2a-sdk")
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main())
